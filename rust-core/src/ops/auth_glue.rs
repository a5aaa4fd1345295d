//! Where sign-in meets the other rooms: environments and contexts (`store`, `cloud`), settings
//! (`config`), the shared token cache and secret store (`cache`). Kept in one file so the sign-in
//! code reads the same whichever way those rooms store things.

use super::auth::Cloud;
use crate::error::{AzError, AzResult};
use crate::request::Env;
use crate::store;
use serde_json::{json, Map, Value};

// ---- environments ------------------------------------------------------------------------------

/// An environment by name (built-in, discovered, user-defined), in the stored shape.
pub fn find_environment(env: &Env, name: &str) -> AzResult<Map<String, Value>> {
    super::environment::all(env)?
        .into_iter()
        .find(|e| e.get("Name").and_then(Value::as_str).map(|n| n.eq_ignore_ascii_case(name)).unwrap_or(false))
        .ok_or_else(|| AzError::not_found("EnvironmentNotFound", format!("Unable to find environment with name '{name}'")).with_target(name))
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

// ---- contexts ------------------------------------------------------------------------------------

fn obj(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Writes the populated contexts and the default one (in one locked write of the file when the
/// scope is CurrentUser); returns the default's key.
pub fn save_contexts(env: &Env, scope: Option<&str>, name: Option<&str>, default: &Value, others: &[Value]) -> AzResult<String> {
    let scope = store::Scope::parse(scope)?;
    let mut puts: Vec<store::Change> = others.iter().map(|c| store::Change::Put { name: None, context: obj(c), select: false }).collect();
    puts.push(store::Change::Put { name: name.map(str::to_string), context: obj(default), select: true });
    let keys = store::apply_all(env, scope, &puts)?;
    Ok(keys.last().cloned().flatten().unwrap_or_default())
}

/// What Connect-AzAccount returns: the store's view of the new default context.
pub fn profile_result(env: &Env, key: &str) -> AzResult<Value> {
    store::with_profile(env, |p| {
        let c = p.context(key).cloned();
        json!({
            "default": key,
            "environments": store::project::environments_of(c.iter()),
            "contexts": c.iter().map(|c| store::project::context(key, c)).collect::<Vec<_>>(),
        })
    })
}

pub fn default_context(env: &Env) -> AzResult<Option<Value>> {
    Ok(store::default_context(env)?.map(|(_, c)| Value::Object(c)))
}

pub fn last_used_subscription(env: &Env) -> Option<String> {
    default_context(env).ok().flatten().and_then(|c| c.pointer("/Subscription/Id").and_then(Value::as_str).map(str::to_string))
}

/// Removes the contexts of one account: named by id (and tenant, for a service principal), by a
/// context name, or the default context's account. Returns that account (Az shape).
pub fn remove_account_contexts(env: &Env, scope: Option<&str>, context_name: Option<&str>, account_id: Option<&str>, tenant: Option<&str>) -> AzResult<Option<Value>> {
    let scope = store::Scope::parse(scope)?;
    let contexts = store::list_contexts(env)?;
    let id_of = |c: &Map<String, Value>| c.get("Account").and_then(|a| a.get("Id")).and_then(Value::as_str).map(str::to_string);
    let tenant_of = |c: &Map<String, Value>| c.get("Tenant").and_then(|a| a.get("Id")).and_then(Value::as_str).map(str::to_string);
    let account_id = match account_id {
        Some(id) => Some(id.to_string()),
        None => {
            let key = match context_name {
                Some(n) => Some(n.to_string()),
                None => store::default_context(env)?.map(|(k, _)| k),
            };
            key.and_then(|k| contexts.iter().find(|(n, _)| n.eq_ignore_ascii_case(&k)).and_then(|(_, c)| id_of(c)))
        }
    };
    let Some(id) = account_id else { return Ok(None) };
    let mine: Vec<&(String, Map<String, Value>)> = contexts.iter().filter(|(_, c)| {
        id_of(c).map(|x| x.eq_ignore_ascii_case(&id)).unwrap_or(false)
            && tenant.map(|t| tenant_of(c).map(|x| x.eq_ignore_ascii_case(t)).unwrap_or(true)).unwrap_or(true)
    }).collect();
    let Some(account) = mine.first().and_then(|(_, c)| c.get("Account").cloned()) else { return Ok(None) };
    let removes: Vec<store::Change> = mine.iter().map(|(k, _)| store::Change::Remove { name: k.clone() }).collect();
    store::apply_all(env, scope, &removes)?;
    // Secrets from an Az-written file must not reach PowerShell.
    Ok(Some(store::project::account(&obj(&account))))
}
