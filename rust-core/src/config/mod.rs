//! Az.Accounts' config (`Update-AzConfig` and friends): `~/.Azure/PSConfig.json`, environment
//! variables and Process-scope values, with Az's precedence.
//!
//! # Reading effective values (the API other engine code uses)
//!
//! ```ignore
//! use azrs::config::{self, keys, Invocation};
//! // Sign-in: the subscription to select when -Subscription is absent ("" = none).
//! let sub = config::effective(&env, keys::DEFAULT_SUBSCRIPTION_FOR_LOGIN, &Invocation::az())?;
//! let picker_on = config::effective(&env, keys::LOGIN_EXPERIENCE_V2, &Invocation::az())? == "On";
//! let wam = config::effective_bool(&env, keys::ENABLE_LOGIN_BY_WAM, &Invocation::cmdlet("Connect-AzAccount", "Az.Accounts"))?;
//! ```
//!
//! - [`effective`] returns the value as JSON (`Bool`, or `String` for string and On/Off keys),
//!   always of the key's type. Lookup order is the invocation's cmdlet, then its module, then
//!   `Az`; at each level Process > environment variable > PSConfig.json; then the default.
//! - Unknown keys are `Err(ConfigKeyNotRegistered)` (Az: "Config with key [X] was not registered.").
//! - A PSConfig.json that cannot be parsed never fails a read: it is ignored (defaults apply)
//!   and [`Snapshot::warnings`] says why. Writes refuse to touch it (`ConfigFileCorrupt`).
//! - The environment is the request's [`Env`] (what PowerShell sees now), never `getenv`.
//!
//! For many lookups at once, [`load`] a [`Snapshot`] and call [`Snapshot::effective`].

pub mod keys;

use crate::error::{AzError, AzResult, Category};
use crate::fsutil::{self, FileLock};
use crate::request::Env;
use indexmap::IndexMap;
use keys::{Definition, Level};
use once_cell::sync::Lazy;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Where a value came from (Az's `ConfigScope`). Default and Environment are read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Scope {
    CurrentUser,
    Process,
    Default,
    Environment,
}

/// Who is asking: the cmdlet and module whose per-cmdlet / per-module values apply.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub cmdlet: Option<String>,
    pub module: Option<String>,
}

impl Invocation {
    /// Only values that apply to all of Az.
    pub fn az() -> Self {
        Invocation::default()
    }

    pub fn cmdlet(cmdlet: &str, module: &str) -> Self {
        Invocation { cmdlet: Some(cmdlet.to_string()), module: Some(module.to_string()) }
    }
}

/// One row of `Get-AzConfig`: Az's `PSConfig`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub key: &'static str,
    pub value: Value,
    pub applies_to: String,
    pub scope: Scope,
    pub help_message: &'static str,
    pub default_value: Value,
}

