//! Azure Arc: the first GET answers 401 naming a key file in WWW-Authenticate; the second GET
//! sends that file's content as Basic authorization. The file must be a `.key` of at most 4 KiB
//! (the agent's own limits), so a forged challenge cannot make us read and send other files.

use super::{parse_url, with_retries, with_selector, Selector};
use crate::auth::net::{self, Log, Response};
use crate::error::{AzError, AzResult, Category};
use crate::Env;

pub async fn request(env: &Env, log: Log<'_>, selector: &Selector, resource: &str) -> AzResult<Response> {
    let mut url = parse_url(env.get("IDENTITY_ENDPOINT").unwrap_or_default())?;
    url.query_pairs_mut().append_pair("api-version", "2020-06-01").append_pair("resource", resource);
    let url = with_selector(url, selector, "msi_res_id");
    let first = with_retries(|| net::get(env, log, url.as_str(), &[("Metadata", "true")])).await?;
    if first.status != 401 {
        return Ok(first);
    }
    let challenge = first.www_authenticate.unwrap_or_default();
    let path = challenge.split_once('=').map(|(_, p)| p.trim().trim_matches('"').to_string()).unwrap_or_default();
    let bad = |why: &str| AzError::new("ArcChallengeInvalid", Category::SecurityError, format!("The Azure Arc challenge file '{path}' {why}.")).with_target(path.clone());
    if !path.ends_with(".key") {
        return Err(bad("is not a .key file"));
    }
    let meta = std::fs::metadata(&path).map_err(|e| bad(&format!("cannot be read: {e}")))?;
    if meta.len() > 4096 {
        return Err(bad("is larger than 4096 bytes"));
    }
    let secret = std::fs::read_to_string(&path).map_err(|e| bad(&format!("cannot be read: {e}")))?;
    let auth = format!("Basic {}", secret.trim());
    let headers = [("Metadata", "true"), ("Authorization", auth.as_str())];
    with_retries(|| net::get(env, log, url.as_str(), &headers)).await
}
