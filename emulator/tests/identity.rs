//! Entra ID endpoints over real HTTPS: discovery, every grant and its errors.

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use common::*;
use reqwest::StatusCode;
use rustls_pki_types::pem::PemObject;
use serde_json::{json, Value};

const SP_KEY: &str = include_str!("../seed/sp-key.pem");
const SP_CERT: &str = include_str!("../seed/sp-cert.pem");

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn cert_der() -> Vec<u8> {
    rustls_pki_types::CertificateDer::from_pem_slice(SP_CERT.as_bytes()).unwrap().to_vec()
}

/// A client assertion signed with the test SP's key.
fn sign(alg: &str, header: Value, claims: Value) -> String {
    let der = rustls_pki_types::PrivateKeyDer::from_pem_slice(SP_KEY.as_bytes()).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(der.secret_der()).unwrap();
    let mut h = json!({"alg": alg, "typ": "JWT"});
    for (k, v) in header.as_object().unwrap() {
        h[k] = v.clone();
    }
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(h.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut sig = vec![0; key.public().modulus_len()];
    let padding: &dyn ring::signature::RsaEncoding = if alg == "PS256" { &ring::signature::RSA_PSS_SHA256 } else { &ring::signature::RSA_PKCS1_SHA256 };
    key.sign(padding, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn sha1_padded() -> String {
    URL_SAFE.encode(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert_der()))
}

fn sha256_unpadded() -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &cert_der()))
}

fn assertion_claims(emu: &Emu, aud_tenant: &str) -> Value {
    let t = now();
    json!({"aud": format!("{}/{aud_tenant}/oauth2/v2.0/token", emu.base), "iss": SP, "sub": SP, "jti": uuid::Uuid::new_v4().to_string(), "nbf": t, "exp": t + 600})
}

