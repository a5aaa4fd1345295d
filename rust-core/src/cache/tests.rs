use super::*;
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;

const OID: &str = "22222222-2222-2222-2222-222222222222";
const TID: &str = "11111111-1111-1111-1111-111111111111";
const ARM: &str = "https://management.core.windows.net//.default";

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn id_token() -> String {
    format!(
        "{}.{}.",
        b64(&json!({"alg": "none"})),
        b64(&json!({"oid": OID, "tid": TID, "preferred_username": "alice@contoso.test", "name": "Alice", "exp": 4000000000u64}))
    )
}

fn response(at: &str, rt: &str, foci: bool) -> TokenResponse {
    serde_json::from_value(json!({
        "token_type": "Bearer",
        "scope": "https://management.core.windows.net//user_impersonation https://management.core.windows.net//.default",
        "expires_in": 3599, "ext_expires_in": "3599",
        "access_token": at, "refresh_token": rt, "id_token": id_token(),
        "client_info": b64(&json!({"uid": OID, "utid": TID})),
        "foci": if foci { json!("1") } else { Value::Null },
    }))
    .unwrap()
}

fn req(now: i64) -> TokenRequestInfo<'static> {
    TokenRequestInfo {
        client_id: AZ_POWERSHELL_CLIENT_ID,
        authority_host: "login.microsoftonline.com",
        authority_tenant: "organizations",
        requested_scopes: &[ARM],
        now,
    }
}

fn home() -> String {
    format!("{OID}.{TID}")
}

fn query<'a>(home: &'a str, scopes: &'a [&'a str]) -> AccessTokenQuery<'a> {
    AccessTokenQuery {
        home_account_id: Some(home),
        client_id: AZ_POWERSHELL_CLIENT_ID,
        environment: "login.microsoftonline.com",
        realm: TID,
        scopes,
        min_validity: DEFAULT_MIN_VALIDITY,
    }
}

/// The document MSAL.NET 4.92 wrote for the same response (captured from the interop harness;
/// secrets and timestamps as in `response`/`req(1796060472)`).
fn msal_net_written(now: i64) -> Value {
    let ci = b64(&json!({"uid": OID, "utid": TID}));
    let h = home();
    let target = "https://management.core.windows.net//.default https://management.core.windows.net//user_impersonation";
    json!({
      "AccessToken": { format!("{h}-login.windows.net-accesstoken-{AZ_POWERSHELL_CLIENT_ID}-{TID}-{target}"): {
        "home_account_id": h, "environment": "login.windows.net", "client_info": ci, "client_id": AZ_POWERSHELL_CLIENT_ID,
        "secret": "AT1", "credential_type": "AccessToken", "realm": TID, "target": target,
        "cached_at": now.to_string(), "expires_on": (now + 3599).to_string(), "extended_expires_on": (now + 3599).to_string(),
        "ext_expires_on": (now + 3599).to_string() }},
      "RefreshToken": { format!("{h}-login.windows.net-refreshtoken-1--"): {
        "home_account_id": h, "environment": "login.windows.net", "client_info": ci, "client_id": AZ_POWERSHELL_CLIENT_ID,
        "secret": "RT1", "credential_type": "RefreshToken", "family_id": "1" }},
      "IdToken": { format!("{h}-login.windows.net-idtoken-{AZ_POWERSHELL_CLIENT_ID}-{TID}-"): {
        "home_account_id": h, "environment": "login.windows.net", "client_info": ci, "client_id": AZ_POWERSHELL_CLIENT_ID,
        "secret": id_token(), "credential_type": "IdToken", "realm": TID }},
      "Account": { format!("{h}-login.windows.net-{TID}"): {
        "home_account_id": h, "environment": "login.windows.net", "client_info": ci, "username": "alice@contoso.test",
        "name": "Alice", "local_account_id": OID, "authority_type": "MSSTS", "realm": TID }},
      "AppMetadata": { format!("appmetadata-login.windows.net-{AZ_POWERSHELL_CLIENT_ID}"): {
        "environment": "login.windows.net", "client_id": AZ_POWERSHELL_CLIENT_ID, "family_id": "1" }}
    })
}

