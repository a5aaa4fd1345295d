//! Admin API (JSON) for tests: counters, faults, settings, revocation, device approval,
//! federated tokens, users. Documented in emulator/README.md.

pub mod stats;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::identity::devicecode::decide;
use crate::seed::User;
use crate::state::{AppState, DeviceStatus, Settings};
use crate::tokens::now;
use stats::Fault;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/stats", get(get_stats))
        .route("/admin/reset-stats", post(reset_stats))
        .route("/admin/faults", get(get_faults).post(set_faults).delete(clear_faults))
        .route("/admin/settings", get(get_settings).post(set_settings))
        .route("/admin/revoke", post(revoke))
        .route("/admin/approve-device", post(approve_device))
        .route("/admin/deny-device", post(deny_device))
        .route("/admin/federated-token", post(federated_token))
        .route("/admin/users", post(add_user))
        .route("/admin/world", get(world))
}

fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

async fn get_stats(State(s): State<Arc<AppState>>) -> Response {
    Json(s.stats.snapshot()).into_response()
}

async fn reset_stats(State(s): State<Arc<AppState>>) -> Response {
    s.stats.reset();
    Json(json!({"ok": true})).into_response()
}

async fn get_faults(State(s): State<Arc<AppState>>) -> Response {
    Json(json!({"faults": s.stats.faults()})).into_response()
}

/// Body: one fault object or an array of them (`group`, `latencyMs`, `failNext`, `status`,
/// `retryAfter`). A fault with nothing to do removes that group's fault.
async fn set_faults(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let list: Vec<Value> = match body {
        Value::Array(a) => a,
        other => vec![other],
    };
    for v in list {
        match serde_json::from_value::<Fault>(v) {
            Ok(mut f) => {
                if f.group.is_empty() {
                    f.group = "*".into();
                }
                if f.fail_next > 0 && f.status == 0 {
                    f.status = 503;
                }
                s.stats.set_fault(f);
            }
            Err(e) => return bad(format!("invalid fault: {e}")),
        }
    }
    Json(json!({"faults": s.stats.faults()})).into_response()
}

async fn clear_faults(State(s): State<Arc<AppState>>) -> Response {
    s.stats.clear_faults();
    Json(json!({"faults": []})).into_response()
}

async fn get_settings(State(s): State<Arc<AppState>>) -> Response {
    Json(s.settings.read().unwrap().clone()).into_response()
}

/// Partial update: only the fields present change.
async fn set_settings(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let mut current = serde_json::to_value(s.settings.read().unwrap().clone()).expect("settings serialize");
    let Value::Object(patch) = body else { return bad("a JSON object is expected") };
    for (k, v) in patch {
        current[k] = v;
    }
    match serde_json::from_value::<Settings>(current) {
        Ok(new) => {
            *s.settings.write().unwrap() = new.clone();
            Json(new).into_response()
        }
        Err(e) => bad(format!("invalid settings: {e}")),
    }
}

/// `{"user": "<upn or object id>"}`: every refresh token of the user stops working.
async fn revoke(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let who = body["user"].as_str().unwrap_or_default().to_string();
    let oid = {
        let world = s.world.read().unwrap();
        world.user_by_name(&who).or(world.user_by_id(&who)).map(|u| u.id.clone())
    };
    let Some(oid) = oid else { return bad(format!("unknown user '{who}'")) };
    let mut rts = s.refresh_tokens.lock().unwrap();
    let before = rts.len();
    rts.retain(|_, r| r.user_id != oid);
    Json(json!({"revoked": before - rts.len()})).into_response()
}

/// `{"userCode": "...", "user": "<upn>"}` (user defaults to the first seeded user).
async fn approve_device(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let code = body["userCode"].as_str().unwrap_or_default();
    let user = {
        let world = s.world.read().unwrap();
        match body["user"].as_str() {
            Some(u) => world.user_by_name(u).map(|u| u.id.clone()),
            None => world.users.first().map(|u| u.id.clone()),
        }
    };
    let Some(user) = user else { return bad("unknown user") };
    match decide(&s, code, DeviceStatus::Approved(user)) {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => bad(e),
    }
}

async fn deny_device(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    match decide(&s, body["userCode"].as_str().unwrap_or_default(), DeviceStatus::Declined) {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => bad(e),
    }
}

/// Mints an external (federated) token as the seed's `federationIssuer`:
/// `{"subject": "...", "audience": "api://AzureADTokenExchange", "lifetime": 600}`.
async fn federated_token(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let Some(sub) = body["subject"].as_str() else { return bad("'subject' is required") };
    let aud = body["audience"].as_str().unwrap_or("api://AzureADTokenExchange");
    let life = body["lifetime"].as_i64().unwrap_or(600);
    let issuer = s.world.read().unwrap().federation_issuer.clone();
    let t = now() as i64;
    let token = s.signer.sign(&json!({"iss": issuer, "sub": sub, "aud": aud, "iat": t, "nbf": t, "exp": t + life, "jti": uuid::Uuid::new_v4().to_string()}));
    Json(json!({"token": token, "issuer": issuer})).into_response()
}

/// Adds (or replaces, by upn) a user: the seed's user shape.
async fn add_user(State(s): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let user: User = match serde_json::from_value(body) {
        Ok(u) => u,
        Err(e) => return bad(format!("invalid user: {e}")),
    };
    let mut world = s.world.write().unwrap();
    world.users.retain(|u| !u.upn.eq_ignore_ascii_case(&user.upn));
    world.users.push(user.clone());
    Json(json!({"id": user.id, "upn": user.upn})).into_response()
}

/// The seeded world (test identities, with their test passwords and secrets; no signing key).
async fn world(State(s): State<Arc<AppState>>) -> Response {
    let mut w = s.world.read().unwrap().clone();
    w.signing_key_pem = None;
    Json(w).into_response()
}