/// Process-scope values: in memory for the life of the process (the library is loaded once).
/// Keyed by (lower-case AppliesTo, key); the AppliesTo spelling given first is kept.
#[derive(Default)]
pub struct ProcessStore(Mutex<IndexMap<(String, &'static str), (String, Value)>>);

impl ProcessStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, IndexMap<(String, &'static str), (String, Value)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

static PROCESS: Lazy<ProcessStore> = Lazy::new(ProcessStore::default);

/// The process-wide store the cmdlets use.
pub fn process_store() -> &'static ProcessStore {
    &PROCESS
}

const FILE_NAME: &str = "PSConfig.json";
const LOCK_TIMEOUT: Duration = Duration::from_secs(15);

/// `~/.Azure/PSConfig.json`, or Az's fallback `LocalApplicationData/.Azure/PSConfig.json` when
/// only that one exists.
pub fn config_path(env: &Env) -> AzResult<PathBuf> {
    let primary = crate::paths::profile_dir(env)?.join(FILE_NAME);
    if !primary.exists() {
        if let Some(local) = env.get("AzRs:LocalApplicationData") {
            let fallback = Path::new(local).join(".Azure").join(FILE_NAME);
            if fallback.is_file() {
                return Ok(fallback);
            }
        }
    }
    Ok(primary)
}

fn not_registered(key: &str) -> AzError {
    AzError::invalid_argument("ConfigKeyNotRegistered", format!("Config with key [{key}] was not registered."))
        .with_remedy("Run Get-AzConfig to see the keys AzRs knows.")
}

fn definition(key: &str) -> AzResult<&'static Definition> {
    keys::find(key).ok_or_else(|| not_registered(key))
}

fn corrupt(path: &Path, why: &str) -> AzError {
    AzError::new(
        "ConfigFileCorrupt",
        Category::InvalidData,
        format!("The config file '{}' is not valid ({why}). AzRs left it untouched.", path.display()),
    )
    .with_target(path.display().to_string())
    .with_remedy("Fix the JSON by hand, or delete the file (or run Clear-AzConfig -Force) to start from defaults.")
}

/// Parses PSConfig.json text: a JSON object of objects. Anything else is corrupt.
fn parse_doc(path: &Path, text: &str) -> AzResult<Map<String, Value>> {
    if text.trim().is_empty() {
        return Ok(Map::new()); // Az writes "" mid-update; treat as empty, as Az does.
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(corrupt(path, "the top level is not a JSON object")),
        Err(e) => Err(corrupt(path, &format!("JSON error: {e}"))),
    }
}

fn read_doc(path: &Path) -> AzResult<Option<Map<String, Value>>> {
    match fsutil::read_text(path)? {
        None => Ok(None),
        Some(text) => parse_doc(path, &text).map(Some),
    }
}

/// Az's layout: 4-space indent, no BOM, platform newlines, no trailing newline.
pub fn serialize_doc(doc: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(doc, &mut ser).expect("a JSON map serializes");
    if cfg!(windows) {
        // JSON strings cannot hold a raw newline, so every '\n' here is layout.
        return String::from_utf8(out).expect("utf-8").replace('\n', "\r\n").into_bytes();
    }
    out
}

fn section_name<'a>(doc: &'a Map<String, Value>, applies_to: &str) -> Option<&'a String> {
    doc.keys().find(|k| k.eq_ignore_ascii_case(applies_to))
}