#[test]
fn write_matches_msal_net_document_exactly() {
    let now = 1796060472;
    let mut c = TokenCache::empty();
    let w = c.write_token_response(&req(now), &response("AT1", "RT1", true)).unwrap();
    assert_eq!(w.home_account_id.as_deref(), Some(home().as_str()));
    assert_eq!(w.environment, "login.windows.net");
    assert_eq!(w.realm, TID);
    assert_eq!(w.username.as_deref(), Some("alice@contoso.test"));
    let ours: Value = serde_json::from_slice(&c.to_bytes()).unwrap();
    let theirs = msal_net_written(now);
    assert_eq!(ours, theirs);
    // Field order too (MSAL.NET's order), checked on the access token entry.
    let at = ours["AccessToken"].as_object().unwrap().values().next().unwrap().as_object().unwrap();
    let keys: Vec<&str> = at.keys().map(String::as_str).collect();
    assert_eq!(keys, ["home_account_id", "environment", "client_info", "client_id", "secret", "credential_type", "realm", "target", "cached_at", "expires_on", "extended_expires_on", "ext_expires_on"]);
}

#[test]
fn finds_access_token_by_alias_realm_scope_and_expiry() {
    let now = 1_800_000_000;
    let mut c = TokenCache::empty();
    c.write_token_response(&req(now), &response("AT1", "RT1", true)).unwrap();
    let h = home();
    let at = c.find_access_token(&query(&h, &[ARM]), now).unwrap();
    assert_eq!(at.secret.expose(), "AT1");
    assert_eq!(at.expires_on, now + 3599);
    // Scope matching is a case-insensitive subset.
    assert!(c.find_access_token(&query(&h, &["HTTPS://management.core.windows.net//USER_IMPERSONATION"]), now).is_some());
    assert!(c.find_access_token(&query(&h, &["https://graph.microsoft.com/.default"]), now).is_none());
    // Any alias of the authority host; organizations matches the home tenant; other tenants do not.
    let mut q = query(&h, &[ARM]);
    q.environment = "login.windows.net";
    assert!(c.find_access_token(&q, now).is_some());
    q.environment = "login.microsoftonline.us";
    assert!(c.find_access_token(&q, now).is_none());
    let mut q = query(&h, &[ARM]);
    q.realm = "organizations";
    assert!(c.find_access_token(&q, now).is_some());
    q.realm = "33333333-3333-3333-3333-333333333333";
    assert!(c.find_access_token(&q, now).is_none());
    // Wrong account / client.
    assert!(c.find_access_token(&query("x.y", &[ARM]), now).is_none());
    let mut q = query(&h, &[ARM]);
    q.client_id = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
    assert!(c.find_access_token(&q, now).is_none());
    // Less than 5 minutes left: not served; just over: served.
    assert!(c.find_access_token(&query(&h, &[ARM]), now + 3599 - 300).is_none());
    assert!(c.find_access_token(&query(&h, &[ARM]), now + 3599 - 301).is_some());
    let mut q = query(&h, &[ARM]);
    q.min_validity = Duration::ZERO;
    assert!(c.find_access_token(&q, now + 3599 - 300).is_some());
}

