//! Where sign-in meets the other rooms: environments and contexts (`store`, `cloud`), settings
//! (`config`), the shared token cache and secret store (`cache`). Kept in one file so the sign-in
//! code reads the same whichever way those rooms store things.

use super::auth::Cloud;
use crate::auth::session::{self, Account};
use crate::auth::Token;
use crate::error::{AzError, AzResult};
use crate::request::Env;
use once_cell::sync::Lazy;
use serde_json::{Map, Value};
use std::sync::Mutex;

// ---- environments ------------------------------------------------------------------------------

pub fn find_environment(_env: &Env, name: &str) -> AzResult<Map<String, Value>> {
    if let Some(o) = builtin_azure_cloud(name) {
        return Ok(o);
    }
    if let Some(o) = PROCESS.lock().ok().and_then(|p| p.environments.get(&name.to_ascii_lowercase()).cloned()) {
        return Ok(o);
    }
    Err(AzError::not_found("EnvironmentNotFound", format!("Unable to find environment with name '{name}'")).with_target(name))
}

fn builtin_azure_cloud(name: &str) -> Option<Map<String, Value>> {
    if !name.eq_ignore_ascii_case("AzureCloud") {
        return None;
    }
    serde_json::json!({
        "Name": "AzureCloud", "Type": "Built-in",
        "ResourceManagerUrl": "https://management.azure.com/",
        "ActiveDirectoryAuthority": "https://login.microsoftonline.com/",
        "ActiveDirectoryServiceEndpointResourceId": "https://management.core.windows.net/",
        "GraphEndpointResourceId": "https://graph.windows.net/",
        "AzureKeyVaultServiceEndpointResourceId": "https://vault.azure.net",
        "ExtendedProperties": {"MicrosoftGraphEndpointResourceId": "https://graph.microsoft.com/"}
    }).as_object().cloned()
}

/// Maps Get-AzAccessToken's -ResourceTypeName (and -AuthScope names) to a resource URL.
pub fn resource_for(cloud: &Cloud, name: &str) -> String {
    let get = |k: &str| {
        cloud.obj.get(k).and_then(Value::as_str)
            .or_else(|| cloud.obj.get("ExtendedProperties").and_then(|e| e.get(k)).and_then(Value::as_str))
            .map(str::to_string)
    };
    let key = match name.to_ascii_lowercase().as_str() {
        "arm" | "resourcemanager" => return cloud.arm_resource.clone(),
        "storage" => return "https://storage.azure.com/".into(),
        "msgraph" => "MicrosoftGraphEndpointResourceId",
        "aadgraph" => "GraphEndpointResourceId",
        "keyvault" => "AzureKeyVaultServiceEndpointResourceId",
        "managedhsm" => "ManagedHsmServiceEndpointResourceId",
        "batch" => "BatchEndpointResourceId",
        "datalake" => "DataLakeEndpointResourceId",
        "operationalinsights" => "OperationalInsightsEndpointResourceId",
        "analysisservices" => "AnalysisServicesEndpointResourceId",
        "attestation" => "AzureAttestationServiceEndpointResourceId",
        "synapse" => "AzureSynapseAnalyticsEndpointResourceId",
        "appconfiguration" => "AzureAppConfigurationEndpointResourceId",
        "communicationemail" => "AzureCommunicationEmailEndpointResourceId",
        _ => return name.to_string(), // a resource URL
    };
    get(key).unwrap_or_else(|| name.to_string())
}

// ---- config --------------------------------------------------------------------------------------

fn invocation() -> crate::config::Invocation {
    crate::config::Invocation::cmdlet("Connect-AzAccount", "Az.Accounts")
}

/// A boolean config value as Connect-AzAccount sees it (None when unreadable).
pub fn config_bool(env: &Env, key: &str) -> Option<bool> {
    crate::config::effective_bool(env, key, &invocation()).ok()
}

/// A string (or On/Off) config value; empty strings read as None.
pub fn config_string(env: &Env, key: &str) -> Option<String> {
    crate::config::effective(env, key, &invocation()).ok().and_then(|v| v.as_str().map(str::to_string)).filter(|s| !s.is_empty())
}

// ---- tokens --------------------------------------------------------------------------------------

pub fn persist_tokens(_env: &Env, _cloud: &Cloud, _account: &Account, _scope: &str, _token: &Token) -> AzResult<()> {
    Ok(())
}

