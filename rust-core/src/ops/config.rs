//! `config.*`: Update/Get/Clear/Export/Import-AzConfig. Values cross as JSON; the wrapper builds
//! the PSConfig objects and writes `warnings` to the warning stream.

use crate::config::{self, Entry, Scope};
use crate::error::AzResult;
use crate::request::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetArgs {
    #[serde(default)]
    keys: Vec<String>,
    applies_to: Option<String>,
    scope: Option<Scope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateArgs {
    /// Key -> value, applied in order.
    values: indexmap::IndexMap<String, Value>,
    applies_to: Option<String>,
    #[serde(default = "current_user")]
    scope: Scope,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClearArgs {
    /// Empty: clear all.
    #[serde(default)]
    keys: Vec<String>,
    applies_to: Option<String>,
    #[serde(default = "current_user")]
    scope: Scope,
}

#[derive(Deserialize)]
struct PathArgs {
    path: PathBuf,
}

fn current_user() -> Scope {
    Scope::CurrentUser
}

fn rows(items: Vec<Entry>, warnings: &[String]) -> Value {
    json!({ "items": items, "warnings": warnings })
}

pub fn call(req: &Request) -> AzResult<Value> {
    let env = &req.env;
    let store = config::process_store();
    match req.op.as_str() {
        "config.get" => {
            let a: GetArgs = req.args()?;
            if let Some(at) = a.applies_to.as_deref() {
                config::validate_applies_to(at)?;
            }
            let keys: Vec<&str> = a.keys.iter().map(String::as_str).collect();
            let mut snap = config::load_with(env, store);
            let items = snap.list(&keys, a.applies_to.as_deref(), a.scope)?;
            Ok(rows(items, snap.warnings()))
        }
        "config.update" => {
            let a: UpdateArgs = req.args()?;
            let mut items = Vec::new();
            for (k, v) in &a.values {
                items.push(config::update(env, store, k, v, a.applies_to.as_deref(), a.scope)?);
            }
            Ok(rows(items, &[]))
        }
        "config.clear" => {
            let a: ClearArgs = req.args()?;
            if a.keys.is_empty() {
                config::clear(env, store, None, a.applies_to.as_deref(), a.scope)?;
            }
            for k in &a.keys {
                config::clear(env, store, Some(k), a.applies_to.as_deref(), a.scope)?;
            }
            Ok(json!(true))
        }
        "config.export" => {
            let a: PathArgs = req.args()?;
            config::export(env, &a.path)?;
            Ok(json!(true))
        }
        "config.import" => {
            let a: PathArgs = req.args()?;
            config::import(env, &a.path)?;
            Ok(json!(true))
        }
        "config.path" => Ok(json!(config::config_path(env)?.display().to_string())),
        _ => Err(super::unknown(req)),
    }
}
