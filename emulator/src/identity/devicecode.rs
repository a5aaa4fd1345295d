//! Device code flow: `POST /{tenant}/oauth2/v2.0/devicecode` and the verification page
//! `/devicelogin` (approval also through `POST /admin/approve-device` or --auto-approve).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde_json::json;
use std::sync::Arc;

use super::authorize::html_escape;
use super::client_auth::find_app;
use super::errors::AadError;
use super::resolve_tenant;
use super::token::parse_form;
use crate::origin::Origin;
use crate::state::{random_token, AppState, DeviceCode, DeviceStatus};
use crate::tokens::now;

fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..9).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

pub async fn devicecode(State(state): State<Arc<AppState>>, Path(tenant): Path<String>, Origin(origin): Origin, body: Bytes) -> Response {
    let form = parse_form(&body);
    let world = state.world.read().unwrap();
    let result = (|| {
        resolve_tenant(&world, &tenant, "invalid_request")?;
        let app = find_app(&world, form.get("client_id").map(String::as_str), &tenant)?;
        let scope = form
            .get("scope")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AadError::bad("invalid_request", 900144, "The request body must contain the following parameter: 'scope'."))?;
        let settings = state.settings.read().unwrap().clone();
        let device_code = format!("emu-dc.{}", random_token(32));
        let code = user_code();
        let status = if settings.auto_approve {
            world.users.first().map(|u| DeviceStatus::Approved(u.id.clone())).unwrap_or(DeviceStatus::Pending)
        } else {
            DeviceStatus::Pending
        };
        state.device_codes.lock().unwrap().insert(
            device_code.clone(),
            DeviceCode {
                user_code: code.clone(),
                client_id: app.app_id.clone(),
                tenant: tenant.clone(),
                scope: scope.clone(),
                expires: now() + settings.device_code_lifetime,
                status,
            },
        );
        let verification_uri = format!("{origin}/devicelogin");
        Ok::<_, AadError>(json!({
            "user_code": code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": settings.device_code_lifetime,
            "interval": settings.device_code_interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {code} to authenticate."),
        }))
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Sets the status of a pending device code by user code. Errors are human-readable.
pub fn decide(state: &AppState, code: &str, status: DeviceStatus) -> Result<(), String> {
    let mut codes = state.device_codes.lock().unwrap();
    let rec = codes
        .values_mut()
        .find(|d| d.user_code.eq_ignore_ascii_case(code.trim()))
        .ok_or_else(|| format!("The code '{code}' is not valid."))?;
    if rec.expires < now() {
        return Err("The code has expired.".into());
    }
    rec.status = status;
    Ok(())
}

fn page(message: Option<&str>) -> Response {
    let msg = message.map(|m| format!("<p id=\"message\">{}</p>", html_escape(m))).unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Enter code</title></head><body style=\"font-family:sans-serif;max-width:28em;margin:4em auto\">\
<h1>Enter code</h1><p>AzRs emulator device sign-in</p>{msg}<form method=\"POST\" action=\"/devicelogin\">\
<p><label>Code <input name=\"code\" autofocus/></label></p>\
<p><label>Email <input type=\"email\" name=\"username\"/></label></p>\
<p><label>Password <input type=\"password\" name=\"password\"/></label></p>\
<p><button type=\"submit\" name=\"action\" value=\"approve\">Sign in</button> <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></p></form></body></html>"
    ))
    .into_response()
}

pub async fn verification_page() -> Response {
    page(None)
}

pub async fn verification_submit(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let form = parse_form(&body);
    let code = form.get("code").cloned().unwrap_or_default();
    if form.get("action").map(String::as_str) == Some("deny") {
        return match decide(&state, &code, DeviceStatus::Declined) {
            Ok(()) => page(Some("You have declined the sign-in request. You can close this window.")),
            Err(e) => page(Some(&e)),
        };
    }
    let user = {
        let world = state.world.read().unwrap();
        world
            .user_by_name(form.get("username").map(String::as_str).unwrap_or_default())
            .filter(|u| Some(&u.password) == form.get("password"))
            .map(|u| u.id.clone())
    };
    let Some(user_id) = user else {
        return page(Some("AADSTS50126: Your account or password is incorrect."));
    };
    match decide(&state, &code, DeviceStatus::Approved(user_id)) {
        Ok(()) => page(Some("You have signed in to the application on your device. You may now close this window.")),
        Err(e) => page(Some(&e)),
    }
}
