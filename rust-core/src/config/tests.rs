use super::*;
use serde_json::json;

const FIXTURE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/config/PSConfig.json"));

fn home() -> (tempfile::TempDir, Env) {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([
        ("AzRs:UserProfile", dir.path().to_str().unwrap()),
        ("AzRs:LocalApplicationData", dir.path().join("local").to_str().unwrap()),
    ]);
    (dir, env)
}

fn with_var(env: &Env, name: &str, value: &str) -> Env {
    let mut pairs: Vec<(String, String)> = env.names().map(|n| (n.to_string(), env.get(n).unwrap_or("").to_string())).collect();
    pairs.push((name.to_string(), value.to_string()));
    Env::from_pairs(pairs)
}

fn file(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join(".Azure").join("PSConfig.json")
}

fn write_fixture(dir: &tempfile::TempDir) {
    std::fs::create_dir_all(dir.path().join(".Azure")).unwrap();
    std::fs::write(file(dir), FIXTURE).unwrap();
}

#[test]
fn defaults_without_a_file() {
    let (_d, env) = home();
    let store = ProcessStore::default();
    let s = load_with(&env, &store);
    assert_eq!(s.effective("LoginExperienceV2", &Invocation::az()).unwrap(), json!("On"));
    assert_eq!(s.effective("enableloginbywam", &Invocation::az()).unwrap(), json!(true));
    assert_eq!(s.effective("DefaultSubscriptionForLogin", &Invocation::az()).unwrap(), json!(""));
    let e = s.effective("Nope", &Invocation::az()).unwrap_err();
    assert_eq!(e.code, "ConfigKeyNotRegistered");
    assert_eq!(e.message, "Config with key [Nope] was not registered.");
}

#[test]
fn reads_an_az_written_file() {
    let (d, env) = home();
    write_fixture(&d);
    let store = ProcessStore::default();
    let mut s = load_with(&env, &store);
    assert_eq!(s.effective(keys::DEFAULT_SUBSCRIPTION_FOR_LOGIN, &Invocation::az()).unwrap(), json!("Contoso Prod"));
    assert_eq!(s.effective(keys::LOGIN_EXPERIENCE_V2, &Invocation::az()).unwrap(), json!("Off"));
    // cmdlet > module > Az
    let kv = Invocation::cmdlet("Get-AzKeyVault", "Az.KeyVault");
    assert_eq!(s.effective(keys::DISPLAY_BREAKING_CHANGE_WARNING, &kv).unwrap(), json!(true));
    let other = Invocation::cmdlet("Get-AzKeyVaultSecret", "az.keyvault");
    assert_eq!(s.effective(keys::DISPLAY_BREAKING_CHANGE_WARNING, &other).unwrap(), json!(false));
    assert_eq!(s.effective(keys::DISPLAY_BREAKING_CHANGE_WARNING, &Invocation::az()).unwrap(), json!(true));
    let rows = s.list(&[], None, None).unwrap();
    let dbcw: Vec<_> = rows.iter().filter(|r| r.key == "DisplayBreakingChangeWarning").collect();
    assert_eq!(dbcw.len(), 3, "Az.KeyVault, Get-AzKeyVault and the Az default: {dbcw:?}");
    assert!(dbcw.iter().any(|r| r.applies_to == "Az" && r.scope == Scope::Default));
    assert_eq!(rows.iter().filter(|r| r.scope == Scope::Default).count(), 11 - 3, "every key not set at the Az level");
    let keys_in_order: Vec<_> = rows.iter().map(|r| r.key).collect();
    let mut sorted = keys_in_order.clone();
    sorted.sort();
    assert_eq!(keys_in_order, sorted);
}

#[test]
fn round_trip_keeps_az_shape_byte_for_byte() {
    let (d, env) = home();
    write_fixture(&d);
    let store = ProcessStore::default();
    // Setting a value to what it already is must reproduce Az's file exactly (LF on Unix).
    update(&env, &store, "LoginExperienceV2", &json!("off"), None, Scope::CurrentUser).unwrap();
    let written = std::fs::read_to_string(file(&d)).unwrap();
    if cfg!(windows) {
        assert_eq!(written, FIXTURE.replace("\r\n", "\n").replace('\n', "\r\n"));
    } else {
        assert_eq!(written, FIXTURE.replace("\r\n", "\n"));
    }
    assert!(!written.starts_with('\u{feff}'));
}

