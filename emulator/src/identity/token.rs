//! `POST /{tenant}/oauth2/v2.0/token`: every grant (protocol §2.4, §3, §4, §5, §6).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::sync::Arc;

use super::client_auth::{authenticate, client_credentials, find_app};
use super::errors::AadError;
use super::issue::{app_response, user_response, UserGrant};
use super::{resolve_tenant, TenantRef};
use crate::origin::Origin;
use crate::seed::{Seed, User};
use crate::state::{AppState, DeviceStatus};
use crate::tokens::{b64url, now, sha256};

pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

pub async fn token(State(state): State<Arc<AppState>>, Path(tenant): Path<String>, Origin(origin): Origin, headers: HeaderMap, body: Bytes) -> Response {
    let form = parse_form(&body);
    match handle(&state, &tenant, &origin, &headers, &form) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Token-endpoint URLs a client assertion may carry as `aud` for this tenant.
fn assertion_audiences(world: &Seed, origin: &str, segment: &str, tref: &TenantRef) -> Vec<String> {
    let mut hosts = vec![origin.to_string()];
    if origin.contains("127.0.0.1") {
        hosts.push(origin.replace("127.0.0.1", "localhost"));
    } else if origin.contains("localhost") {
        hosts.push(origin.replace("localhost", "127.0.0.1"));
    }
    let mut segs = vec![segment.to_string()];
    if let Some(t) = tref.id().and_then(|id| world.tenant(id)) {
        segs.push(t.id.clone());
        segs.push(t.domain.clone());
    }
    let mut out = vec![];
    for h in &hosts {
        for s in &segs {
            for suffix in ["/oauth2/v2.0/token", "/oauth2/token", "/v2.0"] {
                out.push(format!("{h}/{s}{suffix}"));
            }
        }
    }
    out
}

fn need<'a>(form: &'a HashMap<String, String>, name: &str) -> Result<&'a str, AadError> {
    form.get(name)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AadError::bad("invalid_request", 900144, format!("The request body must contain the following parameter: '{name}'.")))
}

/// The tenant a user token is issued in: the path tenant (the user must belong to it) or, for
/// common/organizations, the user's home tenant.
fn user_tenant(tref: &TenantRef, user: &User) -> Result<String, AadError> {
    match tref.id() {
        None => Ok(user.home_tenant.clone()),
        Some(id) if user.member_of(id) => Ok(id.to_string()),
        Some(id) => Err(AadError::bad(
            "invalid_grant",
            50020,
            format!("User account '{}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant '{id}' and cannot access the application in that tenant.", user.upn, user.home_tenant),
        )),
    }
}

