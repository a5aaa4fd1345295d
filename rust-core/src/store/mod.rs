//! The context store: AzureRmContext.json (+ AzureRmContextSettings.json), compatible with
//! Az.Accounts byte for byte, and this process's in-memory profile.
//!
//! Model (as Az.Accounts): each process holds its own profile, loaded from the file on first use
//! when autosave is on (CurrentUser), empty otherwise. Reads come from memory. A change with
//! scope `Process` changes only memory; with scope `CurrentUser` the same change is also replayed
//! on a fresh, locked copy of the file (operation replay: other sessions' contexts survive).
//! If the folder (`$HOME`) changes, the process profile is reloaded from the new place.
//!
//! Internal API for sign-in (see docs/DEVELOPING.md "Context store API"):
//! [`new_context`], [`add_context`], [`list_contexts`], [`default_context`].

pub mod disk;
pub mod profile;
pub mod project;
pub mod settings;

use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use once_cell::sync::Lazy;
use profile::{context_name, eq_ci, str_at, Obj, Profile};
use serde_json::Value;
use settings::{Mode, Settings};
use std::path::PathBuf;
use std::sync::Mutex;

/// Where a change applies (`-Scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Process,
    CurrentUser,
}

impl Scope {
    pub fn parse(s: Option<&str>) -> AzResult<Option<Scope>> {
        match s {
            None | Some("") => Ok(None),
            Some(x) if x.eq_ignore_ascii_case("Process") => Ok(Some(Scope::Process)),
            Some(x) if x.eq_ignore_ascii_case("CurrentUser") => Ok(Some(Scope::CurrentUser)),
            Some(x) => Err(AzError::invalid_argument("InvalidScope", format!("'{x}' is not a scope; use Process or CurrentUser."))),
        }
    }
}

struct Session {
    /// The folder this session's profile came from, and the profile.
    loaded: Option<(PathBuf, Profile)>,
    /// Enable/Disable-AzContextAutosave -Scope Process.
    mode_override: Option<Mode>,
    /// Environments found by Add-AzEnvironment -AutoDiscover: this process only, never written.
    pub discovered: Vec<Obj>,
    /// Changes whenever the contexts or environments of `loaded` change (not on a new default):
    /// lets PowerShell reuse the objects it built for Get-AzContext -ListAvailable.
    generation: u64,
    /// Changes whenever anything of this session's profile may have changed (contexts, the
    /// default, environments, a reload, the mode): lets callers keep what they derived from it.
    revision: u64,
}

static NEXT_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

static SESSION: Lazy<Mutex<Session>> = Lazy::new(|| Mutex::new(Session { loaded: None, mode_override: None, discovered: Vec::new(), generation: 0, revision: 0 }));

fn session() -> std::sync::MutexGuard<'static, Session> {
    SESSION.lock().unwrap_or_else(|e| e.into_inner())
}

/// The autosave mode in effect for this process: Process override > environment > file.
pub fn effective_mode(env: &Env, s: &Settings) -> Mode {
    session().mode_override.or_else(|| settings::env_override(env)).unwrap_or(s.mode)
}

pub fn set_mode_override(mode: Option<Mode>) {
    let mut s = session();
    s.mode_override = mode;
    s.revision = next_generation();
}

pub fn discovered() -> Vec<Obj> {
    session().discovered.clone()
}

pub fn set_discovered(envs: Vec<Obj>) {
    let mut s = session();
    s.discovered = envs;
    s.generation = next_generation();
    s.revision = s.generation;
}

/// Runs `f` on this session, its profile loaded first if needed.
fn with_session<T>(env: &Env, f: impl FnOnce(&Session) -> T) -> AzResult<T> {
    let s = settings::load_shared(env)?;
    let mut sess = session();
    ensure_loaded(&mut sess, env, &s)?;
    Ok(f(&sess))
}

/// Identifies the current contents of this session's contexts and environments (see `Session`).
pub fn generation(env: &Env) -> AzResult<u64> {
    with_session(env, |s| s.generation)
}

