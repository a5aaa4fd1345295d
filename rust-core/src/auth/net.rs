//! The HTTP calls the sign-in flows make, in one place. Every request goes through the `http`
//! room's client (proxy, CA bundle, timeouts, redacted debug log) once it is merged; until then a
//! small client per setting lives here. Callers get status + JSON body, never a raw stream.

use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use once_cell::sync::Lazy;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// One response: status, selected headers, parsed JSON body (Null when not JSON).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Value,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<u64>,
}

/// Writes request lines (never bodies, never headers with secrets) for -Debug.
pub type Log<'a> = Option<&'a (dyn Fn(String) + Send + Sync)>;

static CLIENTS: Lazy<Mutex<HashMap<String, reqwest::Client>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// A client per (proxy, no_proxy, CA bundle) as PowerShell sees them now, so `$env:` changes
/// made in the session take effect on the next call while unchanged settings reuse connections.
pub fn client(env: &Env) -> AzResult<reqwest::Client> {
    let https = env.get_either_case("HTTPS_PROXY").map(str::to_string);
    let http = env.get_either_case("HTTP_PROXY").map(str::to_string);
    let no_proxy = env.get_either_case("NO_PROXY").map(str::to_string);
    let ca = env.get("SSL_CERT_FILE").map(str::to_string);
    let key = format!("{https:?}|{http:?}|{no_proxy:?}|{ca:?}");
    if let Some(c) = CLIENTS.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(c);
    }
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .redirect(reqwest::redirect::Policy::limited(5));
    let np = no_proxy.as_deref().and_then(reqwest::NoProxy::from_string);
    if let Some(p) = https.as_deref() {
        let proxy = reqwest::Proxy::https(p).map_err(|e| bad_setting("HTTPS_PROXY", e))?.no_proxy(np.clone());
        b = b.proxy(proxy);
    }
    if let Some(p) = http.as_deref() {
        let proxy = reqwest::Proxy::http(p).map_err(|e| bad_setting("HTTP_PROXY", e))?.no_proxy(np.clone());
        b = b.proxy(proxy);
    }
    let mut extra = Vec::new();
    if let Some(path) = ca.as_deref() {
        let pem = std::fs::read(path).map_err(|e| bad_setting("SSL_CERT_FILE", e))?;
        extra = crate::http::tls::pem_certificates(&pem).map_err(|e| bad_setting("SSL_CERT_FILE", e))?;
    }
    // The built-in roots come from the process-wide store (http::tls): building a client no
    // longer re-reads the OS certificate store.
    let tls = crate::http::tls::client_config(&extra).map_err(|e| bad_setting("SSL_CERT_FILE", e))?;
    let c = b.use_preconfigured_tls(tls).build().map_err(|e| bad_setting("HTTP client", e))?;
    if let Ok(mut m) = CLIENTS.lock() {
        m.insert(key, c.clone());
    }
    Ok(c)
}

fn bad_setting(what: &str, e: impl std::fmt::Display) -> AzError {
    AzError::new("HttpSettingInvalid", Category::InvalidArgument, format!("The {what} setting cannot be used: {e}."))
}

/// Drops query strings from a URL for logs: they may carry codes or resource ids.
pub fn redact(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}

pub async fn send(env: &Env, log: Log<'_>, req: reqwest::RequestBuilder) -> AzResult<Response> {
    let _ = env;
    let built = req.build().map_err(|e| AzError::internal(format!("request build failed: {e}")))?;
    let line = format!("{} {}", built.method(), redact(built.url().as_str()));
    if let Some(log) = log {
        log(format!("HTTP request: {line}"));
    }
    let started = std::time::Instant::now();
    let client = client(env)?;
    let resp = client.execute(built).await.map_err(|e| {
        let (code, cat) = if e.is_timeout() { ("RequestTimeout", Category::OperationTimeout) } else { ("ConnectionFailed", Category::ConnectionError) };
        AzError::new(code, cat, format!("{line} failed: {}", error_chain(&e)))
            .with_remedy("Check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and SSL_CERT_FILE.")
    })?;
    let status = resp.status().as_u16();
    let header = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let www_authenticate = header("www-authenticate");
    let retry_after = header("retry-after").and_then(|v| v.trim().parse().ok());
    let bytes = resp.bytes().await.map_err(|e| AzError::new("ConnectionFailed", Category::ConnectionError, format!("{line}: {e}")))?;
    if let Some(log) = log {
        log(format!("HTTP response: {status} for {line} in {} ms", started.elapsed().as_millis()));
    }
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok(Response { status, body, www_authenticate, retry_after })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

pub async fn post_form(env: &Env, log: Log<'_>, url: &str, form: &[(&str, &str)]) -> AzResult<Response> {
    let c = client(env)?;
    let body = serde_urlencoded::to_string(form).map_err(|e| AzError::internal(e.to_string()))?;
    send(env, log, c.post(url).header("content-type", "application/x-www-form-urlencoded").header("accept", "application/json").body(body)).await
}

pub async fn get(env: &Env, log: Log<'_>, url: &str, headers: &[(&str, &str)]) -> AzResult<Response> {
    let c = client(env)?;
    let mut r = c.get(url).header("accept", "application/json");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    send(env, log, r).await
}
