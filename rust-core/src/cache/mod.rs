//! The token cache shared with Az.Accounts (MSAL v3 JSON) and the secret store for
//! service-principal secrets and certificate passwords.
//!
//! # Token cache
//!
//! One [`TokenCacheStore`] per cache name ([`CAE_CACHE`] for user and service-principal tokens,
//! as Az requests CAE; [`NOCAE_CACHE`] exists for parity) in `LocalApplicationData/.IdentityService`
//! ([`crate::paths::identity_service_dir`]), stored exactly as Microsoft.Identity.Client.Extensions.Msal
//! stores it for Az.Accounts (see `persist.rs`), guarded by MSAL's `<cache>.lockfile` (see
//! `lock.rs`), so MSAL.NET and AzRs never interleave a read-modify-write.
//!
//! ```ignore
//! let store = TokenCacheStore::open(&env, CAE_CACHE)?;
//! if let Some(w) = store.take_warning() { ctx.warning(w) }          // once per process, plaintext only
//! // warm path: no lock, no read unless the blob changed (stat only)
//! let at = store.find_access_token(&AccessTokenQuery { home_account_id: Some("oid.tid"),
//!     client_id: AZ_POWERSHELL_CLIENT_ID, environment: "login.microsoftonline.com", realm: tid,
//!     scopes: &["https://management.core.windows.net//.default"], min_validity: DEFAULT_MIN_VALIDITY })?;
//! // refresh: own RT first, then the family (FOCI) RT
//! let rt = store.find_refresh_token("oid.tid", "login.microsoftonline.com", AZ_POWERSHELL_CLIENT_ID, true)?;
//! // after the token endpoint answered (raw JSON -> TokenResponse):
//! let written = store.write_token_response(&TokenRequestInfo { client_id, authority_host, authority_tenant,
//!     requested_scopes, now: now_epoch() }, &response)?;
//! store.remove_account("oid.tid")?;    // Disconnect-AzAccount (works on a corrupt cache: resets it)
//! store.clear()?;                      // Clear-AzContext (never parses)
//! let blob = store.export()?;          // Save-AzContext: base64(blob) goes to TokenCache.CacheData
//! store.import(&blob)?;                // Import-AzContext
//! ```
//!
//! Semantics:
//! - Lookups go through [`TokenCacheStore::snapshot`]: an `Arc<TokenCache>` kept per file in the
//!   process, re-read (under the lock) only when the signal file's size/mtime/ctime/inode changed.
//!   A corrupt cache makes lookups fail with `TokenCacheCorrupt`; the cache is left as it is.
//! - Writes ([`TokenCacheStore::update`]) take the lock, re-read the current blob, apply the change
//!   and write it back, so entries other processes wrote meanwhile survive.
//! - Environments: MSAL.NET writes `login.windows.net` for `login.microsoftonline.com`; lookups accept
//!   any alias of the authority host. Realm `organizations`/`common` matches the home tenant.
//! - Secrets ([`Secret`]) never print in `Debug`; errors never contain cache content.
//!
//! # Secret store
//!
//! [`SecretStore`]: `put/get/remove(app_id, tenant, kind)` for `ServicePrincipalSecret` and
//! `CertificatePassword`, in the keyring (its own item, see `secrets.rs`) or an owner-only file.

mod lock;
mod persist;
pub mod schema;
#[cfg(target_os = "linux")]
pub mod secret_service;
mod secrets;
mod store;

pub use lock::MsalLock;
pub use persist::{dbus_address, KeyringSpec, Persistence};
pub use schema::{
    jwt_claims, now_epoch, preferred_cache_environment, AccessTokenQuery, CachedAccessToken, CachedAccount, CachedRefreshToken, TokenCache,
    TokenRequestInfo, TokenResponse, WrittenToken, DEFAULT_MIN_VALIDITY, FOCI_FAMILY,
};
pub use secrets::{SecretKind, SecretStore};
pub use store::PersistenceChoice;

use crate::error::AzResult;
use crate::request::Env;
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use store::{BlobStore, Stamp};

/// Az.Accounts' cache for CAE-enabled requests: every token Az asks for (users and service principals).
pub const CAE_CACHE: &str = "msal.cache.cae";
pub const NOCAE_CACHE: &str = "msal.cache.nocae";
/// Azure PowerShell's public client id.
pub const AZ_POWERSHELL_CLIENT_ID: &str = "1950a258-227b-4e31-a9cf-717495945fc2";