#[test]
fn update_writes_nested_shape_and_keeps_unknown_keys() {
    let (d, env) = home();
    let store = ProcessStore::default();
    update(&env, &store, "EnableLoginByWam", &json!(false), None, Scope::CurrentUser).unwrap();
    update(&env, &store, "DisplayBreakingChangeWarning", &json!(false), Some("az.keyvault"), Scope::CurrentUser).unwrap();
    update(&env, &store, "DisplayBreakingChangeWarning", &json!(true), Some("Az.KeyVault"), Scope::CurrentUser).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file(&d)).unwrap()).unwrap();
    assert_eq!(doc, json!({"Az": {"EnableLoginByWam": false}, "az.keyvault": {"DisplayBreakingChangeWarning": true}}));
    // keys in another spelling are folded into the canonical one; unknown keys stay
    std::fs::write(file(&d), r#"{"az":{"enableloginbywam":true,"Other":1}}"#).unwrap();
    update(&env, &store, "EnableLoginByWam", &json!(false), Some("Az"), Scope::CurrentUser).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file(&d)).unwrap()).unwrap();
    assert_eq!(doc, json!({"az": {"Other": 1, "EnableLoginByWam": false}}));
}

#[test]
fn precedence_process_over_env_over_file_over_default() {
    let (d, env) = home();
    let store = ProcessStore::default();
    let key = keys::DISPLAY_BREAKING_CHANGE_WARNING;
    assert_eq!(load_with(&env, &store).effective(key, &Invocation::az()).unwrap(), json!(true));
    std::fs::create_dir_all(d.path().join(".Azure")).unwrap();
    std::fs::write(file(&d), r#"{"Az":{"DisplayBreakingChangeWarning":false}}"#).unwrap();
    assert_eq!(load_with(&env, &store).effective(key, &Invocation::az()).unwrap(), json!(false));
    let env2 = with_var(&env, "SuppressAzurePowerShellBreakingChangeWarnings", "false");
    let mut s = load_with(&env2, &store);
    assert_eq!(s.effective(key, &Invocation::az()).unwrap(), json!(true));
    let rows = s.list(&[key], None, None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].scope, rows[0].applies_to.as_str()), (Scope::Environment, "Az"));
    update(&env2, &store, key, &json!(false), None, Scope::Process).unwrap();
    let mut s = load_with(&env2, &store);
    assert_eq!(s.effective(key, &Invocation::az()).unwrap(), json!(false));
    assert_eq!(s.list(&[key], None, None).unwrap()[0].scope, Scope::Process);
    // Process values stay in memory: the file still has the old value
    assert!(std::fs::read_to_string(file(&d)).unwrap().contains("false"));
    clear(&env2, &store, Some(key), None, Scope::Process).unwrap();
    assert_eq!(load_with(&env2, &store).effective(key, &Invocation::az()).unwrap(), json!(true));
}

#[test]
fn az_only_keys_refuse_other_levels() {
    let (_d, env) = home();
    let store = ProcessStore::default();
    let e = update(&env, &store, "EnableLoginByWam", &json!(false), Some("Az.Storage"), Scope::CurrentUser).unwrap_err();
    assert_eq!(e.code, "InvalidAppliesTo");
    assert_eq!(e.message, "[Az.Storage] is not a valid value for AppliesTo - it doesn't match any of (Az).");
    let e = update(&env, &store, "DisplayBreakingChangeWarning", &json!(false), Some("not valid"), Scope::CurrentUser).unwrap_err();
    assert_eq!(e.message, "AppliesTo must be a valid module name, a cmdlet name, or \"Az\"");
    let e = update(&env, &store, "EnableLoginByWam", &json!(false), None, Scope::Environment).unwrap_err();
    assert_eq!(e.code, "InvalidConfigScope");
    let e = update(&env, &store, "EnableLoginByWam", &json!("maybe"), None, Scope::Process).unwrap_err();
    assert_eq!(e.code, "InvalidConfigValue");
    let e = update(&env, &store, "Bogus", &json!(true), None, Scope::Process).unwrap_err();
    assert_eq!(e.code, "ConfigKeyNotRegistered");
}

