//! Cloud Shell: POST `resource=` to MSI_ENDPOINT. Only the signed-in user's identity exists there.

use super::Selector;
use crate::auth::net::{self, Log, Response};
use crate::error::{AzError, AzResult};
use crate::Env;

pub async fn request(env: &Env, log: Log<'_>, selector: &Selector, resource: &str) -> AzResult<Response> {
    if !matches!(selector, Selector::System) {
        return Err(AzError::invalid_argument("UserAssignedIdentityUnsupported", "Cloud Shell has no user-assigned identities; omit -AccountId."));
    }
    let c = net::client(env)?;
    let body = serde_urlencoded::to_string([("resource", resource)]).unwrap_or_default();
    let url = env.get("MSI_ENDPOINT").unwrap_or_default();
    net::send(env, log, c.post(url).header("Metadata", "true").header("content-type", "application/x-www-form-urlencoded").body(body)).await
}
