//! Client authentication at the token endpoint: secret (body or HTTP Basic), certificate
//! assertion (RS256/PS256; x5t, x5t#S256, x5c), federated assertion (a configured external issuer).

use axum::http::HeaderMap;
use base64::Engine;
use std::collections::HashMap;

use super::errors::AadError;
use super::issue::AppAuth;
use crate::seed::{Application, Seed};
use crate::state::AppState;
use crate::tokens::{b64_any, cert_der_from_pem, now, sha1, sha256, verify_with_certificate, Jwt};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SKEW: f64 = 300.0;

/// The client id and, for Basic auth, the secret.
pub fn client_credentials(form: &HashMap<String, String>, headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let mut id = form.get("client_id").cloned();
    let mut secret = form.get("client_secret").cloned();
    if let Some(basic) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")))
    {
        if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) {
            if let Some((u, p)) = String::from_utf8_lossy(&raw).split_once(':') {
                let dec = |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
                id.get_or_insert(dec(u));
                secret.get_or_insert(dec(p));
            }
        }
    }
    (id, secret)
}

pub fn find_app<'a>(world: &'a Seed, client_id: Option<&str>, tenant_label: &str) -> Result<&'a Application, AadError> {
    let Some(id) = client_id.filter(|s| !s.is_empty()) else {
        return Err(AadError::bad("invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."));
    };
    world.app(id).ok_or_else(|| {
        AadError::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{id}' was not found in the directory '{tenant_label}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
        )
    })
}

