//! `/{tenant}/oauth2/v2.0/authorize`: a sign-in page a person can use in a browser and a test can
//! complete with plain HTTP (GET the page, POST the form, follow the redirect to the loopback).
//! The form carries the original query in a hidden field, so the server keeps no session.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

use super::issue::client_info;
use super::token::parse_form;
use super::{resolve_tenant, TenantRef};
use crate::seed::{Application, Seed, User};
use crate::state::{random_token, AppState, AuthCode};
use crate::tokens::now;

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn error_page(status: StatusCode, message: &str) -> Response {
    (status, Html(format!("<!DOCTYPE html><html><head><title>Sign in - error</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\">{}</p></body></html>", html_escape(message)))).into_response()
}

/// RFC 8252: a loopback redirect matches a registered loopback URI on any port.
fn is_loopback(u: &url::Url) -> bool {
    u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1") | Some("[::1]"))
}

pub fn redirect_allowed(app: &Application, redirect_uri: &str) -> bool {
    let Ok(u) = url::Url::parse(redirect_uri) else { return false };
    if app.redirect_uris.is_empty() {
        return is_loopback(&u) || redirect_uri.ends_with("/oauth2/nativeclient") || redirect_uri == "urn:ietf:wg:oauth:2.0:oob";
    }
    app.redirect_uris.iter().any(|r| {
        r == redirect_uri
            || url::Url::parse(r)
                // Any port, and localhost / 127.0.0.1 / [::1] interchangeable (protocol §12.5).
                .map(|reg| is_loopback(&reg) && is_loopback(&u) && reg.path().trim_end_matches('/') == u.path().trim_end_matches('/'))
                .unwrap_or(false)
    })
}

struct Checked {
    tref: TenantRef,
    client_id: String,
    redirect_uri: String,
}