pub fn cached_token(env: &Env, _cloud: &Cloud, account: &Account, tenant: &str, scope: &str) -> Option<Token> {
    session::cached_token(env, account, tenant, scope)
}

pub fn clear_token_cache(_env: &Env) -> AzResult<()> {
    Ok(())
}

pub fn forget_account(_env: &Env, _account: &Account) -> AzResult<()> {
    Ok(())
}

// ---- contexts ------------------------------------------------------------------------------------

#[derive(Default)]
struct ProcessProfile {
    default: Option<String>,
    contexts: Map<String, Value>,
    environments: std::collections::HashMap<String, Map<String, Value>>,
}

static PROCESS: Lazy<Mutex<ProcessProfile>> = Lazy::new(|| Mutex::new(ProcessProfile::default()));

/// Az's context name: "{sub name} ({sub id}) - {tenant} - {account}", etc.
pub fn context_name(ctx: &Value) -> String {
    let s = |p: &str| ctx.pointer(p).and_then(Value::as_str).filter(|s| !s.is_empty());
    match (s("/Subscription/Id"), s("/Tenant/Id"), s("/Account/Id")) {
        (Some(sid), Some(t), Some(a)) => format!("{} ({sid}) - {t} - {a}", s("/Subscription/Name").unwrap_or("")),
        (Some(sid), None, Some(a)) => format!("{} ({sid}) - {a}", s("/Subscription/Name").unwrap_or("")),
        (None, Some(t), Some(a)) => format!("{t} - {a}"),
        _ => "Default".into(),
    }
}

/// Writes the populated contexts and the default one; returns the default's name.
pub fn save_contexts(_env: &Env, _scope: Option<&str>, name: Option<&str>, default: &Value, others: &[Value]) -> AzResult<String> {
    let mut p = PROCESS.lock().map_err(|_| AzError::internal("profile lock poisoned"))?;
    for c in others {
        p.contexts.insert(context_name(c), c.clone());
    }
    let n = name.map(str::to_string).unwrap_or_else(|| context_name(default));
    p.contexts.insert(n.clone(), default.clone());
    p.default = Some(n.clone());
    Ok(n)
}

pub fn default_context(_env: &Env) -> AzResult<Option<Value>> {
    let p = PROCESS.lock().map_err(|_| AzError::internal("profile lock poisoned"))?;
    Ok(p.default.as_ref().and_then(|d| p.contexts.get(d).cloned()))
}

pub fn last_used_subscription(env: &Env) -> Option<String> {
    default_context(env).ok().flatten().and_then(|c| c.pointer("/Subscription/Id").and_then(Value::as_str).map(str::to_string))
}

/// Removes the contexts of one account (by name, id, or the default context's account).
pub fn remove_account_contexts(_env: &Env, _scope: Option<&str>, context_name: Option<&str>, account_id: Option<&str>, _tenant: Option<&str>) -> AzResult<Option<Value>> {
    let mut p = PROCESS.lock().map_err(|_| AzError::internal("profile lock poisoned"))?;
    let key = context_name.map(str::to_string).or_else(|| p.default.clone());
    let account = match account_id {
        Some(id) => p.contexts.values().find_map(|c| c.get("Account").filter(|a| a.get("Id").and_then(Value::as_str).map(|x| x.eq_ignore_ascii_case(id)).unwrap_or(false)).cloned()),
        None => key.and_then(|k| p.contexts.get(&k).and_then(|c| c.get("Account").cloned())),
    };
    let Some(account) = account else { return Ok(None) };
    let id = account.get("Id").and_then(Value::as_str).unwrap_or_default().to_string();
    p.contexts.retain(|_, c| !c.pointer("/Account/Id").and_then(Value::as_str).map(|x| x.eq_ignore_ascii_case(&id)).unwrap_or(false));
    if p.default.as_ref().map(|d| !p.contexts.contains_key(d)).unwrap_or(false) {
        p.default = p.contexts.keys().next().cloned();
    }
    Ok(Some(account))
}

/// Until the store room is merged: lets tests register an environment in this process.
pub fn add_environment(obj: Map<String, Value>) {
    if let (Some(name), Ok(mut p)) = (obj.get("Name").and_then(Value::as_str).map(str::to_ascii_lowercase), PROCESS.lock()) {
        p.environments.insert(name, obj);
    }
}
