//! The one HTTP client every engine room uses (sign-in, discovery, managed identity).
//!
//! # API
//!
//! ```ignore
//! use azrs::http::{self, Client};
//! let client = Client::for_env(&ctx.env)?;                       // Arc<Client>, cached per settings
//! let log = |line: &str| ctx.debug(line);                        // redacted lines only
//! let r = client.get_json(url, &[("x-ms-client-request-id", &id)], &log).await?;
//! if r.status == 200 { let doc: Metadata = r.json()?; }
//! let r = client.post_form(token_url, &[("grant_type", "refresh_token"), ("refresh_token", rt)], &[], &log).await?;
//! ```
//!
//! - [`Client::for_env`] builds a client from the request env as PowerShell sees it now: proxies
//!   (see [`proxy`]), extra CA certificates from `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR`
//!   (folders of PEM files, `:`-separated; `;` on Windows) added to the OS store and the Mozilla
//!   roots, and timeouts. Clients are cached by those settings: the same settings reuse one
//!   client and its keep-alive connections; a changed `$env:` gives a new client on the next call.
//! - Any HTTP status is a [`Response`] (the caller decides what a 400 means); only transport
//!   failures are errors: `HttpConnectionFailed` (ConnectionError), `HttpTimeout`
//!   (OperationTimeout), `HttpBodyTooLarge`, `InvalidUrl`. Messages name the host and the proxy,
//!   never the query or a body.
//! - Retries ([`RetryPolicy`]): idempotent requests (GET) retry on 429, 5xx, 410, timeouts and
//!   connection failures with exponential backoff and jitter, honouring `Retry-After` (seconds or
//!   HTTP date) and `x-ms-retry-after-ms` up to a cap. POSTs (token requests) retry only when the
//!   connection failed before anything was sent, unless the call opts in with
//!   [`Request::idempotent`].
//! - The `log` callback receives one line per attempt: `GET https://host/path?api-version=.. -> 200
//!   (12 ms)` with secret query values redacted ([`redact`]), never headers such as
//!   Authorization, never request bodies; for error statuses the redacted JSON error body.

pub mod proxy;
pub mod redact;
pub mod tls;

use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use once_cell::sync::Lazy;
use proxy::ProxySettings;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Largest response body read into memory.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A log callback that drops everything.
pub fn no_log(_: &str) {}

/// Everything a client is built from; equal settings share one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Settings {
    pub proxy: ProxySettings,
    /// Extra CA sources: the SSL_CERT_FILE bundle and the SSL_CERT_DIR folders, each with its
    /// modification time (and size), so replacing a bundle or adding a file to a folder gives a
    /// fresh client while an unchanged setup costs only a few `stat`s per request.
    pub ca_sources: Vec<(PathBuf, u64, Option<SystemTime>)>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Host names pinned to addresses, skipping DNS (tests; never set from the env).
    pub resolve: Vec<(String, std::net::SocketAddr)>,
}

impl Settings {
    pub fn from_env(env: &Env) -> Self {
        let mut sources = Vec::new();
        if let Some(f) = env.get("SSL_CERT_FILE") {
            sources.push(PathBuf::from(f));
        }
        if let Some(dirs) = env.get("SSL_CERT_DIR") {
            let sep = if cfg!(windows) { ';' } else { ':' };
            sources.extend(dirs.split(sep).filter(|d| !d.is_empty()).map(PathBuf::from));
        }
        let ca_sources = sources
            .into_iter()
            .map(|p| {
                let meta = std::fs::metadata(&p).ok();
                let (len, mtime) = meta.map(|m| (if m.is_dir() { 0 } else { m.len() }, m.modified().ok())).unwrap_or((0, None));
                (p, len, mtime)
            })
            .collect();
        Settings {
            proxy: ProxySettings::from_env(env),
            ca_sources,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(100),
            resolve: Vec::new(),
        }
    }
}

