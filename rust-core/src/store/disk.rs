//! AzureRmContext.json on disk: a parsed-profile cache keyed by the file's identity, and the
//! locked read-modify-write every CurrentUser change goes through.
//!
//! Locking: AzRs takes its own lock file (`AzureRmContext.json.lock`, so AzRs processes queue
//! fairly even while the file does not exist) and then an exclusive flock on AzureRmContext.json
//! itself, which is what .NET's `FileShare.None` becomes on Linux/macOS, so a running Az.Accounts
//! waits for us and we wait for it. The new file is renamed into place, so after getting the
//! flock we check that the locked inode is still the one at the path (a writer before us may
//! have renamed a new file over it) and retry if not.
//!
//! Remaining race with Az.Accounts (documented in README): Az opens the path, then locks. If Az
//! opens the old inode just before our rename and locks it just after we unlock, Az writes into
//! the orphaned old inode and that one change of Az's is lost (the file stays valid). AzRs never
//! loses a write to another AzRs process.

use super::profile::Profile;
use crate::error::{AzError, AzResult, Category};
use crate::fsutil::{self, FileLock};
use fs4::fs_std::FileExt;
use once_cell::sync::Lazy;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Az.Accounts retries 30 x 500 ms.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileKey {
    dev: u64,
    ino: u64,
    mtime_ns: i128,
    size: u64,
}

fn key_of(meta: &fs::Metadata) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        FileKey { dev: meta.dev(), ino: meta.ino(), mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128, size: meta.size() }
    }
    #[cfg(not(unix))]
    {
        let mtime_ns = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as i128).unwrap_or(0);
        FileKey { dev: 0, ino: 0, mtime_ns, size: meta.len() }
    }
}

struct Cached {
    path: PathBuf,
    key: FileKey,
    profile: Profile,
}

/// The last profile parsed from (or written to) disk; a 3 MB file takes ~20 ms to parse, a stat ~5 µs.
static CACHE: Lazy<Mutex<Option<Cached>>> = Lazy::new(|| Mutex::new(None));

pub fn corrupt(path: &Path, why: &str) -> AzError {
    AzError::new("ContextFileCorrupt", Category::InvalidData,
        format!("The context file '{}' could not be read ({why}). AzRs left it untouched.", path.display()))
        .with_target(path.display().to_string())
        .with_remedy("Fix or move the file (Az.Accounts would silently start with an empty profile here); 'Import-AzContext' can load a saved copy.")
}

fn not_a_file(path: &Path) -> AzError {
    AzError::new("PathIsDirectory", Category::ReadError, format!("AzRs expected the context file at '{}' but found a folder.", path.display()))
        .with_target(path.display().to_string())
        .with_remedy("Move the folder out of the way; AzRs did not touch it.")
}

fn stat(path: &Path) -> AzResult<Option<fs::Metadata>> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(not_a_file(path)),
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fsutil::read_error(path, &e)),
    }
}

fn parse_file(path: &Path) -> AzResult<Option<Profile>> {
    let Some(text) = fsutil::read_text(path).map_err(|e| if e.code == "FileNotUtf8" { corrupt(path, "it is not UTF-8 text") } else { e })? else {
        return Ok(None);
    };
    Profile::parse(&text).map(Some).map_err(|e| corrupt(path, &e.0))
}

/// The profile in the file (`None` if there is no file), parsed at most once per file version.
pub fn read(path: &Path) -> AzResult<Option<Profile>> {
    let Some(meta) = stat(path)? else { return Ok(None) };
    let key = key_of(&meta);
    {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| c.path == path && c.key == key) {
            return Ok(Some(c.profile.clone()));
        }
    }
    let p = parse_file(path)?;
    if let Some(p) = &p {
        // Re-stat: only cache if the file did not change while we read it.
        if let Ok(Some(m2)) = stat(path) {
            if key_of(&m2) == key {
                *CACHE.lock().unwrap_or_else(|e| e.into_inner()) = Some(Cached { path: path.to_path_buf(), key, profile: p.clone() });
            }
        }
    }
    Ok(p)
}

/// Both locks, held while the guard lives.
pub struct WriteLock {
    _own: FileLock,
    _file: Option<File>,
}

pub fn lock_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{name}.lock"))
}

