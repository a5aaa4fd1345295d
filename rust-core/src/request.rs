//! A request as it crosses the boundary: `{"op": "area.verb", "args": {...}, "env": {...}}`.

use crate::error::{AzError, AzResult};
use serde::Deserialize;
use serde_json::Value;
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The environment variables PowerShell sees, passed with each request. On Unix, `$env:X = ...`
/// only changes .NET's copy, so the engine must never read them with `getenv`.
/// Cheap to clone (shared until changed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "HashMap<String, String>")]
pub struct Env(Arc<HashMap<String, String>>);

impl From<HashMap<String, String>> for Env {
    fn from(m: HashMap<String, String>) -> Env {
        Env(Arc::new(m))
    }
}

/// The last environment block parsed and what it gave: a session sends the same block with each
/// request until a variable changes, so the common case is one comparison of the bytes (instead
/// of ~2 us of parsing). The copy of the block is only ever compared, never read for values:
/// unrelated variables still go no further than this process's memory, where PowerShell keeps
/// them anyway.
static LAST_BLOCK: Lazy<Mutex<(Vec<u8>, Env)>> = Lazy::new(|| Mutex::new((Vec::new(), Env::default())));

impl Env {
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env(Arc::new(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()))
    }

    /// Exact-name lookup; empty values count as unset (as in .NET, where setting "" removes it).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Lookup that also accepts the lower-case spelling (proxy variables come in both).
    pub fn get_either_case(&self, name: &str) -> Option<&str> {
        self.get(name).or_else(|| self.get(&name.to_ascii_lowercase()))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The variables the engine consults, out of an environment block as the wrapper sends it:
    /// all names joined by NUL, two NULs, then all values joined by NUL, in the same order (one
    /// `[string]::Join` each over `[Environment]::GetEnvironmentVariables()`, the cheapest shape
    /// PowerShell can produce). Names outside `ENV_NAMES` are dropped here, so unrelated variables
    /// (and any secrets in them) go no further. Names compare case-insensitively on Windows, as
    /// there.
    pub fn from_block(block: &[u8]) -> AzResult<Env> {
        if block.is_empty() {
            return Ok(Env::default());
        }
        {
            let last = LAST_BLOCK.lock().unwrap_or_else(|p| p.into_inner());
            if last.0 == block {
                return Ok(last.1.clone());
            }
        }
        let env = Self::parse_block(block)?;
        *LAST_BLOCK.lock().unwrap_or_else(|p| p.into_inner()) = (block.to_vec(), env.clone());
        Ok(env)
    }

    fn parse_block(block: &[u8]) -> AzResult<Env> {
        let mut map = HashMap::new();
        let text = std::str::from_utf8(block)
            .map_err(|e| AzError::invalid_argument("InvalidUtf8", format!("The environment block is not valid UTF-8 (at byte {}).", e.valid_up_to())))?;
        let invalid = || AzError::invalid_argument("InvalidEnvironmentBlock", "The environment block does not have as many values as names.");
        let (names, values) = text.split_once("\0\0").ok_or_else(invalid)?;
        // Names and values in lockstep, no copies: most names are not ours and cost a length check.
        let (mut names, mut values) = (names.split('\0'), values.split('\0'));
        loop {
            match (names.next(), values.next()) {
                (Some(name), Some(value)) => {
                    if name.len() >= 64 || KNOWN_LENGTHS & (1u64 << name.len()) == 0 {
                        continue;
                    }
                    for known in ENV_NAMES.iter().filter(|k| same_name(k, name)) {
                        map.insert((*known).to_string(), value.to_string());
                    }
                }
                (None, None) => break,
                _ => return Err(invalid()),
            }
        }
        Ok(Env(Arc::new(map)))
    }

    /// Adds `other`'s entries over this one's.
    fn merge(&mut self, other: Env) {
        if !other.0.is_empty() {
            Arc::make_mut(&mut self.0).extend(other.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
}

fn same_name(known: &str, name: &str) -> bool {
    if cfg!(windows) { known.eq_ignore_ascii_case(name) } else { known == name }
}

/// Names of the variables the engine consults: the wrapper sends the whole environment and
/// `Env::from_block` keeps these. `AzRs:*` entries are not variables but facts PowerShell knows
/// better than the engine (its special folders, whether the session is interactive).
pub const ENV_NAMES: &[&str] = &[
    // network
    "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
    "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR",
    // Azure SDK conventions
    "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST", "ARM_CLOUD_METADATA_URL",
    // managed identity sources
    "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT",
    "MSI_ENDPOINT", "MSI_SECRET",
    // browser sign-in
    "BROWSER", "DISPLAY", "WAYLAND_DISPLAY",
    // Az.Accounts switches read from the environment
    "AzContextAutoSave", "AzureRmContextAutoSave", "Azure_Profile_Autosave",
    "SuppressAzurePowerShellBreakingChangeWarnings", "Azure_PS_Data_Collection",
    "Azure_PS_Intercept_Survey", "AzSurveyMessage",
    // secret storage (the D-Bus session of the PowerShell process)
    "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME",
    // pseudo-variables filled by the wrapper
    "AzRs:UserProfile", "AzRs:LocalApplicationData", "AzRs:Interactive",
];

/// Bit n is set when a name in `ENV_NAMES` is n bytes long (all are shorter than 64).
const KNOWN_LENGTHS: u64 = {
    let mut mask = 0u64;
    let mut i = 0;
    while i < ENV_NAMES.len() {
        assert!(ENV_NAMES[i].len() < 64, "ENV_NAMES entries must be shorter than 64 bytes");
        mask |= 1u64 << ENV_NAMES[i].len();
        i += 1;
    }
    mask
};

#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub op: String,
    #[serde(default)]
    pub args: Value,
    #[serde(default)]
    pub env: Env,
}

impl Request {
    pub fn parse(bytes: &[u8]) -> AzResult<Request> {
        serde_json::from_slice(bytes).map_err(|e| {
            AzError::invalid_argument("InvalidRequest", format!("The request is not valid JSON for AzRs: {e}."))
        })
    }

    /// A request with its environment block (see `Env::from_block`); an `env` object inside the
    /// request, which tests use, wins over the block.
    pub fn parse_with_block(bytes: &[u8], block: &[u8]) -> AzResult<Request> {
        let mut req = Request::parse(bytes)?;
        let mut env = Env::from_block(block)?;
        env.merge(std::mem::take(&mut req.env));
        req.env = env;
        Ok(req)
    }

    /// The part before the first dot: which room of the engine handles the request.
    pub fn area(&self) -> &str {
        self.op.split_once('.').map(|(a, _)| a).unwrap_or(&self.op)
    }

    /// Typed view of `args`; missing args read as `{}`.
    pub fn args<T: serde::de::DeserializeOwned>(&self) -> AzResult<T> {
        let v = if self.args.is_null() { Value::Object(Default::default()) } else { self.args.clone() };
        serde_json::from_value(v).map_err(|e| {
            AzError::invalid_argument("InvalidArguments", format!("Invalid arguments for '{}': {e}.", self.op))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_keeps_only_known_names_in_order_of_pairs() {
        let block = "PATH\0HTTPS_PROXY\0GITHUB_TOKEN\0AzRs:UserProfile\0\0/bin\0http://p:3128\0ghp_secret\0/home/u";
        let env = Env::from_block(block.as_bytes()).unwrap();
        assert_eq!(env.get("HTTPS_PROXY"), Some("http://p:3128"));
        assert_eq!(env.get("AzRs:UserProfile"), Some("/home/u"));
        assert_eq!(env.get("PATH"), None);
        assert!(env.names().all(|n| n != "GITHUB_TOKEN"), "unknown variables are dropped");
    }

    #[test]
    fn block_with_empty_values_and_no_block() {
        let env = Env::from_block(b"BROWSER\0DISPLAY\0\0\0:0").unwrap();
        assert_eq!(env.get("BROWSER"), None, "empty reads as unset");
        assert_eq!(env.get("DISPLAY"), Some(":0"));
        assert!(Env::from_block(b"").unwrap().names().next().is_none());
    }

    #[test]
    fn malformed_blocks_are_errors() {
        for bad in [&b"BROWSER\0DISPLAY\0\0x"[..], b"BROWSER", &[0xff, 0, 0, 0x41]] {
            assert!(Env::from_block(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn env_object_in_the_request_wins_over_the_block() {
        let req = Request::parse_with_block(br#"{"op":"x","env":{"BROWSER":"b"}}"#, b"BROWSER\0SSL_CERT_FILE\0\0a\0/ca.pem").unwrap();
        assert_eq!(req.env.get("BROWSER"), Some("b"));
        assert_eq!(req.env.get("SSL_CERT_FILE"), Some("/ca.pem"));
    }
}