/// The files behind the CA sources: a file as is, a folder's regular files in name order.
fn ca_files(sources: &[(PathBuf, u64, Option<SystemTime>)]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (p, _, _) in sources {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(p) {
                let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|f| f.is_file()).collect();
                files.sort();
                out.extend(files);
            }
        } else {
            out.push(p.clone()); // a missing SSL_CERT_FILE is reported, not skipped
        }
    }
    out
}

/// When and how often to try again.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A server's Retry-After longer than this is not waited for: the response is returned.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..Default::default() }
    }

    /// Exponential backoff with up to 25 % jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.min(16));
        let d = exp.min(self.max_delay);
        let jitter = rand::random::<f64>() * 0.25;
        d.mul_f64(1.0 + jitter).min(self.max_delay)
    }
}

/// Statuses worth another try for an idempotent request.
pub fn is_retryable_status(status: u16) -> bool {
    status == 429 || status == 410 || status == 408 || (500..=599).contains(&status) && status != 501 && status != 505
}

/// Parses `Retry-After` (delta seconds or IMF-fixdate) and Azure's `x-ms-retry-after-ms`.
pub fn retry_after(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    let get = |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.trim());
    if let Some(ms) = get("x-ms-retry-after-ms").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_millis(ms));
    }
    let v = get("retry-after")?;
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (the only date form servers send today).
fn parse_http_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: i64 = parts[1].parse().ok()?;
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == parts[2])? as i64 + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<i64> = parts[4].split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if hms.len() != 3 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    u64::try_from(secs).ok().map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

/// What came back. Headers keep their order; names are lower-case.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; an `InvalidResponse` error (without the body, which may hold secrets).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> AzResult<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            AzError::new("InvalidResponse", Category::InvalidResult, format!("The server's response (HTTP {}) is not the JSON AzRs expected: {e}.", self.status))
        })
    }
}

/// One request. Build with [`Request::get`] / [`Request::post_form`].
#[derive(Debug, Clone)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<(String, Vec<u8>)>,
    /// Safe to send twice; retried on throttling and server errors.
    pub idempotent: bool,
}

impl Request {
    pub fn get(url: &str) -> Self {
        Request { method: reqwest::Method::GET, url: url.to_string(), headers: Vec::new(), body: None, idempotent: true }
    }

    pub fn post_form(url: &str, form: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish().into_bytes();
        Request {
            method: reqwest::Method::POST,
            url: url.to_string(),
            headers: Vec::new(),
            body: Some(("application/x-www-form-urlencoded".into(), body)),
            idempotent: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Marks a request as safe to repeat (e.g. a token request the server treats as such).
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }
}

/// A configured client (see the module docs). Cheap to share: clone the `Arc`.
pub struct Client {
    inner: reqwest::Client,
    settings: Settings,
    retry: RetryPolicy,
}

static CLIENTS: Lazy<Mutex<HashMap<Settings, Arc<Client>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

impl Client {
    /// The client for these env settings, from the cache or newly built.
    pub fn for_env(env: &Env) -> AzResult<Arc<Client>> {
        Self::for_settings(Settings::from_env(env))
    }

    pub fn for_settings(settings: Settings) -> AzResult<Arc<Client>> {
        let mut cache = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.get(&settings) {
            return Ok(c.clone());
        }
        let client = Arc::new(Client::build(settings.clone(), RetryPolicy::default())?);
        // A few distinct settings per session at most; keep the cache from growing without end.
        if cache.len() >= 16 {
            cache.clear();
        }
        cache.insert(settings, client.clone());
        Ok(client)
    }

