//! Sign-in flows, one file each. A flow takes what it needs (endpoints, credentials, the
//! request's env, a log sink) and returns a [`Token`]; it never touches files or PowerShell.
//! Token-endpoint errors become [`AzError`]s with Entra's code, and interaction-required errors
//! carry Az's actionable "run Connect-AzAccount" guidance.

pub mod access_token;
pub mod browser;
pub mod client_certificate;
pub mod client_secret;
pub mod device_code;
pub mod federated;
pub mod managed_identity;
pub mod net;
pub mod refresh;
pub mod session;
pub mod username_password;

use crate::error::{AzError, AzResult, Category};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Azure PowerShell's first-party public client id (every user flow and silent refresh).
pub const POWERSHELL_CLIENT_ID: &str = "1950a258-227b-4e31-a9cf-717495945fc2";
/// Scopes public-client flows add so they get a refresh token and an id token.
pub const OIDC_SCOPES: &str = "offline_access openid profile";
/// CAE capability, as Az sends it (isCaeEnabled: true).
pub const CP1_CLAIMS: &str = r#"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#;

/// The `claims` parameter of a user sign-in: CAE's client capability (CP1), merged into the
/// claims challenge a resource returned (`-ClaimsChallenge`: base64 of the JSON claims request from
/// its WWW-Authenticate header; plain JSON is accepted too).
pub fn claims_with_challenge(challenge: Option<&str>) -> crate::error::AzResult<String> {
    use base64::Engine as _;
    let Some(c) = challenge.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(CP1_CLAIMS.to_string()) };
    let invalid = |why: &str| {
        crate::error::AzError::invalid_argument("InvalidClaimsChallenge", format!("-ClaimsChallenge is not a base64-encoded JSON claims request ({why})."))
            .with_remedy("Pass the claims value of the resource's WWW-Authenticate header as it is.")
    };
    let bytes = if c.starts_with('{') {
        c.as_bytes().to_vec()
    } else {
        base64::engine::general_purpose::STANDARD.decode(c)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c.trim_end_matches('=')))
            .map_err(|_| invalid("not base64"))?
    };
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| invalid("not JSON"))?;
    let at = v.as_object_mut().ok_or_else(|| invalid("not a JSON object"))?
        .entry("access_token").or_insert_with(|| serde_json::json!({}));
    at.as_object_mut().ok_or_else(|| invalid("access_token is not an object"))?
        .entry("xms_cc").or_insert_with(|| serde_json::json!({"values": ["CP1"]}));
    Ok(v.to_string())
}

/// Where to send token requests: `{authority}{tenant}/oauth2/v2.0/...`.
#[derive(Debug, Clone)]
pub struct Authority {
    /// ActiveDirectoryAuthority with a trailing slash, e.g. `https://login.microsoftonline.com/`.
    pub host: String,
    pub tenant: String,
}

impl Authority {
    pub fn new(host: &str, tenant: &str) -> Self {
        let mut h = host.trim().to_string();
        if !h.ends_with('/') {
            h.push('/');
        }
        Authority { host: h, tenant: tenant.to_string() }
    }
    pub fn token_url(&self) -> String {
        format!("{}{}/oauth2/v2.0/token", self.host, self.tenant)
    }
    pub fn device_code_url(&self) -> String {
        format!("{}{}/oauth2/v2.0/devicecode", self.host, self.tenant)
    }
    pub fn authorize_url(&self) -> String {
        format!("{}{}/oauth2/v2.0/authorize", self.host, self.tenant)
    }
    pub fn with_tenant(&self, tenant: &str) -> Self {
        Authority { host: self.host.clone(), tenant: tenant.to_string() }
    }
}

/// `{resource}/.default`, keeping the double slash for `https://management.core.windows.net/`.
pub fn scope_for(resource: &str) -> String {
    if resource.ends_with("/.default") {
        resource.to_string()
    } else {
        format!("{resource}/.default")
    }
}

