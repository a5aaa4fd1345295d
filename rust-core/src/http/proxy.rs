//! Which proxy a URL goes through, from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY as
//! PowerShell sees them (either case; the lower-case spelling wins when both are set, as in curl
//! and Python requests).
//!
//! NO_PROXY, like curl: comma- or space-separated entries; `*` alone bypasses the proxy for every
//! host; `example.com`, `.example.com` and `*.example.com` all match the domain and its
//! subdomains; `host:port` matches only that port; IP addresses match exactly and CIDR ranges
//! (`10.0.0.0/8`, `fd00::/8`) match addresses inside them (IPv6 may be written in brackets).
//! Loopback (`localhost`, `*.localhost`, 127.0.0.0/8, ::1) never goes through a proxy, like
//! Go's and Azure CLI's clients: a local emulator or managed-identity endpoint must stay local.

use crate::request::Env;
use std::net::IpAddr;

/// Lower-case first, then upper-case (curl and Python requests prefer the lower-case spelling).
pub fn either(env: &Env, upper: &str) -> Option<String> {
    env.get(&upper.to_ascii_lowercase()).or_else(|| env.get(upper)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The proxy settings of one request environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProxySettings {
    pub https: Option<String>,
    pub http: Option<String>,
    pub no_proxy: Option<String>,
}

impl ProxySettings {
    pub fn from_env(env: &Env) -> Self {
        let all = either(env, "ALL_PROXY");
        ProxySettings {
            https: either(env, "HTTPS_PROXY").or_else(|| all.clone()),
            http: either(env, "HTTP_PROXY").or(all),
            no_proxy: either(env, "NO_PROXY"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.https.is_none() && self.http.is_none()
    }

    /// The proxy URL for `url`, or `None` to connect directly.
    pub fn proxy_for(&self, url: &url::Url) -> Option<String> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let host = url.host_str()?;
        let port = url.port_or_known_default().unwrap_or(0);
        if is_loopback(host) || self.no_proxy.as_deref().is_some_and(|np| no_proxy_matches(np, host, port)) {
            return None;
        }
        // "proxy:3128" means http://proxy:3128, as curl reads it.
        Some(if proxy.contains("://") { proxy.clone() } else { format!("http://{proxy}") })
    }
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 and ::1.
pub fn is_loopback(host: &str) -> bool {
    let h = strip_brackets(host).trim_end_matches('.').to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") {
        return true;
    }
    h.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// Whether NO_PROXY `list` says `host` (at `port`) connects directly.
pub fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = strip_brackets(host).trim_end_matches('.').to_ascii_lowercase();
    let host_ip = host.parse::<IpAddr>().ok();
    for raw in list.split([',', ' ', '\t']).map(str::trim).filter(|s| !s.is_empty()) {
        if raw == "*" {
            return true;
        }
        let mut entry = raw.to_ascii_lowercase();
        // Optional port: "host:443", "[::1]:443", "10.0.0.1:8080" (a bare IPv6 has many colons).
        let mut want_port = None;
        if let Some(rest) = entry.strip_prefix('[') {
            if let Some((addr, tail)) = rest.split_once(']') {
                want_port = tail.strip_prefix(':').and_then(|p| p.parse::<u16>().ok());
                entry = addr.to_string();
            }
        } else if entry.matches(':').count() == 1 {
            let (h, p) = entry.split_once(':').expect("one colon");
            if let Ok(p) = p.parse::<u16>() {
                want_port = Some(p);
                entry = h.to_string();
            }
        }
        if want_port.is_some_and(|p| p != port) {
            continue;
        }
        if let Some(ip) = host_ip {
            if let Some((net, bits)) = entry.split_once('/') {
                if let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                    if in_cidr(ip, net, bits) {
                        return true;
                    }
                }
                continue;
            }
            if entry.parse::<IpAddr>().is_ok_and(|e| e == ip) {
                return true;
            }
            continue;
        }
        let domain = entry.trim_start_matches("*.").trim_start_matches('.').trim_end_matches('.');
        if domain.is_empty() {
            continue;
        }
        if host == domain || host.ends_with(&format!(".{domain}")) {
            return true;
        }
    }
    false
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(list: &str, host: &str) -> bool {
        no_proxy_matches(list, host, 443)
    }

    #[test]
    fn domains_and_suffixes() {
        assert!(m("example.com", "example.com"));
        assert!(m("example.com", "api.example.com"));
        assert!(m(".example.com", "api.example.com"));
        assert!(m(".example.com", "example.com"));
        assert!(m("*.example.com", "a.b.example.com"));
        assert!(m("EXAMPLE.com", "Api.Example.COM."));
        assert!(!m("example.com", "badexample.com"));
        assert!(!m("example.com", "example.com.evil.net"));
        assert!(m("foo.net, example.com", "example.com"));
        assert!(m("foo.net example.com", "example.com"));
        assert!(!m("", "example.com"));
        assert!(!m(" , ", "example.com"));
    }

    #[test]
    fn star_matches_everything() {
        assert!(m("*", "management.azure.com"));
        assert!(m("foo.net,*", "management.azure.com"));
    }

    #[test]
    fn ports() {
        assert!(no_proxy_matches("example.com:443", "example.com", 443));
        assert!(!no_proxy_matches("example.com:8443", "example.com", 443));
        assert!(no_proxy_matches("10.1.2.3:8080", "10.1.2.3", 8080));
        assert!(no_proxy_matches("[fd00::1]:443", "[fd00::1]", 443));
    }

    #[test]
    fn ips_and_cidrs() {
        assert!(m("10.1.2.3", "10.1.2.3"));
        assert!(!m("10.1.2.3", "10.1.2.4"));
        assert!(m("10.0.0.0/8", "10.200.3.4"));
        assert!(!m("10.0.0.0/8", "11.0.0.1"));
        assert!(m("169.254.169.254", "169.254.169.254"));
        assert!(m("fd00::/8", "[fd12::1]"));
        assert!(m("::1", "[::1]"));
        assert!(!m("10.0.0.0/8", "ten.example"), "a CIDR never matches a name");
        assert!(!m("example.com", "10.0.0.1"));
    }

    #[test]
    fn loopback_is_always_direct() {
        let s = ProxySettings { https: Some("http://proxy:3128".into()), http: Some("proxy:3128".into()), no_proxy: None };
        assert_eq!(s.proxy_for(&"https://localhost:8443/x".parse().unwrap()), None);
        assert_eq!(s.proxy_for(&"http://127.0.0.1:5000/x".parse().unwrap()), None);
        assert_eq!(s.proxy_for(&"http://[::1]:5000/x".parse().unwrap()), None);
        assert_eq!(s.proxy_for(&"https://login.microsoftonline.com/".parse().unwrap()).as_deref(), Some("http://proxy:3128"));
        assert_eq!(s.proxy_for(&"http://169.254.169.254/metadata".parse().unwrap()).as_deref(), Some("http://proxy:3128"));
    }

    #[test]
    fn env_spellings() {
        let env = Env::from_pairs([("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "http://lower:2"), ("NO_PROXY", "a.com")]);
        let s = ProxySettings::from_env(&env);
        assert_eq!(s.https.as_deref(), Some("http://lower:2"));
        assert_eq!(s.http, None);
        assert_eq!(s.no_proxy.as_deref(), Some("a.com"));
        let env = Env::from_pairs([("all_proxy", "http://all:3")]);
        let s = ProxySettings::from_env(&env);
        assert_eq!((s.https.as_deref(), s.http.as_deref()), (Some("http://all:3"), Some("http://all:3")));
        let s = ProxySettings { https: Some("http://p:1".into()), http: None, no_proxy: Some("*.azure.com".into()) };
        assert_eq!(s.proxy_for(&"https://management.azure.com/".parse().unwrap()), None);
        assert_eq!(s.proxy_for(&"http://management.example/".parse().unwrap()), None, "no HTTP proxy set");
    }
}
