//! Environments (clouds): the three built-ins with Az.Accounts' exact values, user-defined ones
//! (stored in AzureRmContext.json's EnvironmentTable), and ones discovered from ARM metadata.
//!
//! An environment is kept in the stored (AzureEnvironment) shape, an ordered JSON object; the
//! PowerShell view (PSAzureEnvironment) is a projection of it, see [`to_ps`].

mod fetch;

use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use crate::store::profile::Obj;
use serde_json::Value;

pub use fetch::get_json;

pub const BUILT_IN: &str = "Built-in";
pub const DISCOVERED: &str = "Discovered";
pub const USER_DEFINED: &str = "User-defined";

/// Property order of Az's AzureEnvironment class (the order Newtonsoft writes).
pub const STORED_FIELDS: &[&str] = &[
    "Name", "Type", "OnPremise", "ServiceManagementUrl", "ResourceManagerUrl", "ManagementPortalUrl",
    "PublishSettingsFileUrl", "ActiveDirectoryAuthority", "GalleryUrl", "GraphUrl",
    "ActiveDirectoryServiceEndpointResourceId", "StorageEndpointSuffix", "SqlDatabaseDnsSuffix",
    "TrafficManagerDnsSuffix", "AzureKeyVaultDnsSuffix", "AzureKeyVaultServiceEndpointResourceId",
    "GraphEndpointResourceId", "DataLakeEndpointResourceId", "BatchEndpointResourceId",
    "AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix", "AzureDataLakeStoreFileSystemEndpointSuffix", "AdTenant",
    "ContainerRegistryEndpointSuffix", "VersionProfiles", "ExtendedProperties",
];

pub const BUILT_IN_NAMES: &[&str] = &["AzureCloud", "AzureChinaCloud", "AzureUSGovernment"];

type Row = (&'static str, [Option<&'static str>; 3]);

/// §4.1 of the dossier: one row per property, columns AzureCloud, AzureChinaCloud, AzureUSGovernment.
const BASE: &[Row] = &[
    ("ServiceManagementUrl", [Some("https://management.core.windows.net/"), Some("https://management.core.chinacloudapi.cn/"), Some("https://management.core.usgovcloudapi.net/")]),
    ("ResourceManagerUrl", [Some("https://management.azure.com/"), Some("https://management.chinacloudapi.cn/"), Some("https://management.usgovcloudapi.net/")]),
    ("ManagementPortalUrl", [Some("https://portal.azure.com/"), Some("https://portal.azure.cn/"), Some("https://portal.azure.us/")]),
    ("PublishSettingsFileUrl", [Some("https://go.microsoft.com/fwlink/?LinkID=301775"), Some("https://go.microsoft.com/fwlink/?LinkID=301776"), Some("https://manage.windowsazure.us/publishsettings/index")]),
    ("ActiveDirectoryAuthority", [Some("https://login.microsoftonline.com/"), Some("https://login.chinacloudapi.cn/"), Some("https://login.microsoftonline.us/")]),
    ("GalleryUrl", [Some("https://gallery.azure.com/"), Some("https://gallery.azure.com/"), Some("https://gallery.azure.com/")]),
    ("GraphUrl", [Some("https://graph.windows.net/"), Some("https://graph.chinacloudapi.cn/"), Some("https://graph.microsoftazure.us/")]),
    ("ActiveDirectoryServiceEndpointResourceId", [Some("https://management.core.windows.net/"), Some("https://management.core.chinacloudapi.cn/"), Some("https://management.core.usgovcloudapi.net/")]),
    ("StorageEndpointSuffix", [Some("core.windows.net"), Some("core.chinacloudapi.cn"), Some("core.usgovcloudapi.net")]),
    ("SqlDatabaseDnsSuffix", [Some(".database.windows.net"), Some(".database.chinacloudapi.cn"), Some(".database.usgovcloudapi.net")]),
    ("TrafficManagerDnsSuffix", [Some("trafficmanager.net"), Some("trafficmanager.cn"), Some("usgovtrafficmanager.net")]),
    ("AzureKeyVaultDnsSuffix", [Some("vault.azure.net"), Some("vault.azure.cn"), Some("vault.usgovcloudapi.net")]),
    ("AzureKeyVaultServiceEndpointResourceId", [Some("https://vault.azure.net"), Some("https://vault.azure.cn"), Some("https://vault.usgovcloudapi.net")]),
    ("GraphEndpointResourceId", [Some("https://graph.windows.net/"), Some("https://graph.chinacloudapi.cn/"), Some("https://graph.microsoftazure.us/")]),
    ("DataLakeEndpointResourceId", [Some("https://datalake.azure.net/"), None, None]),
    ("BatchEndpointResourceId", [Some("https://batch.core.windows.net/"), Some("https://batch.chinacloudapi.cn/"), Some("https://batch.core.usgovcloudapi.net/")]),
    ("AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix", [Some("azuredatalakeanalytics.net"), None, None]),
    ("AzureDataLakeStoreFileSystemEndpointSuffix", [Some("azuredatalakestore.net"), None, None]),
    ("AdTenant", [Some("Common"), Some("Common"), Some("Common")]),
    ("ContainerRegistryEndpointSuffix", [Some("azurecr.io"), Some("azurecr.cn"), Some("azurecr.us")]),
];

