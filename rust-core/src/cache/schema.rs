//! The MSAL v3 JSON token cache document: the five sections MSAL.NET, MSAL Python and Azure.Identity
//! read and write, with MSAL.NET's keys and field names (checked against a cache MSAL.NET 4.92
//! wrote in this repo's interop test). The document is kept as JSON values, not structs, so that
//! sections and fields AzRs does not know (written by a newer MSAL) survive a read-modify-write.

use super::Secret;
use crate::error::{AzError, AzResult, Category};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::time::Duration;

pub const SECTION_AT: &str = "AccessToken";
pub const SECTION_RT: &str = "RefreshToken";
pub const SECTION_IDT: &str = "IdToken";
pub const SECTION_ACCOUNT: &str = "Account";
pub const SECTION_APP: &str = "AppMetadata";
const CREDENTIAL_SECTIONS: [&str; 4] = [SECTION_AT, SECTION_RT, SECTION_IDT, SECTION_ACCOUNT];

/// The family of first-party clients (Azure CLI, Azure PowerShell, ...) sharing refresh tokens.
pub const FOCI_FAMILY: &str = "1";

/// Access tokens with less than this left are not served from the cache (Az's ExpirationThreshold,
/// MSAL's own 5-minute margin).
pub const DEFAULT_MIN_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// Entra hosts that are one authority, and the alias MSAL.NET writes in `environment` (the
/// instance-discovery `preferred_cache`). Lookups accept any alias so tokens written by MSAL Python
/// (`login.microsoftonline.com`) or MSAL.NET (`login.windows.net`) are both found.
const ALIAS_GROUPS: &[(&str, &[&str])] = &[
    ("login.windows.net", &["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]),
    ("login.partner.microsoftonline.cn", &["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]),
    ("login.microsoftonline.us", &["login.microsoftonline.us", "login.usgovcloudapi.net"]),
    ("login.microsoftonline.de", &["login.microsoftonline.de"]),
];

/// The `environment` MSAL.NET stores for an authority host.
pub fn preferred_cache_environment(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    for (preferred, aliases) in ALIAS_GROUPS {
        if aliases.contains(&h.as_str()) {
            return (*preferred).to_string();
        }
    }
    h
}

fn alias_group(host: &str) -> Option<usize> {
    ALIAS_GROUPS.iter().position(|(_, aliases)| aliases.iter().any(|a| a.eq_ignore_ascii_case(host)))
}

/// Same authority, by alias group; allocation-free (runs for every entry on the warm path).
fn same_environment(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    matches!((alias_group(a), alias_group(b)), (Some(x), Some(y)) if x == y)
}

/// What identifies a query for [`TokenCache::find_access_token`]'s memo (case-insensitive parts
/// lower-cased; NUL cannot occur in them).
fn lookup_key(q: &AccessTokenQuery<'_>) -> String {
    let mut k = String::with_capacity(160);
    for part in [q.home_account_id.unwrap_or("\u{1}"), q.client_id, q.environment, q.realm] {
        k.push_str(part);
        k.push('\0');
    }
    for s in q.scopes {
        k.push_str(s);
        k.push('\0');
    }
    k.make_ascii_lowercase();
    k.push_str(&q.min_validity.as_secs().to_string());
    k
}

/// Every wanted scope is in `target` (case-insensitive), without allocating.
fn target_has_all(target: &str, want: &[&str]) -> bool {
    want.iter().all(|w| target.split_whitespace().any(|t| t.eq_ignore_ascii_case(w)))
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or("")
}

/// Timestamps are decimal strings of epoch seconds; tolerate numbers too (hand-edited caches).
fn time_field(v: &Value, name: &str) -> Option<i64> {
    match v.get(name)? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// Scopes are compared as case-insensitive sets, as MSAL does.
fn scopes_of(target: &str) -> Vec<String> {
    target.split_whitespace().map(|s| s.to_ascii_lowercase()).collect()
}

pub fn now_epoch() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// One cached access token, as a lookup returns it.
#[derive(Debug, Clone)]
pub struct CachedAccessToken {
    pub secret: Secret,
    pub home_account_id: Option<String>,
    pub environment: String,
    pub client_id: String,
    pub realm: String,
    pub target: String,
    pub token_type: String,
    pub cached_at: i64,
    pub expires_on: i64,
    pub extended_expires_on: Option<i64>,
    /// When MSAL would refresh proactively (`refresh_on`); the token is still valid until `expires_on`.
    pub refresh_on: Option<i64>,
}

/// One cached refresh token.
#[derive(Debug, Clone)]
pub struct CachedRefreshToken {
    pub secret: Secret,
    pub home_account_id: String,
    pub environment: String,
    pub client_id: String,
    pub family_id: Option<String>,
}

/// One account (MSAL's Account section).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedAccount {
    pub home_account_id: String,
    pub environment: String,
    pub realm: String,
    pub username: String,
    pub local_account_id: String,
    pub name: Option<String>,
}

/// What to look for in [`TokenCache::find_access_token`].
#[derive(Debug, Clone)]
pub struct AccessTokenQuery<'a> {
    /// `"<oid>.<tid>"` for a user; `None` for app-only (service principal) tokens.
    pub home_account_id: Option<&'a str>,
    pub client_id: &'a str,
    /// The authority host (`login.microsoftonline.com`); aliases match.
    pub environment: &'a str,
    /// The tenant id. `organizations`/`common` match tokens of the account's home tenant.
    pub realm: &'a str,
    /// Every requested scope must be in the token's target (case-insensitive).
    pub scopes: &'a [&'a str],
    /// Tokens with less time left are skipped (use [`DEFAULT_MIN_VALIDITY`]).
    pub min_validity: Duration,
}

/// A token endpoint response, as received (field names of the OAuth JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenResponse {
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
    #[serde(default)]
    pub client_info: Option<String>,
    #[serde(default, deserialize_with = "num_or_string")]
    pub expires_in: Option<i64>,
    #[serde(default, deserialize_with = "num_or_string")]
    pub ext_expires_in: Option<i64>,
    #[serde(default, deserialize_with = "num_or_string")]
    pub refresh_in: Option<i64>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub foci: Option<String>,
}

fn num_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Where a token response came from: the request, as MSAL knows it when it caches the response.
#[derive(Debug, Clone)]
pub struct TokenRequestInfo<'a> {
    pub client_id: &'a str,
    /// Authority host the token endpoint was on.
    pub authority_host: &'a str,
    /// Tenant segment of the authority (`organizations`, `common`, a GUID, a domain).
    pub authority_tenant: &'a str,
    /// Scopes asked for; used as the target when the response has no `scope`.
    pub requested_scopes: &'a [&'a str],
    /// `account_source` is not written by MSAL.NET; kept for symmetry with Py when given.
    pub now: i64,
}

