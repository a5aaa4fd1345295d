//! The HTTP client against local servers: a CA made here, an HTTPS server, a CONNECT proxy, and a
//! plain server that throttles. Everything listens on 127.0.0.1 and stops with the test.

use azrs::http::{self, Client, RetryPolicy, Settings};
use azrs::Env;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

struct Pki {
    ca_pem: String,
    leaf_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn make_pki() -> Pki {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, "AzRs Test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string(), "azrs.test".to_string()]).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    Pki { ca_pem: ca_cert.pem(), leaf_der: leaf_cert.der().to_vec(), key_der: leaf_key.serialize_der() }
}

/// Reads one request head (up to the blank line); `None` at EOF.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

async fn respond<S: AsyncWrite + Unpin>(s: &mut S, status: &str, extra: &str, body: &str) {
    let msg = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n{body}", body.len());
    let _ = s.write_all(msg.as_bytes()).await;
}

/// Serves requests on one connection: echoes the request line and how many connections were made.
async fn serve_json<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, conns: usize) {
    while let Some(head) = read_head(&mut s).await {
        let line = head.lines().next().unwrap_or("").to_string();
        let body = serde_json::json!({"line": line, "connection": conns}).to_string();
        respond(&mut s, "200 OK", "", &body).await;
    }
}

/// An HTTPS server with the test CA's leaf certificate; returns its port.
async fn https_server(pki: &Pki) -> (u16, Arc<AtomicUsize>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(pki.leaf_der.clone())],
            rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.clone().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let conns = Arc::new(AtomicUsize::new(0));
    let c = conns.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    serve_json(tls, n).await;
                }
            });
        }
    });
    (port, conns)
}

/// A forward proxy: CONNECT tunnels to 127.0.0.1 at the requested port; absolute-form requests
/// are answered by the proxy itself. Records each request line.
async fn proxy_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let s = s.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut tcp).await else { return };
                let line = head.lines().next().unwrap_or("").to_string();
                s.lock().unwrap().push(line.clone());
                if let Some(target) = line.strip_prefix("CONNECT ") {
                    let port: u16 = target.split_whitespace().next().and_then(|t| t.rsplit(':').next()).and_then(|p| p.parse().ok()).unwrap();
                    let mut upstream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                    let _ = tcp.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                    let _ = tokio::io::copy_bidirectional(&mut tcp, &mut upstream).await;
                } else {
                    let body = serde_json::json!({"via": "proxy", "line": line}).to_string();
                    respond(&mut tcp, "200 OK", "connection: close\r\n", &body).await;
                }
            });
        }
    });
    (port, seen)
}

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_ca_from_the_request_env_and_client_reuse() {
    let pki = make_pki();
    let (port, conns) = https_server(&pki).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let url = format!("https://localhost:{port}/ping?api-version=1&client_secret=shh");

    // Without the CA: the server is not trusted.
    let plain = Client::for_env(&env(&[])).unwrap();
    let lines = Mutex::new(Vec::new());
    let log = |l: &str| lines.lock().unwrap().push(l.to_string());
    let err = plain.get_json(&url, &[], &log).await.unwrap_err();
    assert_eq!(err.code, "HttpConnectionFailed");
    assert!(err.message.contains("localhost"), "{}", err.message);
    assert!(!err.message.contains("shh"), "no secret in the error: {}", err.message);

    // SSL_CERT_FILE set "in the session": a new client trusts it, on the very next call.
    let e1 = env(&[("SSL_CERT_FILE", ca_file.to_str().unwrap())]);
    let c1 = Client::for_env(&e1).unwrap();
    assert!(!Arc::ptr_eq(&plain, &c1));
    let r = c1.get_json(&url, &[], &log).await.unwrap();
    assert_eq!(r.status, 200);
    let first: serde_json::Value = r.json().unwrap();
    assert!(first["line"].as_str().unwrap().starts_with("GET /ping?"));

    // Same settings: the same client, and the same keep-alive connection.
    let c1b = Client::for_env(&e1).unwrap();
    assert!(Arc::ptr_eq(&c1, &c1b));
    let second: serde_json::Value = c1b.get_json(&url, &[], &log).await.unwrap().json().unwrap();
    assert_eq!(second["connection"], first["connection"], "connection reused");
    let before = conns.load(Ordering::SeqCst);

    // SSL_CERT_DIR works too (another folder: the same file would be the same settings).
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::write(certs.join("test-ca.crt"), &pki.ca_pem).unwrap();
    let e2 = env(&[("SSL_CERT_DIR", certs.to_str().unwrap())]);
    assert_eq!(Client::for_env(&e2).unwrap().get_json(&url, &[], &log).await.unwrap().status, 200);
    assert!(conns.load(Ordering::SeqCst) > before, "another client, another connection");

    // The log has request lines and statuses, never the secret.
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|l| l.contains("GET https://localhost") && l.contains("-> 200")), "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains("shh")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("client_secret=REDACTED")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_and_no_proxy_from_the_request_env() {
    let pki = make_pki();
    let (port, _) = https_server(&pki).await;
    let (pport, seen) = proxy_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let proxy = format!("http://127.0.0.1:{pport}");
    let url = format!("https://azrs.test:{port}/through");

    // HTTPS through the proxy (CONNECT), with the custom CA.
    let e = env(&[("SSL_CERT_FILE", ca_file.to_str().unwrap()), ("https_proxy", &proxy)]);
    let r = Client::for_env(&e).unwrap().get_json(&url, &[], &http::no_log).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(seen.lock().unwrap().as_slice(), [format!("CONNECT azrs.test:{port} HTTP/1.1")]);

    // Plain HTTP through the proxy (absolute-form request).
    let e = env(&[("HTTP_PROXY", &proxy)]);
    let r: serde_json::Value = Client::for_env(&e).unwrap().get_json("http://azrs.test/plain", &[], &http::no_log).await.unwrap().json().unwrap();
    assert_eq!(r["via"], "proxy");
    assert_eq!(r["line"], "GET http://azrs.test/plain HTTP/1.1");

    // NO_PROXY=.test: straight to the server (its name pinned to 127.0.0.1 instead of DNS).
    let pinned = |no_proxy: Option<&str>| {
        let mut pairs = vec![("SSL_CERT_FILE", ca_file.to_str().unwrap()), ("HTTPS_PROXY", proxy.as_str())];
        if let Some(np) = no_proxy {
            pairs.push(("NO_PROXY", np));
        }
        let mut s = Settings::from_env(&env(&pairs));
        s.resolve.push(("azrs.test".into(), format!("127.0.0.1:{port}").parse().unwrap()));
        Client::for_settings(s).unwrap()
    };
    let n = seen.lock().unwrap().len();
    assert_eq!(pinned(Some("example.com,.test")).get_json(&url, &[], &http::no_log).await.unwrap().status, 200);
    assert_eq!(seen.lock().unwrap().len(), n, "NO_PROXY bypassed the proxy");
    assert_eq!(pinned(None).get_json(&url, &[], &http::no_log).await.unwrap().status, 200);
    assert_eq!(seen.lock().unwrap().len(), n + 1, "without NO_PROXY it went through the proxy");

    // Loopback never goes through the proxy, whatever NO_PROXY says.
    let e = env(&[("SSL_CERT_FILE", ca_file.to_str().unwrap()), ("HTTPS_PROXY", "http://127.0.0.1:1")]);
    let r = Client::for_env(&e).unwrap().get_json(&format!("https://localhost:{port}/direct"), &[], &http::no_log).await.unwrap();
    assert_eq!(r.status, 200);
}

