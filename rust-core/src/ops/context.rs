//! Context operations (Get/Set/Select/Rename/Remove/Clear/Save/Import-AzContext) and autosave
//! settings. Parse args, call the store, shape what PowerShell shows.

use crate::error::{AzError, AzResult, Category};
use crate::request::{Env, Request};
use crate::store::profile::{eq_ci, str_at, Obj, Profile};
use crate::store::settings::{self, Mode};
use crate::store::{self, disk, project, Change, Scope};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Args {
    name: Option<String>,
    list_available: bool,
    scope: Option<String>,
    source: Option<SourceRef>,
    subscription: Option<String>,
    tenant: Option<String>,
    extended_property: Option<Obj>,
    target: Option<String>,
    force: bool,
    path: Option<String>,
    /// The generation of the list PowerShell already holds (Get-AzContext -ListAvailable).
    since: Option<u64>,
}

/// A PSAzureContext coming back from PowerShell: its name and ids (the store has the rest).
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
struct SourceRef {
    name: Option<String>,
    account_id: Option<String>,
    tenant_id: Option<String>,
    subscription_id: Option<String>,
}

pub fn call(req: &Request) -> AzResult<Value> {
    let a: Args = req.args()?;
    let env = &req.env;
    let scope = Scope::parse(a.scope.as_deref())?;
    match req.op.as_str() {
        "context.get" => get(env, &a),
        "context.names" => Ok(json!(store::list_contexts(env)?.into_iter().map(|(k, _)| k).collect::<Vec<_>>())),
        "context.set" => set(env, scope, &a),
        "context.select" => {
            let name = required(&a.name, "Name")?;
            let snapshot = snapshot(env, name)?;
            let key = store::apply(env, scope, &Change::Select { name: name.to_string(), snapshot })?;
            one(env, key)
        }
        "context.rename" => {
            let from = required(&a.name, "SourceName")?;
            let to = required(&a.target, "TargetName")?;
            let snapshot = snapshot(env, from)?;
            let key = store::apply(env, scope, &Change::Rename { from: from.to_string(), to: to.to_string(), force: a.force, snapshot })?;
            one(env, key)
        }
        "context.remove" => {
            let name = required(&a.name, "Name")?;
            let before = get(env, &Args { name: Some(name.to_string()), ..Default::default() })?;
            store::apply(env, scope, &Change::Remove { name: name.to_string() })?;
            Ok(before)
        }
        "context.clear" => {
            store::apply(env, scope, &Change::Clear)?;
            clear_token_cache_hook(env, scope);
            Ok(json!(true))
        }
        "context.save" => {
            let path = PathBuf::from(required(&a.path, "Path")?);
            let mut p = store::with_profile(env, |p| p.clone())?;
            // A context piped in (`Get-AzContext | Save-AzContext`): Az converts it to a profile
            // holding that context alone, as the default.
            if let Some(name) = a.name.as_deref() {
                let key = p.find_key(name).ok_or_else(|| store::not_found(name))?;
                p.contexts_mut().retain(|k, _| k == &key);
                p.set_default_key(&key);
            }
            // Token side (as Az's Save-AzContext): each context carries the whole MSAL cache blob.
            with_cache_data(env, &mut p);
            disk::write_profile(&path, &p)?;
            Ok(profile_view(&p))
        }
        "context.import" => {
            let path = PathBuf::from(required(&a.path, "Path")?);
            let text = crate::fsutil::read_text(&path)?.ok_or_else(|| {
                AzError::not_found("ContextFileNotFound", format!("No file exists at '{}'.", path.display())).with_target(path.display().to_string())
            })?;
            let mut profile = Profile::parse(&text).map_err(|e| disk::corrupt(&path, &e.0))?;
            // Token side: a saved MSAL cache blob goes into the shared cache, never into the profile.
            take_cache_data(env, &mut profile)?;
            store::apply(env, scope, &Change::Replace { profile })?;
            let p = store::with_profile(env, |p| p.clone())?;
            Ok(profile_view(&p))
        }
        "autosave.get" => {
            let (s, mode) = store::autosave(env)?;
            let mode = match scope {
                Some(Scope::CurrentUser) => s.mode,
                Some(Scope::Process) | None => mode,
            };
            settings::describe(env, &s, mode)
        }
        "autosave.enable" | "autosave.disable" => {
            let mode = if req.op == "autosave.enable" { Mode::CurrentUser } else { Mode::Process };
            // Az loaded the profile at import; load it now so switching modes keeps the contexts.
            store::with_profile(env, |_| ())?;
            let s = match scope.unwrap_or(Scope::CurrentUser) {
                Scope::CurrentUser => {
                    let s = settings::save_mode(env, mode)?;
                    store::set_mode_override(None);
                    s
                }
                Scope::Process => {
                    store::set_mode_override(Some(mode));
                    settings::load(env)?
                }
            };
            settings::describe(env, &s, mode)
        }
        _ => Err(super::unknown(req)),
    }
}

