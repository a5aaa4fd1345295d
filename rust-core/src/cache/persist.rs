//! Where the bytes of a cache live, per platform, as Microsoft.Identity.Client.Extensions.Msal
//! stores them for Az.Accounts:
//! - Linux: a Secret Service item (value = base64 of the bytes, content type text/plain, as
//!   libsecret's `secret_password_store_sync` in `LinuxKeyringAccessor`), and the file at the cache
//!   path is only touched as a change signal; without a Secret Service, the plaintext file (0600).
//! - macOS: a Keychain generic password (service, account) and the file touched as the signal.
//! - Windows: the file holds a DPAPI (CurrentUser) blob of the bytes.

use crate::error::{AzError, AzResult, Category};
use crate::fsutil;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Persistence {
    /// Linux Secret Service (gnome-keyring, KWallet).
    Keyring,
    /// macOS Keychain.
    Keychain,
    /// Windows DPAPI-encrypted file.
    Dpapi,
    /// Owner-only (0600) plaintext file: no secret store in this session.
    PlaintextFile,
}

/// The keyring identity of one blob: what MSAL's `WithLinuxKeyring` / `WithMacKeyChain` take.
#[derive(Debug, Clone)]
pub struct KeyringSpec {
    /// libsecret schema name, stored as the `xdg:schema` attribute (not matched on lookup:
    /// MSAL creates its schema with SECRET_SCHEMA_DONT_MATCH_NAME).
    pub schema: String,
    pub label: String,
    pub attributes: Vec<(String, String)>,
    pub keychain_service: String,
    pub keychain_account: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Backend {
    PlainFile,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Keyring { address: String, spec: KeyringSpec },
    #[cfg_attr(not(target_os = "macos"), allow(dead_code))]
    Keychain { spec: KeyringSpec },
    #[cfg_attr(not(windows), allow(dead_code))]
    Dpapi,
}

pub(crate) fn keyring_error(what: &str, e: impl std::fmt::Display) -> AzError {
    AzError::new("SecretStoreUnavailable", Category::ResourceUnavailable, format!("The secret store failed while {what}: {e}."))
        .with_remedy("Check that the keyring (Secret Service / Keychain) is running and unlocked in this session.")
}

impl Backend {
    pub fn persistence(&self) -> Persistence {
        match self {
            Backend::PlainFile => Persistence::PlaintextFile,
            Backend::Keyring { .. } => Persistence::Keyring,
            Backend::Keychain { .. } => Persistence::Keychain,
            Backend::Dpapi => Persistence::Dpapi,
        }
    }

    /// The stored bytes; `None` when nothing was ever stored.
    pub fn read(&self, file: &Path) -> AzResult<Option<Vec<u8>>> {
        match self {
            Backend::PlainFile => read_file(file),
            #[cfg(target_os = "linux")]
            Backend::Keyring { address, spec } => {
                let ss = connect(address)?;
                let attrs = lookup_attrs(spec);
                match ss.lookup(&attrs).map_err(|e| keyring_error("reading the token cache", e))? {
                    None => Ok(None),
                    Some(v) => decode_b64(&v).map(Some),
                }
            }
            #[cfg(target_os = "macos")]
            Backend::Keychain { spec } => {
                match security_framework::passwords::get_generic_password(&spec.keychain_service, &spec.keychain_account) {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if e.code() == -25300 => Ok(None), // errSecItemNotFound
                    Err(e) => Err(keyring_error("reading the Keychain", e)),
                }
            }
            #[cfg(windows)]
            Backend::Dpapi => match read_file(file)? {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(Some(v)),
                Some(v) => dpapi::unprotect(&v).map(Some),
            },
            #[allow(unreachable_patterns)]
            _ => Err(AzError::internal("secret store backend not available on this platform")),
        }
    }

    pub fn write(&self, file: &Path, bytes: &[u8]) -> AzResult<()> {
        match self {
            Backend::PlainFile => fsutil::write_atomic(file, bytes),
            #[cfg(target_os = "linux")]
            Backend::Keyring { address, spec } => {
                use base64::Engine;
                let ss = connect(address)?;
                let collection = ss.default_collection().map_err(|e| keyring_error("opening the default keyring", e))?;
                let mut attrs = lookup_attrs(spec);
                attrs.insert("xdg:schema", spec.schema.as_str());
                let value = base64::engine::general_purpose::STANDARD.encode(bytes);
                ss.store(&collection, &spec.label, &attrs, value.as_bytes(), "text/plain")
                    .map_err(|e| keyring_error("saving the token cache", e))?;
                touch(file)
            }
            #[cfg(target_os = "macos")]
            Backend::Keychain { spec } => {
                security_framework::passwords::set_generic_password(&spec.keychain_service, &spec.keychain_account, bytes)
                    .map_err(|e| keyring_error("saving to the Keychain", e))?;
                touch(file)
            }
            #[cfg(windows)]
            Backend::Dpapi => fsutil::write_atomic(file, &dpapi::protect(bytes)?),
            #[allow(unreachable_patterns)]
            _ => Err(AzError::internal("secret store backend not available on this platform")),
        }
    }