#[test]
fn new_token_replaces_overlapping_one_and_keeps_others() {
    let now = 1_800_000_000;
    let mut c = TokenCache::empty();
    c.write_token_response(&req(now), &response("AT1", "RT1", true)).unwrap();
    let mut graph = response("GRAPH", "RT2", true);
    graph.scope = Some("https://graph.microsoft.com/.default".into());
    c.write_token_response(&req(now), &graph).unwrap();
    c.write_token_response(&req(now + 10), &response("AT2", "RT3", true)).unwrap();
    assert_eq!(c.counts()["AccessToken"], json!(2));
    let h = home();
    assert_eq!(c.find_access_token(&query(&h, &[ARM]), now).unwrap().secret.expose(), "AT2");
    assert_eq!(c.find_access_token(&query(&h, &["https://graph.microsoft.com/.default"]), now).unwrap().secret.expose(), "GRAPH");
    // One family refresh token, the newest.
    assert_eq!(c.counts()["RefreshToken"], json!(1));
    assert_eq!(c.find_refresh_token(&h, "login.microsoftonline.com", AZ_POWERSHELL_CLIENT_ID, true).unwrap().secret.expose(), "RT3");
}

#[test]
fn refresh_token_own_first_then_family() {
    let now = 1_800_000_000;
    let mut c = TokenCache::empty();
    // Azure CLI wrote a family RT.
    let cli = TokenRequestInfo { client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", ..req(now) };
    c.write_token_response(&cli, &response("CLI-AT", "FAMILY-RT", true)).unwrap();
    let h = home();
    let rt = c.find_refresh_token(&h, "login.microsoftonline.com", AZ_POWERSHELL_CLIENT_ID, true).unwrap();
    assert_eq!(rt.secret.expose(), "FAMILY-RT");
    assert_eq!(rt.family_id.as_deref(), Some(FOCI_FAMILY));
    assert!(c.find_refresh_token(&h, "login.microsoftonline.com", AZ_POWERSHELL_CLIENT_ID, false).is_none());
    // Our own (non-family) RT wins once we have one.
    c.write_token_response(&req(now), &response("AT", "OWN-RT", false)).unwrap();
    let rt = c.find_refresh_token(&h, "login.windows.net", AZ_POWERSHELL_CLIENT_ID, true).unwrap();
    assert_eq!(rt.secret.expose(), "OWN-RT");
    assert_eq!(rt.family_id, None);
    let keys: Vec<String> = serde_json::from_slice::<Value>(&c.to_bytes()).unwrap()["RefreshToken"].as_object().unwrap().keys().cloned().collect();
    assert!(keys.contains(&format!("{h}-login.windows.net-refreshtoken-{AZ_POWERSHELL_CLIENT_ID}--")), "{keys:?}");
    assert!(keys.contains(&format!("{h}-login.windows.net-refreshtoken-1--")), "{keys:?}");
    assert!(c.find_refresh_token("other.home", "login.windows.net", AZ_POWERSHELL_CLIENT_ID, true).is_none());
}

#[test]
fn app_only_tokens_have_no_account_and_are_found_by_client_and_tenant() {
    let now = 1_800_000_000;
    let mut c = TokenCache::empty();
    let sp = "55555555-5555-5555-5555-555555555555";
    let r = TokenRequestInfo { client_id: sp, authority_tenant: TID, ..req(now) };
    let resp: TokenResponse = serde_json::from_value(json!({"access_token": "SP-AT", "expires_in": 3599, "token_type": "Bearer"})).unwrap();
    let w = c.write_token_response(&r, &resp).unwrap();
    assert_eq!(w.home_account_id, None);
    assert_eq!(w.target, ARM, "no scope in response: the requested scopes");
    let doc: Value = serde_json::from_slice(&c.to_bytes()).unwrap();
    let key = doc["AccessToken"].as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(key, format!("-login.windows.net-accesstoken-{sp}-{TID}-{ARM}"));
    assert!(doc["Account"].as_object().unwrap().is_empty());
    let q = AccessTokenQuery { home_account_id: None, client_id: sp, environment: "login.microsoftonline.com", realm: TID, scopes: &[ARM], min_validity: DEFAULT_MIN_VALIDITY };
    assert_eq!(c.find_access_token(&q, now).unwrap().secret.expose(), "SP-AT");
    assert_eq!(c.remove_app_tokens(sp, Some(TID)), 1);
    assert!(c.find_access_token(&q, now).is_none());
}

#[test]
fn unknown_sections_and_fields_survive_and_other_accounts_stay_on_remove() {
    let mut doc = msal_net_written(1_800_000_000);
    doc["FutureSection"] = json!({"k": {"x": 1}});
    let at_key = doc["AccessToken"].as_object().unwrap().keys().next().unwrap().clone();
    doc["AccessToken"][&at_key]["future_field"] = json!("keep me");
    doc["Account"]["bob.tid-login.windows.net-tid"] = json!({"home_account_id": "bob.tid", "environment": "login.windows.net", "realm": "tid", "username": "bob@x", "local_account_id": "bob", "authority_type": "MSSTS"});
    let mut c = TokenCache::parse(doc.to_string().as_bytes()).unwrap();
    c.write_token_response(&req(1_800_000_100), &{
        let mut r = response("G", "RT9", true);
        r.scope = Some("https://graph.microsoft.com/.default".into());
        r
    })
    .unwrap();
    let out: Value = serde_json::from_slice(&c.to_bytes()).unwrap();
    assert_eq!(out["FutureSection"], json!({"k": {"x": 1}}));
    assert_eq!(out["AccessToken"][&at_key]["future_field"], json!("keep me"));
    assert_eq!(c.accounts().len(), 2);
    let removed = c.remove_account(&home());
    assert_eq!(removed, 2 + 1 + 1 + 1, "two ATs, the RT, the id token, the account");
    let accounts = c.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].username, "bob@x");
    assert_eq!(serde_json::from_slice::<Value>(&c.to_bytes()).unwrap()["FutureSection"], json!({"k": {"x": 1}}));
}

