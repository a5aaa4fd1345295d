//! Azure Resource Manager: `/tenants`, `/subscriptions`, `/subscriptions/{id}` (bearer tokens
//! checked: signature, audience, expiry) and `/metadata/endpoints` (cloud metadata).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

use crate::origin::Origin;
use crate::seed::{Seed, Subscription, Tenant};
use crate::state::AppState;
use crate::tokens::now;

pub const ARM_AUDIENCES: [&str; 4] = [
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
];

const API_VERSIONS: [&str; 5] = ["2016-06-01", "2019-06-01", "2020-01-01", "2021-01-01", "2022-12-01"];

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/tenants", get(tenants))
        .route("/subscriptions", get(subscriptions))
        .route("/subscriptions/{id}", get(subscription))
        .route("/metadata/endpoints", get(metadata_endpoints))
}

fn arm_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message}}))).into_response()
}

/// ARM's 401: JSON error plus `WWW-Authenticate: Bearer authorization_uri=..., error=...`.
fn unauthorized(origin: &str, code: &str, message: &str) -> Response {
    let mut r = arm_error(StatusCode::UNAUTHORIZED, code, message);
    let challenge = format!("Bearer authorization_uri=\"{origin}/common\", error=\"invalid_token\", error_description=\"{}\"", message.replace('"', "'"));
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// Who called, from a validated bearer token.
pub struct Principal {
    pub tenant_id: String,
    pub object_id: String,
    pub app_id: String,
}

pub fn authenticate(state: &AppState, origin: &str, headers: &HeaderMap) -> Result<Principal, Response> {
    let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()) else {
        return Err(unauthorized(origin, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."));
    };
    let Some(token) = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")) else {
        return Err(unauthorized(origin, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format."));
    };
    let claims = state
        .signer
        .verify(token.trim())
        .map_err(|_| unauthorized(origin, "InvalidAuthenticationToken", "The access token is invalid."))?;
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or_default();
    let own = format!("{origin}/");
    if !ARM_AUDIENCES.contains(&aud) && aud != own && aud != origin {
        return Err(unauthorized(
            origin,
            "InvalidAuthenticationTokenAudience",
            &format!("The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with one of the allowed audiences '{}'.", ARM_AUDIENCES.join("','")),
        ));
    }
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp < now() {
        return Err(unauthorized(origin, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."));
    }
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    Ok(Principal { tenant_id: s("tid"), object_id: s("oid"), app_id: s("appid") })
}

fn api_version(q: &HashMap<String, String>) -> Result<String, Response> {
    match q.get("api-version") {
        None => Err(arm_error(StatusCode::BAD_REQUEST, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")),
        Some(v) if API_VERSIONS.contains(&v.as_str()) => Ok(v.clone()),
        Some(v) => Err(arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &format!("The api-version '{v}' is invalid. The supported versions are '{}'.", API_VERSIONS.join(",")),
        )),
    }
}

/// One page of `items` and the nextLink (absolute, with api-version) when more remain.
fn page(origin: &str, path: &str, version: &str, q: &HashMap<String, String>, items: Vec<Value>, size: usize) -> Value {
    let skip: usize = q.get("$skiptoken").and_then(|s| s.parse().ok()).unwrap_or(0);
    let size = size.max(1);
    let value: Vec<Value> = items.iter().skip(skip).take(size).cloned().collect();
    let mut body = json!({ "value": value });
    if skip + size < items.len() {
        body["nextLink"] = json!(format!("{origin}{path}?api-version={version}&%24skiptoken={}", skip + size));
    }
    body
}

fn tenant_json(t: &Tenant, version: &str) -> Value {
    if version < "2019-06-01" {
        return json!({"id": format!("/tenants/{}", t.id), "tenantId": t.id});
    }
    json!({
        "id": format!("/tenants/{}", t.id), "tenantId": t.id, "countryCode": t.country_code,
        "displayName": t.display_name, "domains": [t.domain], "tenantCategory": "Home",
        "defaultDomain": t.domain, "tenantType": "AAD",
    })
}

fn subscription_json(s: &Subscription, version: &str) -> Value {
    let mut v = json!({
        "id": format!("/subscriptions/{}", s.id), "subscriptionId": s.id, "displayName": s.display_name,
        "state": s.state,
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
    });
    if version >= "2019-06-01" {
        v["tenantId"] = json!(s.tenant);
        v["managedByTenants"] = json!(s.managed_by_tenants.iter().map(|t| json!({"tenantId": t})).collect::<Vec<_>>());
        v["tags"] = json!({});
    }
    v
}

/// Tenants the principal belongs to: a user's home and guest tenants; an app's or identity's tenant.
fn principal_tenants<'a>(world: &'a Seed, p: &Principal) -> Vec<&'a Tenant> {
    match world.user_by_id(&p.object_id) {
        Some(u) => {
            let mut v: Vec<&Tenant> = world.tenant(&u.home_tenant).into_iter().collect();
            v.extend(world.tenants.iter().filter(|t| !t.id.eq_ignore_ascii_case(&u.home_tenant) && u.member_of(&t.id)));
            v
        }
        None => world.tenant(&p.tenant_id).into_iter().collect(),
    }
}

/// Subscriptions visible with a token for `p.tenant_id`: those of that tenant (or managed by it,
/// as with Lighthouse) whose `principals` list, when present, names the caller.
fn visible<'a>(world: &'a Seed, p: &Principal) -> Vec<&'a Subscription> {
    world
        .subscriptions
        .iter()
        .filter(|s| s.tenant.eq_ignore_ascii_case(&p.tenant_id) || s.managed_by_tenants.iter().any(|t| t.eq_ignore_ascii_case(&p.tenant_id)))
        .filter(|s| {
            s.principals
                .as_ref()
                .map(|l| l.iter().any(|x| x.eq_ignore_ascii_case(&p.object_id) || x.eq_ignore_ascii_case(&p.app_id)))
                .unwrap_or(true)
        })
        .collect()
}

/// What every ARM request checks first, in ARM's order: the api-version, then the bearer token.
fn version_and_caller(state: &AppState, origin: &str, headers: &HeaderMap, q: &HashMap<String, String>) -> Result<(String, Principal), Response> {
    let version = api_version(q)?;
    Ok((version, authenticate(state, origin, headers)?))
}

async fn tenants(State(state): State<Arc<AppState>>, Origin(origin): Origin, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let (version, p) = match version_and_caller(&state, &origin, &headers, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let world = state.world.read().unwrap();
    let items = principal_tenants(&world, &p).into_iter().map(|t| tenant_json(t, &version)).collect();
    let size = state.settings.read().unwrap().page_size;
    Json(page(&origin, "/tenants", &version, &q, items, size)).into_response()
}

async fn subscriptions(State(state): State<Arc<AppState>>, Origin(origin): Origin, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let (version, p) = match version_and_caller(&state, &origin, &headers, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let world = state.world.read().unwrap();
    let items = visible(&world, &p).into_iter().map(|s| subscription_json(s, &version)).collect();
    let size = state.settings.read().unwrap().page_size;
    Json(page(&origin, "/subscriptions", &version, &q, items, size)).into_response()
}

async fn subscription(State(state): State<Arc<AppState>>, Origin(origin): Origin, Path(id): Path<String>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let (version, p) = match version_and_caller(&state, &origin, &headers, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let world = state.world.read().unwrap();
    match visible(&world, &p).into_iter().find(|s| s.id.eq_ignore_ascii_case(&id)) {
        Some(s) => Json(subscription_json(s, &version)).into_response(),
        None => arm_error(StatusCode::NOT_FOUND, "SubscriptionNotFound", &format!("The subscription '{id}' could not be found.")),
    }
}

/// Cloud metadata: `api-version=1.0` is Azure Stack's shape (Add-AzEnvironment -ARMEndpoint);
/// anything else (2022-09-01) the public cloud-metadata object (-AutoDiscover, az cloud register).
pub fn cloud_metadata(origin: &str, version: &str) -> Value {
    if version == "1.0" {
        return json!({
            "galleryEndpoint": format!("{origin}/gallery/"),
            "graphEndpoint": "https://graph.windows.net/",
            "portalEndpoint": format!("{origin}/portal/"),
            "authentication": {"loginEndpoint": format!("{origin}/"), "audiences": ["https://management.core.windows.net/"]}
        });
    }
    json!({
        "name": "AzRsEmulator",
        "portal": format!("{origin}/portal/"),
        "authentication": {"loginEndpoint": format!("{origin}/"), "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"], "tenant": "common", "identityProvider": "AAD"},
        "resourceManager": format!("{origin}/"),
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "batch": "https://batch.core.windows.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "gallery": format!("{origin}/gallery/"),
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net", "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net", "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net", "storage": "core.windows.net", "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net", "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com", "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com", "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net"
        }
    })
}

async fn metadata_endpoints(Origin(origin): Origin, Query(q): Query<HashMap<String, String>>) -> Response {
    let version = q.get("api-version").cloned().unwrap_or_else(|| "2022-09-01".into());
    Json(cloud_metadata(&origin, &version)).into_response()
}
