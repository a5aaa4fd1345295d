//! The warm `auth.token` path (Get-AzAccessToken's cache hit) keeps what it derived (the signed-in
//! context, the parsed environment block, the settings file, the token lookup) only while it still
//! holds: changes by this process, by another process writing the shared cache, a removed cache
//! and another profile folder are all seen on the next call. One test: the session is per process.

use azrs::auth::session::{self, Account, Kind};
use azrs::auth::Token;
use azrs::ffi::*;
use azrs::request::Env;
use azrs::store;
use serde_json::{json, Value};
use std::path::Path;

const TENANT: &str = "00000000-0000-0000-0000-0000000000a1";
const AUTHORITY: &str = "https://login.microsoftonline.com/";
const ARM_SCOPE: &str = "https://management.core.windows.net//.default";

fn block(home: &Path) -> Vec<u8> {
    let h = home.display().to_string();
    let local = home.join(".local/share").display().to_string();
    format!("PATH\0HOME\0AzRs:UserProfile\0AzRs:LocalApplicationData\0AzRs:Interactive\0\0/usr/bin\0{h}\0{h}\0{local}\0false").into_bytes()
}

fn token_call(block: &[u8]) -> (i32, Value) {
    let req = br#"{"op":"auth.token","args":{"compact":true}}"#;
    let (mut out, mut len) = (std::ptr::null_mut::<u8>(), 0usize);
    let rc = unsafe { azrs_call(req.as_ptr(), req.len(), block.as_ptr(), block.len(), &mut out, &mut len) };
    let bytes = unsafe { std::slice::from_raw_parts(out, len) }.to_vec();
    unsafe { azrs_buffer_free(out, len) };
    (rc, serde_json::from_slice(&bytes).unwrap())
}

fn token_of(block: &[u8]) -> String {
    let (rc, v) = token_call(block);
    assert_eq!(rc, AZRS_OK, "{v}");
    v.as_str().unwrap().split('\n').next().unwrap().to_string()
}

fn sign_in(env: &Env, app: &str, secret_token: &str) -> String {
    let account = store::new_account(app, "ServicePrincipal", &[("Tenants", TENANT.to_string())]);
    let context = store::new_context(Some(account), Some(store::new_tenant(TENANT, true, &[])), None, azrs::cloud::builtin("AzureCloud"));
    let key = store::add_context(env, Some(store::Scope::Process), None, context, true).unwrap();
    let account = Account { id: app.into(), kind: Kind::ServicePrincipal, home_account_id: None, certificate_thumbprint: None, certificate_path: None, send_chain: false, mi_selector: None };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let token = Token { access_token: secret_token.into(), expires_on: now + 3600, scope: ARM_SCOPE.into(), tenant_id: TENANT.into(), user_id: app.into(), ..Default::default() };
    session::save_token(env, AUTHORITY, &account, ARM_SCOPE, &token).unwrap();
    // On disk before the "other process" below touches the file (as Connect-AzAccount returns).
    session::flush_tokens(env).unwrap();
    key
}

/// Replaces the secret of every access token in the cache file in place, as another process
/// (MSAL.NET) rewriting the shared cache would.
fn rewrite_secrets(cache: &Path, secret: &str) {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(cache).unwrap()).unwrap();
    for (_, at) in doc["AccessToken"].as_object_mut().unwrap() {
        at["secret"] = json!(secret);
    }
    std::fs::write(cache, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn warm_token_follows_every_change() {
    let home = tempfile::tempdir().unwrap();
    let b = block(home.path());
    let env = Env::from_block(&b).unwrap();
    let cache = home.path().join(".local/share/.IdentityService/msal.cache.cae");

    let first = sign_in(&env, "00000000-0000-0000-0000-0000000000c1", "AT-ONE");
    assert_eq!(token_of(&b), "AT-ONE");
    assert_eq!(token_of(&b), "AT-ONE", "warm");

    // Another process writes the shared cache: the next hit serves its token.
    rewrite_secrets(&cache, "AT-FROM-ANOTHER-PROCESS");
    assert_eq!(token_of(&b), "AT-FROM-ANOTHER-PROCESS");

    // Another default context in this session: its account's token.
    let second = sign_in(&env, "00000000-0000-0000-0000-0000000000c2", "AT-TWO");
    assert_ne!(first, second);
    assert_eq!(token_of(&b), "AT-TWO");
    store::apply(&env, Some(store::Scope::Process), &store::Change::Select { name: first.clone(), snapshot: None }).unwrap();
    assert_eq!(token_of(&b), "AT-FROM-ANOTHER-PROCESS", "Select-AzContext is seen");

    // The cache removed by another process (MSAL's Clear deletes the file): nothing stale is
    // served; without a stored secret the call fails as for an empty cache.
    std::fs::remove_file(&cache).unwrap();
    let (rc, v) = token_call(&b);
    assert_eq!(rc, AZRS_ERROR, "{v}");
    assert_eq!(v["code"], "InteractionRequired");

    // Emptied in place (Az's Clear-AzContext from another process): no token either.
    sign_in(&env, "00000000-0000-0000-0000-0000000000c1", "AT-THREE");
    assert_eq!(token_of(&b), "AT-THREE");
    std::fs::write(&cache, br#"{"AccessToken":{},"RefreshToken":{},"IdToken":{},"Account":{},"AppMetadata":{}}"#).unwrap();
    assert_eq!(token_call(&b).0, AZRS_ERROR);

    // Another profile folder (HOME changed in the session): a new session, not signed in there.
    let other = tempfile::tempdir().unwrap();
    let (rc, v) = token_call(&block(other.path()));
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("NotSignedIn")), "{v}");
    // And back: the profile is read again (Process-scope contexts are gone with the reload).
    let (rc, v) = token_call(&b);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("NotSignedIn")), "{v}");

    // The settings file moves the context file: seen on the next call.
    sign_in(&env, "00000000-0000-0000-0000-0000000000c1", "AT-FOUR");
    assert_eq!(token_of(&b), "AT-FOUR");
    let elsewhere = home.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let settings = json!({"Mode": "CurrentUser", "ContextDirectory": elsewhere.display().to_string(), "ContextFile": "AzureRmContext.json"});
    std::fs::create_dir_all(home.path().join(".Azure")).unwrap();
    std::fs::write(home.path().join(".Azure/AzureRmContextSettings.json"), settings.to_string()).unwrap();
    let (rc, v) = token_call(&b);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("NotSignedIn")), "{v}");
}