/// Everything config reads, gathered once: the file, the env values, the Process values.
pub struct Snapshot {
    file: Map<String, Value>,
    env: Vec<(&'static str, Value)>,
    process: Vec<(String, &'static str, Value)>,
    warnings: Vec<String>,
}

/// Reads the file and env now, with the process-wide Process store.
pub fn load(env: &Env) -> Snapshot {
    load_with(env, process_store())
}

pub fn load_with(env: &Env, store: &ProcessStore) -> Snapshot {
    let mut warnings = Vec::new();
    let file = match config_path(env).and_then(|p| read_doc(&p)) {
        Ok(doc) => doc.unwrap_or_default(),
        Err(e) => {
            warnings.push(format!("{} Defaults are used instead of its values.", e.message));
            Map::new()
        }
    };
    let env_values = keys::DEFINITIONS.iter().filter_map(|d| d.from_env(env).map(|v| (d.key, v))).collect();
    let process = store.lock().iter().map(|((_, k), (at, v))| (at.clone(), *k, v.clone())).collect();
    Snapshot { file, env: env_values, process, warnings }
}

impl Snapshot {
    /// Problems met while reading (a corrupt file, a value of the wrong type); show as warnings.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The value at exactly one AppliesTo level, with its scope: Process > Environment > file.
    fn at_level(&self, def: &Definition, applies_to: &str) -> Option<(Value, Scope)> {
        if let Some((_, _, v)) = self.process.iter().find(|(at, k, _)| *k == def.key && at.eq_ignore_ascii_case(applies_to)) {
            return Some((v.clone(), Scope::Process));
        }
        if applies_to.eq_ignore_ascii_case("Az") {
            if let Some((_, v)) = self.env.iter().find(|(k, _)| *k == def.key) {
                return Some((v.clone(), Scope::Environment));
            }
        }
        let section = self.file.get(section_name(&self.file, applies_to)?)?.as_object()?;
        let (_, raw) = section.iter().find(|(k, _)| k.eq_ignore_ascii_case(def.key))?;
        def.coerce(raw).map(|v| (v, Scope::CurrentUser))
    }

    /// The value `invocation` sees for `key` (see the module docs for the order).
    pub fn effective(&self, key: &str, invocation: &Invocation) -> AzResult<Value> {
        let def = definition(key)?;
        let levels = [invocation.cmdlet.as_deref(), invocation.module.as_deref(), Some("Az")];
        for at in levels.into_iter().flatten().filter(|s| !s.is_empty()) {
            if let Some((v, _)) = self.at_level(def, at) {
                return Ok(v);
            }
        }
        Ok(def.default_value())
    }

    /// Az's `ListConfigs`: every value set at any level (with the scope that wins there), plus
    /// the default for keys not set at the Az level; filtered, in key order.
    pub fn list(&mut self, keys_filter: &[&str], applies_to: Option<&str>, scope: Option<Scope>) -> AzResult<Vec<Entry>> {
        let wanted: Vec<&'static str> = keys_filter.iter().map(|k| definition(k).map(|d| d.key)).collect::<AzResult<_>>()?;
        // Every AppliesTo that holds a value somewhere, first spelling wins; "Az" always.
        let mut levels: Vec<String> = vec!["Az".to_string()];
        let mut add = |name: &str| {
            if !levels.iter().any(|l| l.eq_ignore_ascii_case(name)) {
                levels.push(name.to_string());
            }
        };
        for (name, section) in &self.file {
            if section.is_object() {
                add(name);
            }
        }
        for (at, _, _) in &self.process {
            add(at);
        }
        // Values in the file that cannot be read as their key's type: warn, as Az does.
        for (name, section) in &self.file {
            let Some(obj) = section.as_object() else { continue };
            for (k, raw) in obj {
                if let Some(def) = keys::find(k) {
                    if def.coerce(raw).is_none() {
                        self.warnings.push(format!(
                            "The value {raw} of config [{}] for [{name}] in PSConfig.json is not {}; it is ignored.",
                            def.key,
                            def.type_name()
                        ));
                    }
                }
            }
        }
        let mut out = Vec::new();
        for def in keys::DEFINITIONS {
            if !wanted.is_empty() && !wanted.contains(&def.key) {
                continue;
            }
            let mut set_at_az = false;
            for level in &levels {
                if let Some((value, sc)) = self.at_level(def, level) {
                    set_at_az |= level.eq_ignore_ascii_case("Az");
                    out.push(entry(def, value, level.clone(), sc));
                }
            }
            if !set_at_az {
                out.push(entry(def, def.default_value(), "Az".to_string(), Scope::Default));
            }
        }
        out.retain(|e| applies_to.map_or(true, |a| e.applies_to.eq_ignore_ascii_case(a)) && scope.map_or(true, |s| e.scope == s));
        Ok(out)
    }
}

fn entry(def: &'static Definition, value: Value, applies_to: String, scope: Scope) -> Entry {
    Entry { key: def.key, value, applies_to, scope, help_message: def.help, default_value: def.default_value() }
}

/// Shortcut for one lookup: see the module docs.
pub fn effective(env: &Env, key: &str, invocation: &Invocation) -> AzResult<Value> {
    load(env).effective(key, invocation)
}

/// [`effective`] for boolean keys.
pub fn effective_bool(env: &Env, key: &str, invocation: &Invocation) -> AzResult<bool> {
    let v = effective(env, key, invocation)?;
    v.as_bool().ok_or_else(|| AzError::invalid_argument("ConfigTypeMismatch", format!("Config [{key}] is not a boolean.")))
}

/// [`effective`] for string and On/Off keys.
pub fn effective_string(env: &Env, key: &str, invocation: &Invocation) -> AzResult<String> {
    match effective(env, key, invocation)? {
        Value::String(s) => Ok(s),
        _ => Err(AzError::invalid_argument("ConfigTypeMismatch", format!("Config [{key}] is not a string."))),
    }
}

/// Checks `-AppliesTo` text like Az's `ConfigCommandBase.ValidateParameters`.
pub fn validate_applies_to(applies_to: &str) -> AzResult<Level> {
    keys::classify(applies_to).ok_or_else(|| {
        AzError::invalid_argument("InvalidAppliesTo", "AppliesTo must be a valid module name, a cmdlet name, or \"Az\"")
            .with_remedy("Use \"Az\", a module name such as \"Az.KeyVault\", or a cmdlet name such as \"Get-AzKeyVault\".")
    })
}

fn writable_scope(scope: Scope, what: &str) -> AzResult<()> {
    match scope {
        Scope::Process | Scope::CurrentUser => Ok(()),
        _ => Err(AzError::invalid_argument(
            "InvalidConfigScope",
            format!("When {what} configs, Scope must be either Process or CurrentUser"),
        )
        .with_remedy("Default and Environment scopes are read-only: set an environment variable, or use -Scope Process or CurrentUser.")),
    }
}

/// Read-modify-write of PSConfig.json under its lock. `change` returns false to skip writing.
fn modify_file(env: &Env, change: impl FnOnce(&mut Map<String, Value>) -> AzResult<bool>, create: bool) -> AzResult<()> {
    let path = config_path(env)?;
    let lock_path = path.with_file_name(format!("{FILE_NAME}.lock"));
    let _lock = FileLock::acquire(&lock_path, LOCK_TIMEOUT)?;
    let existing = read_doc(&path)?;
    if existing.is_none() && !create {
        return Ok(());
    }
    let mut doc = existing.unwrap_or_default();
    if change(&mut doc)? {
        fsutil::write_atomic(&path, &serialize_doc(&doc))?;
    }
    Ok(())
}

/// `Update-AzConfig` for one key: validates, stores, returns the row Az prints.
pub fn update(env: &Env, store: &ProcessStore, key: &str, value: &Value, applies_to: Option<&str>, scope: Scope) -> AzResult<Entry> {
    writable_scope(scope, "updating")?;
    let def = definition(key)?;
    let applies_to = applies_to.filter(|s| !s.is_empty()).unwrap_or("Az");
    let level = validate_applies_to(applies_to)?;
    let value = def.coerce(value).ok_or_else(|| {
        AzError::invalid_argument("InvalidConfigValue", format!("The value for config [{}] must be {}.", def.key, def.type_name()))
    })?;
    if !def.can_apply_to(level) {
        return Err(AzError::invalid_argument(
            "InvalidAppliesTo",
            format!("[{applies_to}] is not a valid value for AppliesTo - it doesn't match any of ({}).", def.applies_to_text()),
        )
        .with_remedy(format!("[{}] can only be set with -AppliesTo {}.", def.key, def.applies_to_text())));
    }
    let applies_to = if level == Level::Az { "Az" } else { applies_to };
    match scope {
        Scope::Process => {
            let mut p = store.lock();
            let id = (applies_to.to_ascii_lowercase(), def.key);
            let spelling = p.get(&id).map(|(at, _)| at.clone()).unwrap_or_else(|| applies_to.to_string());
            p.insert(id, (spelling, value.clone()));
        }
        _ => modify_file(
            env,
            |doc| {
                let name = section_name(doc, applies_to).cloned().unwrap_or_else(|| applies_to.to_string());
                let section = doc.entry(name).or_insert_with(|| Value::Object(Map::new()));
                if !section.is_object() {
                    *section = Value::Object(Map::new());
                }
                let obj = section.as_object_mut().expect("object");
                // One spelling per key: drop other casings, keep the canonical one.
                obj.retain(|k, _| !k.eq_ignore_ascii_case(def.key) || k == def.key);
                obj.insert(def.key.to_string(), value.clone());
                Ok(true)
            },
            true,
        )?,
    }
    Ok(entry(def, value, applies_to.to_string(), scope))
}

/// `Clear-AzConfig`: one key (`Some`) or all, at one AppliesTo (`Some`) or every one.
pub fn clear(env: &Env, store: &ProcessStore, key: Option<&str>, applies_to: Option<&str>, scope: Scope) -> AzResult<()> {
    writable_scope(scope, "clearing")?;
    let def = key.map(definition).transpose()?;
    let applies_to = applies_to.filter(|s| !s.is_empty());
    if let Some(at) = applies_to {
        validate_applies_to(at)?;
    }
    let matches = |at: &str, k: &str| {
        applies_to.map_or(true, |a| a.eq_ignore_ascii_case(at)) && def.map_or(keys::find(k).is_some(), |d| d.key.eq_ignore_ascii_case(k))
    };
    match scope {
        Scope::Process => {
            let mut p = store.lock();
            p.retain(|(_, k), (at, _)| !matches(at, k));
            Ok(())
        }
        _ => modify_file(
            env,
            |doc| {
                if def.is_none() && applies_to.is_none() {
                    // Az's ClearAll writes "{}": everything goes, unknown keys included.
                    let changed = !doc.is_empty();
                    doc.clear();
                    return Ok(changed);
                }
                let mut changed = false;
                for (at, section) in doc.iter_mut() {
                    if let Some(obj) = section.as_object_mut() {
                        let before = obj.len();
                        obj.retain(|k, _| !matches(at, k));
                        changed |= obj.len() != before;
                    }
                }
                doc.retain(|_, s| !s.as_object().is_some_and(|o| o.is_empty()));
                Ok(changed)
            },
            false,
        ),
    }
}

/// `Export-AzConfig`: copies PSConfig.json (as it is) to `dest`.
pub fn export(env: &Env, dest: &Path) -> AzResult<()> {
    let path = config_path(env)?;
    let text = fsutil::read_text(&path)?.ok_or_else(|| {
        AzError::new(
            "NoConfigsToExport",
            Category::ObjectNotFound,
            "No configs to export. Make sure at least one config is set by `Update-AzConfig` with the `CurrentUser` scope.",
        )
        .with_target(path.display().to_string())
    })?;
    fsutil::write_atomic(dest, text.as_bytes())
}

/// `Import-AzConfig`: merges the JSON at `src` into PSConfig.json (objects merge, values replace).
pub fn import(env: &Env, src: &Path) -> AzResult<()> {
    let text = fsutil::read_text(src)?.ok_or_else(|| {
        AzError::not_found("ConfigImportFileNotFound", format!("Failed to import configs from {}. The file does not exist.", src.display()))
            .with_target(src.display().to_string())
    })?;
    let incoming = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(import_format(src, "the top level is not a JSON object")),
        Err(e) => return Err(import_format(src, &e.to_string())),
    };
    modify_file(
        env,
        |doc| {
            merge(doc, &incoming);
            Ok(true)
        },
        true,
    )
}

fn import_format(src: &Path, why: &str) -> AzError {
    AzError::invalid_argument("ConfigImportInvalid", format!("Failed to import configs from {}. Incorrect format: {why}", src.display()))
        .with_target(src.display().to_string())
}

/// JSON merge with case-insensitive names (Az's file is case-insensitive): objects merge
/// recursively, anything else replaces.
fn merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        let name = target.keys().find(|t| t.eq_ignore_ascii_case(k)).cloned().unwrap_or_else(|| k.clone());
        match (target.get_mut(&name), v) {
            (Some(Value::Object(t)), Value::Object(p)) => merge(t, p),
            _ => {
                target.insert(name, v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;