/// Identifies everything of this session's profile (see `Session::revision`): equal revisions
/// mean nothing in it changed in between, so what was derived from it still holds. Process-wide
/// unique (never reused after a reload from another folder). Costs one `stat` of the settings file.
pub fn revision(env: &Env) -> AzResult<u64> {
    with_session(env, |s| s.revision)
}

/// Runs `f` on this process's profile, loading it first if needed.
pub fn with_profile<T>(env: &Env, f: impl FnOnce(&Profile) -> T) -> AzResult<T> {
    with_session(env, |s| f(&s.loaded.as_ref().expect("loaded").1))
}

fn ensure_loaded(sess: &mut Session, env: &Env, s: &Settings) -> AzResult<()> {
    let fresh = match &sess.loaded {
        Some((p, _)) => p != &s.context_path,
        None => true,
    };
    if fresh {
        let mode = sess.mode_override.or_else(|| settings::env_override(env)).unwrap_or(s.mode);
        let p = match mode {
            Mode::CurrentUser => disk::read(&s.context_path)?.unwrap_or_else(Profile::empty),
            Mode::Process => Profile::empty(),
        };
        sess.loaded = Some((s.context_path.clone(), p));
        // A new profile place is a new session: environments discovered for the old one go too.
        sess.discovered.clear();
        sess.generation = next_generation();
        sess.revision = sess.generation;
    }
    Ok(())
}

/// One change to a profile. Applied to memory and, for CurrentUser, replayed on the file.
#[derive(Debug, Clone)]
pub enum Change {
    /// Add a context or merge it into the one with the same account, tenant and subscription
    /// (or the given name); optionally make it the default. Az's TrySetContext/TrySetDefaultContext.
    Put { name: Option<String>, context: Obj, select: bool },
    /// Make a context the default. `snapshot` re-adds it to a file that no longer has it.
    Select { name: String, snapshot: Option<Obj> },
    Rename { from: String, to: String, force: bool, snapshot: Option<Obj> },
    Remove { name: String },
    Clear,
    PutEnvironment { env: Obj },
    RemoveEnvironment { name: String },
    /// Import-AzContext: the imported contexts, default and environments replace this profile's.
    Replace { profile: Profile },
}

pub(crate) fn not_found(name: &str) -> AzError {
    AzError::not_found("ContextNotFound", format!("The context '{name}' does not exist."))
        .with_target(name.to_string())
        .with_remedy("Run 'Get-AzContext -ListAvailable' to see the saved contexts.")
}

/// Merges `new` into `old` as Az's `Update` does: values added or replaced, never removed.
fn merge(old: &mut Obj, new: &Obj) {
    for (k, v) in new {
        if v.is_null() && old.contains_key(k) {
            continue;
        }
        match (old.get_mut(k), v) {
            (Some(Value::Object(o)), Value::Object(n)) => merge(o, n),
            _ => {
                old.insert(k.clone(), v.clone());
            }
        }
    }
}

