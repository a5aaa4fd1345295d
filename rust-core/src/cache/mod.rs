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
//! // or write-behind: in memory now, on disk in the background (joined by any later read of the
//! // blob or write in this process, by `flush`, and at process exit)
//! let written = store.write_token_response_behind(&info, &response)?;
//! store.flush()?;                      // before handing over a durable cache (Connect-AzAccount)
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
//! - Write-behind ([`TokenCacheStore::write_token_response_behind`], used for every new token):
//!   the same locked write on a background thread, at most one per file; the memory view has the
//!   token at once. Every other operation on the file (a lookup that must re-read, a write, clear,
//!   export) waits for it first, so this process never reads or writes around it; process exit
//!   waits for it too (Unix; synchronous on Windows). Its error, if any, goes to the next
//!   operation that waits for it.
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

/// The process-wide memory view, per cache file.
static MEMO: Lazy<crate::fsutil::StampedMemo<TokenCache>> = Lazy::new(crate::fsutil::StampedMemo::new);

/// Token writes on their way to disk (write-behind, see [`TokenCacheStore::write_token_response_behind`]),
/// at most one per cache file. Joined under this lock, so nothing reads the file or writes it
/// again in this process before the write landed.
static PENDING: Lazy<Mutex<HashMap<PathBuf, std::thread::JoinHandle<AzResult<()>>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// Joins the write-behind of `file`, with `pending` (the [`PENDING`] lock) held.
fn join_pending(pending: &mut HashMap<PathBuf, std::thread::JoinHandle<AzResult<()>>>, file: &Path) -> AzResult<()> {
    match pending.remove(file) {
        None => Ok(()),
        Some(h) => h.join().unwrap_or_else(|_| Err(crate::error::AzError::internal("storing a token in the cache failed unexpectedly"))),
    }
}

