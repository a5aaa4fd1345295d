//! App Service, Functions and Automation: IDENTITY_ENDPOINT with the X-IDENTITY-HEADER secret.

use super::{parse_url, with_selector, Selector};
use crate::auth::net::{self, Log, Response};
use crate::error::AzResult;
use crate::Env;

pub async fn request(env: &Env, log: Log<'_>, selector: &Selector, resource: &str) -> AzResult<Response> {
    let mut url = parse_url(env.get("IDENTITY_ENDPOINT").unwrap_or_default())?;
    url.query_pairs_mut().append_pair("api-version", "2019-08-01").append_pair("resource", resource);
    let url = with_selector(url, selector, "mi_res_id");
    let header = env.get("IDENTITY_HEADER").unwrap_or_default();
    net::get(env, log, url.as_str(), &[("X-IDENTITY-HEADER", header), ("Metadata", "true")]).await
}