#[test]
fn corrupt_input_is_reported_without_content() {
    for bad in [&b"{not json"[..], b"[1,2]", br#"{"AccessToken": 5}"#, br#"{"AccessToken": {"k": "SECRET-VALUE"}}"#] {
        let e = TokenCache::parse(bad).unwrap_err();
        assert_eq!(e.code, "TokenCacheCorrupt");
        assert!(!e.message.contains("SECRET-VALUE"));
    }
    assert!(TokenCache::parse(b"").unwrap().is_empty());
    assert!(TokenCache::parse(b"  \n").unwrap().is_empty());
    assert!(TokenCache::parse(b"{}").unwrap().is_empty());
}

#[test]
fn secret_debug_is_redacted() {
    let s = Secret::new("hunter2");
    assert!(!format!("{s:?}").contains("hunter2"));
    let at = CachedRefreshToken { secret: s, home_account_id: "h".into(), environment: "e".into(), client_id: "c".into(), family_id: None };
    assert!(!format!("{at:?}").contains("hunter2"));
    let mut c = TokenCache::empty();
    c.write_token_response(&req(1_800_000_000), &response("AT-hunter2", "RT-hunter2", true)).unwrap();
    let h = home();
    let found = c.find_access_token(&query(&h, &[ARM]), 1_800_000_000).unwrap();
    assert!(!format!("{c:?}{found:?}").contains("hunter2"), "{c:?}");
}

// ---- persisted store (plaintext file backend; the keyring backend is in tests/keyring) ----

fn plain_store(dir: &std::path::Path) -> TokenCacheStore {
    TokenCacheStore::open_in(dir, CAE_CACHE, &Env::default(), PersistenceChoice::PlaintextFile)
}

#[test]
fn store_roundtrip_file_is_private_and_lock_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    assert_eq!(s.persistence(), Persistence::PlaintextFile);
    s.write_token_response(&req(now_epoch()), &response("AT1", "RT1", true)).unwrap();
    let path = dir.path().join(CAE_CACHE);
    assert_eq!(s.path(), path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!dir.path().join("msal.cache.cae.lockfile").exists());
    let h = home();
    assert_eq!(s.find_access_token(&query(&h, &[ARM])).unwrap().unwrap().secret.expose(), "AT1");
    // Another "process" (a fresh store object on the same file) sees it.
    let s2 = plain_store(dir.path());
    assert_eq!(s2.find_refresh_token(&h, "login.microsoftonline.com", AZ_POWERSHELL_CLIENT_ID, true).unwrap().unwrap().secret.expose(), "RT1");
}