/// A secret string (token, password) that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value, for the one place that must send it (an Authorization header, a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Az's keyring/Keychain identity of a token cache (MsalCacheHelperProvider.GetCacheHelper):
/// schema = name without `.cae`/`.nocae`, label = name, collection `default`, and two attributes
/// that do not include the name (so `.cae` and `.nocae` share one keyring item, as in Az).
pub fn az_token_cache_spec(name: &str) -> KeyringSpec {
    KeyringSpec {
        schema: name.replace(".cae", "").replace(".nocae", ""),
        label: name.to_string(),
        attributes: vec![
            ("MsalClientID".into(), "Microsoft.Developer.IdentityService".into()),
            ("Microsoft.Developer.IdentityService".into(), "1.0.0.0".into()),
        ],
        keychain_service: "Microsoft.Developer.IdentityService".into(),
        keychain_account: name.to_string(),
    }
}

struct Memo {
    stamp: Option<Stamp>,
    cache: Arc<TokenCache>,
}

/// The process-wide memory view, per cache file.
static MEMO: Lazy<Mutex<HashMap<PathBuf, Memo>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// What [`TokenCacheStore::remove_account`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoveOutcome {
    pub removed: usize,
    /// The cache could not be parsed and was reset to empty so sign-out could proceed.
    pub reset_corrupt_cache: bool,
}

/// One MSAL token cache, as Az.Accounts persists it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TokenCacheStore {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    blob: BlobStore,
    name: String,
}

/// Stores opened in this process, by (file, choice, D-Bus address): the backend choice is a
/// function of those (keyring probes are kept per address), so a warm lookup does not rebuild
/// the keyring spec and probe table each time.
type OpenKey = (PathBuf, PersistenceChoice, Option<String>);
static OPENED: Lazy<Mutex<Vec<(OpenKey, TokenCacheStore)>>> = Lazy::new(|| Mutex::new(Vec::new()));

impl TokenCacheStore {
    /// The cache `name` in `LocalApplicationData/.IdentityService`, in the platform's secret store
    /// when one is usable in this session, else the owner-only plaintext file.
    pub fn open(env: &Env, name: &str) -> AzResult<TokenCacheStore> {
        let dir = crate::paths::identity_service_dir(env)?;
        Ok(Self::open_in(&dir, name, env, PersistenceChoice::Auto))
    }

