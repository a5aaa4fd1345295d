//! Environment operations (Get/Add/Set/Remove-AzEnvironment).

use crate::cloud;
use crate::error::{AzError, AzResult, Category};
use crate::request::{Env, Request};
use crate::store::profile::{eq_ci, Obj};
use crate::store::{self, Change, Scope};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Args {
    name: Option<String>,
    scope: Option<String>,
    /// Bound endpoint parameters, by PowerShell parameter name.
    params: Obj,
    arm_endpoint: Option<String>,
    uri: Option<String>,
    /// "add" or "set"
    mode: Option<String>,
}

/// Every environment this process knows: built-ins (replaced by discovered ones of the same
/// name), other discovered ones, then user-defined ones from the profile.
pub fn all(env: &Env) -> AzResult<Vec<Obj>> {
    let discovered = store::discovered();
    let mut out: Vec<Obj> = Vec::new();
    for n in cloud::BUILT_IN_NAMES {
        match discovered.iter().find(|d| d.get("Name").and_then(Value::as_str).map(|x| eq_ci(x, n)).unwrap_or(false)) {
            Some(d) => out.push(d.clone()),
            None => out.push(cloud::builtin(n).expect("built-in")),
        }
    }
    for d in &discovered {
        let n = d.get("Name").and_then(Value::as_str).unwrap_or("");
        if !cloud::is_builtin(n) {
            out.push(d.clone());
        }
    }
    let user = store::with_profile(env, |p| p.environments().values().filter_map(Value::as_object).cloned().collect::<Vec<_>>())?;
    for u in user {
        let n = u.get("Name").and_then(Value::as_str).unwrap_or("").to_string();
        if !out.iter().any(|o| o.get("Name").and_then(Value::as_str).map(|x| eq_ci(x, &n)).unwrap_or(false)) {
            out.push(u);
        }
    }
    Ok(out)
}

fn is_public(name: &str) -> bool {
    cloud::is_builtin(name)
        || store::discovered().iter().any(|d| d.get("Name").and_then(Value::as_str).map(|x| eq_ci(x, name)).unwrap_or(false))
}

fn name_of(o: &Obj) -> &str {
    o.get("Name").and_then(Value::as_str).unwrap_or("")
}

pub fn call(req: &Request) -> AzResult<Value> {
    let a: Args = req.args()?;
    let env = &req.env;
    let scope = Scope::parse(a.scope.as_deref())?;
    match req.op.as_str() {
        "environment.get" => {
            let list = all(env)?;
            let wanted = a.name.as_deref().filter(|n| !n.is_empty());
            Ok(Value::Array(list.iter().filter(|e| wanted.map(|w| eq_ci(name_of(e), w)).unwrap_or(true)).map(|e| Value::Object(cloud::to_ps(e))).collect()))
        }
        "environment.names" => Ok(json!(all(env)?.iter().map(|e| name_of(e).to_string()).collect::<Vec<_>>())),
        "environment.set" => set(env, scope, &a, a.mode.as_deref() == Some("add")),
        "environment.discover" => {
            let url = a.uri.clone().filter(|u| !u.is_empty()).unwrap_or_else(|| cloud::metadata_url(env));
            let doc = cloud::get_json(&url, env)?;
            let found = cloud::discover(&doc);
            if found.is_empty() {
                return Err(AzError::new("InvalidMetadataDocument", Category::InvalidData, format!("The document at '{url}' lists no environments.")).with_target(url));
            }
            store::with_profile(env, |_| ())?; // load first: a (re)load clears discovered environments
            store::set_discovered(found.clone());
            Ok(Value::Array(found.iter().map(|e| Value::Object(cloud::to_ps(e))).collect()))
        }
        "environment.remove" => {
            let name = a.name.clone().unwrap_or_default();
            if is_public(&name) {
                return Err(AzError::new("PublicEnvironmentReadOnly", Category::InvalidOperation, "Removing public environment is not supported.").with_target(name));
            }
            let before = store::with_profile(env, |p| p.environments().iter().find(|(k, _)| eq_ci(k, &name)).and_then(|(_, v)| v.as_object().cloned()))?;
            store::apply(env, scope, &Change::RemoveEnvironment { name: name.clone() })?;
            Ok(before.map(|e| Value::Object(cloud::to_ps(&e))).unwrap_or(Value::Null))
        }
        _ => Err(super::unknown(req)),
    }
}

fn set(env: &Env, scope: Option<Scope>, a: &Args, add: bool) -> AzResult<Value> {
    let name = a.name.clone().filter(|n| !n.is_empty()).ok_or_else(|| AzError::invalid_argument("MissingArgument", "-Name is required."))?;
    if is_public(&name) {
        return Err(if add {
            AzError::new("PublicEnvironmentReadOnly", Category::InvalidOperation, format!("Cannot add built-in or discovered environment {name}."))
        } else {
            AzError::new("PublicEnvironmentReadOnly", Category::InvalidOperation, "Changing public environment is not supported.")
        }
        .with_target(name));
    }
    let existing = store::with_profile(env, |p| p.environments().iter().find(|(k, _)| eq_ci(k, &name)).and_then(|(_, v)| v.as_object().cloned()))?;
    let mut e = existing.map(|x| cloud::to_stored(&x)).unwrap_or_else(|| cloud::blank_stored(&name, cloud::USER_DEFINED));
    e.insert("Name".into(), Value::String(name.clone()));
    if let Some(arm) = a.arm_endpoint.as_deref().filter(|s| !s.is_empty()) {
        let want = if arm.ends_with('/') { arm.to_lowercase() } else { format!("{}/", arm.to_lowercase()) };
        let public = cloud::BUILT_IN_NAMES.iter().filter_map(|n| cloud::builtin(n))
            .find(|b| b.get("ResourceManagerUrl").and_then(Value::as_str).map(|u| u.to_lowercase() == want).unwrap_or(false));
        let p = |k: &str| a.params.get(k).and_then(Value::as_str).map(str::to_string);
        match public {
            // Az: an ARM endpoint of a public cloud copies that cloud under the new name.
            Some(mut b) => {
                b.insert("Name".into(), Value::String(name.clone()));
                b.insert("Type".into(), Value::String(cloud::USER_DEFINED.into()));
                e = b;
            }
            None => {
                let url = format!("{}/metadata/endpoints?api-version=1.0", arm.trim_end_matches('/'));
                let doc = cloud::get_json(&url, env)?;
                cloud::from_arm_endpoint(&mut e, arm, &doc, p("AzureKeyVaultDnsSuffix").as_deref(),
                    p("AzureKeyVaultServiceEndpointResourceId").as_deref(), p("StorageEndpoint").as_deref())?;
            }
        }
    }
    cloud::apply_params(&mut e, &a.params)?;
    store::apply(env, scope, &Change::PutEnvironment { env: e.clone() })?;
    Ok(Value::Object(cloud::to_ps(&e)))
}