impl Change {
    /// Applies the change; returns the affected context key (if any) and whether anything changed.
    /// `replay` is true on the file copy, where a context this process has may be missing.
    pub fn apply(&self, p: &mut Profile, replay: bool) -> AzResult<(Option<String>, bool)> {
        match self {
            Change::Put { name, context, select } => {
                let key = match name {
                    Some(n) => p.find_key(n).unwrap_or_else(|| n.clone()),
                    None => p.find_matching(context).unwrap_or_else(|| context_name(context)),
                };
                let before = p.contexts().get(&key).cloned();
                match p.contexts_mut().get_mut(&key) {
                    Some(Value::Object(existing)) => merge(existing, context),
                    _ => {
                        p.contexts_mut().insert(key.clone(), Value::Object(context.clone()));
                    }
                }
                let mut changed = before.as_ref() != p.contexts().get(&key);
                if *select && p.default_key() != Some(key.as_str()) {
                    p.set_default_key(&key);
                    changed = true;
                }
                Ok((Some(key), changed))
            }
            Change::Select { name, snapshot } => {
                let key = match (p.find_key(name), snapshot) {
                    (Some(k), _) => k,
                    (None, Some(s)) if replay => {
                        p.contexts_mut().insert(name.clone(), Value::Object(s.clone()));
                        name.clone()
                    }
                    _ => return Err(not_found(name)),
                };
                let changed = p.default_key() != Some(key.as_str());
                p.set_default_key(&key);
                Ok((Some(key), changed))
            }
            Change::Rename { from, to, force, snapshot } => {
                let Some(src) = p.find_key(from) else {
                    if let (true, Some(s)) = (replay, snapshot) {
                        if p.find_key(to).is_none() {
                            p.contexts_mut().insert(to.clone(), Value::Object(s.clone()));
                            return Ok((Some(to.clone()), true));
                        }
                    }
                    return if replay { Ok((p.find_key(to), false)) } else { Err(not_found(from)) };
                };
                if src == *to {
                    return Ok((Some(src), false));
                }
                if let Some(existing) = p.find_key(to) {
                    if existing != src && !*force {
                        return Err(AzError::new("ContextNameExists", Category::ResourceExists, format!("A context named '{to}' already exists."))
                            .with_target(to.clone())
                            .with_remedy("Use -Force to replace it, or choose another name."));
                    }
                    p.contexts_mut().shift_remove(&existing);
                }
                let was_default = p.default_key().map(|d| eq_ci(d, &src)).unwrap_or(false);
                let v = p.contexts_mut().shift_remove(&src).expect("present");
                p.contexts_mut().insert(to.clone(), v);
                if was_default {
                    p.set_default_key(to);
                }
                Ok((Some(to.clone()), true))
            }
            Change::Remove { name } => {
                let Some(key) = p.find_key(name) else {
                    return if replay { Ok((None, false)) } else { Err(not_found(name)) };
                };
                p.contexts_mut().shift_remove(&key);
                if p.default_key().map(|d| eq_ci(d, &key)).unwrap_or(false) {
                    p.set_default_key("Default");
                }
                Ok((Some(key), true))
            }
            Change::Clear => {
                let changed = !p.contexts().is_empty() || p.default_key() != Some("Default");
                p.contexts_mut().clear();
                p.set_default_key("Default");
                Ok((None, changed))
            }
            Change::PutEnvironment { env } => {
                let name = env.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
                let key = p.environments().keys().find(|k| eq_ci(k, &name)).cloned().unwrap_or(name);
                let before = p.environments().get(&key).cloned();
                p.environments_mut().insert(key.clone(), Value::Object(env.clone()));
                Ok((Some(key.clone()), before.as_ref() != p.environments().get(&key)))
            }
            Change::RemoveEnvironment { name } => {
                let key = p.environments().keys().find(|k| eq_ci(k, name)).cloned();
                match key {
                    Some(k) => {
                        p.environments_mut().shift_remove(&k);
                        Ok((Some(k), true))
                    }
                    None if replay => Ok((None, false)),
                    None => Err(AzError::not_found("EnvironmentNotFound", format!("The environment '{name}' does not exist."))
                        .with_target(name.clone())),
                }
            }
            Change::Replace { profile } => {
                let mut next = profile.clone();
                for (k, v) in p.environments() {
                    if !next.environments().keys().any(|n| eq_ci(n, k)) {
                        next.environments_mut().insert(k.clone(), v.clone());
                    }
                }
                // Keep unknown top-level properties of the file being replaced.
                for (k, v) in &p.doc {
                    if !next.doc.contains_key(k) {
                        next.doc.insert(k.clone(), v.clone());
                    }
                }
                let changed = next != *p;
                let key = next.default_context_key();
                *p = next;
                Ok((key, changed))
            }
        }
    }
}

/// Applies `change` to this process's profile and, when the scope resolves to CurrentUser, to the
/// file (locked read-modify-write). The change is checked on memory first, so a failure leaves
/// both as they were; a file that cannot be read or written fails the change and memory is not
/// touched. Returns the affected context key.
pub fn apply(env: &Env, scope: Option<Scope>, change: &Change) -> AzResult<Option<String>> {
    Ok(apply_all(env, scope, std::slice::from_ref(change))?.pop().flatten())
}

