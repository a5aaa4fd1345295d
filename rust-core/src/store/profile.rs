//! The AzureRmContext.json document, kept as ordered JSON so that what Az.Accounts wrote (key
//! order, unknown properties, raw secrets) survives a rewrite byte for byte. Only the parts an
//! operation touches are changed; everything else is carried through as read.

use serde_json::{Map, Value};

pub type Obj = Map<String, Value>;

/// Account ExtendedProperties that hold raw secrets in files written by Az.Accounts. Kept in the
/// file when AzRs rewrites it, never copied into anything sent to PowerShell.
pub const SECRET_KEYS: &[&str] = &[
    "AccessToken", "GraphAccessToken", "KeyVault", "MicrosoftGraphAccessToken", "ClientAssertion",
    "ServicePrincipalSecret", "CertificatePassword",
];

pub fn is_secret_key(k: &str) -> bool {
    SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k))
}

/// The name Az gives a context with no explicit name (`AzureRmProfile.TryGetContextName`).
pub fn context_name(ctx: &Obj) -> String {
    let account = str_at(ctx, &["Account", "Id"]);
    let tenant = str_at(ctx, &["Tenant", "Id"]);
    let sub_id = str_at(ctx, &["Subscription", "Id"]);
    let sub_name = str_at(ctx, &["Subscription", "Name"]).unwrap_or("");
    match (account, tenant, sub_id) {
        (Some(a), Some(t), Some(s)) => format!("{sub_name} ({s}) - {t} - {a}"),
        (Some(a), None, Some(s)) => format!("{sub_name} ({s}) - {a}"),
        (Some(a), Some(t), None) => format!("{t} - {a}"),
        _ => "Default".to_string(),
    }
}

/// A string at a path of object keys; JSON null and "" read as absent.
pub fn str_at<'a>(obj: &'a Obj, path: &[&str]) -> Option<&'a str> {
    let (last, head) = path.split_last()?;
    let mut cur = obj;
    for k in head {
        cur = cur.get(*k)?.as_object()?;
    }
    cur.get(*last)?.as_str().filter(|s| !s.is_empty())
}

pub fn eq_ci(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub doc: Obj,
}

/// Why a document could not be read as a profile (the message never quotes file content).
#[derive(Debug, Clone)]
pub struct ParseError(pub String);

const TOP: [&str; 4] = ["DefaultContextKey", "EnvironmentTable", "Contexts", "ExtendedProperties"];

impl Profile {
    pub fn empty() -> Profile {
        let mut doc = Obj::new();
        doc.insert("DefaultContextKey".into(), Value::String("Default".into()));
        doc.insert("EnvironmentTable".into(), Value::Object(Obj::new()));
        doc.insert("Contexts".into(), Value::Object(Obj::new()));
        doc.insert("ExtendedProperties".into(), Value::Object(Obj::new()));
        Profile { doc }
    }