async fn with_assertion(emu: &Emu, assertion: &str) -> (StatusCode, Value) {
    emu.token(
        CONTOSO,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SP),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
            ("scope", ARM_SCOPE),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn openid_configuration_keeps_aliases_and_maps_domains_to_guids() {
    let emu = start().await;
    let common: Value = emu.get("/common/v2.0/.well-known/openid-configuration").await.json().await.unwrap();
    assert_eq!(common["token_endpoint"], format!("{}/common/oauth2/v2.0/token", emu.base));
    assert_eq!(common["issuer"], format!("{}/{{tenantid}}/v2.0", emu.base));
    assert!(common["response_modes_supported"].as_array().unwrap().contains(&json!("form_post")));
    assert!(common["device_authorization_endpoint"].as_str().unwrap().ends_with("/common/oauth2/v2.0/devicecode"));
    let org: Value = emu.get("/organizations/v2.0/.well-known/openid-configuration").await.json().await.unwrap();
    assert!(org["authorization_endpoint"].as_str().unwrap().contains("/organizations/"));
    let domain: Value = emu.get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration").await.json().await.unwrap();
    assert_eq!(domain["token_endpoint"], format!("{}/{CONTOSO}/oauth2/v2.0/token", emu.base));
    assert_eq!(domain["issuer"], format!("{}/{CONTOSO}/v2.0", emu.base));

    let r = emu.get("/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration").await;
    let (s, v) = json_of(r).await;
    assert_aad_error(s, &v, 400, "invalid_tenant", 90002);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_instance_discovery_and_plain_http_on_the_same_port() {
    let emu = start().await;
    let keys: Value = emu.get("/common/discovery/v2.0/keys").await.json().await.unwrap();
    let k = &keys["keys"][0];
    assert_eq!(k["kty"], "RSA");
    assert!(k["n"].as_str().unwrap().len() > 300 && k["kid"].is_string());
    // Tokens carry that kid.
    let t = emu.sp_token().await;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(t.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["kid"], k["kid"]);
    assert_eq!(header["alg"], "RS256");

    let d: Value = emu
        .get("/common/discovery/instance?api-version=1.1&authorization_endpoint=https://127.0.0.1/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
        .await
        .json()
        .await
        .unwrap();
    assert!(d["tenant_discovery_endpoint"].as_str().unwrap().ends_with("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"));
    assert!(d["metadata"][0]["aliases"].is_array());

    // Plain HTTP on the same port; URLs handed out follow the scheme used.
    let plain: Value = reqwest::get(format!("{}/common/v2.0/.well-known/openid-configuration", emu.http_base)).await.unwrap().json().await.unwrap();
    assert!(plain["token_endpoint"].as_str().unwrap().starts_with("http://127.0.0.1:"));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_with_secret_in_body_and_basic() {
    let emu = start().await;
    let (s, v) = emu
        .token("contoso.onmicrosoft.com", &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", ARM_SCOPE), ("claims", r#"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#)])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], ARM_SCOPE);
    for k in ["expires_in", "ext_expires_in", "refresh_in"] {
        assert!(v[k].as_u64().unwrap() > 0, "{k}");
    }
    assert!(v.get("refresh_token").is_none() && v.get("id_token").is_none());
    let c = claims(v["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://management.core.windows.net/");
    assert_eq!(c["iss"], format!("https://sts.windows.net/{CONTOSO}/"));
    assert_eq!((c["tid"].as_str(), c["appid"].as_str(), c["idtyp"].as_str()), (Some(CONTOSO), Some(SP), Some("app")));
    assert_eq!(c["oid"], "00000000-0000-0000-0000-0000000000d1");
    assert_eq!(c["xms_cc"], json!(["CP1"]));
    assert!(c["exp"].as_u64().unwrap() > c["iat"].as_u64().unwrap() && c["nbf"].is_u64());

    let r = emu
        .client
        .post(format!("{}/{CONTOSO}/oauth2/v2.0/token", emu.base))
        .basic_auth(SP, Some(SP_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "https://management.azure.com/.default")])
        .send()
        .await
        .unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(claims(v["access_token"].as_str().unwrap())["aud"], "https://management.azure.com/");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_errors() {
    let emu = start().await;
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", "nope"), ("scope", ARM_SCOPE)]).await;
    assert_aad_error(s, &v, 401, "invalid_client", 7000215);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", SP), ("scope", ARM_SCOPE)]).await;
    assert_aad_error(s, &v, 401, "invalid_client", 7000218);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", "11111111-1111-1111-1111-111111111111"), ("client_secret", "x"), ("scope", ARM_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "unauthorized_client", 700016);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", "https://management.azure.com/user_impersonation")]).await;
    assert_aad_error(s, &v, 400, "invalid_scope", 1002012);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET)]).await;
    assert_aad_error(s, &v, 400, "invalid_request", 900144);
    // The SP lives in Contoso only.
    let (s, v) = emu.token(FABRIKAM, &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", ARM_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "unauthorized_client", 700016);
    let (s, v) = emu.token("nosuch", &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", ARM_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "invalid_request", 90002);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "nonsense"), ("client_id", SP), ("client_secret", SP_SECRET)]).await;
    assert_aad_error(s, &v, 400, "unsupported_grant_type", 70003);
    // A public client must not present a secret.
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("client_secret", "x"), ("username", ALICE), ("password", ALICE_PW), ("scope", ARM_SCOPE)]).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700025);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_assertion_rs256_ps256_x5t_x5t256_x5c() {
    let emu = start().await;
    // RS256 + padded SHA-1 x5t (MSAL Python with a PEM), aud via the domain name.
    let a = sign("RS256", json!({"x5t": sha1_padded()}), assertion_claims(&emu, CONTOSO));
    let (s, v) = with_assertion(&emu, &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(claims(v["access_token"].as_str().unwrap())["appidacr"], "2");
    // PS256 + unpadded x5t#S256 with string time claims (MSAL.NET style).
    let t = now();
    let c = json!({"aud": format!("{}/contoso.onmicrosoft.com/oauth2/v2.0/token", emu.base), "iss": SP, "sub": SP, "jti": "j2", "nbf": t.to_string(), "exp": (t + 600).to_string()});
    let a = sign("PS256", json!({"x5t#S256": sha256_unpadded()}), c);
    let (s, v) = with_assertion(&emu, &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // x5c as an array of base64 with line breaks, float times (MSAL Python SN+I).
    let b64 = STANDARD.encode(cert_der());
    let wrapped: String = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap().to_string() + "\n").collect();
    let c = json!({"aud": format!("{}/{CONTOSO}/oauth2/v2.0/token", emu.base), "iss": SP, "sub": SP, "jti": "j3", "iat": t as f64 + 0.5, "exp": t as f64 + 600.25});
    let a = sign("PS256", json!({"x5c": [wrapped]}), c);
    let (s, v) = with_assertion(&emu, &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // x5c as a single string (MSAL.NET SendX5C).
    let a = sign("RS256", json!({"x5c": b64, "x5t": sha1_padded()}), assertion_claims(&emu, CONTOSO));
    assert_eq!(with_assertion(&emu, &a).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_assertion_errors_and_opt_in_replay_check() {
    let emu = start().await;
    // Wrong audience.
    let mut c = assertion_claims(&emu, CONTOSO);
    c["aud"] = json!("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    let (s, v) = with_assertion(&emu, &sign("RS256", json!({"x5t": sha1_padded()}), c)).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700212);
    // Expired.
    let mut c = assertion_claims(&emu, CONTOSO);
    c["exp"] = json!(now() - 3600);
    let (s, v) = with_assertion(&emu, &sign("RS256", json!({"x5t": sha1_padded()}), c)).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700024);
    // Unregistered thumbprint.
    let (s, v) = with_assertion(&emu, &sign("RS256", json!({"x5t": URL_SAFE_NO_PAD.encode([7u8; 20])}), assertion_claims(&emu, CONTOSO))).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700027);
    // Tampered signature.
    let good = sign("RS256", json!({"x5t": sha1_padded()}), assertion_claims(&emu, CONTOSO));
    let bad = format!("{}AAAA", &good[..good.len() - 4]);
    let (s, v) = with_assertion(&emu, &bad).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700027);
    // sub must be the client id.
    let mut c = assertion_claims(&emu, CONTOSO);
    c["sub"] = json!("someone-else");
    let (s, v) = with_assertion(&emu, &sign("RS256", json!({"x5t": sha1_padded()}), c)).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700021);

    // Reuse of an assertion is accepted by default (MSAL reuses them until near expiry)...
    assert_eq!(with_assertion(&emu, &good).await.0, StatusCode::OK);
    assert_eq!(with_assertion(&emu, &good).await.0, StatusCode::OK);
    // ...and refused only with the opt-in fault.
    emu.admin("settings", json!({"rejectReplayedJti": true})).await;
    let fresh = sign("RS256", json!({"x5t": sha1_padded()}), assertion_claims(&emu, CONTOSO));
    assert_eq!(with_assertion(&emu, &fresh).await.0, StatusCode::OK);
    let (s, v) = with_assertion(&emu, &fresh).await;
    assert_aad_error(s, &v, 401, "invalid_client", 7000272);
}

#[tokio::test(flavor = "multi_thread")]
async fn federated_credentials() {
    let emu = start().await;
    let minted = emu.admin("federated-token", json!({"subject": "repo:contoso/app:ref:refs/heads/main"})).await;
    assert_eq!(minted["issuer"], "https://token.azrs-emulator.test");
    let (s, v) = with_assertion(&emu, minted["token"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(claims(v["access_token"].as_str().unwrap())["appid"], SP);

    let other = emu.admin("federated-token", json!({"subject": "repo:evil/app:ref:refs/heads/main"})).await;
    let (s, v) = with_assertion(&emu, other["token"].as_str().unwrap()).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700213);
    let wrong_aud = emu.admin("federated-token", json!({"subject": "repo:contoso/app:ref:refs/heads/main", "audience": "api://other"})).await;
    let (s, v) = with_assertion(&emu, wrong_aud["token"].as_str().unwrap()).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700212);
    // An issuer with no federated credential (signed by someone else entirely).
    let t = now();
    let foreign = sign("RS256", json!({}), json!({"iss": "https://evil.example", "sub": "x", "aud": "api://AzureADTokenExchange", "exp": t + 600}));
    let (s, v) = with_assertion(&emu, &foreign).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700211);
    // Expired federated token.
    let expired = emu.admin("federated-token", json!({"subject": "repo:contoso/app:ref:refs/heads/main", "lifetime": -3600})).await;
    let (s, v) = with_assertion(&emu, expired["token"].as_str().unwrap()).await;
    assert_aad_error(s, &v, 401, "invalid_client", 700024);
}