    /// An uncached client with its own retry policy (tests, special callers).
    pub fn build(settings: Settings, retry: RetryPolicy) -> AzResult<Client> {
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("AzRs/", env!("CARGO_PKG_VERSION")))
            // Never read proxies from the process env (PowerShell's $env: is what counts).
            .no_proxy();
        for (host, addr) in &settings.resolve {
            b = b.resolve(host, *addr);
        }
        if !settings.proxy.is_empty() {
            let ps = settings.proxy.clone();
            b = b.proxy(reqwest::Proxy::custom(move |url| ps.proxy_for(url)));
        }
        let mut extra = Vec::new();
        for path in ca_files(&settings.ca_sources) {
            let pem = std::fs::read(&path).map_err(|e| crate::fsutil::read_error(&path, &e))?;
            let certs = tls::pem_certificates(&pem).unwrap_or_default();
            if certs.is_empty() && settings.ca_sources.iter().any(|(p, _, _)| *p == path) {
                // SSL_CERT_FILE itself must hold certificates; a folder may hold other files.
                return Err(AzError::invalid_argument(
                    "InvalidCaCertificate",
                    format!("'{}' (SSL_CERT_FILE) holds no PEM certificate.", path.display()),
                )
                .with_target(path.display().to_string()));
            }
            extra.extend(certs);
        }
        // The built-in roots are loaded once per process (http::tls), not per client.
        let tls = tls::client_config(&extra).map_err(|e| AzError::internal(format!("The HTTP client could not be built: {e}")))?;
        let inner = b.use_preconfigured_tls(tls).build().map_err(|e| AzError::internal(format!("The HTTP client could not be built: {}", e.without_url())))?;
        Ok(Client { inner, settings, retry })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub async fn get_json(&self, url: &str, headers: &[(&str, &str)], log: &(dyn Fn(&str) + Sync)) -> AzResult<Response> {
        let mut req = Request::get(url).header("accept", "application/json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        self.send(req, log).await
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)], headers: &[(&str, &str)], log: &(dyn Fn(&str) + Sync)) -> AzResult<Response> {
        let mut req = Request::post_form(url, form).header("accept", "application/json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        self.send(req, log).await
    }

    /// Sends with retries (see [`RetryPolicy`]); logs one redacted line per attempt.
    pub async fn send(&self, req: Request, log: &(dyn Fn(&str) + Sync)) -> AzResult<Response> {
        let url = url::Url::parse(&req.url)
            .map_err(|e| AzError::invalid_argument("InvalidUrl", format!("'{}' is not a valid URL: {e}.", redact::redact_url_str(&req.url))))?;
        let shown = redact::redact_url(&url);
        let mut attempt = 0u32;
        loop {
            let started = Instant::now();
            let mut rb = self.inner.request(req.method.clone(), url.clone());
            for (k, v) in &req.headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some((ct, body)) = &req.body {
                rb = rb.header("content-type", ct.as_str()).body(body.clone());
            }
            let outcome = match rb.send().await {
                Ok(resp) => read_response(resp).await,
                Err(e) => Err(e),
            };
            let ms = started.elapsed().as_millis();
            let can_retry = attempt < self.retry.max_retries;
            match outcome {
                Ok(resp) => {
                    log(&format!("{} {} -> {} ({ms} ms)", req.method, shown, resp.status));
                    if !resp.is_success() {
                        log(&format!("  error body: {}", redact::redact_body(&resp.body)));
                    }
                    if can_retry && req.idempotent && is_retryable_status(resp.status) {
                        let wait = match retry_after(&resp.headers, SystemTime::now()) {
                            Some(d) if d > self.retry.max_retry_after => return Ok(resp),
                            Some(d) => d,
                            None => self.retry.backoff(attempt),
                        };
                        log(&format!("  retrying in {} ms (attempt {} of {})", wait.as_millis(), attempt + 2, self.retry.max_retries + 1));
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(resp);
                }
                Err(e) => {
                    let err = self.transport_error(&url, &e);
                    log(&format!("{} {} -> {} ({ms} ms)", req.method, shown, err.message));
                    // A failed connect never reached the server: safe to repeat for any method.
                    let retryable = e.is_connect() || (req.idempotent && (e.is_timeout() || e.is_request()));
                    if can_retry && retryable {
                        let wait = self.retry.backoff(attempt);
                        log(&format!("  retrying in {} ms (attempt {} of {})", wait.as_millis(), attempt + 2, self.retry.max_retries + 1));
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(err);
                }
            }
        }
    }

    fn transport_error(&self, url: &url::Url, e: &reqwest::Error) -> AzError {
        let host = url.host_str().unwrap_or("?");
        let via = self.settings.proxy.proxy_for(url).map(|p| format!(" through proxy {}", redact::redact_url_str(&p))).unwrap_or_default();
        // The error chain, without the URL (its query could hold a secret).
        let mut detail = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            src = s.source();
        }
        let detail = detail.replace(url.as_str(), &redact::redact_url(url));
        if e.is_timeout() {
            AzError::new("HttpTimeout", Category::OperationTimeout, format!("The request to {host}{via} timed out ({detail})."))
                .with_remedy("Check the network and proxy settings (HTTPS_PROXY, NO_PROXY), then try again.")
        } else if detail.contains("too large") {
            AzError::new("HttpBodyTooLarge", Category::LimitsExceeded, format!("The response from {host} is larger than {MAX_BODY} bytes."))
        } else {
            AzError::new("HttpConnectionFailed", Category::ConnectionError, format!("AzRs could not reach {host}{via} ({detail})."))
                .with_remedy("Check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and, for TLS errors, the CA bundle (SSL_CERT_FILE, SSL_CERT_DIR).")
        }
    }
}

async fn read_response(mut resp: reqwest::Response) -> Result<Response, reqwest::Error> {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            break; // reported by the caller as a short body; never read without bound
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response { status, headers, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784111777); // Sun, 06 Nov 1994 08:49:37 GMT
        let h = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(retry_after(&h("Retry-After", "7"), now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&h("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT"), now), Some(Duration::from_secs(10)));
        assert_eq!(retry_after(&h("retry-after", "Sun, 06 Nov 1994 08:49:00 GMT"), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&h("x-ms-retry-after-ms", "250"), now), Some(Duration::from_millis(250)));
        assert_eq!(retry_after(&h("retry-after", "soon"), now), None);
        assert_eq!(retry_after(&[], now), None);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 410, 500, 502, 503, 504, 408] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 501] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        assert!(p.backoff(0) >= Duration::from_millis(500) && p.backoff(0) <= Duration::from_millis(625));
        assert!(p.backoff(1) >= Duration::from_millis(1000));
        assert!(p.backoff(10) <= p.max_delay);
    }

    #[test]
    fn ca_problems_are_reported() {
        let s = Settings::from_env(&Env::from_pairs([("SSL_CERT_FILE", "/nonexistent/azrs-ca.pem")]));
        assert_eq!(Client::build(s, RetryPolicy::none()).err().unwrap().code, "FileReadFailed");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("empty.pem");
        std::fs::write(&f, "no certificate here").unwrap();
        let s = Settings::from_env(&Env::from_pairs([("SSL_CERT_FILE", f.to_str().unwrap())]));
        assert_eq!(Client::build(s, RetryPolicy::none()).err().unwrap().code, "InvalidCaCertificate");
        // A folder may hold other files; they are skipped.
        let s = Settings::from_env(&Env::from_pairs([("SSL_CERT_DIR", dir.path().to_str().unwrap())]));
        assert!(Client::build(s, RetryPolicy::none()).is_ok());
    }

    #[test]
    fn settings_are_cache_keys() {
        let a = Settings::from_env(&Env::from_pairs([("HTTPS_PROXY", "http://p:1")]));
        let b = Settings::from_env(&Env::from_pairs([("HTTPS_PROXY", "http://p:1")]));
        let c = Settings::from_env(&Env::from_pairs([("HTTPS_PROXY", "http://p:2")]));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let ca = Client::for_settings(a).unwrap();
        let cb = Client::for_settings(b).unwrap();
        let cc = Client::for_settings(c).unwrap();
        assert!(Arc::ptr_eq(&ca, &cb), "same settings reuse one client (and its connections)");
        assert!(!Arc::ptr_eq(&ca, &cc));
    }
}