    /// Reads a document as Az does: anything before the first `{` is ignored (BOM, junk); the
    /// legacy `{"Environments","Context"}` schema is converted; an empty text is an empty profile.
    pub fn parse(text: &str) -> Result<Profile, ParseError> {
        let Some(start) = text.find('{') else {
            if text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\0').is_empty() {
                return Ok(Profile::empty());
            }
            return Err(ParseError("it contains no JSON object".into()));
        };
        // .NET may leave NULs after a truncating in-place write; Az's reader tolerates them.
        let body = text[start..].trim_end_matches(|c: char| c.is_whitespace() || c == '\0');
        let value: Value = serde_json::from_str(body)
            .map_err(|e| ParseError(format!("invalid JSON at line {}, column {}", e.line(), e.column())))?;
        let Value::Object(obj) = value else { return Err(ParseError("the top level is not a JSON object".into())) };
        let is_legacy = !obj.contains_key("Contexts") && !obj.contains_key("DefaultContextKey")
            && (obj.contains_key("Context") || obj.contains_key("Environments"));
        let mut p = if is_legacy { legacy::convert(&obj) } else { Profile::normalize(obj)? };
        p.fix_default();
        Ok(p)
    }

    fn normalize(mut obj: Obj) -> Result<Profile, ParseError> {
        let mut doc = Obj::new();
        for k in TOP {
            let v = obj.shift_remove(k).unwrap_or(Value::Null);
            let v = match (k, v) {
                ("DefaultContextKey", Value::Null) => Value::String("Default".into()),
                ("DefaultContextKey", v @ Value::String(_)) => v,
                (_, Value::Null) if k != "DefaultContextKey" => Value::Object(Obj::new()),
                (_, v @ Value::Object(_)) if k != "DefaultContextKey" => v,
                _ => return Err(ParseError(format!("'{k}' has an unexpected type"))),
            };
            doc.insert(k.into(), v);
        }
        for (k, v) in obj {
            doc.insert(k, v); // unknown top-level properties: kept, after Az's four
        }
        Ok(Profile { doc })
    }

    /// Az 2.2.8: a "Default" key with other contexts present selects the first one.
    fn fix_default(&mut self) {
        let key = self.default_key().map(str::to_string);
        let first = self.contexts().keys().find(|k| k.as_str() != "Default").cloned();
        let needs = match key.as_deref() {
            None | Some("Default") => !self.contexts().contains_key("Default"),
            Some(_) => false,
        };
        if needs {
            if let Some(first) = first {
                self.set_default_key(&first);
            }
        }
    }

    pub fn default_key(&self) -> Option<&str> {
        self.doc.get("DefaultContextKey").and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    pub fn set_default_key(&mut self, key: &str) {
        self.doc.insert("DefaultContextKey".into(), Value::String(key.into()));
    }

    pub fn contexts(&self) -> &Obj {
        self.doc.get("Contexts").and_then(Value::as_object).expect("normalized")
    }

    pub fn contexts_mut(&mut self) -> &mut Obj {
        self.doc.get_mut("Contexts").and_then(Value::as_object_mut).expect("normalized")
    }

    pub fn environments(&self) -> &Obj {
        self.doc.get("EnvironmentTable").and_then(Value::as_object).expect("normalized")
    }

    pub fn environments_mut(&mut self) -> &mut Obj {
        self.doc.get_mut("EnvironmentTable").and_then(Value::as_object_mut).expect("normalized")
    }

    /// The stored key matching `name` (keys compare case-insensitively, as in Az).
    pub fn find_key(&self, name: &str) -> Option<String> {
        if self.contexts().contains_key(name) {
            return Some(name.to_string());
        }
        self.contexts().keys().find(|k| eq_ci(k, name)).cloned()
    }

    pub fn context(&self, key: &str) -> Option<&Obj> {
        self.contexts().get(key).and_then(Value::as_object)
    }

    /// The default context's key, when it names a stored context.
    pub fn default_context_key(&self) -> Option<String> {
        let k = self.default_key()?;
        self.find_key(k)
    }

    /// Az's `TryFindContext`: same account (case-insensitive), tenant and subscription.
    pub fn find_matching(&self, ctx: &Obj) -> Option<String> {
        let a = str_at(ctx, &["Account", "Id"]);
        let t = str_at(ctx, &["Tenant", "Id"]);
        let s = str_at(ctx, &["Subscription", "Id"]);
        self.contexts().iter().find_map(|(k, v)| {
            let c = v.as_object()?;
            let same = opt_eq_ci(str_at(c, &["Account", "Id"]), a)
                && opt_eq_ci(str_at(c, &["Tenant", "Id"]), t)
                && opt_eq_ci(str_at(c, &["Subscription", "Id"]), s);
            same.then(|| k.clone())
        })
    }

    /// The file bytes Az would write: UTF-8 BOM, Newtonsoft indentation (2 spaces), platform
    /// newline, never a context named "Default".
    /// Built-in and discovered environments are never written to EnvironmentTable (Az strips
    /// the public ones on every save).
    pub fn to_bytes(&self) -> Vec<u8> {
        let public = |k: &str, v: &Value| {
            crate::cloud::is_builtin(k) || v.get("Type").and_then(Value::as_str) == Some(crate::cloud::DISCOVERED)
        };
        let strip_envs = self.environments().iter().any(|(k, v)| public(k, v));
        if self.contexts().contains_key("Default") || strip_envs {
            let mut doc = self.doc.clone();
            if let Some(Value::Object(c)) = doc.get_mut("Contexts") {
                c.shift_remove("Default");
            }
            if let Some(Value::Object(e)) = doc.get_mut("EnvironmentTable") {
                e.retain(|k, v| !public(k, v));
            }
            return serialize_az(&Value::Object(doc), true);
        }
        serialize_obj(&self.doc, true)
    }
}

