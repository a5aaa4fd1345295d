//! File primitives every store uses: atomic owner-only writes, cross-process locks, lenient reads.
//!
//! Writes go to a temp file in the same folder, are fsynced and renamed over the target, so a
//! reader (or a process killed mid-write) only ever sees the old or the new file.

use crate::error::{AzError, AzResult, Category};
use fs4::fs_std::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn io_error(code: &str, category: Category, what: &str, path: &Path, e: &io::Error) -> AzError {
    AzError::new(code, category, format!("{what} '{}': {e}.", path.display())).with_target(path.display().to_string())
}

pub fn write_error(path: &Path, e: &io::Error) -> AzError {
    let category = if e.kind() == io::ErrorKind::PermissionDenied { Category::PermissionDenied } else { Category::WriteError };
    io_error("FileWriteFailed", category, "AzRs could not write", path, e)
        .with_remedy("Check that the folder exists, is writable by you, and that the file is not read-only or immutable. The previous file was left as it was.")
}

pub fn read_error(path: &Path, e: &io::Error) -> AzError {
    let category = if e.kind() == io::ErrorKind::PermissionDenied { Category::PermissionDenied } else { Category::ReadError };
    io_error("FileReadFailed", category, "AzRs could not read", path, e)
        .with_remedy("Check that the path is a file you can read.")
}

/// Creates `dir` (and parents) owner-only (0700 on Unix) if it does not exist.
pub fn ensure_private_dir(dir: &Path) -> AzResult<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| write_error(dir, &e))
}

/// Replaces `path` with `bytes` atomically; the file is owner-only (0600 on Unix).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> AzResult<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    ensure_private_dir(dir)?;
    if path.is_dir() {
        return Err(AzError::new(
            "PathIsDirectory",
            Category::WriteError,
            format!("AzRs cannot write '{}': a folder has that name.", path.display()),
        )
        .with_target(path.display().to_string())
        .with_remedy("Move the folder out of the way; AzRs did not touch it."));
    }
    let tmp = temp_name(path);
    let result = (|| -> io::Result<()> {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        #[cfg(unix)]
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(write_error(path, &e));
    }
    Ok(())
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{}.tmp", std::process::id(), uuid::Uuid::new_v4().simple()))
}

/// What identifies a version of a file without reading it: identity, size and times. One `stat`,
/// about a microsecond. A replace (temp + rename) always changes it (new inode); an in-place
/// rewrite changes the times (and usually the size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
    dev: u64,
}

/// The stamp of `path`; `None` when it does not exist (or cannot be stat'ed).
pub fn file_stamp(path: &Path) -> Option<FileStamp> {
    let md = fs::metadata(path).ok()?;
    let mtime_ns = md.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as i128).unwrap_or(0);
    #[cfg(unix)]
    let (ctime_ns, ino, dev) = {
        use std::os::unix::fs::MetadataExt;
        (md.ctime() as i128 * 1_000_000_000 + md.ctime_nsec() as i128, md.ino(), md.dev())
    };
    #[cfg(not(unix))]
    let (ctime_ns, ino, dev) = (0i128, 0u64, 0u64);
    Some(FileStamp { len: md.len(), mtime_ns, ctime_ns, ino, dev })
}

/// Values read from files, each kept with the stamp its file had when it was read, so a caller
/// re-reads only when one `stat` shows the file changed. Shared by the token cache, the secret
/// store and the settings file.
pub struct StampedMemo<T>(std::sync::Mutex<std::collections::HashMap<PathBuf, (Option<FileStamp>, std::sync::Arc<T>)>>);

impl<T> StampedMemo<T> {
    pub fn new() -> Self {
        StampedMemo(std::sync::Mutex::new(std::collections::HashMap::new()))
    }

    /// The value kept for `path`, if its file had `stamp` when it was read.
    pub fn get(&self, path: &Path, stamp: Option<FileStamp>) -> Option<std::sync::Arc<T>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(path).filter(|(s, _)| *s == stamp).map(|(_, v)| v.clone())
    }

    /// Keeps `value` for `path`, read when its file had `stamp` (taken before reading: a write
    /// landing after the read moves the stamp again, and the next caller re-reads).
    pub fn put(&self, path: &Path, stamp: Option<FileStamp>, value: std::sync::Arc<T>) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), (stamp, value));
    }

    pub fn forget(&self, path: &Path) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(path);
    }
}

impl<T> Default for StampedMemo<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads a text file written by AzRs or by .NET: strips a UTF-8 BOM. `Ok(None)` when it does not exist.
pub fn read_text(path: &Path) -> AzResult<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            String::from_utf8(body.to_vec()).map(Some).map_err(|_| {
                AzError::new(
                    "FileNotUtf8",
                    Category::InvalidData,
                    format!("'{}' is not UTF-8 text; AzRs left it untouched.", path.display()),
                )
                .with_target(path.display().to_string())
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) if path.is_dir() => Err(AzError::new(
            "PathIsDirectory",
            Category::ReadError,
            format!("AzRs expected a file at '{}' but found a folder ({e}).", path.display()),
        )
        .with_target(path.display().to_string())
        .with_remedy("Move the folder out of the way; AzRs did not touch it.")),
        Err(e) => Err(read_error(path, &e)),
    }
}

/// An exclusive advisory lock held on a file for as long as the guard lives (flock on Unix,
/// LockFileEx on Windows). Used both on AzRs's own `.lock` files and on files .NET locks.
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Waits up to `timeout` for the lock, retrying every 20 ms. `create` makes the file if missing.
    pub fn acquire(path: &Path, timeout: Duration) -> AzResult<FileLock> {
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir)?;
        }
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(path).map_err(|e| write_error(path, &e))?;
        let start = Instant::now();
        loop {
            match FileExt::try_lock_exclusive(&file) {
                Ok(true) => return Ok(FileLock { file, path: path.to_path_buf() }),
                Ok(false) => {}
                Err(e) if e.kind() != io::ErrorKind::WouldBlock => return Err(write_error(path, &e)),
                Err(_) => {}
            }
            if start.elapsed() >= timeout {
                return Err(AzError::new(
                    "FileLockTimeout",
                    Category::ResourceBusy,
                    format!("Could not acquire access to file '{}' within {} s: another process holds it.", path.display(), timeout.as_secs()),
                )
                .with_target(path.display().to_string())
                .with_remedy("Another PowerShell (AzRs or Az.Accounts) is saving. Try again; if it persists, find the process that holds the file."));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let leftovers: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
    }

    #[test]
    fn write_over_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        fs::create_dir(&p).unwrap();
        let e = write_atomic(&p, b"x").unwrap_err();
        assert_eq!(e.code, "PathIsDirectory");
        assert!(p.is_dir());
    }

    #[test]
    fn read_strips_bom_and_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        assert_eq!(read_text(&p).unwrap(), None);
        fs::write(&p, b"\xEF\xBB\xBF{}").unwrap();
        assert_eq!(read_text(&p).unwrap().as_deref(), Some("{}"));
    }

    #[test]
    fn lock_excludes_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.lock");
        let first = FileLock::acquire(&p, Duration::from_millis(100)).unwrap();
        let e = FileLock::acquire(&p, Duration::from_millis(100)).err().unwrap();
        assert_eq!(e.code, "FileLockTimeout");
        drop(first);
        FileLock::acquire(&p, Duration::from_millis(100)).unwrap();
    }
}