/// The resource of a `.default` scope (managed identity takes resources, not scopes).
pub fn resource_of(scope: &str) -> String {
    scope.strip_suffix("/.default").unwrap_or(scope).to_string()
}

/// A token as a flow returns it. `refresh_token`/`id_token` only for user flows.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Token {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
    /// Unix seconds.
    pub expires_on: i64,
    #[serde(default)]
    pub ext_expires_on: Option<i64>,
    /// Granted scope string (what the cache keys the access token by).
    pub scope: String,
    /// `uid.utid` from client_info, for user tokens.
    #[serde(default)]
    pub home_account_id: Option<String>,
    /// The raw `client_info` (the shared cache derives the account from it).
    #[serde(default)]
    pub client_info: Option<String>,
    #[serde(default)]
    pub foci: Option<String>,
    /// The tenant the token was issued for.
    pub tenant_id: String,
    /// The user's UPN or the app id, read from the token.
    pub user_id: String,
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Decodes a JWT's payload without checking the signature (the client only reads claims).
pub fn jwt_claims(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn b64url_json(s: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn num(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn str_claim(c: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| c.get(*n).and_then(Value::as_str)).map(str::to_string)
}

/// Builds a [`Token`] from a token-endpoint (or managed-identity) success body.
pub fn token_from_response(body: &Value, requested_scope: &str, tenant_hint: &str) -> AzResult<Token> {
    let access_token = body.get("access_token").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| {
        AzError::new("InvalidTokenResponse", Category::InvalidResult, "The token endpoint answered without an access token.")
    })?;
    let now = now();
    let expires_on = body
        .get("expires_on")
        .and_then(num)
        .or_else(|| body.get("expires_in").and_then(num).map(|s| now + s))
        .unwrap_or(now + 3600);
    let at_claims = jwt_claims(access_token).unwrap_or(Value::Null);
    let id_claims = body.get("id_token").and_then(Value::as_str).and_then(jwt_claims).unwrap_or(Value::Null);
    let client_info = body.get("client_info").and_then(Value::as_str).and_then(b64url_json);
    let home_account_id = client_info.as_ref().and_then(|ci| {
        Some(format!("{}.{}", ci.get("uid")?.as_str()?, ci.get("utid")?.as_str()?))
    });
    let tenant_id = str_claim(&id_claims, &["tid"])
        .or_else(|| str_claim(&at_claims, &["tid"]))
        .unwrap_or_else(|| tenant_hint.to_string());
    let user_id = str_claim(&id_claims, &["preferred_username", "upn"])
        .or_else(|| str_claim(&at_claims, &["upn", "preferred_username", "unique_name", "appid", "azp", "oid"]))
        .unwrap_or_default();
    Ok(Token {
        access_token: access_token.to_string(),
        refresh_token: body.get("refresh_token").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string),
        id_token: body.get("id_token").and_then(Value::as_str).map(str::to_string),
        expires_on,
        ext_expires_on: body.get("ext_expires_in").and_then(num).map(|s| now + s),
        scope: body.get("scope").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(requested_scope).to_string(),
        home_account_id,
        client_info: body.get("client_info").and_then(Value::as_str).map(str::to_string),
        foci: body.get("foci").and_then(Value::as_str).map(str::to_string),
        tenant_id,
        user_id,
    })
}

/// Az's guidance when a tenant needs MFA or conditional access.
pub fn interaction_message(tenant: &str) -> String {
    format!("Authentication failed against tenant {tenant}. User interaction is required. This may be due to the conditional access policy settings such as multi-factor authentication (MFA). If you need to access subscriptions in that tenant, please rerun 'Connect-AzAccount' with additional parameter '-TenantId {tenant}'.")
}

/// True for Entra answers that mean "a person has to sign in again".
pub fn needs_interaction(body: &Value) -> bool {
    let error = body.get("error").and_then(Value::as_str).unwrap_or("");
    let codes: Vec<i64> = body.get("error_codes").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default();
    let sub = body.get("suberror").and_then(Value::as_str).unwrap_or("");
    error == "interaction_required"
        || error == "consent_required"
        || (error == "invalid_grant" && sub != "client_mismatch" && sub != "protection_policy_required")
        || codes.iter().any(|c| matches!(c, 50076 | 50079 | 50074 | 53003 | 50158 | 50173 | 700082 | 70043))
}

