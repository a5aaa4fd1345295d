//! Tenants and subscriptions for a signed-in account, and domain -> tenant id resolution.
//! [`discover`] lists tenants, then for every tenant (in parallel, bounded) gets a token and lists
//! its subscriptions, so 50 tenants cost about three round-trip depths, not 100 sequential calls.
//! A tenant that needs MFA / conditional access is skipped with Az's warning.

pub mod arm;
pub mod openid;

use crate::error::{AzError, AzResult};
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use arm::{Subscription, Tenant};

pub type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// Gets an ARM token for a tenant (silently: refresh token, client credentials, or the one token).
pub type TokenFor = Arc<dyn Fn(String) -> BoxFut<AzResult<String>> + Send + Sync>;

/// Parallel requests at once. High enough that 50 tenants run in one wave (the latency, not the
/// CPU, is what costs), low enough not to look like a flood.
pub(crate) const CONCURRENCY: usize = 64;

#[derive(Debug, Clone, Serialize)]
pub struct TenantResult {
    pub tenant: Tenant,
    pub subscriptions: Vec<Subscription>,
}

#[derive(Debug, Default, Serialize)]
pub struct Discovery {
    /// In ARM's tenant order; tenants that failed are absent.
    pub tenants: Vec<TenantResult>,
    pub warnings: Vec<String>,
}

/// All tenants (or just `only_tenant`) and their Enabled/Warned subscriptions.
pub async fn discover(
    env: &crate::Env,
    log: crate::auth::net::Log<'_>,
    arm_url: &str,
    home_token: &str,
    only_tenant: Option<&str>,
    token_for: TokenFor,
) -> AzResult<Discovery> {
    if let Some(t) = only_tenant {
        // One tenant: its subscriptions and the /tenants details (display name, domains) at once,
        // so a service-principal sign-in costs one round-trip depth here, not two.
        let (details, subs) = tokio::join!(arm::list_tenants(env, log, arm_url, home_token), async {
            let token = token_for(t.to_string()).await?;
            arm::list_subscriptions(env, log, arm_url, &token, t).await
        });
        let tenant = details.ok().and_then(|all| all.into_iter().find(|x| x.id.eq_ignore_ascii_case(t))).unwrap_or_else(|| Tenant::bare(t));
        return Ok(match subs {
            Ok(subscriptions) => Discovery { tenants: vec![TenantResult { tenant, subscriptions }], warnings: vec![] },
            Err(e) if e.code == "InteractionRequired" => Discovery { tenants: vec![], warnings: vec![format!("Unable to acquire token for tenant '{t}' with error '{}'", e.message)] },
            Err(e) => return Err(e),
        });
    }
    let tenants = arm::list_tenants(env, log, arm_url, home_token).await?;
    let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in tenants.into_iter().enumerate() {
        let sem = sem.clone();
        let token_for = token_for.clone();
        let env = env.clone();
        let arm = arm_url.to_string();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = async {
                let token = token_for(t.id.clone()).await?;
                arm::list_subscriptions(&env, None, &arm, &token, &t.id).await
            }
            .await;
            (i, t, r)
        });
    }
    let mut results: Vec<(usize, Tenant, AzResult<Vec<Subscription>>)> = Vec::new();
    while let Some(r) = set.join_next().await {
        results.push(r.map_err(|e| AzError::internal(format!("discovery task failed: {e}")))?);
    }
    results.sort_by_key(|r| r.0);
    let mut out = Discovery::default();
    for (_, tenant, r) in results {
        match r {
            Ok(subs) => out.tenants.push(TenantResult { tenant, subscriptions: subs }),
            Err(e) => out.warnings.push(format!("Unable to acquire token for tenant '{}' with error '{}'", tenant.id, e.message)),
        }
    }
    Ok(out)
}

/// Az's default pick: the first subscription of the first tenant whose first subscription is
/// homed there; else the last one found.
pub fn default_choice(d: &Discovery) -> Option<(usize, usize)> {
    for (ti, t) in d.tenants.iter().enumerate() {
        if let Some(first) = t.subscriptions.first() {
            if first.home_tenant_id.as_deref().map(|h| h.eq_ignore_ascii_case(&t.tenant.id)).unwrap_or(true) {
                return Some((ti, 0));
            }
        }
    }
    d.tenants.iter().enumerate().rev().find_map(|(ti, t)| (!t.subscriptions.is_empty()).then(|| (ti, t.subscriptions.len() - 1)))
}

pub fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

pub fn value_str(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}
