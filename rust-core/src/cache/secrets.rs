//! Service-principal secrets and certificate passwords (Az's AzKeyStore equivalent), never in
//! AzureRmContext.json.
//!
//! Az.Accounts' own key store uses the keyring item {schema = its file name, attributes
//! `AzureClientID=Microsoft.Developer.Azure.PowerShell`, `Microsoft.Developer.Azure.PowerShell=1.0.0.0`,
//! label `AzKeyStoreCache`; Keychain service `Microsoft.Azure.PowerShell.other_secrets`}
//! (StorageWrapper.cs, verified), but its content format is not verified, and the keyring item is
//! found by those attributes alone, so writing a different format there would destroy Az's
//! secrets. AzRs therefore keeps its own item, same mechanics:
//! - keyring: `xdg:schema=AzRs.KeyStore`, attributes `AzRsClientID=AzRs.PowerShell`,
//!   `AzRs.KeyStore=1.0`, label `AzRsKeyStore`, collection `default`, value = base64 of the document;
//!   Keychain: service `AzRs.PowerShell.other_secrets`, account `azrs.keystore.json`;
//! - else `~/.Azure/azrs.keystore.json`, owner-only, with the one-time plaintext warning;
//!   Windows: DPAPI-encrypted file.
//!
//! Document: `{"entries":[{"name":"ServicePrincipalSecret","appId":"..","tenantId":"..","value":".."}]}`
//! (names as Az's ServicePrincipalKey: `name`, `appId`, `tenantId`). Guarded by the same
//! `<file>.lockfile` protocol as the token cache.

use super::persist::{KeyringSpec, Persistence};
use super::store::{BlobStore, PersistenceChoice};
use super::Secret;
use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use serde::{Deserialize, Serialize};
use crate::fsutil::StampedMemo;
use once_cell::sync::Lazy;
use std::path::Path;
use std::sync::Arc;

pub const KEYSTORE_FILE: &str = "azrs.keystore.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ServicePrincipalSecret,
    CertificatePassword,
    /// Added for sign-in: a -FederatedToken assertion and an -AccessToken token (Az kept both in
    /// AzureRmContext.json; AzRs keeps them here).
    ClientAssertion,
    AccessToken,
}

impl SecretKind {
    /// The names Az uses (`AzureAccount.Property`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ServicePrincipalSecret => "ServicePrincipalSecret",
            SecretKind::CertificatePassword => "CertificatePassword",
            SecretKind::ClientAssertion => "ClientAssertion",
            SecretKind::AccessToken => "AccessToken",
        }
    }
}

#[derive(Serialize, Deserialize, Default, Clone, PartialEq)]
struct Doc {
    #[serde(default)]
    entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Entry {
    name: String,
    app_id: String,
    tenant_id: String,
    value: String,
}

impl Entry {
    fn is(&self, app_id: &str, tenant: &str, kind: SecretKind) -> bool {
        self.name == kind.as_str() && self.app_id.eq_ignore_ascii_case(app_id) && self.tenant_id.eq_ignore_ascii_case(tenant)
    }
}

pub fn keystore_spec() -> KeyringSpec {
    KeyringSpec {
        schema: "AzRs.KeyStore".into(),
        label: "AzRsKeyStore".into(),
        attributes: vec![("AzRsClientID".into(), "AzRs.PowerShell".into()), ("AzRs.KeyStore".into(), "1.0".into())],
        keychain_service: "AzRs.PowerShell.other_secrets".into(),
        keychain_account: KEYSTORE_FILE.into(),
    }
}

/// The documents last read or written in this process, by file, with the stamp of the file then:
/// a token request for a service principal reads its secret without the lock or the keyring
/// while nothing changed the store.
static MEMO: Lazy<StampedMemo<Doc>> = Lazy::new(StampedMemo::new);

fn corrupt() -> AzError {
    AzError::new("SecretStoreCorrupt", Category::InvalidData, "The AzRs secret store cannot be read.")
        .with_remedy("Run Clear-AzContext to reset it, then sign in again with the service principal's secret or certificate.")
}

#[derive(Debug, Clone)]
pub struct SecretStore {
    blob: BlobStore,
}

impl SecretStore {
    /// `~/.Azure/azrs.keystore.json` (or its keyring item).
    pub fn open(env: &Env) -> AzResult<SecretStore> {
        let dir = crate::paths::profile_dir(env)?;
        Ok(Self::open_in(&dir, env, PersistenceChoice::Auto))
    }

