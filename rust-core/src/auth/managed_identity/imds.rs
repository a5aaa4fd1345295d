//! IMDS (VMs, scale sets, AKS pod identity): GET with `Metadata: true`. The base URL can be moved
//! with AZURE_POD_IDENTITY_AUTHORITY_HOST.

use super::{parse_url, with_selector, Selector};
use crate::auth::net::{self, Log, Response};
use crate::error::AzResult;
use crate::Env;

pub async fn request(env: &Env, log: Log<'_>, selector: &Selector, resource: &str) -> AzResult<Response> {
    let base = env.get("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap_or("http://169.254.169.254");
    let mut url = parse_url(&format!("{}/metadata/identity/oauth2/token", base.trim_end_matches('/')))?;
    url.query_pairs_mut().append_pair("api-version", "2018-02-01").append_pair("resource", resource);
    let url = with_selector(url, selector, "msi_res_id");
    net::get(env, log, url.as_str(), &[("Metadata", "true")]).await
}
