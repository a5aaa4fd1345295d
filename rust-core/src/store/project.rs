//! What PowerShell gets: compact projections of stored contexts (PSAzureContext and its
//! account, tenant, subscription). Secrets an Az-written file may hold never appear here.

use super::profile::{is_secret_key, Obj};
use serde_json::{json, Value};

fn ext(o: &Obj) -> Obj {
    let mut out = Obj::new();
    if let Some(Value::Object(e)) = o.get("ExtendedProperties") {
        for (k, v) in e {
            if !is_secret_key(k) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

fn sv(o: &Obj, k: &str) -> Value {
    match o.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Value::String(s.clone()),
        _ => Value::Null,
    }
}

fn ev<'a>(e: &'a Obj, k: &str) -> Value {
    match e.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Value::String(s.clone()),
        _ => Value::Null,
    }
}

fn list(e: &Obj, k: &str) -> Value {
    match e.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Value::Array(s.split(',').filter(|x| !x.is_empty()).map(|x| Value::String(x.into())).collect()),
        _ => Value::Array(vec![]),
    }
}

pub fn account(a: &Obj) -> Value {
    let e = ext(a);
    json!({
        "Id": sv(a, "Id"), "Type": sv(a, "Type"), "Tenants": list(&e, "Tenants"),
        "AccessToken": null, "Credential": null, "TenantMap": {},
        "CertificateThumbprint": ev(&e, "CertificateThumbprint"), "ExtendedProperties": e,
    })
}

pub fn subscription(s: &Obj) -> Value {
    let e = ext(s);
    json!({
        "Id": sv(s, "Id"), "Name": sv(s, "Name"), "State": sv(s, "State"), "SubscriptionId": sv(s, "Id"),
        "TenantId": ev(&e, "Tenants"), "HomeTenantId": ev(&e, "HomeTenant"), "ManagedByTenantIds": list(&e, "ManagedByTenants"),
        "AuthorizationSource": ev(&e, "AuthorizationSource"), "ExtendedProperties": e,
    })
}

pub fn tenant(t: &Obj) -> Value {
    let e = ext(t);
    json!({
        "Id": sv(t, "Id"), "TenantId": sv(t, "Id"), "Name": ev(&e, "DisplayName"), "TenantCategory": ev(&e, "TenantCategory"),
        "Country": ev(&e, "Country"), "CountryCode": ev(&e, "CountryCode"), "Domains": list(&e, "Domains"),
        "DefaultDomain": ev(&e, "DefaultDomain"), "TenantType": ev(&e, "TenantType"), "Directory": sv(t, "Directory"),
        "ExtendedProperties": e,
    })
}

fn obj<'a>(c: &'a Obj, k: &str) -> Option<&'a Obj> {
    c.get(k).and_then(Value::as_object)
}

/// PSAzureContext without its Environment object: `Environment` holds the environment's name;
/// the caller sends each environment once (see [`environments_of`]).
pub fn context(name: &str, c: &Obj) -> Value {
    json!({
        "Name": name,
        "Account": obj(c, "Account").map(account).unwrap_or(Value::Null),
        "Environment": obj(c, "Environment").and_then(|e| e.get("Name")).cloned().unwrap_or(Value::Null),
        "Subscription": obj(c, "Subscription").map(subscription).unwrap_or(Value::Null),
        "Tenant": obj(c, "Tenant").map(tenant).unwrap_or(Value::Null),
        "TokenCache": null,
        "VersionProfile": c.get("VersionProfile").cloned().unwrap_or(Value::Null),
        "ExtendedProperties": ext(c),
    })
}

/// Each distinct environment (by name) of the given contexts, as PSAzureEnvironment objects.
pub fn environments_of<'a>(contexts: impl Iterator<Item = &'a Obj>) -> Obj {
    let mut out = Obj::new();
    for c in contexts {
        if let Some(e) = obj(c, "Environment") {
            if let Some(n) = e.get("Name").and_then(Value::as_str) {
                if !out.contains_key(n) {
                    out.insert(n.to_string(), Value::Object(crate::cloud::to_ps(e)));
                }
            }
        }
    }
    out
}
