//! A persisted blob (token cache or secret store) with MSAL's lock, backend choice and an
//! in-process memory view that is re-read only when the change signal moved.

use super::lock::{self, MsalLock};
use super::persist::{self, Backend, KeyringSpec, Persistence};
use crate::error::AzResult;
use crate::request::Env;
use once_cell::sync::Lazy;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// What identifies a version of the persisted blob without reading it: the stamp of the signal
/// file (the data file itself, or the file MSAL touches after writing the keyring).
pub(crate) type Stamp = crate::fsutil::FileStamp;

pub(crate) fn stamp(file: &Path) -> Option<Stamp> {
    crate::fsutil::file_stamp(file)
}

/// One decision per (process, bus address): probing the Secret Service costs a D-Bus round trip.
static KEYRING_PROBES: Lazy<Mutex<HashMap<String, Result<(), String>>>> = Lazy::new(|| Mutex::new(HashMap::new()));
/// Plaintext warnings already returned in this process (one per file).
static WARNED: Lazy<Mutex<HashSet<PathBuf>>> = Lazy::new(|| Mutex::new(HashSet::new()));

/// How to choose the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistenceChoice {
    /// The platform's secret store when usable, else the owner-only plaintext file (Az's behaviour).
    Auto,
    /// Always the plaintext file (tests; `AzRs` never picks this silently).
    PlaintextFile,
}

pub(crate) fn choose_backend(env: &Env, spec: &KeyringSpec, choice: PersistenceChoice) -> (Backend, Option<String>) {
    if choice == PersistenceChoice::PlaintextFile {
        return (Backend::PlainFile, Some("plaintext persistence was requested".into()));
    }
    #[cfg(target_os = "linux")]
    {
        let Some(address) = persist::dbus_address(env) else {
            return (Backend::PlainFile, Some("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".into()));
        };
        let probe = {
            let mut probes = KEYRING_PROBES.lock().unwrap_or_else(|p| p.into_inner());
            probes.entry(address.clone()).or_insert_with(|| persist::probe_keyring(&address)).clone()
        };
        match probe {
            Ok(()) => (Backend::Keyring { address, spec: spec.clone() }, None),
            Err(why) => (Backend::PlainFile, Some(why)),
        }
    }
    #[cfg(target_os = "macos")]
    {
        let _ = env;
        (Backend::Keychain { spec: spec.clone() }, None)
    }
    #[cfg(windows)]
    {
        let _ = (env, spec);
        (Backend::Dpapi, None)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        let _ = (env, spec);
        (Backend::PlainFile, Some("no secret store is supported on this platform".into()))
    }
}

/// A blob at `file`, guarded by MSAL's `<file>.lockfile`.
#[derive(Debug, Clone)]
pub(crate) struct BlobStore {
    pub file: PathBuf,
    pub backend: Backend,
    /// Why the plaintext file is used (None when a secret store is).
    pub plaintext_reason: Option<String>,
    pub lock_timeout: Duration,
}

impl BlobStore {
    pub fn new(file: PathBuf, env: &Env, spec: &KeyringSpec, choice: PersistenceChoice) -> BlobStore {
        let (backend, plaintext_reason) = choose_backend(env, spec, choice);
        BlobStore { file, backend, plaintext_reason, lock_timeout: lock::DEFAULT_TIMEOUT }
    }

    pub fn persistence(&self) -> Persistence {
        self.backend.persistence()
    }

    pub fn lock(&self) -> AzResult<MsalLock> {
        MsalLock::acquire(&self.file, self.lock_timeout)
    }

    /// Reads under a lock the caller holds.
    pub fn read_locked(&self, _lock: &MsalLock) -> AzResult<Option<Vec<u8>>> {
        self.backend.read(&self.file)
    }

    pub fn write_locked(&self, _lock: &MsalLock, bytes: &[u8]) -> AzResult<()> {
        self.backend.write(&self.file, bytes)
    }

    pub fn delete_locked(&self, _lock: &MsalLock) -> AzResult<()> {
        self.backend.delete(&self.file)
    }

    pub fn stamp(&self) -> Option<Stamp> {
        stamp(&self.file)
    }

    /// The plaintext warning, the first time it is asked for in this process for this file.
    pub fn take_warning(&self, what: &str) -> Option<String> {
        let reason = self.plaintext_reason.as_ref()?;
        if self.persistence() != Persistence::PlaintextFile {
            return None;
        }
        let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
        if !warned.insert(self.file.clone()) {
            return None;
        }
        Some(format!(
            "No secret store is available in this session ({reason}), so {what} is stored unencrypted in '{}', readable only by you. Az.Accounts does the same on this system.",
            self.file.display()
        ))
    }
}
