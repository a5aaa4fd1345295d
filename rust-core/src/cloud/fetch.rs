//! The one HTTP GET environments need (metadata documents). Kept to this function so it can move
//! onto the shared client in `http/` (proxy, retries) without touching callers.

use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use serde_json::Value;
use std::time::Duration;

pub fn get_json(url: &str, env: &Env) -> AzResult<Value> {
    let fail = |what: String| {
        AzError::new("MetadataRequestFailed", Category::ConnectionError, format!("Could not get the metadata document from '{url}': {what}."))
            .with_target(url.to_string())
            .with_remedy("Check the address and your network (proxy, SSL_CERT_FILE for a private CA).")
    };
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(20)).connect_timeout(Duration::from_secs(10));
    if let Some(ca) = env.get("SSL_CERT_FILE") {
        let pem = std::fs::read(ca).map_err(|e| fail(format!("SSL_CERT_FILE '{ca}' is unreadable ({e})")))?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| fail(format!("SSL_CERT_FILE is not PEM ({e})")))? {
            builder = builder.add_root_certificate(cert);
        }
    }
    let client = builder.build().map_err(|e| fail(e.to_string()))?;
    let url_owned = url.to_string();
    crate::runtime::block_on(async move {
        let resp = client.get(&url_owned).header("Accept", "application/json").send().await.map_err(|e| fail(e.without_url().to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {}", status.as_u16())));
        }
        let bytes = resp.bytes().await.map_err(|e| fail(e.without_url().to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| fail(format!("not JSON ({e})")))
    })
}