/// [`apply`] for several changes with one file lock and one write (sign-in puts the default context
/// and up to 25 populated ones at once). All are checked on memory first.
pub fn apply_all(env: &Env, scope: Option<Scope>, changes: &[Change]) -> AzResult<Vec<Option<String>>> {
    let s = settings::load_shared(env)?;
    let mut sess = session();
    ensure_loaded(&mut sess, env, &s)?;
    let mode = sess.mode_override.or_else(|| settings::env_override(env)).unwrap_or(s.mode);
    let scope = scope.unwrap_or(match mode {
        Mode::CurrentUser => Scope::CurrentUser,
        Mode::Process => Scope::Process,
    });
    // Whatever follows may change memory: what was derived from it is stale from here on.
    sess.revision = next_generation();
    let (path, mem) = sess.loaded.as_mut().expect("loaded");
    // Check on memory first (cheap, no copy), so a refused change touches neither copy.
    for c in changes {
        validate(mem, c)?;
    }
    if scope == Scope::CurrentUser {
        let cs = changes.to_vec();
        disk::modify(path, move |p| {
            let mut changed = false;
            for c in &cs {
                changed |= c.apply(p, true)?.1;
            }
            Ok(((), changed))
        })?;
    }
    let mut keys = Vec::with_capacity(changes.len());
    let mut listed_changed = false;
    for c in changes {
        let (key, changed) = c.apply(mem, false)?;
        // Selecting changes no listed context; anything else that changed makes the list
        // PowerShell holds (Get-AzContext -ListAvailable) stale.
        listed_changed |= changed && !matches!(c, Change::Select { .. });
        keys.push(key);
    }
    if listed_changed {
        sess.generation = next_generation();
    }
    Ok(keys)
}

fn validate(p: &Profile, change: &Change) -> AzResult<()> {
    match change {
        Change::Select { name, .. } | Change::Remove { name } => p.find_key(name).map(|_| ()).ok_or_else(|| not_found(name)),
        Change::Rename { from, to, force, .. } => {
            let src = p.find_key(from).ok_or_else(|| not_found(from))?;
            match p.find_key(to) {
                Some(existing) if existing != src && !*force => Err(AzError::new("ContextNameExists", Category::ResourceExists,
                    format!("A context named '{to}' already exists.")).with_target(to.clone()).with_remedy("Use -Force to replace it, or choose another name.")),
                _ => Ok(()),
            }
        }
        Change::RemoveEnvironment { name } => {
            if p.environments().keys().any(|k| eq_ci(k, name)) {
                Ok(())
            } else {
                Err(AzError::not_found("EnvironmentNotFound", format!("The environment '{name}' does not exist.")).with_target(name.clone()))
            }
        }
        _ => Ok(()),
    }
}

/// The process's settings and effective mode (for Get-AzContextAutosaveSetting).
pub fn autosave(env: &Env) -> AzResult<(Settings, Mode)> {
    let s = settings::load(env)?;
    let m = effective_mode(env, &s);
    Ok((s, m))
}

// ---- Internal API for sign-in ---------------------------------------------------------------

/// A context in Az's stored shape (key order of AzureContext). `account`, `tenant`,
/// `subscription` are objects in Az's shapes (see [`new_account`] etc.) or None; `environment`
/// is a stored environment (e.g. `cloud::builtin("AzureCloud")`).
pub fn new_context(account: Option<Obj>, tenant: Option<Obj>, subscription: Option<Obj>, environment: Option<Obj>) -> Obj {
    let o = |v: Option<Obj>| v.map(Value::Object).unwrap_or(Value::Null);
    let mut c = Obj::new();
    c.insert("Account".into(), o(account));
    c.insert("Tenant".into(), o(tenant));
    c.insert("Subscription".into(), o(subscription));
    c.insert("Environment".into(), o(environment.map(|e| crate::cloud::to_stored(&e))));
    c.insert("VersionProfile".into(), Value::Null);
    let mut cache = Obj::new();
    cache.insert("CacheData".into(), Value::Null);
    c.insert("TokenCache".into(), Value::Object(cache));
    c.insert("ExtendedProperties".into(), Value::Object(Obj::new()));
    c
}