/// Validates what must be valid before we may redirect anywhere (Entra shows an error page).
fn check(world: &Seed, tenant: &str, q: &HashMap<String, String>) -> Result<Checked, Response> {
    let tref = resolve_tenant(world, tenant, "invalid_tenant").map_err(|_| error_page(StatusCode::BAD_REQUEST, &format!("AADSTS90002: Tenant '{tenant}' not found.")))?;
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    let Some(app) = world.app(&client_id) else {
        return Err(error_page(StatusCode::BAD_REQUEST, &format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'.")));
    };
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    if !redirect_allowed(app, &redirect_uri) {
        return Err(error_page(StatusCode::BAD_REQUEST, &format!("AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'.")));
    }
    Ok(Checked { tref, client_id, redirect_uri })
}

/// Sends the authorization response to the client: 302 with a query, or a form_post page.
fn respond(q: &HashMap<String, String>, redirect_uri: &str, fields: Vec<(&str, String)>) -> Response {
    let mut fields = fields;
    if let Some(s) = q.get("state") {
        fields.push(("state", s.clone())); // echoed verbatim
    }
    if q.get("response_mode").map(String::as_str) == Some("form_post") {
        let inputs: String = fields
            .iter()
            .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\"/>", html_escape(k), html_escape(v)))
            .collect();
        let page = format!(
            "<!DOCTYPE html><html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\"><form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"/></noscript></form></body></html>",
            html_escape(redirect_uri)
        );
        return Html(page).into_response();
    }
    let mut url = url::Url::parse(redirect_uri).expect("validated");
    {
        let mut qp = url.query_pairs_mut();
        for (k, v) in &fields {
            qp.append_pair(k, v);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn issue_code(state: &AppState, q: &HashMap<String, String>, c: &Checked, user: &User) -> Result<Response, Response> {
    let tenant_id = match c.tref.id() {
        None => user.home_tenant.clone(),
        Some(id) if user.member_of(id) => id.to_string(),
        Some(id) => {
            return Err(respond(q, &c.redirect_uri, vec![("error", "access_denied".into()), ("error_description", format!("AADSTS50020: User account '{}' does not exist in tenant '{id}'.", user.upn))]));
        }
    };
    let code = format!("1.emu-code.{}", random_token(32));
    state.codes.lock().unwrap().insert(
        code.clone(),
        AuthCode {
            client_id: c.client_id.clone(),
            redirect_uri: c.redirect_uri.clone(),
            code_challenge: q.get("code_challenge").cloned(),
            code_challenge_method: q.get("code_challenge_method").cloned().unwrap_or_else(|| "plain".into()),
            nonce: q.get("nonce").cloned(),
            user_id: user.id.clone(),
            tenant_id,
            scope: q.get("scope").cloned().unwrap_or_default(),
            expires: now() + 600,
        },
    );
    let mut fields = vec![("code", code)];
    if q.get("client_info").map(String::as_str) == Some("1") {
        fields.push(("client_info", client_info(user)));
    }
    fields.push(("session_state", uuid::Uuid::new_v4().to_string()));
    Ok(respond(q, &c.redirect_uri, fields))
}

fn sign_in_page(tenant: &str, raw_query: &str, login_hint: &str, message: Option<&str>) -> Response {
    let msg = message.map(|m| format!("<p id=\"error\" style=\"color:#a00\">{}</p>", html_escape(m))).unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\
<body style=\"font-family:sans-serif;max-width:28em;margin:4em auto\"><h1>Sign in</h1><p>AzRs emulator &mdash; tenant {}</p>{msg}\
<form method=\"POST\" action=\"/{}/oauth2/v2.0/authorize\">\
<input type=\"hidden\" name=\"q\" value=\"{}\"/>\
<p><label>Email <input type=\"email\" name=\"username\" value=\"{}\" autofocus/></label></p>\
<p><label>Password <input type=\"password\" name=\"password\"/></label></p>\
<p><button type=\"submit\" name=\"action\" value=\"signin\">Sign in</button> \
<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></p></form></body></html>",
        html_escape(tenant),
        html_escape(tenant),
        html_escape(raw_query),
        html_escape(login_hint)
    ))
    .into_response()
}

pub async fn page(State(state): State<Arc<AppState>>, Path(tenant): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let raw = raw.unwrap_or_default();
    let q = parse_form(raw.as_bytes());
    let world = state.world.read().unwrap();
    let c = match check(&world, &tenant, &q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return respond(&q, &c.redirect_uri, vec![("error", "unsupported_response_type".into()), ("error_description", "AADSTS70005: response_type 'code' is the only supported response type.".into())]);
    }
    let hint = q.get("login_hint").cloned().unwrap_or_default();
    if q.get("prompt").map(String::as_str) == Some("none") {
        return respond(&q, &c.redirect_uri, vec![("error", "login_required".into()), ("error_description", "AADSTS50058: A silent sign-in request was sent but no user is signed in.".into())]);
    }
    if state.settings.read().unwrap().auto_approve {
        let user = world.user_by_name(&hint).or(world.users.first());
        if let Some(user) = user {
            return issue_code(&state, &q, &c, user).unwrap_or_else(|r| r);
        }
    }
    sign_in_page(&tenant, &raw, &hint, None)
}

pub async fn submit(State(state): State<Arc<AppState>>, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form = parse_form(&body);
    let raw = form.get("q").cloned().unwrap_or_default();
    let q = parse_form(raw.as_bytes());
    let world = state.world.read().unwrap();
    let c = match check(&world, &tenant, &q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if form.get("action").map(String::as_str) == Some("cancel") {
        return respond(&q, &c.redirect_uri, vec![("error", "access_denied".into()), ("error_description", "AADSTS65004: User declined to consent to access the app.".into())]);
    }
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    match world.user_by_name(&username) {
        Some(u) if u.password == password => issue_code(&state, &q, &c, u).unwrap_or_else(|r| r),
        Some(_) => sign_in_page(&tenant, &raw, &username, Some("AADSTS50126: Your account or password is incorrect.")),
        None => sign_in_page(&tenant, &raw, &username, Some("AADSTS50034: We couldn't find an account with that username.")),
    }
}