    /// Removes the stored bytes (for the keyring: the item; the signal file is touched).
    pub fn delete(&self, file: &Path) -> AzResult<()> {
        match self {
            #[cfg(target_os = "linux")]
            Backend::Keyring { address, spec } => {
                let ss = connect(address)?;
                ss.clear(&lookup_attrs(spec)).map_err(|e| keyring_error("clearing the token cache", e))?;
                touch(file)
            }
            #[cfg(target_os = "macos")]
            Backend::Keychain { spec } => {
                let _ = security_framework::passwords::delete_generic_password(&spec.keychain_service, &spec.keychain_account);
                touch(file)
            }
            _ => match fs::remove_file(file) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(fsutil::write_error(file, &e)),
            },
        }
    }
}

fn read_file(file: &Path) -> AzResult<Option<Vec<u8>>> {
    match fs::read(file) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fsutil::read_error(file, &e)),
    }
}

#[cfg(target_os = "linux")]
fn decode_b64(v: &[u8]) -> AzResult<Vec<u8>> {
    use base64::Engine;
    let text = std::str::from_utf8(v).map_err(|_| super::schema::corrupt("the keyring item is not base64 text"))?;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| super::schema::corrupt("the keyring item is not base64 text"))
}

#[cfg(target_os = "linux")]
fn lookup_attrs(spec: &KeyringSpec) -> std::collections::HashMap<&str, &str> {
    spec.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[cfg(target_os = "linux")]
fn connect(address: &str) -> AzResult<super::secret_service::SecretService> {
    super::secret_service::SecretService::connect(address, std::time::Duration::from_secs(10))
        .map_err(|e| keyring_error("connecting", e))
}

/// Updates the mtime of the signal file (creating it empty, owner-only), as MSAL's `TouchFile`.
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn touch(file: &Path) -> AzResult<()> {
    if let Some(dir) = file.parent() {
        fsutil::ensure_private_dir(dir)?;
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(file).map_err(|e| fsutil::write_error(file, &e))?;
    f.set_modified(std::time::SystemTime::now()).map_err(|e| fsutil::write_error(file, &e))?;
    Ok(())
}

/// The session's D-Bus address, from the request env (never the process env): the variable, or
/// the systemd user bus socket under `XDG_RUNTIME_DIR`.
pub fn dbus_address(env: &crate::request::Env) -> Option<String> {
    if let Some(a) = env.get("DBUS_SESSION_BUS_ADDRESS") {
        return Some(a.to_string());
    }
    let dir = env.get("XDG_RUNTIME_DIR")?;
    let sock = PathBuf::from(dir).join("bus");
    if sock.exists() {
        return Some(format!("unix:path={}", sock.display()));
    }
    None
}

/// Whether a usable Secret Service (reachable, default collection, unlocked or unlockable
/// without a prompt) is at `address`. Az runs MSAL's VerifyPersistence for the same decision.
#[cfg(target_os = "linux")]
pub fn probe_keyring(address: &str) -> Result<(), String> {
    let ss = super::secret_service::SecretService::connect(address, std::time::Duration::from_secs(3)).map_err(|e| e.0)?;
    let col = ss.default_collection().map_err(|e| e.0)?;
    ss.unlock(&[col]).map_err(|e| e.0)
}

#[cfg(windows)]
mod dpapi {
    //! DPAPI, CurrentUser scope, no entropy: what `ProtectedData.Protect(data, null,
    //! DataProtectionScope.CurrentUser)` in MSAL.NET's DpApiEncryptedFileAccessor produces.
    //! Not exercised by the Linux CI; built only on Windows.
    use crate::error::{AzError, AzResult, Category};
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Cryptography::{CryptProtectData, CryptUnprotectData, CRYPTPROTECT_UI_FORBIDDEN, CRYPT_INTEGER_BLOB};

    fn fail(what: &str) -> AzError {
        AzError::new("TokenCacheDecryptFailed", Category::SecurityError, format!("Windows DPAPI could not {what} the token cache."))
            .with_remedy("The cache may belong to another Windows user; run Clear-AzContext and sign in again.")
    }

    pub fn protect(data: &[u8]) -> AzResult<Vec<u8>> {
        run(data, true)
    }

    pub fn unprotect(data: &[u8]) -> AzResult<Vec<u8>> {
        run(data, false)
    }

    fn run(data: &[u8], protect: bool) -> AzResult<Vec<u8>> {
        let input = CRYPT_INTEGER_BLOB { cbData: data.len() as u32, pbData: data.as_ptr() as *mut u8 };
        let mut out = CRYPT_INTEGER_BLOB { cbData: 0, pbData: std::ptr::null_mut() };
        // SAFETY: input points to `data` for the call; out is allocated by DPAPI and freed below.
        let ok = unsafe {
            if protect {
                CryptProtectData(&input, std::ptr::null(), std::ptr::null(), std::ptr::null(), std::ptr::null(), CRYPTPROTECT_UI_FORBIDDEN, &mut out)
            } else {
                CryptUnprotectData(&input, std::ptr::null_mut(), std::ptr::null(), std::ptr::null(), std::ptr::null(), CRYPTPROTECT_UI_FORBIDDEN, &mut out)
            }
        };
        if ok == 0 {
            return Err(fail(if protect { "encrypt" } else { "decrypt" }));
        }
        // SAFETY: DPAPI returned cbData bytes at pbData.
        let v = unsafe { std::slice::from_raw_parts(out.pbData, out.cbData as usize).to_vec() };
        unsafe { LocalFree(out.pbData as _) };
        Ok(v)
    }
}