    pub fn open_in(dir: &Path, name: &str, env: &Env, choice: PersistenceChoice) -> TokenCacheStore {
        let file = dir.join(name);
        #[cfg(target_os = "linux")]
        let bus = if choice == PersistenceChoice::Auto { persist::dbus_address(env) } else { None };
        #[cfg(not(target_os = "linux"))]
        let bus: Option<String> = None;
        let key: OpenKey = (file, choice, bus);
        let mut opened = OPENED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, store)) = opened.iter().find(|(k, _)| *k == key) {
            return store.clone();
        }
        let blob = BlobStore::new(key.0.clone(), env, &az_token_cache_spec(name), choice);
        let store = TokenCacheStore { inner: Arc::new(Inner { blob, name: name.to_string() }) };
        if opened.len() >= 16 {
            opened.remove(0); // tests open many folders; a session uses one or two
        }
        opened.push((key, store.clone()));
        store
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The cache file (with a keyring: the change-signal file MSAL touches).
    pub fn path(&self) -> &Path {
        &self.inner.blob.file
    }

    pub fn persistence(&self) -> Persistence {
        self.inner.blob.persistence()
    }

    /// How long writers wait for MSAL's lock (default 60 s as MSAL).
    pub fn set_lock_timeout(&mut self, t: std::time::Duration) {
        Arc::make_mut(&mut self.inner).blob.lock_timeout = t;
    }

    /// The plaintext-storage warning, once per process per file; `None` with a secret store.
    pub fn take_warning(&self) -> Option<String> {
        self.inner.blob.take_warning("the token cache (refresh and access tokens)")
    }

    /// The current cache (memory view; re-read only when the persisted blob changed).
    pub fn snapshot(&self) -> AzResult<Arc<TokenCache>> {
        let now_stamp = self.inner.blob.stamp();
        {
            let memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(m) = memo.get(&self.inner.blob.file) {
                if m.stamp == now_stamp {
                    return Ok(m.cache.clone());
                }
            }
        }
        let lock = self.inner.blob.lock()?;
        // Stamp before reading: a write that lands after our read moves it again and we re-read.
        let stamp = self.inner.blob.stamp();
        let bytes = self.inner.blob.read_locked(&lock)?;
        drop(lock);
        let cache = Arc::new(TokenCache::parse(bytes.as_deref().unwrap_or(b""))?);
        self.remember(stamp, cache.clone());
        Ok(cache)
    }

    fn remember(&self, stamp: Option<Stamp>, cache: Arc<TokenCache>) {
        let mut memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
        memo.insert(self.inner.blob.file.clone(), Memo { stamp, cache });
    }

    fn forget(&self) {
        let mut memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
        memo.remove(&self.inner.blob.file);
    }

    /// Lock, re-read, apply `f`, write back if it changed anything. A corrupt cache fails with
    /// `TokenCacheCorrupt` and is not written.
    pub fn update<R>(&self, f: impl FnOnce(&mut TokenCache) -> AzResult<R>) -> AzResult<R> {
        let lock = self.inner.blob.lock()?;
        let bytes = self.inner.blob.read_locked(&lock)?;
        let mut cache = TokenCache::parse(bytes.as_deref().unwrap_or(b""))?;
        let before = cache.clone();
        let r = f(&mut cache)?;
        if cache != before {
            self.inner.blob.write_locked(&lock, &cache.to_bytes())?;
        }
        self.remember(self.inner.blob.stamp(), Arc::new(cache));
        drop(lock);
        Ok(r)
    }

    pub fn find_access_token(&self, q: &AccessTokenQuery<'_>) -> AzResult<Option<CachedAccessToken>> {
        Ok(self.snapshot()?.find_access_token(q, now_epoch()))
    }

    pub fn find_refresh_token(&self, home_account_id: &str, environment: &str, client_id: &str, allow_family: bool) -> AzResult<Option<CachedRefreshToken>> {
        Ok(self.snapshot()?.find_refresh_token(home_account_id, environment, client_id, allow_family))
    }

    pub fn accounts(&self) -> AzResult<Vec<CachedAccount>> {
        Ok(self.snapshot()?.accounts())
    }

    pub fn write_token_response(&self, req: &TokenRequestInfo<'_>, resp: &TokenResponse) -> AzResult<WrittenToken> {
        self.update(|c| c.write_token_response(req, resp))
    }

    /// Removes everything of one user (Disconnect-AzAccount). A cache that cannot be parsed is
    /// reset to empty instead (sign-out must not be blocked by it, Az issue #13467).
    pub fn remove_account(&self, home_account_id: &str) -> AzResult<RemoveOutcome> {
        match self.update(|c| Ok(c.remove_account(home_account_id))) {
            Ok(removed) => Ok(RemoveOutcome { removed, reset_corrupt_cache: false }),
            Err(e) if e.code == "TokenCacheCorrupt" => {
                self.clear()?;
                Ok(RemoveOutcome { removed: 0, reset_corrupt_cache: true })
            }
            Err(e) => Err(e),
        }
    }

    /// Removes app-only tokens of a service principal / managed identity.
    pub fn remove_app_tokens(&self, client_id: &str, tenant: Option<&str>) -> AzResult<usize> {
        self.update(|c| Ok(c.remove_app_tokens(client_id, tenant)))
    }

    /// Empties the cache without parsing it (Clear-AzContext): works on a corrupt cache.
    pub fn clear(&self) -> AzResult<()> {
        let lock = self.inner.blob.lock()?;
        let empty = TokenCache::empty();
        self.inner.blob.write_locked(&lock, &empty.to_bytes())?;
        self.remember(self.inner.blob.stamp(), Arc::new(empty));
        Ok(())
    }

    /// Deletes the persisted blob entirely (file, or keyring item), as MSAL's `Clear`.
    pub fn delete(&self) -> AzResult<()> {
        let lock = self.inner.blob.lock()?;
        self.inner.blob.delete_locked(&lock)?;
        self.forget();
        Ok(())
    }

    /// The whole cache as MSAL bytes (Save-AzContext). Fails with `TokenCacheCorrupt` when the
    /// cache cannot be parsed (exporting garbage would only move the problem).
    pub fn export(&self) -> AzResult<Vec<u8>> {
        let lock = self.inner.blob.lock()?;
        let bytes = self.inner.blob.read_locked(&lock)?;
        drop(lock);
        Ok(TokenCache::parse(bytes.as_deref().unwrap_or(b""))?.to_bytes())
    }

    /// Replaces the cache with `bytes` (Import-AzContext). Invalid input is refused before
    /// anything is written.
    pub fn import(&self, bytes: &[u8]) -> AzResult<()> {
        let cache = TokenCache::parse(bytes)?;
        let lock = self.inner.blob.lock()?;
        self.inner.blob.write_locked(&lock, &cache.to_bytes())?;
        self.remember(self.inner.blob.stamp(), Arc::new(cache));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
#[cfg(all(test, target_os = "linux"))]
mod keyring_tests;