fn pkce() -> (String, String) {
    let verifier = "a-very-long-code-verifier-of-at-least-43-characters-0123456789".to_string();
    let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(emu: &Emu, tenant: &str, client: &str, redirect: &str, mode: Option<&str>, challenge: &str, extra: &str) -> String {
    let mut u = url::Url::parse(&format!("{}/{tenant}/oauth2/v2.0/authorize", emu.base)).unwrap();
    u.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", USER_SCOPE)
        .append_pair("state", "st4te/+=")
        .append_pair("nonce", "n0nce")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("client_info", "1")
        .append_pair("X-AnchorMailbox", "UPN:alice@contoso.onmicrosoft.com")
        .append_pair("claims", r#"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#);
    if let Some(m) = mode {
        u.query_pairs_mut().append_pair("response_mode", m);
    }
    format!("{u}{extra}")
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("{name} not in {html}")) + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Drives the sign-in page like a browser; returns the authorize response (302 or form_post page).
async fn sign_in(emu: &Emu, url: &str, tenant: &str, user: &str, password: &str) -> reqwest::Response {
    let page = emu.client.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form") && html.contains("name=\"password\""));
    let q = hidden(&html, "q");
    emu.client
        .post(format!("{}/{tenant}/oauth2/v2.0/authorize", emu.base))
        .form(&[("q", q.as_str()), ("username", user), ("password", password), ("action", "signin")])
        .send()
        .await
        .unwrap()
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_code_pkce_query_mode() {
    let emu = start().await;
    let (verifier, challenge) = pkce();
    let redirect = "http://localhost:34191";
    let r = sign_in(&emu, &authorize_url(&emu, "organizations", PS_CLIENT, redirect, None, &challenge, ""), "organizations", ALICE, ALICE_PW).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("http://localhost:34191/?") || loc.starts_with("http://localhost:34191?"), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], "st4te/+=");
    assert!(q.contains_key("client_info"));
    let code = q["code"].clone();

    let form = [("grant_type", "authorization_code"), ("client_id", PS_CLIENT), ("code", code.as_str()), ("redirect_uri", redirect), ("code_verifier", verifier.as_str()), ("scope", USER_SCOPE), ("client_info", "1")];
    let (s, v) = emu.token("organizations", &form).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["foci"], "1");
    assert!(v["refresh_token"].is_string());
    assert_eq!(v["scope"], "https://management.core.windows.net//user_impersonation https://management.core.windows.net//.default");
    let id = claims(v["id_token"].as_str().unwrap());
    assert_eq!((id["nonce"].as_str(), id["aud"].as_str(), id["tid"].as_str()), (Some("n0nce"), Some(PS_CLIENT), Some(CONTOSO)));
    assert_eq!(id["preferred_username"], ALICE);
    assert_eq!(id["oid"], ALICE_OID);
    let ci: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(v["client_info"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(ci, json!({"uid": ALICE_OID, "utid": CONTOSO}));
    let at = claims(v["access_token"].as_str().unwrap());
    assert_eq!((at["upn"].as_str(), at["scp"].as_str(), at["appid"].as_str()), (Some(ALICE), Some("user_impersonation"), Some(PS_CLIENT)));

    // Codes are single use.
    let (s, v) = emu.token("organizations", &form).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 70008);
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_code_form_post_and_pkce_and_redirect_errors() {
    let emu = start().await;
    let (_, challenge) = pkce();
    let redirect = "http://127.0.0.1:50001";
    let r = sign_in(&emu, &authorize_url(&emu, CONTOSO, PUBLIC_APP, redirect, Some("form_post"), &challenge, ""), CONTOSO, ALICE, ALICE_PW).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("action=\"http://127.0.0.1:50001\"") && html.contains("submit()"), "{html}");
    assert_eq!(hidden(&html, "state"), "st4te/+=");
    let code = hidden(&html, "code");
    // Wrong verifier.
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "authorization_code"), ("client_id", PUBLIC_APP), ("code", &code), ("redirect_uri", redirect), ("code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier-x")]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 501481);

    // Redirect URI must match byte for byte at redemption.
    let r = sign_in(&emu, &authorize_url(&emu, CONTOSO, PUBLIC_APP, redirect, None, &challenge, ""), CONTOSO, ALICE, ALICE_PW).await;
    let code = query_of(r.headers()["location"].to_str().unwrap())["code"].clone();
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "authorization_code"), ("client_id", PUBLIC_APP), ("code", &code), ("redirect_uri", "http://127.0.0.1:50002"), ("code_verifier", &pkce().0)]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 500117);

    // A non-loopback redirect is refused with an error page (no redirect).
    let r = emu.client.get(authorize_url(&emu, CONTOSO, PS_CLIENT, "https://evil.example/cb", None, &challenge, "")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("AADSTS50011"));

    // Wrong password: the page again, with an error.
    let r = sign_in(&emu, &authorize_url(&emu, CONTOSO, PS_CLIENT, redirect, None, &challenge, ""), CONTOSO, ALICE, "wrong").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("AADSTS50126"));

    // Cancel: error=access_denied to the client, state echoed.
    let page = emu.client.get(authorize_url(&emu, CONTOSO, PS_CLIENT, redirect, None, &challenge, "")).send().await.unwrap().text().await.unwrap();
    let r = emu.client.post(format!("{}/{CONTOSO}/oauth2/v2.0/authorize", emu.base)).form(&[("q", hidden(&page, "q").as_str()), ("action", "cancel")]).send().await.unwrap();
    let q = query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "st4te/+="));
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_auto_approve_redirects_at_once_for_the_login_hint_user() {
    let emu = start_with(azrs_emulator::Options { auto_approve: true, ..Default::default() }).await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(&emu, "organizations", PS_CLIENT, "http://localhost:1234", None, &challenge, "&login_hint=bob%40fabrikam.onmicrosoft.com");
    let r = emu.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let code = query_of(r.headers()["location"].to_str().unwrap())["code"].clone();
    let (s, v) = emu.token("organizations", &[("grant_type", "authorization_code"), ("client_id", PS_CLIENT), ("code", &code), ("redirect_uri", "http://localhost:1234"), ("code_verifier", &verifier), ("scope", USER_SCOPE)]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(claims(v["id_token"].as_str().unwrap())["preferred_username"], "bob@fabrikam.onmicrosoft.com");
}

async fn devicecode(emu: &Emu, tenant: &str) -> Value {
    let r = emu.client.post(format!("{}/{tenant}/oauth2/v2.0/devicecode", emu.base)).form(&[("client_id", PS_CLIENT), ("scope", USER_SCOPE)]).send().await.unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn poll(emu: &Emu, tenant: &str, dc: &Value, short: bool) -> (StatusCode, Value) {
    let grant = if short { "device_code" } else { "urn:ietf:params:oauth:grant-type:device_code" };
    emu.token(tenant, &[("grant_type", grant), ("client_id", PS_CLIENT), ("device_code", dc["device_code"].as_str().unwrap()), ("client_info", "1")]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_pending_then_approved_on_the_verification_page() {
    let emu = start().await;
    let dc = devicecode(&emu, "organizations").await;
    let code = dc["user_code"].as_str().unwrap();
    assert_eq!(
        dc["message"],
        format!("To sign in, use a web browser to open the page {}/devicelogin and enter the code {code} to authenticate.", emu.base)
    );
    assert!(dc["interval"].as_u64().unwrap() > 0 && dc["expires_in"].as_u64().unwrap() > 0);
    let (s, v) = poll(&emu, "organizations", &dc, false).await;
    assert_aad_error(s, &v, 400, "authorization_pending", 70016);

    let page = emu.client.get(format!("{}/devicelogin", emu.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"code\""));
    let r = emu.client.post(format!("{}/devicelogin", emu.base)).form(&[("code", code), ("username", ALICE), ("password", ALICE_PW), ("action", "approve")]).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("You have signed in"));
    let (s, v) = poll(&emu, "organizations", &dc, true).await; // MSAL.NET's short grant name
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["scope"], "https://management.core.windows.net//user_impersonation https://management.core.windows.net//.default");
    assert_eq!(claims(v["id_token"].as_str().unwrap())["preferred_username"], ALICE);
    // Consumed.
    let (s, v) = poll(&emu, "organizations", &dc, false).await;
    assert_aad_error(s, &v, 400, "bad_verification_code", 70000);
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_declined_expired_slow_down_and_auto_approve() {
    let emu = start().await;
    let dc = devicecode(&emu, CONTOSO).await;
    emu.admin("deny-device", json!({"userCode": dc["user_code"]})).await;
    let (s, v) = poll(&emu, CONTOSO, &dc, false).await;
    assert_aad_error(s, &v, 400, "authorization_declined", 70000);

    // slow_down only as an injected fault.
    emu.admin("settings", json!({"slowDown": true})).await;
    let dc = devicecode(&emu, CONTOSO).await;
    let (s, v) = poll(&emu, CONTOSO, &dc, false).await;
    assert_aad_error(s, &v, 400, "slow_down", 70016);
    emu.admin("settings", json!({"slowDown": false})).await;
    let (s, v) = poll(&emu, CONTOSO, &dc, false).await;
    assert_aad_error(s, &v, 400, "authorization_pending", 70016);

    emu.admin("settings", json!({"deviceCodeLifetime": 0})).await;
    let dc = devicecode(&emu, CONTOSO).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, v) = poll(&emu, CONTOSO, &dc, false).await;
    assert_aad_error(s, &v, 400, "expired_token", 70020);

    emu.admin("settings", json!({"deviceCodeLifetime": 900, "autoApprove": true})).await;
    let dc = devicecode(&emu, FABRIKAM).await;
    let (s, v) = poll(&emu, FABRIKAM, &dc, false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(claims(v["access_token"].as_str().unwrap())["tid"], FABRIKAM);
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_token_rotation_cross_tenant_family_and_revocation() {
    let emu = start().await;
    let first = emu.alice("organizations", PS_CLIENT).await;
    let rt1 = first["refresh_token"].as_str().unwrap();
    // Redeemed at another tenant's endpoint (Fabrikam, where Alice is a guest), rotated.
    let (s, v) = emu.token(FABRIKAM, &[("grant_type", "refresh_token"), ("client_id", PS_CLIENT), ("refresh_token", rt1), ("scope", USER_SCOPE), ("client_info", "1")]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rt2 = v["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_eq!(claims(v["access_token"].as_str().unwrap())["tid"], FABRIKAM);
    assert_eq!(claims(v["id_token"].as_str().unwrap())["tid"], FABRIKAM);
    // home_account_id stays the home one.
    assert_eq!(v["client_info"], first["client_info"]);
    // A family RT works for another family client (Azure CLI)...
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "refresh_token"), ("client_id", CLI_CLIENT), ("refresh_token", &rt2), ("scope", USER_SCOPE)]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // ...not for a non-family client.
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "refresh_token"), ("client_id", PUBLIC_APP), ("refresh_token", &rt2), ("scope", USER_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 70000);
    assert_eq!(v["suberror"], "client_mismatch");
    assert_eq!(v["error_additional_info"], json!(["client_mismatch"]));
    // Revocation.
    let r = emu.admin("revoke", json!({"user": ALICE})).await;
    assert!(r["revoked"].as_u64().unwrap() >= 2);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "refresh_token"), ("client_id", PS_CLIENT), ("refresh_token", &rt2), ("scope", USER_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 50173);
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_in_a_tenant_the_user_is_not_in() {
    let emu = start().await;
    let (s, v) = emu.token(FABRIKAM, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("username", "bob@fabrikam.onmicrosoft.com"), ("password", "Pa55w.rd-bob"), ("scope", USER_SCOPE)]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "refresh_token"), ("client_id", PS_CLIENT), ("refresh_token", v["refresh_token"].as_str().unwrap()), ("scope", USER_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 50020);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_grant_success_mfa_and_errors() {
    let emu = start().await;
    let v = emu.alice("contoso.onmicrosoft.com", PS_CLIENT).await;
    let at = claims(v["access_token"].as_str().unwrap());
    assert_eq!((at["tid"].as_str(), at["upn"].as_str()), (Some(CONTOSO), Some(ALICE)));
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("username", MFA), ("password", "Pa55w.rd-mfa"), ("scope", USER_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "interaction_required", 50076);
    assert_eq!(v["suberror"], "basic_action");
    assert!(v["claims"].as_str().unwrap().starts_with('{'), "claims is a JSON string");
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("username", ALICE), ("password", "wrong"), ("scope", USER_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 50126);
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("username", "nobody@contoso.onmicrosoft.com"), ("password", "x"), ("scope", USER_SCOPE)]).await;
    assert_aad_error(s, &v, 400, "invalid_grant", 50034);
    // A user added through the admin API signs in.
    emu.admin("users", json!({"id": "00000000-0000-0000-0000-0000000000b9", "upn": "new@contoso.onmicrosoft.com", "password": "pw", "homeTenant": CONTOSO})).await;
    let (s, v) = emu.token(CONTOSO, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("username", "new@contoso.onmicrosoft.com"), ("password", "pw"), ("scope", USER_SCOPE)]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}