const EXTENDED: &[Row] = &[
    ("MicrosoftGraphUrl", [Some("https://graph.microsoft.com"), Some("https://microsoftgraph.chinacloudapi.cn"), Some("https://graph.microsoft.us")]),
    ("MicrosoftGraphEndpointResourceId", [Some("https://graph.microsoft.com/"), Some("https://microsoftgraph.chinacloudapi.cn/"), Some("https://graph.microsoft.us/")]),
    ("OperationalInsightsEndpoint", [Some("https://api.loganalytics.io/v1"), Some("https://api.loganalytics.azure.cn/v1"), Some("https://api.loganalytics.us/v1")]),
    ("OperationalInsightsEndpointResourceId", [Some("https://api.loganalytics.io"), Some("https://api.loganalytics.azure.cn"), Some("https://api.loganalytics.us")]),
    ("AzureAnalysisServicesEndpointSuffix", [Some("asazure.windows.net"), Some("asazure.chinacloudapi.cn"), Some("asazure.usgovcloudapi.net")]),
    ("AnalysisServicesEndpointResourceId", [Some("https://region.asazure.windows.net"), Some("https://region.asazure.chinacloudapi.cn"), Some("https://region.asazure.usgovcloudapi.net")]),
    ("ManagedHsmServiceEndpointSuffix", [Some("managedhsm.azure.net"), Some("managedhsm.azure.cn"), Some("managedhsm.usgovcloudapi.net")]),
    ("ManagedHsmServiceEndpointResourceId", [Some("https://managedhsm.azure.net"), Some("https://managedhsm.azure.cn"), Some("https://managedhsm.usgovcloudapi.net")]),
    ("AzureSynapseAnalyticsEndpointSuffix", [Some("dev.azuresynapse.net"), Some("dev.azuresynapse.azure.cn"), Some("dev.azuresynapse.usgovcloudapi.net")]),
    ("AzureSynapseAnalyticsEndpointResourceId", [Some("https://dev.azuresynapse.net"), Some("https://dev.azuresynapse.azure.cn"), Some("https://dev.azuresynapse.usgovcloudapi.net")]),
    ("AzureAttestationServiceEndpointSuffix", [Some("attest.azure.net"), None, None]),
    ("AzureAttestationServiceEndpointResourceId", [Some("https://attest.azure.net"), None, None]),
    ("AzurePurviewEndpointSuffix", [Some("purview.azure.net"), None, None]),
    ("AzurePurviewEndpointResourceId", [Some("https://purview.azure.net"), None, None]),
    ("AzureAppConfigurationEndpointSuffix", [Some("azconfig.io"), Some("azconfig.azure.cn"), Some("azconfig.azure.us")]),
    ("AzureAppConfigurationEndpointResourceId", [Some("https://azconfig.io"), Some("https://azconfig.azure.cn"), Some("https://azconfig.azure.us")]),
    ("ContainerRegistryEndpointResourceId", [Some("https://management.azure.com"), Some("https://management.chinacloudapi.cn"), Some("https://management.usgovcloudapi.net")]),
    ("AzureCommunicationEmailEndpointSuffix", [Some("communication.azure.com"), None, None]),
    ("AzureCommunicationEmailEndpointResourceId", [Some("https://communication.azure.com"), None, None]),
    ("AzureSshAuthScope", [Some("https://pas.windows.net/CheckMyAccess/Linux/.default"), Some("https://pas.chinacloudapi.cn/CheckMyAccess/Linux/.default"), Some("https://pasff.usgovcloudapi.net/CheckMyAccess/Linux/.default")]),
];

