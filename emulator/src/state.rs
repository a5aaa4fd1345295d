//! Shared server state: the seeded world, the signing key, runtime grants (codes, device codes,
//! refresh tokens), settings the admin API can change, and the request counters.

use crate::admin::stats::Stats;
use crate::seed::Seed;
use crate::tokens::Signer;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

/// Knobs tests can turn at runtime (`POST /admin/settings`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Authorize redirects at once (login_hint user or the first seeded user); device codes are
    /// approved as soon as they are issued.
    pub auto_approve: bool,
    /// ARM list page size (nextLink paging).
    pub page_size: usize,
    /// Access-token lifetime in seconds (expires_in).
    pub token_lifetime: u64,
    pub device_code_lifetime: u64,
    pub device_code_interval: u64,
    /// Fault: device-code polls answer `slow_down` (MSAL.NET treats it as an error).
    pub slow_down: bool,
    /// Fault: refuse a client assertion whose jti was seen before (MSAL reuses assertions).
    pub reject_replayed_jti: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_approve: false,
            page_size: 50,
            token_lifetime: 3599,
            device_code_lifetime: 900,
            device_code_interval: 5,
            slow_down: false,
            reject_replayed_jti: false,
        }
    }
}

pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: String,
    pub nonce: Option<String>,
    pub user_id: String,
    pub tenant_id: String,
    pub scope: String,
    pub expires: u64,
}

#[derive(Clone, PartialEq, Debug)]
pub enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
}

pub struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    pub tenant: String,
    pub scope: String,
    pub expires: u64,
    pub status: DeviceStatus,
}

#[derive(Clone)]
pub struct RefreshRecord {
    pub user_id: String,
    pub client_id: String,
    pub family: bool,
}

pub struct AppState {
    pub world: RwLock<Seed>,
    pub signer: Signer,
    pub settings: RwLock<Settings>,
    pub codes: Mutex<HashMap<String, AuthCode>>,
    pub device_codes: Mutex<HashMap<String, DeviceCode>>,
    pub refresh_tokens: Mutex<HashMap<String, RefreshRecord>>,
    pub seen_jti: Mutex<HashSet<String>>,
    pub stats: Stats,
    pub state_dir: PathBuf,
    /// Secret App Service clients send as X-IDENTITY-HEADER.
    pub identity_header: String,
    /// Azure Arc: (key file path, its contents) of the current challenge.
    pub arc_key: Mutex<Option<(PathBuf, String)>>,
}

pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    crate::tokens::b64url(&b)
}
