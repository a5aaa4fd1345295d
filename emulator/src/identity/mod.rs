//! Entra ID (v2.0 endpoints): discovery, sign-in page, token and device-code endpoints.

pub mod authorize;
pub mod client_auth;
pub mod devicecode;
pub mod errors;
pub mod issue;
pub mod token;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

use crate::origin::Origin;
use crate::seed::Seed;
use crate::state::AppState;
use errors::AadError;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{tenant}/v2.0/.well-known/openid-configuration", get(openid_configuration))
        .route("/{tenant}/.well-known/openid-configuration", get(openid_configuration))
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/{tenant}/discovery/keys", get(keys))
        .route("/{tenant}/discovery/instance", get(instance_discovery))
        .route("/{tenant}/userrealm/{user}", get(user_realm))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::page).post(authorize::submit))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode::devicecode))
        .route("/devicelogin", get(devicecode::verification_page).post(devicecode::verification_submit))
}

/// A `{tenant}` path segment: an alias (common, organizations, consumers) or a seeded tenant.
#[derive(Clone, Debug)]
pub enum TenantRef {
    Alias(String),
    Tenant { id: String },
}

impl TenantRef {
    /// The segment endpoints should carry: the alias, or the tenant GUID (domains map to GUIDs).
    pub fn segment(&self) -> &str {
        match self {
            TenantRef::Alias(a) => a,
            TenantRef::Tenant { id } => id,
        }
    }
    pub fn id(&self) -> Option<&str> {
        match self {
            TenantRef::Alias(_) => None,
            TenantRef::Tenant { id } => Some(id),
        }
    }
}

pub fn resolve_tenant(world: &Seed, segment: &str, error: &str) -> Result<TenantRef, AadError> {
    let lower = segment.to_ascii_lowercase();
    if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
        return Ok(TenantRef::Alias(lower));
    }
    match world.tenant(segment) {
        Some(t) => Ok(TenantRef::Tenant { id: t.id.clone() }),
        None => Err(AadError::bad(
            error,
            90002,
            format!("Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        )),
    }
}

async fn openid_configuration(State(state): State<Arc<AppState>>, Path(tenant): Path<String>, Origin(origin): Origin) -> Response {
    let t = match resolve_tenant(&state.world.read().unwrap(), &tenant, "invalid_tenant") {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let seg = t.segment();
    let issuer_tid = t.id().unwrap_or("{tenantid}");
    Json(json!({
        "token_endpoint": format!("{origin}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{origin}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{origin}/{issuer_tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{origin}/oidc/userinfo"),
        "authorization_endpoint": format!("{origin}/{seg}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{origin}/{seg}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{origin}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{origin}/{seg}/kerberos"),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "azrs-emulator",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    }))
    .into_response()
}

async fn keys(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({"keys": [state.signer.jwk()]})).into_response()
}

/// Instance discovery (api-version 1.0 and 1.1): our host is its own alias group.
async fn instance_discovery(Origin(origin): Origin, Query(q): Query<HashMap<String, String>>) -> Response {
    let host = origin.split("://").nth(1).unwrap_or("127.0.0.1").to_string();
    let hostname = host.split(':').next().unwrap_or("127.0.0.1").to_string();
    let tenant = q
        .get("authorization_endpoint")
        .and_then(|a| url::Url::parse(a).ok())
        .and_then(|u| u.path_segments().and_then(|mut s| s.next().map(String::from)))
        .unwrap_or_else(|| "common".into());
    Json(json!({
        "tenant_discovery_endpoint": format!("{origin}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": q.get("api-version").cloned().unwrap_or_else(|| "1.1".into()),
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host, hostname]}]
    }))
    .into_response()
}

/// User-realm discovery (MSAL Python ROPC): every seeded user is "Managed" (no WS-Trust).
async fn user_realm(State(state): State<Arc<AppState>>, Path((_t, user)): Path<(String, String)>) -> Response {
    let world = state.world.read().unwrap();
    match world.user_by_name(&user) {
        Some(u) => {
            let domain = u.upn.split('@').nth(1).unwrap_or_default().to_string();
            Json(json!({"ver": "1.0", "account_type": "Managed", "domain_name": domain, "cloud_instance_name": "azrs-emulator", "cloud_audience_urn": "urn:federation:MicrosoftOnline"})).into_response()
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response(),
    }
}