fn s(v: Option<&str>) -> Value {
    v.map(|x| Value::String(x.into())).unwrap_or(Value::Null)
}

/// An environment with every stored property present and null.
pub fn blank_stored(name: &str, ty: &str) -> Obj {
    let mut o = Obj::new();
    for f in STORED_FIELDS {
        let v = match *f {
            "Name" => Value::String(name.into()),
            "Type" => Value::String(ty.into()),
            "OnPremise" => Value::Bool(false),
            "VersionProfiles" => Value::Array(vec![]),
            "ExtendedProperties" => Value::Object(Obj::new()),
            _ => Value::Null,
        };
        o.insert((*f).into(), v);
    }
    o
}

/// A built-in environment (case-insensitive name), in the stored shape.
pub fn builtin(name: &str) -> Option<Obj> {
    let i = BUILT_IN_NAMES.iter().position(|n| n.eq_ignore_ascii_case(name))?;
    let mut o = blank_stored(BUILT_IN_NAMES[i], BUILT_IN);
    for (k, vals) in BASE {
        o.insert((*k).into(), s(vals[i]));
    }
    let ext = o.get_mut("ExtendedProperties").and_then(Value::as_object_mut).expect("present");
    for (k, vals) in EXTENDED {
        if let Some(v) = vals[i] {
            ext.insert((*k).into(), Value::String(v.into()));
        }
    }
    Some(o)
}

pub fn is_builtin(name: &str) -> bool {
    BUILT_IN_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Copy in the stored property order (for environments AzRs writes into a context).
pub fn to_stored(env: &Obj) -> Obj {
    let name = env.get("Name").and_then(Value::as_str).unwrap_or("");
    let ty = env.get("Type").and_then(Value::as_str).unwrap_or(USER_DEFINED);
    let mut o = blank_stored(name, ty);
    for (k, v) in env {
        o.insert(k.clone(), v.clone());
    }
    o
}

fn get<'a>(env: &'a Obj, k: &str) -> Value {
    env.get(k).cloned().unwrap_or(Value::Null)
}

fn ext<'a>(env: &'a Obj, k: &str) -> Value {
    env.get("ExtendedProperties").and_then(Value::as_object).and_then(|e| e.get(k)).cloned().unwrap_or(Value::Null)
}

/// PSAzureEnvironment (Get-AzEnvironment's object), property order of §4.2.
pub fn to_ps(env: &Obj) -> Obj {
    let mut o = Obj::new();
    let on_prem = env.get("OnPremise").and_then(Value::as_bool).unwrap_or(false);
    o.insert("Name".into(), get(env, "Name"));
    o.insert("Type".into(), get(env, "Type"));
    o.insert("EnableAdfsAuthentication".into(), Value::Bool(on_prem));
    o.insert("OnPremise".into(), Value::Bool(on_prem));
    for k in ["ActiveDirectoryServiceEndpointResourceId", "AdTenant", "GalleryUrl", "ManagementPortalUrl", "ServiceManagementUrl",
        "PublishSettingsFileUrl", "ResourceManagerUrl", "SqlDatabaseDnsSuffix", "StorageEndpointSuffix", "ActiveDirectoryAuthority",
        "GraphUrl", "GraphEndpointResourceId", "TrafficManagerDnsSuffix", "AzureKeyVaultDnsSuffix", "DataLakeEndpointResourceId",
        "AzureDataLakeStoreFileSystemEndpointSuffix", "AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix",
        "AzureKeyVaultServiceEndpointResourceId", "ContainerRegistryEndpointSuffix"] {
        o.insert(k.into(), get(env, k));
    }
    o.insert("AzureOperationalInsightsEndpointResourceId".into(), ext(env, "OperationalInsightsEndpointResourceId"));
    o.insert("AzureOperationalInsightsEndpoint".into(), ext(env, "OperationalInsightsEndpoint"));
    for k in ["AzureAnalysisServicesEndpointSuffix", "AnalysisServicesEndpointResourceId", "AzureAttestationServiceEndpointSuffix",
        "AzureAttestationServiceEndpointResourceId", "AzureSynapseAnalyticsEndpointSuffix", "AzureSynapseAnalyticsEndpointResourceId"] {
        o.insert(k.into(), ext(env, k));
    }
    o.insert("VersionProfiles".into(), env.get("VersionProfiles").cloned().unwrap_or(Value::Array(vec![])));
    o.insert("ExtendedProperties".into(), env.get("ExtendedProperties").cloned().unwrap_or(Value::Object(Obj::new())));
    o.insert("BatchEndpointResourceId".into(), get(env, "BatchEndpointResourceId"));
    o
}