fn opt_eq_ci(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => eq_ci(a, b),
        _ => false,
    }
}

/// Newtonsoft `Formatting.Indented` output for a value: 2-space indent, `"k": v`, `{}` / `[]`
/// when empty, the same string escapes (it also escapes U+0085, U+2028, U+2029), and
/// `Environment.NewLine` line ends. `bom` prepends EF BB BF (StreamWriter with Encoding.UTF8).
pub fn serialize_az(v: &Value, bom: bool) -> Vec<u8> {
    write_az(|w| serde_json::to_writer_pretty(w, v), bom)
}

fn serialize_obj(o: &Obj, bom: bool) -> Vec<u8> {
    write_az(|w| serde_json::to_writer_pretty(w, o), bom)
}

fn write_az(f: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>, bom: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(256 * 1024);
    if bom {
        body.extend_from_slice(b"\xEF\xBB\xBF");
    }
    f(&mut body).expect("JSON values always serialize");
    // Fast path: nothing to rewrite (no CRLF wanted, no U+0085/U+2028/U+2029 in any string).
    let special = |b: &u8| *b == 0xC2 || *b == 0xE2;
    if !cfg!(windows) && !body.iter().any(special) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len() + body.len() / 20);
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'\n' && cfg!(windows) {
            out.extend_from_slice(b"\r\n");
        } else if b == 0xC2 && body.get(i + 1) == Some(&0x85) {
            // Raw U+0085/U+2028/U+2029 can only occur inside strings: escape them as Newtonsoft does.
            out.extend_from_slice(b"\\u0085");
            i += 1;
        } else if b == 0xE2 && body.get(i + 1) == Some(&0x80) && matches!(body.get(i + 2), Some(0xA8) | Some(0xA9)) {
            out.extend_from_slice(if body[i + 2] == 0xA8 { b"\\u2028" } else { b"\\u2029" });
            i += 2;
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

mod legacy {
    //! AzureRM's single-context schema (`LegacyAzureRMProfile`).
    use super::*;

    const ENDPOINTS: &[(&str, &str)] = &[
        ("ActiveDirectory", "ActiveDirectoryAuthority"), ("ResourceManager", "ResourceManagerUrl"),
        ("ServiceManagement", "ServiceManagementUrl"), ("ManagementPortalUrl", "ManagementPortalUrl"),
        ("PublishSettingsFileUrl", "PublishSettingsFileUrl"), ("Gallery", "GalleryUrl"), ("Graph", "GraphUrl"),
        ("ActiveDirectoryServiceEndpointResourceId", "ActiveDirectoryServiceEndpointResourceId"),
        ("StorageEndpointSuffix", "StorageEndpointSuffix"), ("SqlDatabaseDnsSuffix", "SqlDatabaseDnsSuffix"),
        ("TrafficManagerDnsSuffix", "TrafficManagerDnsSuffix"), ("AzureKeyVaultDnsSuffix", "AzureKeyVaultDnsSuffix"),
        ("AzureKeyVaultServiceEndpointResourceId", "AzureKeyVaultServiceEndpointResourceId"),
        ("GraphEndpointResourceId", "GraphEndpointResourceId"), ("AdTenant", "AdTenant"),
        ("AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix", "AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix"),
        ("AzureDataLakeStoreFileSystemEndpointSuffix", "AzureDataLakeStoreFileSystemEndpointSuffix"),
    ];

    fn props(v: Option<&Value>) -> Obj {
        let mut out = Obj::new();
        if let Some(Value::Object(p)) = v {
            for (k, v) in p {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                out.insert(k.clone(), Value::String(s));
            }
        }
        out
    }

    fn environment(v: &Value) -> Option<Value> {
        let e = v.as_object()?;
        let name = e.get("Name")?.as_str()?;
        if let Some(b) = crate::cloud::builtin(name) {
            return Some(Value::Object(crate::cloud::to_stored(&b)));
        }
        let mut env = crate::cloud::blank_stored(name, "User-defined");
        env.insert("OnPremise".into(), Value::Bool(e.get("OnPremise").and_then(Value::as_bool).unwrap_or(false)));
        if let Some(Value::Object(eps)) = e.get("Endpoints") {
            for (old, new) in ENDPOINTS {
                if let Some(Value::String(s)) = eps.get(*old) {
                    env.insert((*new).into(), Value::String(s.clone()));
                }
            }
        }
        Some(Value::Object(env))
    }

    pub fn convert(obj: &Obj) -> Profile {
        let mut p = Profile::empty();
        if let Some(Value::Object(envs)) = obj.get("Environments") {
            for (k, v) in envs {
                if crate::cloud::builtin(k).is_none() {
                    if let Some(e) = environment(v) {
                        p.environments_mut().insert(k.clone(), e);
                    }
                }
            }
        }
        let Some(Value::Object(c)) = obj.get("Context") else { return p };
        let mut ctx = Obj::new();
        let account = c.get("Account").and_then(Value::as_object).map(|a| {
            let ty = match a.get("Type") {
                Some(Value::Number(n)) => match n.as_u64() {
                    Some(0) => "Certificate",
                    Some(2) => "ServicePrincipal",
                    Some(3) => "AccessToken",
                    _ => "User",
                }
                .to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => "User".into(),
            };
            let mut o = Obj::new();
            o.insert("Id".into(), a.get("Id").cloned().unwrap_or(Value::Null));
            o.insert("Credential".into(), Value::Null);
            o.insert("Type".into(), Value::String(ty));
            o.insert("TenantMap".into(), Value::Object(Obj::new()));
            o.insert("ExtendedProperties".into(), Value::Object(props(a.get("Properties"))));
            Value::Object(o)
        });
        let tenant = c.get("Tenant").and_then(Value::as_object).map(|t| {
            let mut o = Obj::new();
            o.insert("Id".into(), t.get("Id").cloned().unwrap_or(Value::Null));
            o.insert("Directory".into(), t.get("Domain").cloned().unwrap_or(Value::Null));
            o.insert("IsHome".into(), Value::Bool(true));
            o.insert("ExtendedProperties".into(), Value::Object(Obj::new()));
            Value::Object(o)
        });
        let subscription = c.get("Subscription").and_then(Value::as_object).map(|s| {
            let mut ext = Obj::new();
            for k in ["Account", "Environment"] {
                if let Some(Value::String(v)) = s.get(k) {
                    ext.insert(k.into(), Value::String(v.clone()));
                }
            }
            ext.extend(props(s.get("Properties")));
            let mut o = Obj::new();
            o.insert("Id".into(), s.get("Id").cloned().unwrap_or(Value::Null));
            o.insert("Name".into(), s.get("Name").cloned().unwrap_or(Value::Null));
            o.insert("State".into(), s.get("State").cloned().unwrap_or(Value::String("Enabled".into())));
            o.insert("ExtendedProperties".into(), Value::Object(ext));
            Value::Object(o)
        });
        ctx.insert("Account".into(), account.unwrap_or(Value::Null));
        ctx.insert("Tenant".into(), tenant.unwrap_or(Value::Null));
        ctx.insert("Subscription".into(), subscription.unwrap_or(Value::Null));
        ctx.insert("Environment".into(), c.get("Environment").and_then(environment).unwrap_or(Value::Null));
        ctx.insert("VersionProfile".into(), Value::Null);
        let mut cache = Obj::new();
        cache.insert("CacheData".into(), Value::Null);
        ctx.insert("TokenCache".into(), Value::Object(cache));
        ctx.insert("ExtendedProperties".into(), Value::Object(Obj::new()));
        let name = context_name(&ctx);
        p.contexts_mut().insert(name.clone(), Value::Object(ctx));
        p.set_default_key(&name);
        p
    }
}