#[test]
fn memory_view_rereads_only_when_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    s.write_token_response(&req(now_epoch()), &response("AT1", "RT1", true)).unwrap();
    let a = s.snapshot().unwrap();
    let b = s.snapshot().unwrap();
    assert!(Arc::ptr_eq(&a, &b), "unchanged file: same in-memory cache");
    // An outside writer (MSAL.NET) replaces the file in place.
    let mut doc = msal_net_written(now_epoch());
    let k = doc["AccessToken"].as_object().unwrap().keys().next().unwrap().clone();
    doc["AccessToken"][&k]["secret"] = json!("AT-FROM-MSAL");
    std::fs::write(s.path(), doc.to_string()).unwrap();
    let c = s.snapshot().unwrap();
    assert!(!Arc::ptr_eq(&a, &c));
    let h = home();
    assert_eq!(s.find_access_token(&query(&h, &[ARM])).unwrap().unwrap().secret.expose(), "AT-FROM-MSAL");
}

#[test]
fn warm_lookup_is_a_few_microseconds() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    for i in 0..20 {
        let mut r = response(&format!("AT{i}"), "RT", true);
        r.scope = Some(format!("https://res{i}.example/.default"));
        s.write_token_response(&req(now_epoch()), &r).unwrap();
    }
    s.write_token_response(&req(now_epoch()), &response("ARM-AT", "RT", true)).unwrap();
    let h = home();
    let q = query(&h, &[ARM]);
    s.find_access_token(&q).unwrap().unwrap();
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        assert!(s.find_access_token(&q).unwrap().is_some());
    }
    let per = t.elapsed() / n;
    let t2 = std::time::Instant::now();
    for _ in 0..n {
        let _ = std::fs::metadata(s.path()).unwrap();
    }
    let stat = t2.elapsed() / n;
    let snap = s.snapshot().unwrap();
    let t3 = std::time::Instant::now();
    for _ in 0..n {
        assert!(snap.find_access_token(&q, now_epoch()).is_some());
    }
    let scan = t3.elapsed() / n;
    eprintln!("warm find_access_token: {per:?} per call (21 tokens; stat {stat:?}, scan {scan:?})");
    assert!(per < Duration::from_micros(50), "warm lookup took {per:?}");
}

#[test]
fn corrupt_file_fails_lookups_but_not_remove_or_clear() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    std::fs::create_dir_all(dir.path()).unwrap();
    std::fs::write(s.path(), b"{\"AccessToken\": [garbage").unwrap();
    let e = s.find_access_token(&query("a.b", &[ARM])).unwrap_err();
    assert_eq!(e.code, "TokenCacheCorrupt");
    assert_eq!(s.export().unwrap_err().code, "TokenCacheCorrupt");
    let e = s.write_token_response(&req(now_epoch()), &response("AT", "RT", true)).unwrap_err();
    assert_eq!(e.code, "TokenCacheCorrupt");
    assert_eq!(std::fs::read(s.path()).unwrap(), b"{\"AccessToken\": [garbage", "left untouched");
    let out = s.remove_account("a.b").unwrap();
    assert!(out.reset_corrupt_cache);
    assert!(s.snapshot().unwrap().is_empty());
    std::fs::write(s.path(), b"garbage").unwrap();
    s.clear().unwrap();
    assert!(s.snapshot().unwrap().is_empty());
}

#[test]
fn export_import_roundtrip_and_import_refuses_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    s.write_token_response(&req(now_epoch()), &response("AT1", "RT1", true)).unwrap();
    let blob = s.export().unwrap();
    s.clear().unwrap();
    assert!(s.snapshot().unwrap().is_empty());
    assert_eq!(s.import(b"not json").unwrap_err().code, "TokenCacheCorrupt");
    s.import(&blob).unwrap();
    let h = home();
    assert_eq!(s.find_access_token(&query(&h, &[ARM])).unwrap().unwrap().secret.expose(), "AT1");
}