/// Add/Set-AzEnvironment parameter name -> (stored property, is extended, wants trailing slash).
pub const PARAMS: &[(&str, &str, bool, bool)] = &[
    ("PublishSettingsFileUrl", "PublishSettingsFileUrl", false, false),
    ("ServiceEndpoint", "ServiceManagementUrl", false, false),
    ("ResourceManagerEndpoint", "ResourceManagerUrl", false, false),
    ("ManagementPortalUrl", "ManagementPortalUrl", false, false),
    ("StorageEndpoint", "StorageEndpointSuffix", false, false),
    ("ActiveDirectoryEndpoint", "ActiveDirectoryAuthority", false, true),
    ("ContainerRegistryEndpointSuffix", "ContainerRegistryEndpointSuffix", false, false),
    ("ActiveDirectoryServiceEndpointResourceId", "ActiveDirectoryServiceEndpointResourceId", false, false),
    ("GalleryEndpoint", "GalleryUrl", false, false),
    ("GraphEndpoint", "GraphUrl", false, false),
    ("AzureKeyVaultDnsSuffix", "AzureKeyVaultDnsSuffix", false, false),
    ("AzureKeyVaultServiceEndpointResourceId", "AzureKeyVaultServiceEndpointResourceId", false, false),
    ("TrafficManagerDnsSuffix", "TrafficManagerDnsSuffix", false, false),
    ("SqlDatabaseDnsSuffix", "SqlDatabaseDnsSuffix", false, false),
    ("AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix", "AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix", false, false),
    ("AzureDataLakeStoreFileSystemEndpointSuffix", "AzureDataLakeStoreFileSystemEndpointSuffix", false, false),
    ("AdTenant", "AdTenant", false, false),
    ("GraphAudience", "GraphEndpointResourceId", false, false),
    ("DataLakeAudience", "DataLakeEndpointResourceId", false, false),
    ("BatchEndpointResourceId", "BatchEndpointResourceId", false, false),
    ("AzureOperationalInsightsEndpointResourceId", "OperationalInsightsEndpointResourceId", true, false),
    ("AzureOperationalInsightsEndpoint", "OperationalInsightsEndpoint", true, false),
    ("AzureAnalysisServicesEndpointSuffix", "AzureAnalysisServicesEndpointSuffix", true, false),
    ("AzureAnalysisServicesEndpointResourceId", "AnalysisServicesEndpointResourceId", true, false),
    ("AzureAttestationServiceEndpointSuffix", "AzureAttestationServiceEndpointSuffix", true, false),
    ("AzureAttestationServiceEndpointResourceId", "AzureAttestationServiceEndpointResourceId", true, false),
    ("AzureSynapseAnalyticsEndpointSuffix", "AzureSynapseAnalyticsEndpointSuffix", true, false),
    ("AzureSynapseAnalyticsEndpointResourceId", "AzureSynapseAnalyticsEndpointResourceId", true, false),
    ("MicrosoftGraphEndpointResourceId", "MicrosoftGraphEndpointResourceId", true, false),
    ("MicrosoftGraphUrl", "MicrosoftGraphUrl", true, false),
    ("SshAuthScope", "AzureSshAuthScope", true, false),
];

