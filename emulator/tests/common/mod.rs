//! Shared helpers: start an emulator in-process on a free port and talk to it over real HTTPS.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

pub const CONTOSO: &str = "00000000-0000-0000-0000-0000000000a1";
pub const FABRIKAM: &str = "00000000-0000-0000-0000-0000000000a2";
pub const ALICE: &str = "alice@contoso.onmicrosoft.com";
pub const ALICE_PW: &str = "Pa55w.rd-alice";
pub const ALICE_OID: &str = "00000000-0000-0000-0000-0000000000b1";
pub const MFA: &str = "mfa@contoso.onmicrosoft.com";
pub const PS_CLIENT: &str = "1950a258-227b-4e31-a9cf-717495945fc2";
pub const CLI_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const PUBLIC_APP: &str = "00000000-0000-0000-0000-0000000000c2";
pub const SP: &str = "00000000-0000-0000-0000-0000000000c1";
pub const SP_SECRET: &str = "Emu.Secret-c1~not-a-real-secret";
pub const ARM_SCOPE: &str = "https://management.core.windows.net//.default";
pub const USER_SCOPE: &str = "https://management.core.windows.net//.default offline_access openid profile";

pub struct Emu {
    pub running: azrs_emulator::Running,
    pub base: String,
    pub http_base: String,
    pub client: Client,
    _dir: TempDir,
}

/// A temp dir removed on drop (no extra crate needed).
pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn start() -> Emu {
    start_with(azrs_emulator::Options::default()).await
}

pub async fn start_with(mut opts: azrs_emulator::Options) -> Emu {
    let dir = std::env::temp_dir().join(format!("azrs-emu-test-{}", uuid::Uuid::new_v4()));
    opts.state_dir = Some(dir.clone());
    let running = azrs_emulator::start(opts).await.expect("emulator starts");
    let ca = reqwest::Certificate::from_pem(running.ca_pem.as_bytes()).unwrap();
    let client = Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Emu { base: running.authority(), http_base: running.info["http"].as_str().unwrap().to_string(), running, client, _dir: TempDir(dir) }
}

pub fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("jwt payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).unwrap()).unwrap()
}

impl Emu {
    pub async fn token(&self, tenant: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self.client.post(format!("{}/{tenant}/oauth2/v2.0/token", self.base)).form(form).send().await.unwrap();
        json_of(r).await
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let r = self.client.post(format!("{}/admin/{path}", self.base)).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "admin {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn stats(&self) -> Value {
        self.client.get(format!("{}/admin/stats", self.base)).send().await.unwrap().json().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn arm(&self, path: &str, token: &str) -> (StatusCode, Value) {
        json_of(self.client.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap()).await
    }

    /// Alice's tokens through the password grant (quickest user flow).
    pub async fn alice(&self, tenant: &str, client: &str) -> Value {
        let (s, v) = self
            .token(tenant, &[("grant_type", "password"), ("client_id", client), ("username", ALICE), ("password", ALICE_PW), ("scope", USER_SCOPE)])
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    pub async fn sp_token(&self) -> String {
        let (s, v) = self
            .token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", ARM_SCOPE)])
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }
}

pub async fn json_of(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })))
}

/// Asserts Entra's error shape and returns the body.
pub fn assert_aad_error(status: StatusCode, body: &Value, expected_status: u16, error: &str, code: u64) {
    assert_eq!(status.as_u16(), expected_status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"][0], code, "{body}");
    let d = body["error_description"].as_str().unwrap();
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
    assert!(d.contains("\r\nTrace ID: ") && d.contains("\r\nCorrelation ID: ") && d.contains("\r\nTimestamp: "), "{d}");
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[k].is_string(), "{k} missing: {body}");
    }
}
