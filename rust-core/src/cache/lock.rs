//! MSAL's cross-process lock (`CrossPlatLock` in Microsoft.Identity.Client.Extensions.Msal,
//! the same protocol as msal-extensions for Python): a `<cache file>.lockfile` next to the cache,
//! opened OpenOrCreate and held exclusively while the cache is read-modified-written, then deleted
//! on close (`FileOptions.DeleteOnClose`). On Unix .NET turns `FileShare.None` into
//! `flock(LOCK_EX|LOCK_NB)`, so taking `flock` on the same path excludes MSAL.NET (Az.Accounts) and
//! AzRs from each other. The holder writes `"{pid} {process name}"` into it, as MSAL does.
//! MSAL retries every 100 ms for up to 60 s.
//!
//! MSAL deletes the file on close, so a waiter can end up holding a lock on a file that is no
//! longer at the path; after locking we check the path still names the inode we locked and retry
//! otherwise (MSAL does not, which only makes it less strict, not incompatible).

use crate::error::{AzError, AzResult, Category};
use crate::fsutil;
use fs4::fs_std::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const RETRY_DELAY: Duration = Duration::from_millis(100);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

pub struct MsalLock {
    file: Option<File>,
    path: PathBuf,
}

impl MsalLock {
    pub fn lockfile_for(cache_file: &Path) -> PathBuf {
        let mut s = cache_file.as_os_str().to_os_string();
        s.push(".lockfile");
        PathBuf::from(s)
    }

    /// Takes the lock of `cache_file`, waiting up to `timeout`.
    pub fn acquire(cache_file: &Path, timeout: Duration) -> AzResult<MsalLock> {
        let path = Self::lockfile_for(cache_file);
        if let Some(dir) = path.parent() {
            fsutil::ensure_private_dir(dir)?;
        }
        let start = Instant::now();
        loop {
            match Self::try_once(&path) {
                Ok(Some(lock)) => return Ok(lock),
                Ok(None) => {}
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    // .NET gets UnauthorizedAccess while another process deletes the file; retried too.
                    if start.elapsed() >= timeout {
                        return Err(fsutil::write_error(&path, &e));
                    }
                }
                Err(e) => return Err(fsutil::write_error(&path, &e)),
            }
            if start.elapsed() >= timeout {
                return Err(AzError::new(
                    "TokenCacheLockTimeout",
                    Category::ResourceBusy,
                    format!("The token cache lock '{}' was held by another process for more than {} s.", path.display(), timeout.as_secs()),
                )
                .with_target(path.display().to_string())
                .with_remedy("Another PowerShell (AzRs or Az.Accounts) is using the token cache. Try again; if it persists, the process named in the lock file may be stuck."));
            }
            std::thread::sleep(RETRY_DELAY);
        }
    }

    fn try_once(path: &Path) -> io::Result<Option<MsalLock>> {
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path)?;
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        }
        if !same_file(&file, path) {
            return Ok(None); // the previous holder deleted it after we opened it
        }
        static OWNER: once_cell::sync::Lazy<String> = once_cell::sync::Lazy::new(|| {
            let name = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())).unwrap_or_default();
            format!("{} {}\n", std::process::id(), name)
        });
        let _ = file.set_len(0);
        let _ = file.write_all(OWNER.as_bytes());
        Ok(Some(MsalLock { file: Some(file), path: path.to_path_buf() }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for MsalLock {
    fn drop(&mut self) {
        // Delete while still holding the lock (DeleteOnClose semantics), then release.
        let _ = fs::remove_file(&self.path);
        if let Some(f) = self.file.take() {
            let _ = FileExt::unlock(&f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_writes_owner_and_is_deleted_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("msal.cache.cae");
        let lf = MsalLock::lockfile_for(&cache);
        assert_eq!(lf.file_name().unwrap(), "msal.cache.cae.lockfile");
        let first = MsalLock::acquire(&cache, Duration::from_millis(200)).unwrap();
        let text = fs::read_to_string(&lf).unwrap();
        assert!(text.starts_with(&format!("{} ", std::process::id())), "{text}");
        let t = Instant::now();
        let e = MsalLock::acquire(&cache, Duration::from_millis(300)).err().unwrap();
        assert_eq!(e.code, "TokenCacheLockTimeout");
        assert!(t.elapsed() >= Duration::from_millis(300));
        drop(first);
        assert!(!lf.exists(), "lock file is deleted on release, as MSAL's DeleteOnClose");
        let again = MsalLock::acquire(&cache, Duration::from_millis(200)).unwrap();
        drop(again);
    }

    #[test]
    fn waiter_gets_the_lock_when_holder_releases() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("c");
        let first = MsalLock::acquire(&cache, Duration::from_millis(200)).unwrap();
        let c2 = cache.clone();
        let h = std::thread::spawn(move || MsalLock::acquire(&c2, Duration::from_secs(5)).map(|_| Instant::now()));
        std::thread::sleep(Duration::from_millis(250));
        let released = Instant::now();
        drop(first);
        let got = h.join().unwrap().unwrap();
        assert!(got >= released);
    }
}