    pub fn open_in(dir: &Path, env: &Env, choice: PersistenceChoice) -> SecretStore {
        SecretStore { blob: BlobStore::new(dir.join(KEYSTORE_FILE), env, &keystore_spec(), choice) }
    }

    pub fn persistence(&self) -> Persistence {
        self.blob.persistence()
    }

    pub fn path(&self) -> &Path {
        &self.blob.file
    }

    /// The plaintext-storage warning, once per process.
    pub fn take_warning(&self) -> Option<String> {
        self.blob.take_warning("the service principal secret")
    }

    fn read_doc(&self, bytes: Option<Vec<u8>>) -> AzResult<Doc> {
        match bytes {
            None => Ok(Doc::default()),
            Some(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(Doc::default()),
            Some(b) => serde_json::from_slice(&b).map_err(|_| corrupt()),
        }
    }

    fn modify<R>(&self, f: impl FnOnce(&mut Doc) -> R) -> AzResult<R> {
        let lock = self.blob.lock()?;
        let mut doc = self.read_doc(self.blob.read_locked(&lock)?)?;
        let before = doc.clone();
        let r = f(&mut doc);
        if doc == before {
            return Ok(r); // nothing to write (a sign-in with the secret already stored)
        }
        let bytes = serde_json::to_vec(&doc).map_err(|e| AzError::internal(format!("secret store serialization: {e}")))?;
        MEMO.forget(&self.blob.file);
        self.blob.write_locked(&lock, &bytes)?;
        MEMO.put(&self.blob.file, self.blob.stamp(), Arc::new(doc));
        Ok(r)
    }

    /// The current document: from memory while the file's stamp is unchanged, else read under the lock.
    fn current(&self) -> AzResult<Arc<Doc>> {
        if let Some(doc) = MEMO.get(&self.blob.file, self.blob.stamp()) {
            return Ok(doc);
        }
        let lock = self.blob.lock()?;
        let stamp = self.blob.stamp();
        let doc = Arc::new(self.read_doc(self.blob.read_locked(&lock)?)?);
        drop(lock);
        MEMO.put(&self.blob.file, stamp, doc.clone());
        Ok(doc)
    }

    pub fn put(&self, app_id: &str, tenant: &str, kind: SecretKind, value: &Secret) -> AzResult<()> {
        // Already stored as it is (signing in again with the same secret): no lock, no write.
        let doc = self.current()?;
        let mut same = doc.entries.iter().filter(|e| e.is(app_id, tenant, kind));
        if matches!((same.next(), same.next()), (Some(e), None) if e.value == value.expose()) {
            return Ok(());
        }
        self.modify(|doc| {
            doc.entries.retain(|e| !e.is(app_id, tenant, kind));
            doc.entries.push(Entry { name: kind.as_str().into(), app_id: app_id.into(), tenant_id: tenant.into(), value: value.expose().into() });
        })
    }

    pub fn get(&self, app_id: &str, tenant: &str, kind: SecretKind) -> AzResult<Option<Secret>> {
        let doc = self.current()?;
        Ok(doc.entries.iter().find(|e| e.is(app_id, tenant, kind)).map(|e| Secret::new(e.value.clone())))
    }

    /// `true` when something was removed.
    pub fn remove(&self, app_id: &str, tenant: &str, kind: SecretKind) -> AzResult<bool> {
        self.modify(|doc| {
            let before = doc.entries.len();
            doc.entries.retain(|e| !e.is(app_id, tenant, kind));
            before != doc.entries.len()
        })
    }

    /// Forgets every secret (Clear-AzContext); works when the store cannot be parsed.
    pub fn clear(&self) -> AzResult<()> {
        let lock = self.blob.lock()?;
        MEMO.forget(&self.blob.file);
        self.blob.write_locked(&lock, br#"{"entries":[]}"#)
    }
}
