//! Interactive browser sign-in: authorization code + PKCE (S256) with a loopback redirect.
//! Listens on 127.0.0.1 on the first free port in 8400-8999 (redirect `http://localhost:{port}`),
//! opens the default browser ($BROWSER, xdg-open, open, or the Windows shell), checks `state` on
//! the response and `nonce` in the id token, then redeems the code with the verifier.
//! [`open_browser`] reports when no browser can be opened so the caller can fall back to
//! device code.

use super::{net::Log, request_token, random_b64url, b64url, Authority, Token, OIDC_SCOPES, POWERSHELL_CLIENT_ID};
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SUCCESS_PAGE: &str = "<!DOCTYPE html><html><head><title>Authentication complete</title></head><body><p>Authentication complete. You can return to the application. Please close this browser tab.</p></body></html>";

/// Binds the first free port in 8400-8999; `taken` hears about busy ones (Az prints them).
pub async fn bind_loopback(taken: &(dyn Fn(String) + Send + Sync)) -> AzResult<(TcpListener, u16)> {
    for port in 8400u16..9000 {
        match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => return Ok((l, port)),
            Err(e) => taken(format!("Port {port} is taken with exception '{e}'; trying to connect to the next port.")),
        }
    }
    Err(AzError::new("NoFreeLoopbackPort", Category::ResourceUnavailable, "No free port in 8400-8999 for the sign-in redirect.")
        .with_remedy("Close programs listening there, or use Connect-AzAccount -UseDeviceAuthentication."))
}

/// What the browser is sent to, and what must come back.
pub struct AuthRequest {
    pub url: String,
    pub redirect_uri: String,
    state: String,
    nonce: String,
    verifier: String,
    claims: String,
}

pub fn auth_request(authority: &Authority, port: u16, scope: &str, login_hint: Option<&str>, claims: &str) -> AuthRequest {
    let verifier = random_b64url(32);
    let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
    let state = random_b64url(16);
    let nonce: String = Sha256::digest(random_b64url(32).as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let redirect_uri = format!("http://localhost:{port}");
    let scopes = format!("{scope} {OIDC_SCOPES}");
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", POWERSHELL_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", &scopes)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("nonce", &nonce)
        .append_pair("client_info", "1")
        .append_pair("claims", claims)
        .append_pair("prompt", "select_account");
    if let Some(h) = login_hint {
        q.append_pair("login_hint", h);
    }
    AuthRequest { url: format!("{}?{}", authority.authorize_url(), q.finish()), redirect_uri, state, nonce, verifier, claims: claims.to_string() }
}

/// Starts the user's browser on `url` without waiting for it. Err = no browser in this session.
pub fn open_browser(env: &Env, url: &str) -> Result<(), String> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    if let Some(b) = env.get("BROWSER") {
        // Python's convention: a ':'-separated list, %s replaced by the URL (else appended).
        for entry in b.split(if cfg!(windows) { ';' } else { ':' }).filter(|s| !s.trim().is_empty()) {
            let mut parts: Vec<String> = entry.split_whitespace().map(str::to_string).collect();
            if parts.iter().any(|p| p.contains("%s")) {
                parts = parts.into_iter().map(|p| p.replace("%s", url)).collect();
            } else {
                parts.push(url.to_string());
            }
            commands.push(parts);
        }
    } else if cfg!(windows) {
        commands.push(vec!["rundll32".into(), "url.dll,FileProtocolHandler".into(), url.into()]);
    } else if cfg!(target_os = "macos") {
        commands.push(vec!["open".into(), url.into()]);
    } else {
        if env.get("DISPLAY").is_none() && env.get("WAYLAND_DISPLAY").is_none() {
            return Err("no DISPLAY or WAYLAND_DISPLAY".into());
        }
        commands.push(vec!["xdg-open".into(), url.into()]);
    }
    let mut last = String::from("no browser command");
    for cmd in commands {
        let mut c = std::process::Command::new(&cmd[0]);
        c.args(&cmd[1..]).stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        // The child sees the session's variables as PowerShell has them, not the process's.
        for name in ["DISPLAY", "WAYLAND_DISPLAY", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE"] {
            if let Some(v) = env.get(name) {
                c.env(name, v);
            }
        }
        match c.spawn() {
            Ok(mut child) => {
                // Reap it whenever it exits; never wait for it here.
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
                return Ok(());
            }
            Err(e) => last = format!("{}: {e}", cmd[0]),
        }
    }
    Err(last)
}