/// Applies bound Add/Set-AzEnvironment parameters (`params`: parameter name -> string or null,
/// `EnableAdfsAuthentication` -> bool) to a stored environment. Unknown names are refused.
pub fn apply_params(env: &mut Obj, params: &Obj) -> AzResult<()> {
    for (name, value) in params {
        if name == "EnableAdfsAuthentication" {
            env.insert("OnPremise".into(), Value::Bool(value.as_bool().unwrap_or(false)));
            continue;
        }
        let Some((_, key, is_ext, slash)) = PARAMS.iter().find(|p| p.0.eq_ignore_ascii_case(name)) else {
            return Err(AzError::invalid_argument("UnknownEnvironmentParameter", format!("'{name}' is not an environment property.")));
        };
        let mut v = value.as_str().map(str::to_string);
        if *slash {
            v = v.map(|s| if s.trim().is_empty() || s.ends_with('/') { s } else { s + "/" });
        }
        set_endpoint(env, key, *is_ext, v);
    }
    Ok(())
}

fn set_endpoint(env: &mut Obj, key: &str, is_ext: bool, v: Option<String>) {
    if is_ext {
        let ext = env.entry("ExtendedProperties").or_insert_with(|| Value::Object(Obj::new()));
        if let Value::Object(e) = ext {
            match v {
                Some(s) if !s.is_empty() => {
                    e.insert(key.into(), Value::String(s));
                }
                _ => {
                    e.shift_remove(key);
                }
            }
        }
    } else {
        env.insert(key.into(), v.map(Value::String).unwrap_or(Value::Null));
    }
}

/// `management.local.azurestack.external` -> `local.azurestack.external` (Az's RetrieveDomain).
fn domain_of(arm: &str) -> String {
    let host = url::Url::parse(arm).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
    host.split_once('.').map(|(_, d)| d.to_string()).unwrap_or(host)
}

/// Azure Stack style: `{arm}/metadata/endpoints?api-version=1.0` fills a user-defined environment
/// (Add-AzEnvironment -ARMEndpoint).
pub fn from_arm_endpoint(env: &mut Obj, arm: &str, doc: &Value, key_vault_dns: Option<&str>, key_vault_id: Option<&str>, storage: Option<&str>) -> AzResult<()> {
    let bad = || AzError::new("InvalidMetadataDocument", Category::InvalidData,
        format!("The metadata document from '{arm}' does not describe an Azure environment (authentication.loginEndpoint and audiences are required)."));
    let auth = doc.get("authentication").and_then(Value::as_object).ok_or_else(bad)?;
    let login = auth.get("loginEndpoint").and_then(Value::as_str).ok_or_else(bad)?;
    let audience = auth.get("audiences").and_then(Value::as_array).and_then(|a| a.first()).and_then(Value::as_str).ok_or_else(bad)?;
    let domain = domain_of(arm);
    let arm_slash = if arm.ends_with('/') { arm.to_string() } else { format!("{arm}/") };
    env.insert("ResourceManagerUrl".into(), Value::String(arm_slash));
    env.insert("ActiveDirectoryAuthority".into(), Value::String(format!("{}/", login.trim_end_matches('/'))));
    env.insert("ActiveDirectoryServiceEndpointResourceId".into(), Value::String(audience.into()));
    for (field, key) in [("GalleryUrl", "galleryEndpoint"), ("GraphUrl", "graphEndpoint"), ("GraphEndpointResourceId", "graphEndpoint")] {
        if let Some(v) = doc.get(key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            env.insert(field.into(), Value::String(v.into()));
        }
    }
    env.insert("AzureKeyVaultDnsSuffix".into(), Value::String(key_vault_dns.map(str::to_string).unwrap_or_else(|| format!("vault.{domain}").to_lowercase())));
    env.insert("AzureKeyVaultServiceEndpointResourceId".into(),
        Value::String(key_vault_id.map(str::to_string).unwrap_or_else(|| format!("https://vault.{domain}").to_lowercase())));
    env.insert("StorageEndpointSuffix".into(), Value::String(storage.map(str::to_string).unwrap_or(domain)));
    let adfs = login.trim_end_matches('/').to_lowercase().ends_with("/adfs");
    env.insert("OnPremise".into(), Value::Bool(adfs));
    Ok(())
}

