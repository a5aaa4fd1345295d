//! Redaction for the debug log: what may be shown of a request or a response. Query strings and
//! form bodies keep their parameter names but lose secret values; JSON bodies lose the values of
//! secret-looking properties. Headers are never logged except a short allow-list.

/// Parameter or property names whose values are secrets (compared case-insensitively; a name
/// that contains `token`, `secret`, `password` or `assertion` counts too).
const SECRET_NAMES: &[&str] = &[
    "client_secret", "code", "code_verifier", "device_code", "user_code", "password", "assertion",
    "client_assertion", "refresh_token", "access_token", "id_token", "token", "sig", "signature",
    "key", "api-key", "secret", "credential", "x-identity-header", "otp", "pin",
];

/// Response headers that are safe and useful in a debug log.
pub const SAFE_HEADERS: &[&str] = &[
    "x-ms-request-id", "x-ms-correlation-request-id", "client-request-id", "x-ms-ests-server",
    "retry-after", "x-ms-retry-after-ms", "content-type", "www-authenticate-error",
];

const REDACTED: &str = "REDACTED";

pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.ends_with("_type") {
        return false; // token_type, client_assertion_type: names of kinds, not secrets
    }
    SECRET_NAMES.contains(&n.as_str())
        || ["token", "secret", "password", "assertion", "credential"].iter().any(|w| n.contains(w))
}

/// `a=1&client_secret=x` -> `a=1&client_secret=REDACTED` (names stay, values of secrets go).
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&decode(name)) => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes()).next().map(|(k, _)| k.into_owned()).unwrap_or_default()
}

/// A URL for the log: no user:password, secret query values redacted, no fragment.
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    if let Some(q) = url.query() {
        u.set_query(Some(&redact_query(q)));
    }
    u.to_string()
}

/// A URL string for the log; unparseable input is not shown at all.
pub fn redact_url_str(url: &str) -> String {
    url::Url::parse(url).map(|u| redact_url(&u)).unwrap_or_else(|_| "<unparseable URL>".into())
}

/// A form body (`application/x-www-form-urlencoded`) for the log.
pub fn redact_form(body: &str) -> String {
    redact_query(body)
}

/// A JSON value for the log: values of secret-looking properties become "REDACTED".
pub fn redact_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if is_secret_name(k) && !v.is_null() { Value::String(REDACTED.into()) } else { redact_json(v) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

/// A response body for the log: redacted JSON, or only its length when it is not JSON (an
/// HTML page or a token in some other format could hold anything).
pub fn redact_body(body: &[u8]) -> String {
    const MAX: usize = 2000;
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => {
            let mut s = redact_json(&v).to_string();
            if s.len() > MAX {
                let mut cut = MAX;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
                s.push('…');
            }
            s
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_values_of_secrets_go() {
        assert_eq!(
            redact_query("grant_type=authorization_code&code=abc&client_secret=s%3D&scope=x"),
            "grant_type=authorization_code&code=REDACTED&client_secret=REDACTED&scope=x"
        );
        assert_eq!(redact_query("refresh_token=rt&Access_Token=at&my_token=t"), "refresh_token=REDACTED&Access_Token=REDACTED&my_token=REDACTED");
        assert_eq!(redact_query("client_assertion=eyJ&client_assertion_type=urn"), "client_assertion=REDACTED&client_assertion_type=urn");
        assert_eq!(redact_query("api-version=2021-01-01"), "api-version=2021-01-01");
        assert_eq!(redact_query("flag"), "flag");
        assert_eq!(redact_query("client%5Fsecret=x"), "client%5Fsecret=REDACTED", "encoded names are decoded first");
    }

    #[test]
    fn urls_lose_credentials_and_secrets() {
        let u = url::Url::parse("https://user:pw@login.example/t/oauth2?code=abc&state=1#frag").unwrap();
        let s = redact_url(&u);
        assert_eq!(s, "https://login.example/t/oauth2?code=REDACTED&state=1");
        assert!(!s.contains("pw") && !s.contains("abc"));
        assert_eq!(redact_url_str("https://m.example/subscriptions?api-version=1&sig=xyz"), "https://m.example/subscriptions?api-version=1&sig=REDACTED");
        assert_eq!(redact_url_str("not a url ?client_secret=x"), "<unparseable URL>");
    }

    #[test]
    fn json_and_bodies() {
        let v = json!({"token_type":"Bearer","access_token":"at","refresh_token":"rt","expires_in":3599,
            "nested":[{"client_secret":"s","name":"ok"}],"error":"invalid_grant","id_token":null});
        let r = redact_json(&v);
        assert_eq!(r["access_token"], "REDACTED");
        assert_eq!(r["refresh_token"], "REDACTED");
        assert_eq!(r["token_type"], "Bearer");
        assert_eq!(r["nested"][0]["client_secret"], "REDACTED");
        assert_eq!(r["nested"][0]["name"], "ok");
        assert_eq!(r["error"], "invalid_grant");
        assert_eq!(r["id_token"], serde_json::Value::Null);
        assert_eq!(redact_body(b"<html>secret</html>"), "<19 bytes, not JSON>");
        assert!(!redact_body(br#"{"access_token":"eyJhbGciOi"}"#).contains("eyJ"));
        assert_eq!(redact_form("password=hunter2&username=u"), "password=REDACTED&username=u");
    }
}
