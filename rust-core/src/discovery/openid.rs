//! Domain -> tenant GUID through the tenant's OpenID metadata (`issuer` holds the GUID).

use crate::auth::net::{self, Log};
use crate::error::{AzError, AzResult, Category};
use crate::Env;

pub async fn tenant_id_for_domain(env: &Env, log: Log<'_>, authority_host: &str, domain: &str) -> AzResult<String> {
    let url = format!("{}/{}/v2.0/.well-known/openid-configuration", authority_host.trim_end_matches('/'), domain);
    let r = net::get(env, log, &url, &[]).await?;
    let issuer = r.body.get("issuer").and_then(|v| v.as_str()).filter(|_| r.status == 200);
    issuer
        .and_then(|i| i.trim_end_matches('/').split('/').find(|seg| super::is_guid(seg)))
        .map(str::to_string)
        .ok_or_else(|| {
            AzError::new("TenantNotFound", Category::ObjectNotFound, format!("No tenant was found for the domain '{domain}'."))
                .with_remedy("Check the spelling, or pass the tenant id (a GUID) to -Tenant.")
                .with_target(domain)
        })
}
