//! Tests against a real Secret Service. `#[ignore]`d in the plain `cargo test`; tests/keyring/run.sh
//! runs them inside dbus-run-session with an unlocked gnome-keyring.

use super::*;
use serde_json::json;

fn session_env(dir: &std::path::Path) -> Env {
    // Test code may read the process env: run.sh exported the private session's address.
    let addr = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("run under tests/keyring/run.sh");
    Env::from_pairs([
        ("DBUS_SESSION_BUS_ADDRESS".to_string(), addr),
        ("AzRs:LocalApplicationData".to_string(), dir.display().to_string()),
        ("AzRs:UserProfile".to_string(), dir.display().to_string()),
    ])
}

fn response(at: &str) -> TokenResponse {
    use base64::Engine;
    let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    serde_json::from_value(json!({
        "access_token": at, "refresh_token": "KR-RT", "expires_in": 3599, "foci": "1",
        "scope": "https://management.core.windows.net//.default",
        "client_info": b64(json!({"uid": "u", "utid": "t"})),
        "id_token": format!("{}.{}.", b64(json!({"alg": "none"})), b64(json!({"oid": "u", "tid": "t", "preferred_username": "kr@x"}))),
    }))
    .unwrap()
}

fn req() -> TokenRequestInfo<'static> {
    TokenRequestInfo { client_id: AZ_POWERSHELL_CLIENT_ID, authority_host: "login.microsoftonline.com", authority_tenant: "organizations", requested_scopes: &[], now: now_epoch() }
}

#[test]
#[ignore = "needs a Secret Service: tests/keyring/run.sh"]
fn token_cache_lives_in_the_keyring_item_msal_uses() {
    let dir = tempfile::tempdir().unwrap();
    let env = session_env(dir.path());
    let store = TokenCacheStore::open(&env, CAE_CACHE).unwrap();
    assert_eq!(store.persistence(), Persistence::Keyring);
    assert_eq!(store.take_warning(), None);
    store.write_token_response(&req(), &response("KR-AT-1")).unwrap();
    // The file is only the change signal; the secret is not on disk.
    let on_disk = std::fs::read(store.path()).unwrap();
    assert!(on_disk.is_empty());
    // Exactly MSAL's item: found by MSAL's two attributes, schema and label as Az sets them.
    let ss = secret_service::SecretService::connect(&dbus_address(&env).unwrap(), std::time::Duration::from_secs(5)).unwrap();
    let attrs: std::collections::HashMap<&str, &str> =
        [("MsalClientID", "Microsoft.Developer.IdentityService"), ("Microsoft.Developer.IdentityService", "1.0.0.0")].into();
    let (unlocked, _) = ss.search(&attrs).unwrap();
    assert_eq!(unlocked.len(), 1, "one item, replaced in place on each write");
    let raw = ss.lookup(&attrs).unwrap().unwrap();
    use base64::Engine;
    let doc: serde_json::Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(raw).unwrap()).unwrap();
    assert_eq!(doc["AccessToken"].as_object().unwrap().len(), 1);
    let schema: std::collections::HashMap<&str, &str> = [("xdg:schema", "msal.cache")].into();
    assert_eq!(ss.search(&schema).unwrap().0.len(), 1);

    // A second write replaces the item, and another store (process) sees it through the signal file.
    let other = TokenCacheStore::open(&env, CAE_CACHE).unwrap();
    let before = other.snapshot().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    store.write_token_response(&req(), &response("KR-AT-2")).unwrap();
    assert_eq!(ss.search(&attrs).unwrap().0.len(), 1);
    let q = AccessTokenQuery { home_account_id: Some("u.t"), client_id: AZ_POWERSHELL_CLIENT_ID, environment: "login.microsoftonline.com", realm: "t", scopes: &["https://management.core.windows.net//.default"], min_validity: DEFAULT_MIN_VALIDITY };
    let after = other.snapshot().unwrap();
    assert!(!Arc::ptr_eq(&before, &after));
    assert_eq!(other.find_access_token(&q).unwrap().unwrap().secret.expose(), "KR-AT-2");

    store.clear().unwrap();
    assert!(other.snapshot().unwrap().is_empty());
    store.delete().unwrap();
    assert_eq!(ss.search(&attrs).unwrap().0.len(), 0);
}

#[test]
#[ignore = "needs a Secret Service: tests/keyring/run.sh"]
fn secret_store_uses_its_own_keyring_item() {
    let dir = tempfile::tempdir().unwrap();
    let env = session_env(dir.path());
    let st = SecretStore::open(&env).unwrap();
    assert_eq!(st.persistence(), Persistence::Keyring);
    assert_eq!(st.take_warning(), None);
    st.put("app", "tenant", SecretKind::ServicePrincipalSecret, &Secret::new("KR-SP-SECRET")).unwrap();
    assert_eq!(st.get("app", "tenant", SecretKind::ServicePrincipalSecret).unwrap().unwrap().expose(), "KR-SP-SECRET");
    let on_disk = std::fs::read(st.path()).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&on_disk).contains("KR-SP-SECRET"));
    let ss = secret_service::SecretService::connect(&dbus_address(&env).unwrap(), std::time::Duration::from_secs(5)).unwrap();
    let attrs: std::collections::HashMap<&str, &str> = [("AzRsClientID", "AzRs.PowerShell"), ("AzRs.KeyStore", "1.0")].into();
    assert_eq!(ss.search(&attrs).unwrap().0.len(), 1);
    // Az.Accounts' own key store item is not touched.
    let az: std::collections::HashMap<&str, &str> = [("AzureClientID", "Microsoft.Developer.Azure.PowerShell")].into();
    assert_eq!(ss.search(&az).unwrap().0.len(), 0);
    assert!(st.remove("app", "tenant", SecretKind::ServicePrincipalSecret).unwrap());
    assert_eq!(st.get("app", "tenant", SecretKind::ServicePrincipalSecret).unwrap(), None);
}