/// Authenticates the client. `Ok(None)` = a public client that presented no credential.
/// `audiences` = token-endpoint URLs a client assertion may name in `aud`.
pub fn authenticate(
    state: &AppState,
    app: &Application,
    form: &HashMap<String, String>,
    basic_or_body_secret: Option<&str>,
    audiences: &[String],
) -> Result<Option<AppAuth>, AadError> {
    let assertion = form.get("client_assertion");
    if !app.is_confidential() {
        if assertion.is_some() || basic_or_body_secret.is_some() {
            return Err(AadError::invalid_client(700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."));
        }
        return Ok(None);
    }
    if let Some(a) = assertion {
        if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(AadError::bad("invalid_request", 700010, format!("Invalid client_assertion_type; expected '{ASSERTION_TYPE}'.")));
        }
        validate_assertion(state, app, a, audiences)?;
        return Ok(Some(AppAuth::Assertion));
    }
    match basic_or_body_secret {
        Some(s) if app.secrets.iter().any(|x| x == s) => Ok(Some(AppAuth::Secret)),
        Some(_) => Err(AadError::invalid_client(
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '".to_string() + &app.app_id + "'.",
        )),
        None => Err(AadError::invalid_client(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")),
    }
}

fn assertion_error(code: u32, msg: impl AsRef<str>) -> AadError {
    AadError::invalid_client(code, msg)
}

fn validate_assertion(state: &AppState, app: &Application, token: &str, audiences: &[String]) -> Result<(), AadError> {
    let jwt = Jwt::parse(token).map_err(|e| assertion_error(50027, format!("JWT token is invalid or malformed: {e}.")))?;
    let iss = jwt.claim_str("iss").unwrap_or_default().to_string();
    if iss.eq_ignore_ascii_case(&app.app_id) {
        validate_certificate_assertion(state, app, &jwt, audiences)
    } else {
        validate_federated_assertion(state, app, &jwt)
    }
}

/// Certificate credential (protocol §4.2): the JWT names the certificate by thumbprint (or carries
/// it in x5c); the certificate must be registered on the app.
fn validate_certificate_assertion(state: &AppState, app: &Application, jwt: &Jwt, audiences: &[String]) -> Result<(), AadError> {
    let alg = jwt.header_str("alg").unwrap_or_default();
    let registered: Vec<Vec<u8>> = app.certificates.iter().filter_map(|p| cert_der_from_pem(p)).collect();
    let x5t = jwt.header_str("x5t").and_then(b64_any);
    let x5t256 = jwt.header_str("x5t#S256").and_then(b64_any);
    let x5c: Option<Vec<u8>> = match jwt.header.get("x5c") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Array(a)) => a.first().and_then(|v| v.as_str()).map(String::from),
        _ => None,
    }
    .and_then(|s| {
        let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(clean).ok()
    });
    let cert = registered.iter().find(|der| {
        x5t.as_deref() == Some(sha1(der).as_slice())
            || x5t256.as_deref() == Some(sha256(der).as_slice())
            || x5c.as_deref() == Some(der.as_slice())
    });
    let Some(cert) = cert else {
        return Err(assertion_error(
            700027,
            format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{}']", jwt.header_str("x5t").or(jwt.header_str("x5t#S256")).unwrap_or("none")),
        ));
    };
    verify_with_certificate(cert, alg, jwt.signed_part.as_bytes(), &jwt.signature)
        .map_err(|e| assertion_error(700027, format!("Client assertion failed signature validation. {e}")))?;
    if jwt.claim_str("sub").map(|s| !s.eq_ignore_ascii_case(&app.app_id)).unwrap_or(true) {
        return Err(assertion_error(700021, "Client assertion application identifier doesn't match 'client_id' parameter (iss and sub must be the client id)."));
    }
    let auds = jwt.audiences();
    if !auds.iter().any(|a| audiences.iter().any(|x| x.eq_ignore_ascii_case(a.trim_end_matches('/')))) {
        return Err(assertion_error(700212, format!("The client assertion audience '{}' is not this token endpoint.", auds.join(","))));
    }
    check_times(jwt)?;
    if jwt.claim_str("jti").is_none() {
        return Err(assertion_error(700023, "Client assertion must contain a 'jti' claim."));
    }
    if state.settings.read().unwrap().reject_replayed_jti {
        let jti = jwt.claim_str("jti").unwrap_or_default().to_string();
        if !state.seen_jti.lock().unwrap().insert(jti) {
            return Err(assertion_error(7000272, "The client assertion was already used (jti replay)."));
        }
    }
    Ok(())
}

fn check_times(jwt: &Jwt) -> Result<(), AadError> {
    let t = now() as f64;
    let exp = jwt.claim_time("exp").ok_or_else(|| assertion_error(700024, "Client assertion must contain an 'exp' claim."))?;
    if exp + SKEW < t {
        return Err(assertion_error(700024, "Client assertion is not within its valid time range (expired)."));
    }
    if let Some(nbf) = jwt.claim_time("nbf") {
        if nbf - SKEW > t {
            return Err(assertion_error(700024, "Client assertion is not within its valid time range (not yet valid)."));
        }
    }
    Ok(())
}

/// Workload identity federation: a JWT from a configured external issuer whose subject and
/// audience match one of the app's federated credentials. The emulator can mint such tokens
/// itself (`POST /admin/federated-token`), so it verifies them with its own key.
fn validate_federated_assertion(state: &AppState, app: &Application, jwt: &Jwt) -> Result<(), AadError> {
    let iss = jwt.claim_str("iss").unwrap_or_default();
    let sub = jwt.claim_str("sub").unwrap_or_default();
    let by_issuer: Vec<_> = app.federated_credentials.iter().filter(|f| f.issuer == iss).collect();
    if by_issuer.is_empty() {
        return Err(assertion_error(700211, format!("No matching federated identity record found for presented assertion issuer '{iss}'.")));
    }
    let Some(fic) = by_issuer.iter().find(|f| f.subject == sub) else {
        return Err(assertion_error(700213, format!("No matching federated identity record found for presented assertion subject '{sub}'.")));
    };
    let auds = jwt.audiences();
    if !fic.audiences.iter().any(|a| auds.contains(a)) {
        return Err(assertion_error(700212, format!("No matching federated identity record found for presented assertion audience '{}'.", auds.join(","))));
    }
    let issuer_known = state.world.read().unwrap().federation_issuer == iss;
    if !issuer_known || state.signer.verify(&format!("{}.{}", jwt.signed_part, crate::tokens::b64url(&jwt.signature))).is_err() {
        return Err(assertion_error(700027, "Client assertion failed signature validation (unknown issuer key)."));
    }
    check_times(jwt)
}