/// Maps one cloud of the 2022-09-01 ARM metadata document to a `Discovered` environment (§4.3).
pub fn from_cloud_metadata(c: &Value) -> Option<Obj> {
    let name = c.get("name")?.as_str()?;
    let st = |path: &[&str]| -> Option<String> {
        let mut cur = c;
        for k in path {
            cur = cur.get(*k)?;
        }
        cur.as_str().filter(|s| !s.is_empty()).map(str::to_string)
    };
    let builtin = builtin(name);
    let from_builtin = |k: &str| builtin.as_ref().and_then(|b| b.get(k)).cloned().unwrap_or(Value::Null);
    let mut env = blank_stored(name, DISCOVERED);
    let audience = c.get("authentication").and_then(|a| a.get("audiences")).and_then(Value::as_array)
        .and_then(|a| a.first()).and_then(Value::as_str).map(str::to_string);
    let put = |env: &mut Obj, k: &str, v: Option<String>| {
        env.insert(k.into(), v.map(Value::String).unwrap_or(Value::Null));
    };
    put(&mut env, "ServiceManagementUrl", audience.clone().map(|a| if a.ends_with('/') { a } else { a + "/" }));
    put(&mut env, "ResourceManagerUrl", st(&["resourceManager"]));
    put(&mut env, "ManagementPortalUrl", st(&["portal"]));
    env.insert("PublishSettingsFileUrl".into(), from_builtin("PublishSettingsFileUrl"));
    put(&mut env, "ActiveDirectoryAuthority", st(&["authentication", "loginEndpoint"]));
    put(&mut env, "GalleryUrl", st(&["gallery"]));
    put(&mut env, "GraphUrl", st(&["graph"]));
    put(&mut env, "ActiveDirectoryServiceEndpointResourceId", audience);
    put(&mut env, "StorageEndpointSuffix", st(&["suffixes", "storage"]));
    put(&mut env, "SqlDatabaseDnsSuffix", st(&["suffixes", "sqlServerHostname"]).map(|s| if s.starts_with('.') { s } else { format!(".{s}") }));
    env.insert("TrafficManagerDnsSuffix".into(), from_builtin("TrafficManagerDnsSuffix"));
    let kv = st(&["suffixes", "keyVaultDns"]);
    put(&mut env, "AzureKeyVaultDnsSuffix", kv.clone());
    let kv_id = builtin.as_ref().and_then(|b| b.get("AzureKeyVaultServiceEndpointResourceId")).and_then(Value::as_str).map(str::to_string)
        .or_else(|| kv.map(|k| format!("https://{k}")));
    put(&mut env, "AzureKeyVaultServiceEndpointResourceId", kv_id);
    put(&mut env, "GraphEndpointResourceId", st(&["graphAudience"]));
    put(&mut env, "DataLakeEndpointResourceId", st(&["activeDirectoryDataLake"]));
    put(&mut env, "BatchEndpointResourceId", st(&["batch"]));
    put(&mut env, "AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix", st(&["suffixes", "azureDataLakeAnalyticsCatalogAndJob"]));
    put(&mut env, "AzureDataLakeStoreFileSystemEndpointSuffix", st(&["suffixes", "azureDataLakeStoreFileSystem"]));
    put(&mut env, "AdTenant", st(&["authentication", "tenant"]));
    put(&mut env, "ContainerRegistryEndpointSuffix", st(&["suffixes", "acrLoginServer"]));
    let mut ext = Obj::new();
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            ext.insert(k.into(), Value::String(v));
        }
    };
    let graph = st(&["microsoftGraphResourceId"]);
    add("MicrosoftGraphUrl", graph.as_ref().map(|g| g.trim_end_matches('/').to_string()));
    add("MicrosoftGraphEndpointResourceId", graph);
    let la = st(&["logAnalyticsResourceId"]);
    add("OperationalInsightsEndpoint", la.as_ref().map(|l| format!("{}/v1", l.trim_end_matches('/'))));
    add("OperationalInsightsEndpointResourceId", la);
    add("AzureAttestationServiceEndpointSuffix", st(&["suffixes", "attestationEndpoint"]));
    add("AzureAttestationServiceEndpointResourceId", st(&["attestationResourceId"]));
    add("AzureSynapseAnalyticsEndpointSuffix", st(&["suffixes", "synapseAnalytics"]));
    add("AzureSynapseAnalyticsEndpointResourceId", st(&["synapseAnalyticsResourceId"]));
    add("ManagedHsmServiceEndpointSuffix", st(&["suffixes", "mhsmDns"]));
    // Az then overrides the extended endpoints of the three known clouds with its own values.
    if let Some(b) = &builtin {
        if let Some(Value::Object(be)) = b.get("ExtendedProperties") {
            for (k, v) in be {
                ext.insert(k.clone(), v.clone());
            }
        }
    }
    env.insert("ExtendedProperties".into(), Value::Object(ext));
    Some(env)
}