/// Waits for every write still under way. The C boundary calls this at process exit (Unix), so a
/// PowerShell that exits right after Get-AzAccessToken still leaves its token in the shared cache.
pub fn flush_all_pending() {
    let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
    for (_, h) in pending.drain() {
        let _ = h.join();
    }
}

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

    /// The current cache (memory view; re-read only when the persisted blob changed). A token
    /// of this process still on its way to disk (write-behind) is in the memory view already;
    /// before the blob is read again, that write lands.
    pub fn snapshot(&self) -> AzResult<Arc<TokenCache>> {
        if let Some(c) = MEMO.get(&self.inner.blob.file, self.inner.blob.stamp()) {
            return Ok(c);
        }
        self.flush()?;
        self.snapshot_now().map(|(_, c)| c)
    }

    /// [`snapshot`](Self::snapshot) without waiting for a write-behind, with the stamp it is for.
    fn snapshot_now(&self) -> AzResult<(Option<Stamp>, Arc<TokenCache>)> {
        let now_stamp = self.inner.blob.stamp();
        if let Some(c) = MEMO.get(&self.inner.blob.file, now_stamp) {
            return Ok((now_stamp, c));
        }
        let lock = self.inner.blob.lock()?;
        // Stamp before reading: a write that lands after our read moves it again and we re-read.
        let stamp = self.inner.blob.stamp();
        let bytes = self.inner.blob.read_locked(&lock)?;
        drop(lock);
        let cache = Arc::new(TokenCache::parse(bytes.as_deref().unwrap_or(b""))?);
        self.remember(stamp, cache.clone());
        Ok((stamp, cache))
    }

    /// Waits until this cache's write-behind (if any) is on disk; its error if it failed.
    pub fn flush(&self) -> AzResult<()> {
        let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
        join_pending(&mut pending, &self.inner.blob.file)
    }

    fn remember(&self, stamp: Option<Stamp>, cache: Arc<TokenCache>) {
        MEMO.put(&self.inner.blob.file, stamp, cache);
    }

    fn forget(&self) {
        MEMO.forget(&self.inner.blob.file);
    }

    /// Lock, re-read, apply `f`, write back if it changed anything. A corrupt cache fails with
    /// `TokenCacheCorrupt` and is not written.
    pub fn update<R>(&self, f: impl FnOnce(&mut TokenCache) -> AzResult<R>) -> AzResult<R> {
        self.flush()?;
        self.update_now(f)
    }

    fn update_now<R>(&self, f: impl FnOnce(&mut TokenCache) -> AzResult<R>) -> AzResult<R> {
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

    /// [`write_token_response`](Self::write_token_response) with the disk write off the caller's
    /// path (write-behind): the token is in this process's memory view at once, and a background
    /// thread persists it as `write_token_response` does (MSAL's lock, re-read, merge, atomic
    /// write). Anything in this process that reads the blob again or writes it waits for that
    /// write first ([`flush`](Self::flush)), and so does process exit; callers that must hand
    /// over a durable cache (sign-in) call `flush`. A failed write is reported by the next
    /// operation on this cache that waits for it. Synchronous where exit cannot wait (Windows).
    pub fn write_token_response_behind(&self, req: &TokenRequestInfo<'_>, resp: &TokenResponse) -> AzResult<WrittenToken> {
        if cfg!(not(unix)) {
            return self.write_token_response(req, resp);
        }
        let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
        join_pending(&mut pending, &self.inner.blob.file)?;
        let (stamp, base) = self.snapshot_now()?;
        let mut next = (*base).clone();
        let written = next.write_token_response(req, resp)?;
        // Same stamp: served from memory until the blob changes (our write landing, or another
        // process's), when it is read again after this write joined.
        self.remember(stamp, Arc::new(next));
        let owned = OwnedRequest::from(req);
        let resp = resp.clone();
        let store = self.clone();
        let handle = std::thread::Builder::new()
            .name("azrs-cache-write".into())
            .spawn(move || owned.with_info(|info| store.update_now(|c| c.write_token_response(info, &resp)).map(|_| ())))
            .map_err(|e| crate::error::AzError::internal(format!("could not start the token cache writer: {e}")))?;
        pending.insert(self.inner.blob.file.clone(), handle);
        Ok(written)
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
        self.flush()?;
        let lock = self.inner.blob.lock()?;
        let empty = TokenCache::empty();
        self.inner.blob.write_locked(&lock, &empty.to_bytes())?;
        self.remember(self.inner.blob.stamp(), Arc::new(empty));
        Ok(())
    }

    /// Deletes the persisted blob entirely (file, or keyring item), as MSAL's `Clear`.
    pub fn delete(&self) -> AzResult<()> {
        self.flush()?;
        let lock = self.inner.blob.lock()?;
        self.inner.blob.delete_locked(&lock)?;
        self.forget();
        Ok(())
    }

    /// The whole cache as MSAL bytes (Save-AzContext). Fails with `TokenCacheCorrupt` when the
    /// cache cannot be parsed (exporting garbage would only move the problem).
    pub fn export(&self) -> AzResult<Vec<u8>> {
        self.flush()?;
        let lock = self.inner.blob.lock()?;
        let bytes = self.inner.blob.read_locked(&lock)?;
        drop(lock);
        Ok(TokenCache::parse(bytes.as_deref().unwrap_or(b""))?.to_bytes())
    }

    /// Replaces the cache with `bytes` (Import-AzContext). Invalid input is refused before
    /// anything is written.
    pub fn import(&self, bytes: &[u8]) -> AzResult<()> {
        let cache = TokenCache::parse(bytes)?;
        self.flush()?;
        let lock = self.inner.blob.lock()?;
        self.inner.blob.write_locked(&lock, &cache.to_bytes())?;
        self.remember(self.inner.blob.stamp(), Arc::new(cache));
        Ok(())
    }
}

/// A [`TokenRequestInfo`] the writer thread owns.
struct OwnedRequest {
    client_id: String,
    authority_host: String,
    authority_tenant: String,
    requested_scopes: Vec<String>,
    now: i64,
}

impl OwnedRequest {
    fn from(r: &TokenRequestInfo<'_>) -> OwnedRequest {
        OwnedRequest {
            client_id: r.client_id.to_string(),
            authority_host: r.authority_host.to_string(),
            authority_tenant: r.authority_tenant.to_string(),
            requested_scopes: r.requested_scopes.iter().map(|s| s.to_string()).collect(),
            now: r.now,
        }
    }

    fn with_info<R>(&self, f: impl FnOnce(&TokenRequestInfo<'_>) -> R) -> R {
        let scopes: Vec<&str> = self.requested_scopes.iter().map(String::as_str).collect();
        f(&TokenRequestInfo { client_id: &self.client_id, authority_host: &self.authority_host, authority_tenant: &self.authority_tenant, requested_scopes: &scopes, now: self.now })
    }
}

#[cfg(test)]
mod tests;
#[cfg(all(test, target_os = "linux"))]
mod keyring_tests;