/// What [`TokenCache::write_token_response`] stored, for the caller's context objects.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenToken {
    pub home_account_id: Option<String>,
    pub environment: String,
    pub realm: String,
    pub username: Option<String>,
    pub local_account_id: Option<String>,
    pub expires_on: Option<i64>,
    pub target: String,
}

/// The whole cache document.
pub struct TokenCache {
    doc: Map<String, Value>,
    /// Typed copy of the usable access tokens, built on the first lookup and dropped on any
    /// change: the warm path then scans a few plain structs instead of JSON maps.
    at_index: once_cell::sync::OnceCell<Vec<CachedAccessToken>>,
    /// Answers of [`TokenCache::find_access_token`] for this version of the cache, by query: the
    /// position in `at_index` of the best token, or none. Time only makes tokens unusable, so the
    /// best token stays the best while it is usable, and "none" stays none (for later times than
    /// the one it was found at, kept beside it). Dropped on any change.
    at_lookups: std::sync::Mutex<Vec<(String, Option<usize>, i64)>>,
}

impl Clone for TokenCache {
    fn clone(&self) -> Self {
        TokenCache { doc: self.doc.clone(), at_index: self.at_index.clone(), at_lookups: Default::default() }
    }
}

impl PartialEq for TokenCache {
    fn eq(&self, other: &Self) -> bool {
        self.doc == other.doc
    }
}

/// Never prints the document: it holds tokens.
impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenCache({:?})", self.counts())
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::empty()
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> AzError {
    AzError::new(
        "TokenCacheCorrupt",
        Category::InvalidData,
        format!("The MSAL token cache cannot be read: {what}."),
    )
    .with_remedy("Run Clear-AzContext (or Disconnect-AzAccount) to reset the token cache, then sign in again. AzRs did not change it.")
}

impl TokenCache {
    pub fn empty() -> TokenCache {
        let mut doc = Map::new();
        for s in [SECTION_AT, SECTION_RT, SECTION_IDT, SECTION_ACCOUNT, SECTION_APP] {
            doc.insert(s.to_string(), Value::Object(Map::new()));
        }
        TokenCache { doc, at_index: Default::default(), at_lookups: Default::default() }
    }

