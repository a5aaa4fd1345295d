//! ARM's /tenants and /subscriptions (api-version 2021-01-01, falling back to 2016-06-01 when the
//! cloud does not know it), following nextLink. Transient failures are retried twice.

use crate::auth::net::{self, Log, Response};
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use serde::Serialize;
use serde_json::Value;

const API: &str = "2021-01-01";
const API_OLD: &str = "2016-06-01";

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub display_name: Option<String>,
    pub tenant_category: Option<String>,
    pub country: Option<String>,
    pub country_code: Option<String>,
    pub domains: Vec<String>,
    pub default_domain: Option<String>,
    pub tenant_type: Option<String>,
    pub tenant_branding_logo_url: Option<String>,
}

impl Tenant {
    pub fn bare(id: &str) -> Self {
        Tenant { id: id.to_string(), ..Default::default() }
    }
    fn from_arm(v: &Value) -> Option<Self> {
        let s = |k: &str| super::value_str(v, k);
        Some(Tenant {
            id: s("tenantId")?,
            display_name: s("displayName"),
            tenant_category: s("tenantCategory"),
            country: s("country"),
            country_code: s("countryCode"),
            domains: v.get("domains").and_then(Value::as_array).map(|a| a.iter().filter_map(|d| d.as_str().map(str::to_string)).collect()).unwrap_or_default(),
            default_domain: s("defaultDomain"),
            tenant_type: s("tenantType"),
            tenant_branding_logo_url: s("tenantBrandingLogoUrl"),
        })
    }
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub name: String,
    pub state: String,
    /// The tenant whose token listed it.
    pub tenant_id: String,
    pub home_tenant_id: Option<String>,
    pub managed_by_tenant_ids: Vec<String>,
    pub authorization_source: Option<String>,
    pub subscription_policies: Option<Value>,
    pub tags: Option<Value>,
}

impl Subscription {
    fn from_arm(v: &Value, tenant: &str) -> Option<Self> {
        let s = |k: &str| super::value_str(v, k);
        Some(Subscription {
            id: s("subscriptionId")?,
            name: s("displayName").unwrap_or_default(),
            state: s("state").unwrap_or_default(),
            tenant_id: tenant.to_string(),
            home_tenant_id: s("homeTenantId").or_else(|| s("tenantId")),
            managed_by_tenant_ids: v.get("managedByTenants").and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|m| m.get("tenantId").and_then(Value::as_str).map(str::to_string)).collect()).unwrap_or_default(),
            authorization_source: s("authorizationSource"),
            subscription_policies: v.get("subscriptionPolicies").cloned(),
            tags: v.get("tags").cloned(),
        })
    }
    pub fn is_active(&self) -> bool {
        self.state.eq_ignore_ascii_case("Enabled") || self.state.eq_ignore_ascii_case("Warned")
    }
}

fn base(arm: &str) -> String {
    let mut s = arm.trim().to_string();
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

async fn get_arm(env: &Env, log: Log<'_>, url: &str, token: &str) -> AzResult<Response> {
    let auth = format!("Bearer {token}");
    let mut attempt = 0;
    loop {
        let r = net::get(env, log, url, &[("Authorization", auth.as_str())]).await;
        let transient = match &r {
            Ok(r) => r.status == 429 || r.status >= 500,
            Err(e) => e.category == Category::ConnectionError || e.category == Category::OperationTimeout,
        };
        if transient && attempt < 2 {
            attempt += 1;
            let wait = r.as_ref().ok().and_then(|r| r.retry_after).map(|s| s.min(5) * 1000).unwrap_or(250 * attempt);
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            continue;
        }
        return r;
    }
}

fn arm_error(r: &Response, what: &str) -> AzError {
    let code = r.body.pointer("/error/code").and_then(Value::as_str).unwrap_or("");
    let msg = r.body.pointer("/error/message").and_then(Value::as_str).unwrap_or("");
    let category = match r.status {
        401 | 403 => Category::PermissionDenied,
        404 => Category::ObjectNotFound,
        _ => Category::ConnectionError,
    };
    AzError::new("ArmRequestFailed", category, format!("Listing {what} failed: HTTP {} {code} {msg}", r.status).trim().to_string())
}

/// GETs every page of a list. Falls back to the old api-version on InvalidApiVersionParameter.
async fn list_all(env: &Env, log: Log<'_>, first: &str, token: &str, what: &str) -> AzResult<Vec<Value>> {
    let mut items = Vec::new();
    let mut url = first.to_string();
    let mut fell_back = false;
    loop {
        let r = get_arm(env, log, &url, token).await?;
        if r.status == 400 && !fell_back && r.body.pointer("/error/code").and_then(Value::as_str) == Some("InvalidApiVersionParameter") {
            fell_back = true;
            url = url.replace(API, API_OLD);
            continue;
        }
        if r.status != 200 {
            return Err(arm_error(&r, what));
        }
        if let Some(v) = r.body.get("value").and_then(Value::as_array) {
            items.extend(v.iter().cloned());
        }
        match r.body.get("nextLink").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(next) => url = next.to_string(),
            None => return Ok(items),
        }
    }
}

pub async fn list_tenants(env: &Env, log: Log<'_>, arm: &str, token: &str) -> AzResult<Vec<Tenant>> {
    let url = format!("{}tenants?api-version={API}", base(arm));
    Ok(list_all(env, log, &url, token, "tenants").await?.iter().filter_map(Tenant::from_arm).collect())
}

/// Enabled and Warned subscriptions visible with `token` (a token for `tenant`).
pub async fn list_subscriptions(env: &Env, log: Log<'_>, arm: &str, token: &str, tenant: &str) -> AzResult<Vec<Subscription>> {
    let url = format!("{}subscriptions?api-version={API}", base(arm));
    Ok(list_all(env, log, &url, token, "subscriptions").await?.iter().filter_map(|v| Subscription::from_arm(v, tenant)).filter(Subscription::is_active).collect())
}

/// One subscription by id (a direct GET, as Az does since 2.10.3); None when not visible.
pub async fn get_subscription(env: &Env, log: Log<'_>, arm: &str, token: &str, tenant: &str, id: &str) -> AzResult<Option<Subscription>> {
    let url = format!("{}subscriptions/{id}?api-version={API}", base(arm));
    let r = get_arm(env, log, &url, token).await?;
    match r.status {
        200 => Ok(Subscription::from_arm(&r.body, tenant)),
        403 | 404 => Ok(None),
        _ => Err(arm_error(&r, "the subscription")),
    }
}