/// Waits for the redirect carrying `code` (query or form_post), answers the browser, redeems the code.
pub async fn complete(env: &Env, log: Log<'_>, authority: &Authority, listener: TcpListener, req: &AuthRequest, scope: &str) -> AzResult<Token> {
    let code = tokio::time::timeout(Duration::from_secs(300), wait_for_code(&listener, &req.state))
        .await
        .map_err(|_| AzError::new("BrowserSignInTimeout", Category::OperationTimeout, "The browser sign-in did not finish within 5 minutes.")
            .with_remedy("Run Connect-AzAccount again, or use -UseDeviceAuthentication."))??;
    let scopes = format!("{scope} {OIDC_SCOPES}");
    let form = [
        ("client_id", POWERSHELL_CLIENT_ID),
        ("grant_type", "authorization_code"),
        ("client_info", "1"),
        ("code", code.as_str()),
        ("code_verifier", req.verifier.as_str()),
        ("redirect_uri", req.redirect_uri.as_str()),
        ("scope", scopes.as_str()),
        ("claims", req.claims.as_str()),
    ];
    let token = request_token(env, log, authority, &form, scope, false).await?;
    let nonce = token.id_token.as_deref().and_then(super::jwt_claims).and_then(|c| c.get("nonce").and_then(|n| n.as_str()).map(str::to_string));
    if nonce.as_deref() != Some(req.nonce.as_str()) {
        return Err(AzError::new("NonceMismatch", Category::SecurityError, "The id token's nonce does not match the sign-in request; the response was rejected."));
    }
    Ok(token)
}

async fn wait_for_code(listener: &TcpListener, state: &str) -> AzResult<String> {
    loop {
        let (mut sock, _) = listener.accept().await.map_err(|e| AzError::new("LoopbackFailed", Category::ConnectionError, format!("The sign-in redirect listener failed: {e}.")))?;
        let Ok(raw) = read_request(&mut sock).await else { continue };
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
        let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("/");
        let query = if head.starts_with("POST") { body.to_string() } else { target.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default() };
        let params: std::collections::HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let reply = |status: &str, text: &str| format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len());
        if params.get("state").map(String::as_str) != Some(state) {
            let msg = if params.is_empty() { "Authentication could not be completed." } else { "State mismatch. Waiting for the next response." };
            let _ = sock.write_all(reply("400 Bad Request", msg).as_bytes()).await;
            continue;
        }
        if let Some(code) = params.get("code") {
            let _ = sock.write_all(reply("200 OK", SUCCESS_PAGE).as_bytes()).await;
            return Ok(code.clone());
        }
        let err = params.get("error").cloned().unwrap_or_else(|| "unknown_error".into());
        let desc = params.get("error_description").cloned().unwrap_or_default();
        let _ = sock.write_all(reply("200 OK", "Authentication failed. You can close this tab.").as_bytes()).await;
        return Err(AzError::new("BrowserSignInFailed", Category::AuthenticationError, format!("The browser sign-in failed: {err}: {}", desc.lines().next().unwrap_or(""))));
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), sock.read(&mut chunk)).await.map_err(|_| std::io::ErrorKind::TimedOut)??;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
            let len = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0);
            if buf.len() >= pos + 4 + len {
                break;
            }
        }
        if buf.len() > 64 * 1024 {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