/// A plain server that answers with the scripted statuses in turn, then 200.
async fn scripted_server(script: Vec<(&'static str, &'static str)>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let h = h.clone();
            let script = script.clone();
            tokio::spawn(async move {
                while let Some(head) = read_head(&mut tcp).await {
                    // Drain a form body so the connection stays usable.
                    if let Some(len) = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))) {
                        let mut body = vec![0u8; len];
                        let _ = tcp.read_exact(&mut body).await;
                    }
                    let i = h.fetch_add(1, Ordering::SeqCst);
                    let (status, extra) = script.get(i).copied().unwrap_or(("200 OK", ""));
                    respond(&mut tcp, status, extra, r#"{"ok":true,"access_token":"secret-at"}"#).await;
                }
            });
        }
    });
    (port, hits)
}

fn quick_retries() -> Client {
    let policy = RetryPolicy { max_retries: 3, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50), max_retry_after: Duration::from_secs(2) };
    Client::build(Settings::from_env(&env(&[])), policy).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_throttling_and_server_errors_for_gets() {
    let (port, hits) = scripted_server(vec![("429 Too Many Requests", "retry-after: 0\r\n"), ("503 Service Unavailable", ""), ("410 Gone", "")]).await;
    let lines = Mutex::new(Vec::new());
    let log = |l: &str| lines.lock().unwrap().push(l.to_string());
    let r = quick_retries().get_json(&format!("http://127.0.0.1:{port}/x"), &[], &log).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    let lines = lines.lock().unwrap();
    assert_eq!(lines.iter().filter(|l| l.contains("retrying")).count(), 3, "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains("secret-at")), "bodies are redacted: {lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gives_up_after_max_retries_and_on_long_retry_after() {
    let (port, hits) = scripted_server(vec![("500 Internal Server Error", ""); 10]).await;
    let r = quick_retries().get_json(&format!("http://127.0.0.1:{port}/x"), &[], &http::no_log).await.unwrap();
    assert_eq!((r.status, hits.load(Ordering::SeqCst)), (500, 4));
    let (port, hits) = scripted_server(vec![("429 Too Many Requests", "retry-after: 3600\r\n")]).await;
    let r = quick_retries().get_json(&format!("http://127.0.0.1:{port}/x"), &[], &http::no_log).await.unwrap();
    assert_eq!((r.status, hits.load(Ordering::SeqCst)), (429, 1), "a Retry-After past the cap is returned, not waited for");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_are_not_repeated_unless_marked_idempotent() {
    let (port, hits) = scripted_server(vec![("503 Service Unavailable", "")]).await;
    let url = format!("http://127.0.0.1:{port}/token");
    let r = quick_retries().post_form(&url, &[("grant_type", "client_credentials"), ("client_secret", "s")], &[], &http::no_log).await.unwrap();
    assert_eq!((r.status, hits.load(Ordering::SeqCst)), (503, 1));
    let (port, hits) = scripted_server(vec![("503 Service Unavailable", "")]).await;
    let req = http::Request::post_form(&format!("http://127.0.0.1:{port}/token"), &[("a", "b")]).idempotent(true);
    let r = quick_retries().send(req, &http::no_log).await.unwrap();
    assert_eq!((r.status, hits.load(Ordering::SeqCst)), (200, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_retried_then_reported() {
    // A port nobody listens on: bind, read the port, close.
    let port = { TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port() };
    let lines = Mutex::new(Vec::new());
    let log = |l: &str| lines.lock().unwrap().push(l.to_string());
    let err = quick_retries().post_form(&format!("http://127.0.0.1:{port}/token?code=abc"), &[("x", "y")], &[], &log).await.unwrap_err();
    assert_eq!(err.code, "HttpConnectionFailed");
    assert_eq!(lines.lock().unwrap().iter().filter(|l| l.contains("retrying")).count(), 3, "connect failures are safe to retry, even for POST");
    assert!(!err.message.contains("abc"));
}