fn handle(state: &AppState, segment: &str, origin: &str, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<serde_json::Value, AadError> {
    let world = state.world.read().unwrap();
    let tref = resolve_tenant(&world, segment, "invalid_request")?;
    let grant = need(form, "grant_type")?;
    let (client_id, secret) = client_credentials(form, headers);
    let app = find_app(&world, client_id.as_deref(), segment)?;
    if let Some(id) = tref.id() {
        if !app.usable_in(id) {
            return Err(AadError::bad("unauthorized_client", 700016, format!("Application with identifier '{}' was not found in the directory '{segment}'.", app.app_id)));
        }
    }
    let auds = assertion_audiences(&world, origin, segment, &tref);
    let auth = authenticate(state, app, form, secret.as_deref(), &auds)?;
    let claims = form.get("claims").map(String::as_str);

    match grant {
        "client_credentials" => {
            let Some(auth) = auth else {
                return Err(AadError::invalid_client(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
            };
            let scope = need(form, "scope")?;
            if !scope.split_whitespace().all(|s| s.ends_with("/.default")) {
                return Err(AadError::bad("invalid_scope", 1002012, format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")));
            }
            let tid = match tref.id() {
                Some(t) => t.to_string(),
                None => app.tenant.clone().ok_or_else(|| AadError::bad("invalid_request", 90009, "Application is requesting a token for itself without a tenant; use a tenant-specific endpoint."))?,
            };
            Ok(app_response(state, app, &tid, scope, auth, claims))
        }
        "authorization_code" => {
            let code = need(form, "code")?;
            let redirect_uri = need(form, "redirect_uri")?;
            let record = state.codes.lock().unwrap().remove(code);
            let Some(rec) = record.filter(|r| r.expires >= now()) else {
                return Err(AadError::bad("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity, or was already redeemed. Send a new interactive authorization request for this user and resource."));
            };
            if !rec.client_id.eq_ignore_ascii_case(&app.app_id) {
                return Err(AadError::bad("invalid_grant", 70000, "The authorization code was issued to a different client."));
            }
            if rec.redirect_uri != redirect_uri {
                return Err(AadError::bad("invalid_grant", 500117, "The reply uri specified in the request does not match the reply uri used in the authorization request."));
            }
            if let Some(challenge) = &rec.code_challenge {
                let verifier = form.get("code_verifier").map(String::as_str).unwrap_or_default();
                let computed = if rec.code_challenge_method.eq_ignore_ascii_case("S256") { b64url(&sha256(verifier.as_bytes())) } else { verifier.to_string() };
                if verifier.is_empty() || &computed != challenge {
                    return Err(AadError::bad("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
                }
            }
            let user = world.user_by_id(&rec.user_id).ok_or_else(|| AadError::bad("invalid_grant", 50034, "The user account no longer exists."))?;
            let scope = form.get("scope").cloned().unwrap_or(rec.scope.clone());
            Ok(user_response(state, origin, &UserGrant { user, app, tenant_id: &rec.tenant_id, scope: &scope, nonce: rec.nonce.as_deref(), claims, amr: "pwd" }))
        }
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            let dc = need(form, "device_code")?;
            let settings = state.settings.read().unwrap().clone();
            let mut codes = state.device_codes.lock().unwrap();
            let Some(rec) = codes.get(dc) else {
                return Err(AadError::bad("bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid."));
            };
            if !rec.client_id.eq_ignore_ascii_case(&app.app_id) {
                return Err(AadError::bad("invalid_grant", 70000, "The device code was issued to a different client."));
            }
            if rec.expires < now() {
                codes.remove(dc);
                return Err(AadError::bad("expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."));
            }
            match rec.status.clone() {
                DeviceStatus::Pending if settings.slow_down => Err(AadError::bad("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: slow down.")),
                DeviceStatus::Pending => Err(AadError::bad("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")),
                DeviceStatus::Declined => {
                    codes.remove(dc);
                    Err(AadError::bad("authorization_declined", 70000, "The user declined the sign-in request."))
                }
                DeviceStatus::Approved(user_id) => {
                    let rec = codes.remove(dc).expect("present");
                    drop(codes);
                    let user = world.user_by_id(&user_id).ok_or_else(|| AadError::bad("invalid_grant", 50034, "The user account no longer exists."))?;
                    let tref = resolve_tenant(&world, &rec.tenant, "invalid_request")?;
                    let tid = user_tenant(&tref, user)?;
                    Ok(user_response(state, origin, &UserGrant { user, app, tenant_id: &tid, scope: &rec.scope, nonce: None, claims, amr: "pwd" }))
                }
            }
        }
        "refresh_token" => {
            let rt = need(form, "refresh_token")?;
            let Some(rec) = state.refresh_tokens.lock().unwrap().get(rt).cloned() else {
                return Err(AadError::bad("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."));
            };
            if !rec.client_id.eq_ignore_ascii_case(&app.app_id) && !(rec.family && app.family) {
                return Err(AadError::bad("invalid_grant", 70000, "The refresh token was issued to a different client and is not a family refresh token usable by this client.").suberror("client_mismatch"));
            }
            let user = world.user_by_id(&rec.user_id).ok_or_else(|| AadError::bad("invalid_grant", 50034, "The user account no longer exists."))?;
            let tid = user_tenant(&tref, user)?;
            let mut scope = form.get("scope").cloned().unwrap_or_else(|| "openid profile offline_access".into());
            if !scope.split_whitespace().any(|s| s == "offline_access") {
                scope.push_str(" offline_access"); // Entra always rotates the refresh token
            }
            Ok(user_response(state, origin, &UserGrant { user, app, tenant_id: &tid, scope: &scope, nonce: None, claims, amr: "pwd" }))
        }
        "password" => {
            let username = need(form, "username")?;
            let password = need(form, "password")?;
            let scope = form.get("scope").cloned().unwrap_or_else(|| "openid profile offline_access".into());
            let Some(user) = world.user_by_name(username) else {
                return Err(AadError::bad("invalid_grant", 50034, format!("The user account {username} does not exist in the {segment} directory. To sign into this application, the account must be added to the directory.")));
            };
            if user.password != password {
                return Err(AadError::bad("invalid_grant", 50126, "Error validating credentials due to invalid username or password."));
            }
            let tid = user_tenant(&tref, user)?;
            if user.mfa_required {
                return Err(AadError::bad(
                    "interaction_required",
                    50076,
                    format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{}'.", super::issue::parse_scopes(&scope).resource),
                )
                .suberror("basic_action")
                .claims(r#"{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-00000000c0a1"]}}}"#));
            }
            Ok(user_response(state, origin, &UserGrant { user, app, tenant_id: &tid, scope: &scope, nonce: None, claims, amr: "pwd" }))
        }
        other => Err(AadError::bad("unsupported_grant_type", 70003, format!("The app requested an unsupported grant type '{other}'."))),
    }
}