/// The default ARM cloud metadata URL, or `ARM_CLOUD_METADATA_URL`.
pub fn metadata_url(env: &Env) -> String {
    env.get("ARM_CLOUD_METADATA_URL").map(str::to_string)
        .unwrap_or_else(|| "https://management.azure.com/metadata/endpoints?api-version=2022-09-01".to_string())
}

/// `-AutoDiscover`: the clouds in a 2022-09-01 document (an array, or one object).
pub fn discover(doc: &Value) -> Vec<Obj> {
    match doc {
        Value::Array(a) => a.iter().filter_map(from_cloud_metadata).collect(),
        other => from_cloud_metadata(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_match_dossier() {
        let c = builtin("azurecloud").unwrap();
        assert_eq!(c["Name"], "AzureCloud");
        assert_eq!(c["Type"], "Built-in");
        assert_eq!(c["ResourceManagerUrl"], "https://management.azure.com/");
        assert_eq!(c["ExtendedProperties"]["MicrosoftGraphUrl"], "https://graph.microsoft.com");
        let g = builtin("AzureUSGovernment").unwrap();
        assert_eq!(g["GraphUrl"], "https://graph.microsoftazure.us/");
        assert_eq!(g["DataLakeEndpointResourceId"], Value::Null);
        assert!(g["ExtendedProperties"].get("AzurePurviewEndpointSuffix").is_none());
        let keys: Vec<_> = c.keys().map(String::as_str).collect();
        assert_eq!(keys, STORED_FIELDS);
    }

    #[test]
    fn arm_metadata_maps_like_az() {
        let doc: Value = serde_json::from_str(r#"[{"name":"AzureCloud","portal":"https://portal.azure.com","resourceManager":"https://management.azure.com/",
          "authentication":{"loginEndpoint":"https://login.microsoftonline.com","audiences":["https://management.core.windows.net/","https://management.azure.com/"],"tenant":"common"},
          "suffixes":{"storage":"core.windows.net","sqlServerHostname":"database.windows.net","keyVaultDns":"vault.azure.net"},
          "microsoftGraphResourceId":"https://graph.microsoft.com/","logAnalyticsResourceId":"https://api.loganalytics.io"},
          {"name":"Custom","resourceManager":"https://arm.contoso/","authentication":{"loginEndpoint":"https://login.contoso","audiences":["https://arm.contoso"]},"suffixes":{"keyVaultDns":"vault.contoso"}}]"#).unwrap();
        let envs = discover(&doc);
        assert_eq!(envs.len(), 2);
        assert_eq!(envs[0]["Type"], "Discovered");
        assert_eq!(envs[0]["ActiveDirectoryAuthority"], "https://login.microsoftonline.com");
        assert_eq!(envs[0]["SqlDatabaseDnsSuffix"], ".database.windows.net");
        assert_eq!(envs[0]["AzureKeyVaultServiceEndpointResourceId"], "https://vault.azure.net");
        assert_eq!(envs[1]["ServiceManagementUrl"], "https://arm.contoso/");
        assert_eq!(envs[1]["AzureKeyVaultServiceEndpointResourceId"], "https://vault.contoso");
    }

    #[test]
    fn azure_stack_document_fills_environment() {
        let doc: Value = serde_json::from_str(r#"{"galleryEndpoint":"https://gallery.local/","graphEndpoint":"https://graph.windows.net/","portalEndpoint":"https://portal.local/",
          "authentication":{"loginEndpoint":"https://adfs.local.azurestack.external/adfs","audiences":["https://management.adfs.azurestack.local/123"]}}"#).unwrap();
        let mut env = blank_stored("Stack", USER_DEFINED);
        from_arm_endpoint(&mut env, "https://management.local.azurestack.external", &doc, None, None, None).unwrap();
        assert_eq!(env["AzureKeyVaultDnsSuffix"], "vault.local.azurestack.external");
        assert_eq!(env["StorageEndpointSuffix"], "local.azurestack.external");
        assert_eq!(env["OnPremise"], true);
        assert_eq!(env["ActiveDirectoryAuthority"], "https://adfs.local.azurestack.external/adfs/");
    }
}
