//! Where things live on disk, from the folders PowerShell resolved (`AzRs:UserProfile`,
//! `AzRs:LocalApplicationData` in the request's env). The engine never asks the OS itself, so a
//! test (or a user) that sets `$env:HOME` in the session moves everything consistently.

use crate::error::{AzError, AzResult, Category};
use crate::request::Env;
use std::path::PathBuf;

fn folder(env: &Env, key: &str) -> AzResult<PathBuf> {
    env.get(key).map(PathBuf::from).ok_or_else(|| {
        AzError::new(
            "ProfileDirectoryUnknown",
            Category::InvalidOperation,
            format!("PowerShell did not report the {} folder, so AzRs cannot find its files.", key.trim_start_matches("AzRs:")),
        )
        .with_remedy("Set HOME (or USERPROFILE on Windows) for this session.")
    })
}

/// `~/.Azure` (capital A, as Az.Accounts): AzureRmContext.json, AzureRmContextSettings.json, PSConfig.json.
pub fn profile_dir(env: &Env) -> AzResult<PathBuf> {
    Ok(folder(env, "AzRs:UserProfile")?.join(".Azure"))
}

/// `LocalApplicationData/.IdentityService`: the MSAL token cache shared with Az.Accounts.
pub fn identity_service_dir(env: &Env) -> AzResult<PathBuf> {
    Ok(folder(env, "AzRs:LocalApplicationData")?.join(".IdentityService"))
}
