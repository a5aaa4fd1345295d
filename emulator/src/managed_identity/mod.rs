//! Managed identity endpoints (protocol §7): IMDS, App Service, Cloud Shell, Azure Arc.
//! Every number in these responses is a string, as the real services send them.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

use crate::identity::issue::{managed_identity_token, parse_scopes, user_response, UserGrant};
use crate::origin::Origin;
use crate::seed::{ManagedIdentity, Seed};
use crate::state::{random_token, AppState};
use crate::tokens::now;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/metadata/identity/oauth2/token", get(imds))
        .route("/msi/token", get(app_service))
        .route("/cloudshell/oauth2/token", post(cloud_shell))
        .route("/arc/metadata/identity/oauth2/token", get(arc))
}

fn mi_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// Picks the identity: a user-assigned one by any selector, else the system-assigned one.
fn select<'a>(world: &'a Seed, q: &HashMap<String, String>, resource_key: &str) -> Result<&'a ManagedIdentity, Response> {
    let by = |f: &dyn Fn(&ManagedIdentity) -> &str, v: &str| world.managed_identities.iter().find(|m| f(m).eq_ignore_ascii_case(v));
    let found = if let Some(v) = q.get("client_id") {
        by(&|m| &m.client_id, v)
    } else if let Some(v) = q.get("object_id").or(q.get("principal_id")) {
        by(&|m| &m.object_id, v)
    } else if let Some(v) = q.get(resource_key) {
        by(&|m| &m.resource_id, v)
    } else {
        world.managed_identities.iter().find(|m| m.kind == "system")
    };
    found.ok_or_else(|| mi_error(StatusCode::BAD_REQUEST, "invalid_request", "Identity not found"))
}

fn resource(q: &HashMap<String, String>) -> Result<String, Response> {
    q.get("resource")
        .filter(|r| !r.is_empty())
        .cloned()
        .ok_or_else(|| mi_error(StatusCode::BAD_REQUEST, "invalid_request", "Required query variable 'resource' is missing"))
}

fn has_metadata_header(headers: &HeaderMap) -> bool {
    headers.get("metadata").and_then(|v| v.to_str().ok()).map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(false)
}

/// The IMDS-shaped body (also Arc's).
fn imds_body(state: &AppState, mi: &ManagedIdentity, resource: &str) -> Value {
    let (token, life) = managed_identity_token(state, mi, resource);
    let t = now();
    json!({
        "access_token": token, "refresh_token": "", "client_id": mi.client_id,
        "expires_in": life.to_string(), "expires_on": (t + life).to_string(), "ext_expires_in": life.to_string(),
        "not_before": t.to_string(), "resource": resource, "token_type": "Bearer",
    })
}

/// IMDS: `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...` + `Metadata: true`.
async fn imds(State(state): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !has_metadata_header(&headers) {
        return mi_error(StatusCode::BAD_REQUEST, "bad_request_102", "Required metadata header not specified");
    }
    if q.get("api-version").is_none() {
        return mi_error(StatusCode::BAD_REQUEST, "invalid_request", "Required query variable 'api-version' is missing");
    }
    let res = match resource(&q) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let world = state.world.read().unwrap();
    match select(&world, &q, "msi_res_id") {
        Ok(mi) => Json(imds_body(&state, mi, &res)).into_response(),
        Err(e) => e,
    }
}

/// App Service: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` + `X-IDENTITY-HEADER`.
async fn app_service(State(state): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let secret = headers.get("x-identity-header").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if secret != state.identity_header {
        return (StatusCode::UNAUTHORIZED, Json(json!({"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or invalid."}))).into_response();
    }
    if q.get("api-version").map(String::as_str) != Some("2019-08-01") {
        return (StatusCode::BAD_REQUEST, Json(json!({"statusCode": 400, "message": "api-version 2019-08-01 is required."}))).into_response();
    }
    let res = match resource(&q) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let world = state.world.read().unwrap();
    let mi = match select(&world, &q, "mi_res_id") {
        Ok(m) => m,
        Err(_) => return (StatusCode::BAD_REQUEST, Json(json!({"statusCode": 400, "message": "Identity not found."}))).into_response(),
    };
    let (token, life) = managed_identity_token(&state, mi, &res);
    Json(json!({
        "access_token": token, "expires_on": (now() + life).to_string(), "resource": res,
        "token_type": "Bearer", "client_id": mi.client_id,
    }))
    .into_response()
}

/// Cloud Shell: `POST {MSI_ENDPOINT}` with form `resource=...` + `Metadata: true`; the token
/// belongs to the signed-in user of the shell (the first seeded user).
async fn cloud_shell(State(state): State<Arc<AppState>>, Origin(origin): Origin, headers: HeaderMap, body: Bytes) -> Response {
    if !has_metadata_header(&headers) {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": {"code": "BadRequest", "message": "Required metadata header not specified"}}))).into_response();
    }
    let form = crate::identity::token::parse_form(&body);
    let Some(res) = form.get("resource").filter(|r| !r.is_empty()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": {"code": "BadRequest", "message": "resource is required"}}))).into_response();
    };
    let world = state.world.read().unwrap();
    let (Some(user), Some(app)) = (world.users.first(), world.app("1950a258-227b-4e31-a9cf-717495945fc2").or(world.applications.first())) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": {"code": "NoUser", "message": "the seed has no user"}}))).into_response();
    };
    let scope = format!("{}/.default", res.trim_end_matches('/'));
    let _ = parse_scopes(&scope);
    let r = user_response(&state, &origin, &UserGrant { user, app, tenant_id: &user.home_tenant, scope: &scope, nonce: None, claims: None, amr: "pwd" });
    let life = r["expires_in"].as_u64().unwrap_or(0);
    Json(json!({
        "access_token": r["access_token"], "refresh_token": "", "expires_in": life.to_string(),
        "expires_on": (now() + life).to_string(), "not_before": now().to_string(), "resource": res, "token_type": "Bearer",
    }))
    .into_response()
}

/// Azure Arc: the first call gets `401 WWW-Authenticate: Basic realm=<key file>`; the second must
/// send `Authorization: Basic <file contents>`.
async fn arc(State(state): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !has_metadata_header(&headers) {
        return mi_error(StatusCode::BAD_REQUEST, "bad_request_102", "Required metadata header not specified");
    }
    let res = match resource(&q) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .map(|s| s.trim().to_string());
    let current = state.arc_key.lock().unwrap().clone();
    if let (Some(p), Some((_, secret))) = (&presented, &current) {
        if p == secret {
            let world = state.world.read().unwrap();
            return match select(&world, &q, "msi_res_id") {
                Ok(mi) => Json(imds_body(&state, mi, &res)).into_response(),
                Err(e) => e,
            };
        }
    }
    // New challenge: write a fresh key file and name it in the realm.
    let dir = state.state_dir.join("arc-tokens");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}.key", uuid::Uuid::new_v4()));
    let secret = random_token(32);
    if std::fs::write(&path, &secret).is_err() {
        return mi_error(StatusCode::INTERNAL_SERVER_ERROR, "unknown", "cannot write the Arc key file");
    }
    if let Some((old, _)) = state.arc_key.lock().unwrap().replace((path.clone(), secret)) {
        let _ = std::fs::remove_file(old);
    }
    let mut r = mi_error(StatusCode::UNAUTHORIZED, "unauthorized", "Authorization: Basic <contents of the key file> required");
    if let Ok(v) = HeaderValue::from_str(&format!("Basic realm={}", path.display())) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}