fn ext_obj(pairs: &[(&str, String)]) -> Value {
    let mut e = Obj::new();
    for (k, v) in pairs {
        if !v.is_empty() {
            e.insert((*k).into(), Value::String(v.clone()));
        }
    }
    Value::Object(e)
}

/// AzureAccount: `Id`, `Credential` (null), `Type`, `TenantMap`, `ExtendedProperties`.
/// Never put raw secrets (AccessToken, ClientAssertion, ...) in `ext`: AzRs keeps them out of the file.
pub fn new_account(id: &str, account_type: &str, ext: &[(&str, String)]) -> Obj {
    let mut a = Obj::new();
    a.insert("Id".into(), Value::String(id.into()));
    a.insert("Credential".into(), Value::Null);
    a.insert("Type".into(), Value::String(account_type.into()));
    a.insert("TenantMap".into(), Value::Object(Obj::new()));
    a.insert("ExtendedProperties".into(), ext_obj(&ext.iter().filter(|(k, _)| !profile::is_secret_key(k)).cloned().collect::<Vec<_>>()));
    a
}

/// AzureTenant: `Id`, `Directory`, `IsHome`, `ExtendedProperties`.
pub fn new_tenant(id: &str, is_home: bool, ext: &[(&str, String)]) -> Obj {
    let mut t = Obj::new();
    t.insert("Id".into(), Value::String(id.into()));
    t.insert("Directory".into(), Value::Null);
    t.insert("IsHome".into(), Value::Bool(is_home));
    t.insert("ExtendedProperties".into(), ext_obj(ext));
    t
}

/// AzureSubscription: `Id`, `Name`, `State`, `ExtendedProperties` (note Az's `SubscriptionPolices`).
pub fn new_subscription(id: &str, name: &str, state: &str, ext: &[(&str, String)]) -> Obj {
    let mut s = Obj::new();
    s.insert("Id".into(), Value::String(id.into()));
    s.insert("Name".into(), Value::String(name.into()));
    s.insert("State".into(), Value::String(state.into()));
    s.insert("ExtendedProperties".into(), ext_obj(ext));
    s
}

/// Adds `context` (or merges it into the saved one with the same account, tenant and subscription,
/// or into `name`) and, with `make_default`, selects it. Scope None = the autosave mode.
/// Returns the context's key.
pub fn add_context(env: &Env, scope: Option<Scope>, name: Option<&str>, context: Obj, make_default: bool) -> AzResult<String> {
    let key = apply(env, scope, &Change::Put { name: name.map(str::to_string), context, select: make_default })?;
    Ok(key.unwrap_or_default())
}

/// This process's contexts (key, stored object, raw: may hold secrets from Az-written files;
/// never hand them to PowerShell, use [`project`]).
pub fn list_contexts(env: &Env) -> AzResult<Vec<(String, Obj)>> {
    with_profile(env, |p| {
        p.contexts().iter().filter_map(|(k, v)| v.as_object().map(|o| (k.clone(), o.clone()))).collect()
    })
}

/// The default context (key, stored object), if any.
pub fn default_context(env: &Env) -> AzResult<Option<(String, Obj)>> {
    with_profile(env, |p| p.default_context_key().and_then(|k| p.context(&k).map(|c| (k.clone(), c.clone()))))
}

/// The context matching an account/tenant/subscription, for callers that have ids, not names.
pub fn find_context(env: &Env, account: Option<&str>, tenant: Option<&str>, subscription: Option<&str>) -> AzResult<Option<String>> {
    with_profile(env, |p| {
        p.contexts().iter().find_map(|(k, v)| {
            let c = v.as_object()?;
            let ok = |path: &[&str], want: Option<&str>| want.map(|w| str_at(c, path).map(|x| eq_ci(x, w)).unwrap_or(false)).unwrap_or(true);
            (ok(&["Account", "Id"], account) && ok(&["Tenant", "Id"], tenant) && ok(&["Subscription", "Id"], subscription)).then(|| k.clone())
        })
    })
}

#[cfg(test)]
mod tests;
