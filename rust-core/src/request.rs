//! A request as it crosses the boundary: `{"op": "area.verb", "args": {...}, "env": {...}}`.

use crate::error::{AzError, AzResult};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// The environment variables PowerShell sees, passed with each request. On Unix, `$env:X = ...`
/// only changes .NET's copy, so the engine must never read them with `getenv`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
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
}

/// Names of the variables the wrapper reads and sends with each request. One list, here, so the
/// engine and the wrapper never disagree. `AzRs:*` entries are not variables but facts PowerShell
/// knows better than the engine (its special folders, whether the session is interactive).
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