/// Maps a token-endpoint failure to an error. `silent` = the call was a refresh/silent one, whose
/// interaction-required failures get the "run Connect-AzAccount" remedy.
pub fn token_error(status: u16, body: &Value, tenant: &str, silent: bool) -> AzError {
    let error = body.get("error").and_then(Value::as_str).unwrap_or("");
    let desc = body.get("error_description").and_then(Value::as_str).unwrap_or("");
    // Entra appends trace/correlation lines; the first line is the message.
    let first = desc.lines().next().unwrap_or("").trim().to_string();
    let aadsts = first.split(':').next().filter(|s| s.starts_with("AADSTS")).map(str::to_string);
    let detail = if first.is_empty() { format!("HTTP {status} {error}") } else { first.clone() };
    let mut e = if needs_interaction(body) {
        let msg = if silent { interaction_message(tenant) } else { format!("Interactive authentication is needed: {detail}") };
        AzError::new("InteractionRequired", Category::AuthenticationError, msg).with_remedy(format!(
            "Run 'Connect-AzAccount -TenantId {tenant}' (interactive or -UseDeviceAuthentication) to sign in again."
        ))
    } else if error == "invalid_client" || error == "unauthorized_client" {
        AzError::new("InvalidClientCredential", Category::AuthenticationError, detail)
            .with_remedy("Check the application id, tenant and the secret or certificate.")
    } else if status == 429 || status >= 500 || error == "temporarily_unavailable" {
        AzError::new("ServiceUnavailable", Category::ResourceUnavailable, detail).with_remedy("Try again in a moment.")
    } else {
        AzError::new("AuthenticationFailed", Category::AuthenticationError, detail)
    };
    e.aadsts = aadsts;
    e.correlation_id = body.get("correlation_id").and_then(Value::as_str).map(str::to_string);
    e
}

/// POSTs a token request, retrying once on 5xx/429 (as MSAL does), and parses the answer.
pub async fn request_token(env: &crate::Env, log: net::Log<'_>, authority: &Authority, form: &[(&str, &str)], scope: &str, silent: bool) -> AzResult<Token> {
    let url = authority.token_url();
    let mut attempt = 0;
    loop {
        let r = net::post_form(env, log, &url, form).await?;
        if r.status == 200 {
            return token_from_response(&r.body, scope, &authority.tenant);
        }
        if (r.status >= 500 || r.status == 429) && attempt < 2 {
            attempt += 1;
            let wait = r.retry_after.unwrap_or(1).min(5);
            tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 / if r.retry_after.is_some() { 1 } else { 4 })).await;
            continue;
        }
        return Err(token_error(r.status, &r.body, &authority.tenant, silent));
    }
}

pub fn random_b64url(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

#[cfg(test)]
mod claims_tests {
    use super::*;

    #[test]
    fn claims_challenge_keeps_cp1_and_the_challenge() {
        use base64::Engine as _;
        assert_eq!(claims_with_challenge(None).unwrap(), CP1_CLAIMS);
        let challenge = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(challenge);
        for given in [b64.as_str(), challenge] {
            let v: serde_json::Value = serde_json::from_str(&claims_with_challenge(Some(given)).unwrap()).unwrap();
            assert_eq!(v["access_token"]["acrs"]["value"], "c1");
            assert_eq!(v["access_token"]["xms_cc"]["values"][0], "CP1");
        }
        // "WzFd" is [1]: JSON, but not an object.
        for bad in ["not base64 !!", "bm90IGpzb24=", "WzFd"] {
            assert_eq!(claims_with_challenge(Some(bad)).unwrap_err().code, "InvalidClaimsChallenge", "{bad}");
        }
    }
}