/// Clear-AzContext also clears tokens in Az.Accounts. Token storage arrives with sign-in
/// (`cache/`): call its "remove all accounts" here, for the same scope.
/// Clear-AzContext clears tokens too: this process's and the shared cache (sign-in room).
fn clear_token_cache_hook(env: &Env, _scope: Option<Scope>) {
    crate::auth::session::forget_all(env);
}

fn with_cache_data(env: &Env, p: &mut Profile) {
    use base64::Engine as _;
    let Ok(blob) = crate::cache::TokenCacheStore::open(env, crate::cache::CAE_CACHE).and_then(|c| c.export()) else { return };
    // Nothing signed in: leave CacheData null, as a fresh Az profile has it.
    if blob.is_empty() || crate::cache::TokenCache::parse(&blob).map(|c| c.is_empty()).unwrap_or(true) {
        return;
    }
    let data = Value::String(base64::engine::general_purpose::STANDARD.encode(blob));
    for (_, c) in p.contexts_mut().iter_mut() {
        if let Some(tc) = c.get_mut("TokenCache").and_then(Value::as_object_mut) {
            tc.insert("CacheData".into(), data.clone());
        }
    }
}

fn take_cache_data(env: &Env, p: &mut Profile) -> AzResult<()> {
    use base64::Engine as _;
    for (_, c) in p.contexts_mut().iter_mut() {
        let Some(tc) = c.get_mut("TokenCache").and_then(Value::as_object_mut) else { continue };
        if let Some(Value::String(b64)) = tc.insert("CacheData".into(), Value::Null) {
            if let Ok(blob) = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()) {
                crate::cache::TokenCacheStore::open(env, crate::cache::CAE_CACHE)?.import(&blob)?;
            }
        }
    }
    Ok(())
}

fn required<'a>(v: &'a Option<String>, what: &str) -> AzResult<&'a str> {
    v.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| AzError::invalid_argument("MissingArgument", format!("-{what} is required.")))
}

fn snapshot(env: &Env, name: &str) -> AzResult<Option<Obj>> {
    store::with_profile(env, |p| p.find_key(name).and_then(|k| p.context(&k).cloned()))
}

fn view(p: &Profile, keys: &[String]) -> Value {
    let ctxs: Vec<&Obj> = keys.iter().filter_map(|k| p.context(k)).collect();
    let contexts: Vec<Value> = keys.iter().filter_map(|k| p.context(k).map(|c| project::context(k, c))).collect();
    json!({
        "default": p.default_context_key(),
        "environments": project::environments_of(ctxs.into_iter()),
        "contexts": contexts,
    })
}

fn one(env: &Env, key: Option<String>) -> AzResult<Value> {
    store::with_profile(env, |p| view(p, &key.into_iter().collect::<Vec<_>>()))
}

fn profile_view(p: &Profile) -> Value {
    let keys: Vec<String> = p.default_context_key().into_iter().collect();
    let mut v = view(p, &keys);
    let envs: Vec<Value> = p.environments().values().filter_map(Value::as_object).map(|e| Value::Object(crate::cloud::to_ps(e))).collect();
    v["userEnvironments"] = Value::Array(envs);
    v
}

fn get(env: &Env, a: &Args) -> AzResult<Value> {
    let generation = store::generation(env)?;
    if a.list_available && a.since == Some(generation) {
        return Ok(json!({"generation": generation, "unchanged": true}));
    }
    let mut v = store::with_profile(env, |p| {
        let keys: Vec<String> = if a.list_available {
            p.contexts().keys().filter(|k| k.as_str() != "Default" || p.contexts().len() == 1).cloned().collect()
        } else if let Some(n) = a.name.as_deref().filter(|n| !n.is_empty()) {
            match p.find_key(n) {
                Some(k) => vec![k],
                None => return Err(AzError::not_found("ContextNotFound", format!("The context '{n}' does not exist.")).with_target(n.to_string())),
            }
        } else {
            p.default_context_key().into_iter().collect()
        };
        Ok(view(p, &keys))
    })??;
    v["generation"] = json!(generation);
    Ok(v)
}