    /// Parses MSAL v3 JSON. Empty input (a new cache, or the change-signal file MSAL touches when
    /// the data is in the keyring) is an empty cache. Anything else that is not the v3 shape is
    /// `TokenCacheCorrupt` (the message never quotes the content: it holds secrets).
    pub fn parse(bytes: &[u8]) -> AzResult<TokenCache> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(TokenCache::empty());
        }
        let v: Value = serde_json::from_slice(body).map_err(|e| corrupt(format_args!("not JSON (line {}, column {})", e.line(), e.column())))?;
        let Value::Object(mut doc) = v else { return Err(corrupt("the top level is not a JSON object")) };
        for s in [SECTION_AT, SECTION_RT, SECTION_IDT, SECTION_ACCOUNT, SECTION_APP] {
            match doc.get(s) {
                None | Some(Value::Null) => {
                    doc.insert(s.to_string(), Value::Object(Map::new()));
                }
                Some(Value::Object(entries)) => {
                    if entries.values().any(|e| !e.is_object()) {
                        return Err(corrupt(format_args!("an entry of section '{s}' is not an object")));
                    }
                }
                Some(_) => return Err(corrupt(format_args!("section '{s}' is not an object"))),
            }
        }
        Ok(TokenCache { doc, at_index: Default::default(), at_lookups: Default::default() })
    }

    /// Compact JSON, as MSAL.NET's `SerializeMsalV3` writes it.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.doc).unwrap_or_else(|_| b"{}".to_vec())
    }

    fn section(&self, name: &str) -> impl Iterator<Item = (&String, &Value)> {
        self.doc.get(name).and_then(Value::as_object).into_iter().flat_map(|m| m.iter())
    }

    fn section_mut(&mut self, name: &str) -> &mut Map<String, Value> {
        self.at_index = Default::default();
        self.at_lookups = Default::default();
        let slot = self.doc.entry(name.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        slot.as_object_mut().expect("just made an object")
    }

    pub fn is_empty(&self) -> bool {
        CREDENTIAL_SECTIONS.iter().all(|s| self.section(s).next().is_none())
    }

    /// Number of entries per section, for diagnostics (no secrets).
    pub fn counts(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for s in [SECTION_AT, SECTION_RT, SECTION_IDT, SECTION_ACCOUNT, SECTION_APP] {
            m.insert(s.to_string(), json!(self.section(s).count()));
        }
        m
    }

    /// The best (longest-lived) access token matching `q` with more than `q.min_validity` left.
    pub fn find_access_token(&self, q: &AccessTokenQuery<'_>, now: i64) -> Option<CachedAccessToken> {
        let index = self.access_token_index();
        let min = q.min_validity.as_secs() as i64;
        let key = lookup_key(q);
        let mut lookups = self.at_lookups.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, found, at)) = lookups.iter().find(|(k, _, _)| *k == key) {
            match found {
                _ if now < *at => {} // the clock went back
                None => return None,
                Some(i) if index[*i].expires_on - now > min => return Some(index[*i].clone()),
                Some(_) => {} // the best one is no longer usable: look again
            }
        }
        let found = Self::scan(index, q, now);
        match lookups.iter().position(|(k, _, _)| *k == key) {
            Some(i) => lookups[i] = (key, found, now),
            None if lookups.len() < 64 => lookups.push((key, found, now)),
            None => {}
        }
        found.map(|i| index[i].clone())
    }

    fn scan(index: &[CachedAccessToken], q: &AccessTokenQuery<'_>, now: i64) -> Option<usize> {
        let tenantless = eq_ci(q.realm, "organizations") || eq_ci(q.realm, "common");
        let home_tenant = q.home_account_id.and_then(|h| h.split_once('.')).map(|(_, t)| t);
        let min = q.min_validity.as_secs() as i64;
        let mut best: Option<usize> = None;
        for (i, t) in index.iter().enumerate() {
            if !eq_ci(&t.client_id, q.client_id) {
                continue;
            }
            match (q.home_account_id, t.home_account_id.as_deref()) {
                (Some(h), Some(th)) if eq_ci(h, th) => {}
                (None, None) => {}
                _ => continue,
            }
            if t.expires_on - now <= min || best.is_some_and(|b| index[b].expires_on >= t.expires_on) {
                continue;
            }
            if !same_environment(&t.environment, q.environment) {
                continue;
            }
            let realm_ok = eq_ci(&t.realm, q.realm) || (tenantless && home_tenant.is_some_and(|ht| eq_ci(&t.realm, ht)));
            if !realm_ok || !target_has_all(&t.target, q.scopes) {
                continue;
            }
            best = Some(i);
        }
        best
    }

    /// Usable bearer access tokens (with a secret and an expiry), typed once per cache version.
    fn access_token_index(&self) -> &[CachedAccessToken] {
        self.at_index.get_or_init(|| {
            let mut v = Vec::new();
            for (_, e) in self.section(SECTION_AT) {
                if !eq_ci(str_field(e, "credential_type"), "AccessToken") {
                    continue;
                }
                // Proof-of-possession and other non-bearer tokens are not for us.
                let token_type = match str_field(e, "token_type") {
                    "" => "Bearer",
                    t => t,
                };
                let secret = str_field(e, "secret");
                let Some(expires_on) = time_field(e, "expires_on") else { continue };
                if !eq_ci(token_type, "Bearer") || secret.is_empty() {
                    continue;
                }
                let home = str_field(e, "home_account_id");
                v.push(CachedAccessToken {
                    secret: Secret::new(secret),
                    home_account_id: if home.is_empty() { None } else { Some(home.to_string()) },
                    environment: str_field(e, "environment").to_string(),
                    client_id: str_field(e, "client_id").to_string(),
                    realm: str_field(e, "realm").to_string(),
                    target: str_field(e, "target").to_string(),
                    token_type: token_type.to_string(),
                    cached_at: time_field(e, "cached_at").unwrap_or(0),
                    expires_on,
                    extended_expires_on: time_field(e, "extended_expires_on"),
                    refresh_on: time_field(e, "refresh_on"),
                });
            }
            v
        })
    }

    /// A refresh token for the account: the client's own first, then (when `allow_family`) a
    /// family refresh token (`family_id` "1", any first-party client), as MSAL does for FOCI apps.
    pub fn find_refresh_token(&self, home_account_id: &str, environment: &str, client_id: &str, allow_family: bool) -> Option<CachedRefreshToken> {
        let candidates = self.section(SECTION_RT).filter(|(_, e)| {
            eq_ci(str_field(e, "credential_type"), "RefreshToken")
                && eq_ci(str_field(e, "home_account_id"), home_account_id)
                && same_environment(str_field(e, "environment"), environment)
                && !str_field(e, "secret").is_empty()
        });
        let mut family: Option<CachedRefreshToken> = None;
        for (_, e) in candidates {
            let fam = str_field(e, "family_id");
            let rt = CachedRefreshToken {
                secret: Secret::new(str_field(e, "secret")),
                home_account_id: str_field(e, "home_account_id").to_string(),
                environment: str_field(e, "environment").to_string(),
                client_id: str_field(e, "client_id").to_string(),
                family_id: if fam.is_empty() { None } else { Some(fam.to_string()) },
            };
            if eq_ci(&rt.client_id, client_id) {
                return Some(rt);
            }
            if allow_family && fam == FOCI_FAMILY && family.is_none() {
                family = Some(rt);
            }
        }
        family
    }

    /// Accounts in the cache (deduplicated by home account id + environment alias, first realm wins).
    pub fn accounts(&self) -> Vec<CachedAccount> {
        let mut out: Vec<CachedAccount> = Vec::new();
        for (_, e) in self.section(SECTION_ACCOUNT) {
            let a = CachedAccount {
                home_account_id: str_field(e, "home_account_id").to_string(),
                environment: str_field(e, "environment").to_string(),
                realm: str_field(e, "realm").to_string(),
                username: str_field(e, "username").to_string(),
                local_account_id: str_field(e, "local_account_id").to_string(),
                name: e.get("name").and_then(Value::as_str).map(str::to_string),
            };
            if a.home_account_id.is_empty() {
                continue;
            }
            if out.iter().any(|o| eq_ci(&o.home_account_id, &a.home_account_id) && same_environment(&o.environment, &a.environment)) {
                continue;
            }
            out.push(a);
        }
        out
    }

    /// Stores a token endpoint response the way MSAL.NET does: AccessToken (replacing tokens of
    /// the same account/client/realm whose scopes overlap), RefreshToken (keyed by family id when
    /// the response says `foci`), IdToken, Account and AppMetadata.
    pub fn write_token_response(&mut self, req: &TokenRequestInfo<'_>, resp: &TokenResponse) -> AzResult<WrittenToken> {
        let env = preferred_cache_environment(req.authority_host);
        let client_id = req.client_id.to_string();
        let client_info = resp.client_info.as_deref().filter(|s| !s.is_empty());
        let home: Option<String> = match client_info {
            Some(ci) => {
                let v = decode_b64_json(ci).ok_or_else(|| bad_response("client_info is not base64url JSON"))?;
                let (uid, utid) = (str_field(&v, "uid"), str_field(&v, "utid"));
                if uid.is_empty() || utid.is_empty() {
                    return Err(bad_response("client_info has no uid/utid"));
                }
                Some(format!("{uid}.{utid}"))
            }
            None => None,
        };
        let claims = match resp.id_token.as_deref().filter(|s| !s.is_empty()) {
            Some(jwt) => Some(jwt_claims(jwt).ok_or_else(|| bad_response("id_token is not a JWT"))?),
            None => None,
        };
        let claim = |n: &str| claims.as_ref().map(|c| str_field(c, n)).filter(|s| !s.is_empty()).map(str::to_string);
        // MSAL.NET stores the tenant the token was issued by (id_token tid), not "organizations".
        let realm = claim("tid").unwrap_or_else(|| req.authority_tenant.to_string());
        let mut scopes: Vec<String> = match resp.scope.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => s.split_whitespace().map(str::to_string).collect(),
            None => req.requested_scopes.iter().map(|s| s.to_string()).collect(),
        };
        scopes.sort();
        scopes.dedup();
        let target = scopes.join(" ");
        let home_s = home.clone().unwrap_or_default();
        let now = req.now;
        let foci = resp.foci.as_deref().filter(|f| !f.is_empty()).map(str::to_string);

        let base = |credential_type: Option<&str>| {
            let mut m = Map::new();
            m.insert("home_account_id".into(), json!(home_s));
            m.insert("environment".into(), json!(env));
            if let Some(ci) = client_info {
                m.insert("client_info".into(), json!(ci));
            }
            m.insert("client_id".into(), json!(client_id));
            if let Some(ct) = credential_type {
                m.insert("secret".into(), Value::Null);
                m.insert("credential_type".into(), json!(ct));
            }
            m
        };

        let mut expires_on = None;
        if let Some(at) = resp.access_token.as_deref().filter(|s| !s.is_empty()) {
            let expires_in = resp.expires_in.unwrap_or(3600).max(0);
            let exp = now + expires_in;
            let ext = now + resp.ext_expires_in.unwrap_or(expires_in).max(0);
            let mut m = base(Some("AccessToken"));
            m.insert("secret".into(), json!(at));
            m.insert("realm".into(), json!(realm));
            m.insert("target".into(), json!(target));
            m.insert("cached_at".into(), json!(now.to_string()));
            m.insert("expires_on".into(), json!(exp.to_string()));
            m.insert("extended_expires_on".into(), json!(ext.to_string()));
            m.insert("ext_expires_on".into(), json!(ext.to_string()));
            if let Some(r) = resp.refresh_in.filter(|r| *r > 0) {
                m.insert("refresh_on".into(), json!((now + r).to_string()));
            }
            if let Some(tt) = resp.token_type.as_deref().filter(|t| !t.is_empty() && !eq_ci(t, "Bearer")) {
                m.insert("token_type".into(), json!(tt));
            }
            // Replace tokens this one supersedes (same account, client, environment, realm, overlapping scopes).
            let new_scopes = scopes_of(&target);
            self.section_mut(SECTION_AT).retain(|_, e| {
                !(eq_ci(str_field(e, "home_account_id"), &home_s)
                    && eq_ci(str_field(e, "client_id"), &client_id)
                    && same_environment(str_field(e, "environment"), &env)
                    && eq_ci(str_field(e, "realm"), &realm)
                    && scopes_of(str_field(e, "target")).iter().any(|s| new_scopes.contains(s)))
            });
            let key = format!("{home_s}-{env}-accesstoken-{client_id}-{realm}-{target}").to_lowercase();
            self.section_mut(SECTION_AT).insert(key, Value::Object(m));
            expires_on = Some(exp);
        }

        if let (Some(rt), Some(home)) = (resp.refresh_token.as_deref().filter(|s| !s.is_empty()), home.as_deref()) {
            let mut m = base(Some("RefreshToken"));
            m.insert("secret".into(), json!(rt));
            if let Some(f) = &foci {
                m.insert("family_id".into(), json!(f));
            }
            let key_client = foci.as_deref().unwrap_or(&client_id);
            let key = format!("{home}-{env}-refreshtoken-{key_client}--").to_lowercase();
            // A new RT replaces the client's previous one (and the family's, for a family RT).
            self.section_mut(SECTION_RT).retain(|_, e| {
                !(eq_ci(str_field(e, "home_account_id"), home)
                    && same_environment(str_field(e, "environment"), &env)
                    && (eq_ci(str_field(e, "client_id"), &client_id) || (foci.is_some() && str_field(e, "family_id") == foci.as_deref().unwrap_or(""))))
            });
            self.section_mut(SECTION_RT).insert(key, Value::Object(m));
        }

        let username = claim("preferred_username").or_else(|| claim("upn")).or_else(|| claim("email")).or_else(|| claim("unique_name"));
        let local_account_id = claim("oid").or_else(|| claim("sub"));
        if let (Some(idt), Some(home)) = (resp.id_token.as_deref().filter(|s| !s.is_empty()), home.as_deref()) {
            let mut m = base(Some("IdToken"));
            m.insert("secret".into(), json!(idt));
            m.insert("realm".into(), json!(realm));
            let key = format!("{home}-{env}-idtoken-{client_id}-{realm}-").to_lowercase();
            self.section_mut(SECTION_IDT).insert(key, Value::Object(m));

            let mut a = Map::new();
            a.insert("home_account_id".into(), json!(home));
            a.insert("environment".into(), json!(env));
            if let Some(ci) = client_info {
                a.insert("client_info".into(), json!(ci));
            }
            a.insert("username".into(), json!(username.clone().unwrap_or_default()));
            if let Some(n) = claim("name") {
                a.insert("name".into(), json!(n));
            }
            a.insert("local_account_id".into(), json!(local_account_id.clone().unwrap_or_default()));
            a.insert("authority_type".into(), json!("MSSTS"));
            a.insert("realm".into(), json!(realm));
            let key = format!("{home}-{env}-{realm}").to_lowercase();
            // Keep fields another library added (wam_account_ids, ...) on an existing entry.
            let accounts = self.section_mut(SECTION_ACCOUNT);
            if let Some(Value::Object(old)) = accounts.get(&key) {
                for (k, v) in old {
                    a.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            accounts.insert(key, Value::Object(a));
        }

        let mut app = Map::new();
        app.insert("environment".into(), json!(env));
        app.insert("client_id".into(), json!(client_id));
        if let Some(f) = &foci {
            app.insert("family_id".into(), json!(f));
        }
        let key = format!("appmetadata-{env}-{client_id}").to_lowercase();
        self.section_mut(SECTION_APP).insert(key, Value::Object(app));

        Ok(WrittenToken {
            home_account_id: home,
            environment: env,
            realm,
            username,
            local_account_id,
            expires_on,
            target,
        })
    }

    /// Removes every token, id token and account entry of a user (all clients, environments,
    /// tenants): Disconnect-AzAccount. Returns how many entries went.
    pub fn remove_account(&mut self, home_account_id: &str) -> usize {
        let mut removed = 0;
        for s in CREDENTIAL_SECTIONS {
            let sec = self.section_mut(s);
            let before = sec.len();
            sec.retain(|_, e| !eq_ci(str_field(e, "home_account_id"), home_account_id));
            removed += before - sec.len();
        }
        removed
    }

    /// Removes app-only tokens (service principal, managed identity) of `client_id`, optionally
    /// only those of one tenant.
    pub fn remove_app_tokens(&mut self, client_id: &str, realm: Option<&str>) -> usize {
        let sec = self.section_mut(SECTION_AT);
        let before = sec.len();
        sec.retain(|_, e| {
            !(str_field(e, "home_account_id").is_empty()
                && eq_ci(str_field(e, "client_id"), client_id)
                && realm.is_none_or(|r| eq_ci(str_field(e, "realm"), r)))
        });
        before - sec.len()
    }

    /// Empties the credential sections (keeps unknown sections and AppMetadata, as MSAL's Clear).
    pub fn clear(&mut self) {
        for s in CREDENTIAL_SECTIONS {
            self.section_mut(s).clear();
        }
    }
}

fn bad_response(what: &str) -> AzError {
    AzError::new("TokenResponseInvalid", Category::InvalidResult, format!("The token response cannot be cached: {what}."))
}

fn decode_b64_json(s: &str) -> Option<Value> {
    let t = s.trim().trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(t))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The payload of a JWT, without validation (MSAL does not validate id tokens either; they came
/// over TLS from the token endpoint).
pub fn jwt_claims(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    decode_b64_json(payload).filter(Value::is_object)
}
