//! AzureRmContextSettings.json: autosave mode and where the context file lives (§1.5). Written
//! compact, UTF-8 without BOM, as Az's DiskDataStore does; unknown properties are kept.

use super::profile::Obj;
use crate::error::AzResult;
use crate::fsutil::{self, StampedMemo};
use crate::paths;
use crate::request::Env;
use once_cell::sync::Lazy;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const SETTINGS_FILE: &str = "AzureRmContextSettings.json";
pub const CONTEXT_FILE: &str = "AzureRmContext.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    CurrentUser,
    Process,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::CurrentUser => "CurrentUser",
            Mode::Process => "Process",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        if s.eq_ignore_ascii_case("CurrentUser") {
            Some(Mode::CurrentUser)
        } else if s.eq_ignore_ascii_case("Process") {
            Some(Mode::Process)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Mode in the file (CurrentUser when there is no file, as Az creates it).
    pub mode: Mode,
    pub context_path: PathBuf,
    pub raw: Obj,
}

pub fn settings_path(env: &Env) -> AzResult<PathBuf> {
    Ok(paths::profile_dir(env)?.join(SETTINGS_FILE))
}

/// The settings file as last read in this process, by path, with the stamp it had then.
static MEMO: Lazy<StampedMemo<Settings>> = Lazy::new(StampedMemo::new);

pub fn load(env: &Env) -> AzResult<Settings> {
    Ok((*load_shared(env)?).clone())
}

/// [`load`] without the copy; the file is re-read only when its stamp moved (one `stat` otherwise:
/// this runs on every request that reads the profile).
pub fn load_shared(env: &Env) -> AzResult<Arc<Settings>> {
    let dir = paths::profile_dir(env)?;
    let path = dir.join(SETTINGS_FILE);
    let stamp = fsutil::file_stamp(&path);
    if let Some(settings) = MEMO.get(&path, stamp) {
        return Ok(settings);
    }
    let settings = Arc::new(read(dir, &path));
    MEMO.put(&path, stamp, settings.clone());
    Ok(settings)
}

fn read(dir: PathBuf, path: &Path) -> Settings {
    // Az falls back to Process mode when the file cannot be read.
    let (raw, mode) = match fsutil::read_text(path) {
        Ok(None) => (Obj::new(), Mode::CurrentUser),
        Ok(Some(text)) => match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) {
            Ok(Value::Object(o)) => {
                let m = o.get("Mode").and_then(Value::as_str).and_then(Mode::parse).unwrap_or(Mode::CurrentUser);
                (o, m)
            }
            _ => (Obj::new(), Mode::Process),
        },
        Err(_) => (Obj::new(), Mode::Process),
    };
    let s = |k: &str| raw.get(k).and_then(Value::as_str).filter(|v| !v.is_empty()).map(str::to_string);
    let context_dir = s("ContextDirectory").map(PathBuf::from).unwrap_or(dir);
    let context_file = s("ContextFile").unwrap_or_else(|| CONTEXT_FILE.to_string());
    Settings { mode, context_path: context_dir.join(context_file), raw }
}

/// `AzContextAutoSave` (and Az's other two spellings) force the mode for the process.
pub fn env_override(env: &Env) -> Option<Mode> {
    for name in ["AzContextAutoSave", "AzureRmContextAutoSave", "Azure_Profile_Autosave"] {
        match env.get(name).map(str::to_ascii_lowercase).as_deref() {
            Some("true") => return Some(Mode::CurrentUser),
            Some("false") => return Some(Mode::Process),
            _ => {}
        }
    }
    None
}

fn cache_dir(env: &Env) -> AzResult<String> {
    // Az writes $HOME/.IdentityService on Unix (informational only), LocalAppData on Windows.
    if cfg!(windows) {
        Ok(paths::identity_service_dir(env)?.display().to_string())
    } else {
        Ok(paths::profile_dir(env)?.parent().map(|p| p.join(".IdentityService").display().to_string()).unwrap_or_default())
    }
}

/// Enable/Disable-AzContextAutosave -Scope CurrentUser: rewrites the settings file.
pub fn save_mode(env: &Env, mode: Mode) -> AzResult<Settings> {
    let current = load(env)?;
    let mut o = Obj::new();
    let (dir, file, cdir, cfile) = match mode {
        Mode::CurrentUser => {
            let dir = current.context_path.parent().map(|p| p.display().to_string()).unwrap_or_default();
            let file = current.context_path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| CONTEXT_FILE.into());
            (Value::String(dir), Value::String(file), Value::String(cache_dir(env)?), Value::String("msal.cache".into()))
        }
        Mode::Process => (Value::Null, Value::Null, Value::Null, Value::Null),
    };
    o.insert("Mode".into(), Value::String(mode.as_str().into()));
    o.insert("ContextDirectory".into(), dir);
    o.insert("ContextFile".into(), file);
    o.insert("CacheDirectory".into(), cdir);
    o.insert("CacheFile".into(), cfile);
    o.insert("Settings".into(), current.raw.get("Settings").cloned().unwrap_or(Value::Object(Obj::new())));
    for (k, v) in &current.raw {
        if !o.contains_key(k) {
            o.insert(k.clone(), v.clone());
        }
    }
    let bytes = serde_json::to_vec(&Value::Object(o)).expect("serializable");
    fsutil::write_atomic(&settings_path(env)?, &bytes)?;
    load(env)
}

/// Get-AzContextAutosaveSetting's object for a mode.
pub fn describe(env: &Env, s: &Settings, mode: Mode) -> AzResult<Value> {
    let mut o = Obj::new();
    o.insert("Mode".into(), Value::String(mode.as_str().into()));
    match mode {
        Mode::CurrentUser => {
            o.insert("ContextDirectory".into(), Value::String(s.context_path.parent().map(|p| p.display().to_string()).unwrap_or_default()));
            o.insert("ContextFile".into(), Value::String(s.context_path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()));
            o.insert("CacheDirectory".into(), Value::String(s.raw.get("CacheDirectory").and_then(Value::as_str).map(str::to_string).unwrap_or(cache_dir(env)?)));
            o.insert("CacheFile".into(), Value::String(s.raw.get("CacheFile").and_then(Value::as_str).unwrap_or("msal.cache").to_string()));
        }
        Mode::Process => {
            for k in ["ContextDirectory", "ContextFile", "CacheDirectory", "CacheFile"] {
                o.insert(k.into(), Value::String("None".into()));
            }
        }
    }
    o.insert("Settings".into(), s.raw.get("Settings").cloned().unwrap_or(Value::Object(Obj::new())));
    Ok(Value::Object(o))
}