fn timeout(path: &Path) -> AzError {
    AzError::new("FileLockTimeout", Category::ResourceBusy,
        format!("Could not acquire access to file '{}' within {} s: another process holds it.", path.display(), LOCK_TIMEOUT.as_secs()))
        .with_target(path.display().to_string())
        .with_remedy("Another PowerShell (AzRs or Az.Accounts) is saving contexts. Try again; if it persists, find the process that holds the file.")
}

pub fn lock(path: &Path) -> AzResult<WriteLock> {
    let start = Instant::now();
    let own = FileLock::acquire(&lock_path(path), LOCK_TIMEOUT)?;
    loop {
        if stat(path)?.is_none() {
            return Ok(WriteLock { _own: own, _file: None });
        }
        // Read-write when allowed; a read-only or immutable file can still be flocked read-only.
        let file = OpenOptions::new().read(true).write(true).open(path).or_else(|_| File::open(path));
        let file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(fsutil::read_error(path, &e)),
        };
        if let Ok(true) = FileExt::try_lock_exclusive(&file) {
            let same = match (file.metadata(), fs::metadata(path)) {
                (Ok(a), Ok(b)) => key_of(&a).ino == key_of(&b).ino && key_of(&a).dev == key_of(&b).dev,
                _ => false,
            };
            if same {
                return Ok(WriteLock { _own: own, _file: Some(file) });
            }
            let _ = FileExt::unlock(&file);
            continue; // renamed under us: lock the new file
        }
        if start.elapsed() >= LOCK_TIMEOUT {
            return Err(timeout(path));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_only(path: &Path) -> AzError {
    AzError::new("ContextFileReadOnly", Category::PermissionDenied,
        format!("The context file '{}' is read-only; AzRs did not change it.", path.display()))
        .with_target(path.display().to_string())
        .with_remedy("Make the file writable, or use -Scope Process to change only this session.")
}

/// Temp files of a writer that was killed mid-save (`.AzureRmContext.json.<pid>.<id>.tmp`). Only
/// called under the lock: every writer of this file holds it while its temp file exists, so any
/// temp file seen then is stale.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return };
    let prefix = format!(".{}.", name.to_string_lossy());
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if n.starts_with(&prefix) && n.ends_with(".tmp") {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// Locked read-modify-write: reads the current file, applies `f`, writes the result atomically
/// (temp + fsync + rename, 0600, UTF-8 BOM) when it changed. A file that cannot be parsed is an
/// error and is never replaced.
/// `f` returns its result and whether it changed the profile.
pub fn modify<T>(path: &Path, f: impl FnOnce(&mut Profile) -> AzResult<(T, bool)>) -> AzResult<T> {
    let _guard = lock(path)?;
    remove_stale_temps(path);
    let meta = stat(path)?;
    if let Some(m) = &meta {
        if m.permissions().readonly() {
            return Err(read_only(path));
        }
    }
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    // Take the cached copy when it is this file's current version (no clone, no parse).
    let cached = match (cache.take(), &meta) {
        (Some(c), Some(m)) if c.path == path && c.key == key_of(m) => Some(c.profile),
        _ => None,
    };
    let mut profile = match cached {
        Some(p) => p,
        None => parse_file(path)?.unwrap_or_else(Profile::empty),
    };
    let (out, changed) = f(&mut profile)?;
    if meta.is_some() && !changed {
        if let Some(m) = &meta {
            *cache = Some(Cached { path: path.to_path_buf(), key: key_of(m), profile });
        }
        return Ok(out);
    }
    fsutil::write_atomic(path, &profile.to_bytes())?;
    if let Ok(m) = fs::metadata(path) {
        *cache = Some(Cached { path: path.to_path_buf(), key: key_of(&m), profile });
    }
    Ok(out)
}

/// Writes a whole profile to `path` (Save-AzContext), under the same locks.
pub fn write_profile(path: &Path, profile: &Profile) -> AzResult<()> {
    let _guard = lock(path)?;
    remove_stale_temps(path);
    if let Some(m) = stat(path)? {
        if m.permissions().readonly() {
            return Err(read_only(path));
        }
    }
    fsutil::write_atomic(path, &profile.to_bytes())
}

/// Forget the cached parse (tests).
pub fn clear_cache() {
    *CACHE.lock().unwrap_or_else(|e| e.into_inner()) = None;
}