#[test]
fn writers_wait_for_msal_lock() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = plain_store(dir.path());
    let held = MsalLock::acquire(s.path(), Duration::from_secs(1)).unwrap();
    s.set_lock_timeout(Duration::from_millis(300));
    let e = s.write_token_response(&req(now_epoch()), &response("AT", "RT", true)).unwrap_err();
    assert_eq!(e.code, "TokenCacheLockTimeout");
    assert!(!s.path().exists(), "nothing written while another process held the lock");
    drop(held);
    s.write_token_response(&req(now_epoch()), &response("AT", "RT", true)).unwrap();
}

#[test]
fn concurrent_writers_do_not_lose_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let p = path.clone();
            std::thread::spawn(move || {
                let s = plain_store(&p);
                for j in 0..5 {
                    let mut r = response(&format!("AT{i}-{j}"), "RT", true);
                    r.scope = Some(format!("https://r{i}-{j}.example/.default"));
                    s.write_token_response(&req(now_epoch()), &r).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(plain_store(&path).snapshot().unwrap().counts()["AccessToken"], json!(20));
}

#[test]
fn plaintext_warning_is_returned_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    let w = s.take_warning().expect("first time");
    assert!(w.contains("unencrypted") && w.contains(CAE_CACHE), "{w}");
    assert_eq!(s.take_warning(), None);
    assert_eq!(plain_store(dir.path()).take_warning(), None, "once per process and file");
}

#[test]
fn no_dbus_means_plaintext_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = TokenCacheStore::open_in(dir.path(), CAE_CACHE, &Env::default(), PersistenceChoice::Auto);
    #[cfg(target_os = "linux")]
    {
        assert_eq!(s.persistence(), Persistence::PlaintextFile);
        assert!(s.take_warning().unwrap().contains("D-Bus"));
    }
    let _ = s;
}

#[test]
fn secret_store_put_get_remove_and_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let st = SecretStore::open_in(dir.path(), &Env::default(), PersistenceChoice::PlaintextFile);
    let app = "55555555-5555-5555-5555-555555555555";
    assert_eq!(st.get(app, TID, SecretKind::ServicePrincipalSecret).unwrap(), None);
    st.put(app, TID, SecretKind::ServicePrincipalSecret, &Secret::new("s3cr3t")).unwrap();
    st.put(app, TID, SecretKind::CertificatePassword, &Secret::new("pfxpw")).unwrap();
    st.put(app, TID, SecretKind::ServicePrincipalSecret, &Secret::new("rotated")).unwrap();
    assert_eq!(st.get(&app.to_uppercase(), TID, SecretKind::ServicePrincipalSecret).unwrap().unwrap().expose(), "rotated");
    assert_eq!(st.get(app, TID, SecretKind::CertificatePassword).unwrap().unwrap().expose(), "pfxpw");
    assert_eq!(st.get(app, "other", SecretKind::ServicePrincipalSecret).unwrap(), None);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(st.path()).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(st.remove(app, TID, SecretKind::ServicePrincipalSecret).unwrap());
    assert!(!st.remove(app, TID, SecretKind::ServicePrincipalSecret).unwrap());
    assert_eq!(st.get(app, TID, SecretKind::ServicePrincipalSecret).unwrap(), None);
    std::fs::write(st.path(), b"garbage").unwrap();
    assert_eq!(st.get(app, TID, SecretKind::CertificatePassword).unwrap_err().code, "SecretStoreCorrupt");
    st.clear().unwrap();
    assert_eq!(st.get(app, TID, SecretKind::CertificatePassword).unwrap(), None);
}

// ---- write-behind --------------------------------------------------------------------------

fn vault_response(at: &str) -> TokenResponse {
    let mut r = response(at, "RT-V", true);
    r.scope = Some("https://vault.azure.net/.default".into());
    r
}