fn tenant_matches(c: &Obj, tenant: &str) -> bool {
    if str_at(c, &["Tenant", "Id"]).map(|t| eq_ci(t, tenant)).unwrap_or(false) {
        return true;
    }
    str_at(c, &["Tenant", "ExtendedProperties", "Domains"]).map(|d| d.split(',').any(|x| eq_ci(x, tenant))).unwrap_or(false)
}

/// Set-AzContext: picks a saved context (by -Context, -Subscription [-Tenant] or -Tenant), applies
/// -ExtendedProperty, stores it (under -Name if given) and makes it the default.
fn set(env: &Env, scope: Option<Scope>, a: &Args) -> AzResult<Value> {
    let (mut context, source_key) = store::with_profile(env, |p| -> AzResult<(Obj, Option<String>)> {
        let default_account = p.default_context_key().and_then(|k| p.context(&k).and_then(|c| str_at(c, &["Account", "Id"]).map(str::to_string)));
        // Prefer contexts of the current account, then the rest, in file order.
        let mut order: Vec<&String> = p.contexts().keys().collect();
        order.sort_by_key(|k| {
            let acct = p.context(k).and_then(|c| str_at(c, &["Account", "Id"]));
            !(acct.is_some() && acct.map(str::to_string) == default_account)
        });
        let pick = |pred: &dyn Fn(&Obj) -> bool| order.iter().find(|k| p.context(k).map(|c| pred(c)).unwrap_or(false)).map(|k| (*k).clone());
        let key = if let Some(src) = &a.source {
            src.name.as_deref().and_then(|n| p.find_key(n)).or_else(|| {
                pick(&|c: &Obj| {
                    let m = |path: &[&str], want: &Option<String>| match want { Some(w) => str_at(c, path).map(|x| eq_ci(x, w)).unwrap_or(false), None => str_at(c, path).is_none() };
                    m(&["Account", "Id"], &src.account_id) && m(&["Tenant", "Id"], &src.tenant_id) && m(&["Subscription", "Id"], &src.subscription_id)
                })
            })
            .ok_or_else(|| AzError::not_found("ContextNotFound", format!("The context '{}' is not saved in this session.", src.name.clone().unwrap_or_default())))?
        } else if let Some(sub) = a.subscription.as_deref().filter(|s| !s.is_empty()) {
            let is_guid = uuid::Uuid::parse_str(sub).is_ok();
            let tenant = a.tenant.as_deref().filter(|t| !t.is_empty());
            pick(&|c: &Obj| {
                let field = if is_guid { "Id" } else { "Name" };
                str_at(c, &["Subscription", field]).map(|x| eq_ci(x, sub)).unwrap_or(false) && tenant.map(|t| tenant_matches(c, t)).unwrap_or(true)
            })
            .ok_or_else(|| {
                AzError::new("SubscriptionNotFound", Category::ObjectNotFound,
                    format!("The subscription '{sub}'{} was not found in the saved contexts.", tenant.map(|t| format!(" in tenant '{t}'")).unwrap_or_default()))
                    .with_target(sub.to_string())
                    .with_remedy("Run 'Get-AzContext -ListAvailable' to see the saved subscriptions, or sign in with Connect-AzAccount.")
            })?
        } else if let Some(t) = a.tenant.as_deref().filter(|s| !s.is_empty()) {
            pick(&|c: &Obj| tenant_matches(c, t)).ok_or_else(|| {
                AzError::new("TenantNotFound", Category::ObjectNotFound, format!("The tenant '{t}' was not found in the saved contexts."))
                    .with_target(t.to_string())
                    .with_remedy("Run 'Get-AzContext -ListAvailable' to see the saved tenants, or sign in with Connect-AzAccount.")
            })?
        } else {
            p.default_context_key().ok_or_else(|| {
                AzError::new("NoDefaultContext", Category::InvalidOperation, "There is no current context to set.")
                    .with_remedy("Run Connect-AzAccount to sign in.")
            })?
        };
        Ok((p.context(&key).cloned().unwrap_or_default(), Some(key)))
    })??;
    if let Some(props) = &a.extended_property {
        let ext = context.entry("ExtendedProperties").or_insert_with(|| Value::Object(Obj::new()));
        if let Value::Object(e) = ext {
            for (k, v) in props {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                e.insert(k.clone(), Value::String(s));
            }
        }
    }
    // Without -Name, the context keeps its own key.
    let name = a.name.clone().filter(|n| !n.is_empty()).or(source_key);
    let key = store::apply(env, scope, &Change::Put { name, context, select: true })?;
    one(env, key)
}
