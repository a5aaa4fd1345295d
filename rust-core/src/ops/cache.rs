//! Token cache operations PowerShell needs (the sign-in flows use the engine API directly).
//!
//! - `cache.info`  {name?}  -> {name, path, lockFile, persistence, keyring{...}, accounts, warning?}
//! - `cache.clear` {}       -> {cleared: [names], warning?}  (Clear-AzContext: works on a corrupt cache)
//! - `cache.accounts` {name?} -> [{homeAccountId, environment, realm, username, localAccountId, name}]
//! - `cache.testWriteResponse` / `cache.testFind`: test-only (interop tests with MSAL.NET); find
//!   returns SHA-256 fingerprints of the secrets it found, never the secrets.
//!
//! `warning` is the one-time plaintext-storage warning; the cmdlet writes it with Write-Warning.

use crate::cache::{self, AccessTokenQuery, SecretStore, TokenCacheStore, TokenRequestInfo, TokenResponse, CAE_CACHE, NOCAE_CACHE};
use crate::error::{AzError, AzResult};
use crate::request::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NameArgs {
    #[serde(default)]
    name: Option<String>,
}

fn cache_name(n: Option<String>) -> AzResult<String> {
    match n.as_deref() {
        None | Some("") => Ok(CAE_CACHE.to_string()),
        Some(n) if n == CAE_CACHE || n == NOCAE_CACHE => Ok(n.to_string()),
        Some(n) => Err(AzError::invalid_argument("UnknownTokenCache", format!("'{n}' is not a token cache name; use '{CAE_CACHE}' or '{NOCAE_CACHE}'."))),
    }
}

pub fn call(req: &Request) -> AzResult<Value> {
    match req.op.as_str() {
        "cache.info" => {
            let a: NameArgs = req.args()?;
            let store = TokenCacheStore::open(&req.env, &cache_name(a.name)?)?;
            let spec = cache::az_token_cache_spec(store.name());
            let accounts = store.accounts().map(|v| v.len()).ok();
            Ok(json!({
                "name": store.name(),
                "path": store.path().display().to_string(),
                "lockFile": cache::MsalLock::lockfile_for(store.path()).display().to_string(),
                "persistence": store.persistence(),
                "keyring": {
                    "schema": spec.schema, "label": spec.label, "collection": "default",
                    "attributes": spec.attributes.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                    "keychainService": spec.keychain_service, "keychainAccount": spec.keychain_account,
                },
                "accounts": accounts,
                "warning": store.take_warning(),
            }))
        }
        "cache.accounts" => {
            let a: NameArgs = req.args()?;
            let store = TokenCacheStore::open(&req.env, &cache_name(a.name)?)?;
            Ok(json!(store.accounts()?))
        }
        "cache.clear" => {
            let mut cleared = Vec::new();
            let mut warning = None;
            for name in [CAE_CACHE, NOCAE_CACHE] {
                let store = TokenCacheStore::open(&req.env, name)?;
                // Only caches that exist: clearing must not create files it does not need.
                if store.path().exists() || store.persistence() != cache::Persistence::PlaintextFile {
                    store.clear()?;
                    cleared.push(name);
                }
                warning = warning.or(store.take_warning());
            }
            let secrets = SecretStore::open(&req.env)?;
            if secrets.path().exists() || secrets.persistence() != cache::Persistence::PlaintextFile {
                secrets.clear()?;
            }
            Ok(json!({"cleared": cleared, "warning": warning}))
        }
        "cache.testWriteResponse" => test_write(req),
        "cache.testFind" => test_find(req),
        _ => Err(super::unknown(req)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestWriteArgs {
    #[serde(default)]
    name: Option<String>,
    client_id: String,
    authority_host: String,
    tenant: String,
    scopes: Vec<String>,
    response: TokenResponse,
}

fn test_write(req: &Request) -> AzResult<Value> {
    let a: TestWriteArgs = req.args()?;
    let store = TokenCacheStore::open(&req.env, &cache_name(a.name)?)?;
    let scopes: Vec<&str> = a.scopes.iter().map(String::as_str).collect();
    let info = TokenRequestInfo { client_id: &a.client_id, authority_host: &a.authority_host, authority_tenant: &a.tenant, requested_scopes: &scopes, now: cache::now_epoch() };
    let w = store.write_token_response(&info, &a.response)?;
    Ok(json!({
        "homeAccountId": w.home_account_id, "environment": w.environment, "realm": w.realm,
        "username": w.username, "expiresOn": w.expires_on, "target": w.target,
        "persistence": store.persistence(), "path": store.path().display().to_string(), "warning": store.take_warning(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestFindArgs {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    home_account_id: Option<String>,
    client_id: String,
    environment: String,
    realm: String,
    scopes: Vec<String>,
    #[serde(default = "five_minutes")]
    min_validity_seconds: u64,
}

fn five_minutes() -> u64 {
    300
}

fn fingerprint(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn test_find(req: &Request) -> AzResult<Value> {
    let a: TestFindArgs = req.args()?;
    let store = TokenCacheStore::open(&req.env, &cache_name(a.name)?)?;
    let scopes: Vec<&str> = a.scopes.iter().map(String::as_str).collect();
    let q = AccessTokenQuery {
        home_account_id: a.home_account_id.as_deref(),
        client_id: &a.client_id,
        environment: &a.environment,
        realm: &a.realm,
        scopes: &scopes,
        min_validity: Duration::from_secs(a.min_validity_seconds),
    };
    let at = store.find_access_token(&q)?;
    let rt = match a.home_account_id.as_deref() {
        Some(h) => store.find_refresh_token(h, &a.environment, &a.client_id, true)?,
        None => None,
    };
    Ok(json!({
        "persistence": store.persistence(),
        "accessToken": at.map(|t| json!({"sha256": fingerprint(t.secret.expose()), "expiresOn": t.expires_on, "realm": t.realm, "target": t.target})),
        "refreshToken": rt.map(|t| json!({"sha256": fingerprint(t.secret.expose()), "clientId": t.client_id, "familyId": t.family_id})),
        "accounts": store.accounts()?,
    }))
}