fn on_disk(s: &TokenCacheStore) -> String {
    std::fs::read_to_string(s.path()).unwrap_or_default()
}

#[test]
fn write_behind_is_in_memory_at_once_and_on_disk_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    s.write_token_response(&req(now_epoch()), &response("AT1", "RT1", true)).unwrap();
    // Another process holds MSAL's lock: the write cannot land yet.
    let held = MsalLock::acquire(s.path(), Duration::from_secs(1)).unwrap();
    s.write_token_response_behind(&req(now_epoch()), &vault_response("AT-BEHIND")).unwrap();
    let h = home();
    let vault = ["https://vault.azure.net/.default"];
    assert_eq!(s.find_access_token(&query(&h, &vault)).unwrap().unwrap().secret.expose(), "AT-BEHIND", "served from memory at once");
    assert_eq!(s.find_access_token(&query(&h, &[ARM])).unwrap().unwrap().secret.expose(), "AT1");
    assert!(!on_disk(&s).contains("AT-BEHIND"), "not written while the lock is held");
    drop(held);
    s.flush().unwrap();
    let disk = TokenCache::parse(on_disk(&s).as_bytes()).unwrap();
    assert_eq!(disk.find_access_token(&query(&h, &vault), now_epoch()).unwrap().secret.expose(), "AT-BEHIND");
    assert!(on_disk(&s).contains("AT1"), "merged into what was there");
    assert!(!dir.path().join("msal.cache.cae.lockfile").exists());
}

#[test]
fn clear_and_remove_wait_for_the_write_behind_so_nothing_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    s.snapshot().unwrap(); // read before the lock is taken (a stale view is re-read under it)
    let held = MsalLock::acquire(s.path(), Duration::from_secs(1)).unwrap();
    s.write_token_response_behind(&req(now_epoch()), &vault_response("AT-BEHIND")).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        drop(held);
    });
    s.clear().unwrap(); // joins the write first, then empties the cache
    release.join().unwrap();
    let h = home();
    assert!(s.find_access_token(&query(&h, &["https://vault.azure.net/.default"])).unwrap().is_none());
    assert!(!on_disk(&s).contains("AT-BEHIND"));

    s.write_token_response_behind(&req(now_epoch()), &vault_response("AT-AGAIN")).unwrap();
    assert_eq!(s.remove_account(&h).unwrap().removed, 4, "account, id token, refresh token, access token");
    s.flush().unwrap();
    assert!(!on_disk(&s).contains("AT-AGAIN"));
}

#[test]
fn another_process_writing_while_ours_is_pending_is_merged_and_seen() {
    let dir = tempfile::tempdir().unwrap();
    let s = plain_store(dir.path());
    s.snapshot().unwrap();
    let held = MsalLock::acquire(s.path(), Duration::from_secs(1)).unwrap();
    s.write_token_response_behind(&req(now_epoch()), &vault_response("AT-OURS")).unwrap();
    // MSAL.NET (holding the lock) writes its token for ARM.
    let mut doc = msal_net_written(now_epoch());
    let k = doc["AccessToken"].as_object().unwrap().keys().next().unwrap().clone();
    doc["AccessToken"][&k]["secret"] = json!("AT-FROM-MSAL");
    std::fs::write(s.path(), doc.to_string()).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        drop(held);
    });
    // The blob changed: the lookup waits for our write (which merges into MSAL's), then reads.
    let h = home();
    assert_eq!(s.find_access_token(&query(&h, &[ARM])).unwrap().unwrap().secret.expose(), "AT-FROM-MSAL");
    assert_eq!(s.find_access_token(&query(&h, &["https://vault.azure.net/.default"])).unwrap().unwrap().secret.expose(), "AT-OURS");
    release.join().unwrap();
    let disk = on_disk(&s);
    assert!(disk.contains("AT-FROM-MSAL") && disk.contains("AT-OURS"), "both on disk");
}