#[test]
fn corrupt_file_is_reported_and_never_replaced() {
    let (d, env) = home();
    std::fs::create_dir_all(d.path().join(".Azure")).unwrap();
    std::fs::write(file(&d), "{ not json").unwrap();
    let store = ProcessStore::default();
    let s = load_with(&env, &store);
    assert_eq!(s.effective("EnableLoginByWam", &Invocation::az()).unwrap(), json!(true));
    assert!(s.warnings()[0].contains("is not valid"), "{:?}", s.warnings());
    let e = update(&env, &store, "EnableLoginByWam", &json!(false), None, Scope::CurrentUser).unwrap_err();
    assert_eq!(e.code, "ConfigFileCorrupt");
    let e = clear(&env, &store, Some("EnableLoginByWam"), None, Scope::CurrentUser).unwrap_err();
    assert_eq!(e.code, "ConfigFileCorrupt");
    assert_eq!(std::fs::read_to_string(file(&d)).unwrap(), "{ not json");
    // Process scope still works
    update(&env, &store, "EnableLoginByWam", &json!(false), None, Scope::Process).unwrap();
}

#[test]
fn wrong_typed_value_in_file_warns_and_falls_back() {
    let (d, env) = home();
    std::fs::create_dir_all(d.path().join(".Azure")).unwrap();
    std::fs::write(file(&d), r#"{"Az":{"EnableLoginByWam":"sometimes"}}"#).unwrap();
    let store = ProcessStore::default();
    let mut s = load_with(&env, &store);
    assert_eq!(s.effective("EnableLoginByWam", &Invocation::az()).unwrap(), json!(true));
    let rows = s.list(&["EnableLoginByWam"], None, None).unwrap();
    assert_eq!(rows[0].scope, Scope::Default);
    assert_eq!(s.warnings().len(), 1);
}

#[test]
fn clear_by_key_level_and_all() {
    let (d, env) = home();
    write_fixture(&d);
    let store = ProcessStore::default();
    clear(&env, &store, Some("DisplayBreakingChangeWarning"), Some("Az.KeyVault"), Scope::CurrentUser).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file(&d)).unwrap()).unwrap();
    assert!(doc.get("Az.KeyVault").is_none());
    assert_eq!(doc["Get-AzKeyVault"]["DisplayBreakingChangeWarning"], json!(true));
    clear(&env, &store, Some("displaybreakingchangewarning"), None, Scope::CurrentUser).unwrap();
    clear(&env, &store, None, Some("Az"), Scope::CurrentUser).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file(&d)).unwrap()).unwrap();
    assert_eq!(doc, json!({"Az": {"EnablePolicyToken": false}}), "only unregistered keys stay");
    clear(&env, &store, None, None, Scope::CurrentUser).unwrap();
    assert_eq!(std::fs::read_to_string(file(&d)).unwrap(), "{}");
    let e = clear(&env, &store, None, None, Scope::Default).unwrap_err();
    assert_eq!(e.code, "InvalidConfigScope");
}

#[test]
fn clear_without_file_creates_nothing() {
    let (d, env) = home();
    clear(&env, &ProcessStore::default(), None, None, Scope::CurrentUser).unwrap();
    assert!(!file(&d).exists());
}

#[test]
fn export_and_import_merge() {
    let (d, env) = home();
    let store = ProcessStore::default();
    let out = d.path().join("exported.json");
    assert_eq!(export(&env, &out).unwrap_err().code, "NoConfigsToExport");
    write_fixture(&d);
    export(&env, &out).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), FIXTURE);
    clear(&env, &store, None, None, Scope::CurrentUser).unwrap();
    update(&env, &store, "CheckForUpgrade", &json!(false), None, Scope::CurrentUser).unwrap();
    import(&env, &out).unwrap();
    let s = load_with(&env, &store);
    assert_eq!(s.effective("CheckForUpgrade", &Invocation::az()).unwrap(), json!(false), "kept");
    assert_eq!(s.effective("LoginExperienceV2", &Invocation::az()).unwrap(), json!("Off"), "imported");
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, "[1]").unwrap();
    assert_eq!(import(&env, &bad).unwrap_err().code, "ConfigImportInvalid");
    assert_eq!(import(&env, &d.path().join("missing.json")).unwrap_err().code, "ConfigImportFileNotFound");
}

#[test]
fn local_app_data_fallback_is_used_when_only_it_exists() {
    let (d, env) = home();
    let local = d.path().join("local").join(".Azure");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("PSConfig.json"), r#"{"Az":{"CheckForUpgrade":false}}"#).unwrap();
    assert_eq!(effective_bool(&env, "CheckForUpgrade", &Invocation::az()).unwrap(), false);
}
