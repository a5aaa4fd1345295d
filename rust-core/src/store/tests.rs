//! Round-trips of Az-written fixtures (tests/fixtures/contexts), golden files for what AzRs
//! writes, and the file protocol's error cases.

use super::profile::{context_name, Obj, Profile};
use super::*;
use std::fs;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/contexts")
}

fn fixture(name: &str) -> Vec<u8> {
    fs::read(fixtures().join(name)).unwrap()
}

fn parse(name: &str) -> Profile {
    Profile::parse(&String::from_utf8(fixture(name)).unwrap()).unwrap()
}

/// Az-written files in Az's exact format come back byte for byte (BOM, order, secrets, nulls).
#[test]
#[cfg(unix)]
fn az_fixtures_round_trip_byte_for_byte() {
    for f in ["modern-user.json", "msi-sp.json", "secrets.json", "tenant-only.json", "old-name.json", "psenv-order.json", "discovered.json"] {
        let bytes = fixture(f);
        let p = parse(f);
        assert_eq!(String::from_utf8_lossy(&p.to_bytes()), String::from_utf8_lossy(&bytes), "{f}");
    }
}

#[test]
fn fixtures_load_with_names_accounts_and_environments() {
    let p = parse("modern-user.json");
    assert_eq!(p.contexts().len(), 2);
    let key = p.default_context_key().unwrap();
    assert!(key.starts_with("Contoso Prod (11111111"));
    let c = p.context(&key).unwrap();
    assert_eq!(context_name(c), key);
    assert_eq!(c["Subscription"]["ExtendedProperties"]["SubscriptionPolices"].as_str().unwrap().contains("quotaId"), true);

    let t = parse("tenant-only.json");
    let (k, c) = t.contexts().iter().next().unwrap();
    assert_eq!(k, "55555555-5555-5555-5555-555555555555 - carol@fabrikam.com");
    assert_eq!(context_name(c.as_object().unwrap()), *k);

    let o = parse("old-name.json");
    assert_eq!(o.contexts().keys().next().unwrap(), "Free Trial (2b6f0000-0000-0000-0000-000000000000) - dave@hotmail.com");

    let d = parse("discovered.json");
    let c = d.context(&d.default_context_key().unwrap()).unwrap();
    assert_eq!(c["Environment"]["Type"], "Discovered");
    assert_eq!(c["Environment"]["ActiveDirectoryAuthority"], "https://login.microsoftonline.com");

    let e = parse("psenv-order.json");
    assert_eq!(e.environments()["testCloud"]["ActiveDirectoryAuthority"], "http://contoso.com/");
}

#[test]
fn legacy_schema_is_converted() {
    let p = parse("legacy.json");
    let key = p.default_context_key().unwrap();
    assert_eq!(key, "Contoso Test Subscription (00000000-0000-0000-0000-000000000000) - 3c0ff8a7-e8bb-40e8-ae66-271343379af6 - me@contoso.com");
    let c = p.context(&key).unwrap();
    assert_eq!(c["Account"]["Type"], "User");
    assert_eq!(c["Tenant"]["Directory"], "contoso.com");
    assert_eq!(c["Environment"]["Name"], "testCloud");
    assert_eq!(c["Environment"]["ActiveDirectoryAuthority"], "http://contoso.com");
    assert!(p.environments().contains_key("testCloud"));
    // Written back in the modern schema.
    let again = Profile::parse(&String::from_utf8(p.to_bytes()).unwrap()).unwrap();
    assert_eq!(again, p);
}

#[test]
fn junk_before_brace_crlf_and_default_fix_up() {
    let p = parse("junk-crlf.json");
    assert_eq!(p.contexts().len(), 1);
    assert!(p.default_context_key().unwrap().starts_with("Contoso Prod"));
}

#[test]
fn default_context_is_never_persisted() {
    let mut p = Profile::empty();
    p.contexts_mut().insert("Default".into(), serde_json::json!({"Account": null}));
    let text = String::from_utf8(p.to_bytes()).unwrap();
    assert!(!text.contains("\"Default\": {"));
    assert!(text.contains("\"DefaultContextKey\": \"Default\""));
}

#[test]
fn public_environments_are_never_written() {
    let mut p = parse("psenv-order.json");
    p.environments_mut().insert("AzureCloud".into(), Value::Object(crate::cloud::builtin("AzureCloud").unwrap()));
    let mut d = crate::cloud::blank_stored("Found", crate::cloud::DISCOVERED);
    d.insert("ResourceManagerUrl".into(), "https://arm.found/".into());
    p.environments_mut().insert("Found".into(), Value::Object(d));
    let again = Profile::parse(&String::from_utf8(p.to_bytes()).unwrap()).unwrap();
    assert_eq!(again.environments().keys().collect::<Vec<_>>(), vec!["testCloud"]);
}

#[test]
fn newtonsoft_escapes_line_separators() {
    let v = serde_json::json!({"a": "x\u{2028}y\u{85}"});
    let out = String::from_utf8(profile::serialize_az(&v, false)).unwrap();
    assert!(out.contains("x\\u2028y\\u0085"), "{out}");
}

#[test]
fn context_names_follow_az() {
    let ctx = |a: Option<&str>, t: Option<&str>, s: Option<(&str, &str)>| {
        new_context(
            a.map(|a| new_account(a, "User", &[])),
            t.map(|t| new_tenant(t, true, &[])),
            s.map(|(id, n)| new_subscription(id, n, "Enabled", &[])),
            None,
        )
    };
    assert_eq!(context_name(&ctx(Some("u@x"), Some("t1"), Some(("s1", "Sub")))), "Sub (s1) - t1 - u@x");
    assert_eq!(context_name(&ctx(Some("u@x"), None, Some(("s1", "Sub")))), "Sub (s1) - u@x");
    assert_eq!(context_name(&ctx(Some("u@x"), Some("t1"), None)), "t1 - u@x");
    assert_eq!(context_name(&ctx(None, Some("t1"), None)), "Default");
}

#[test]
fn projections_never_carry_secrets() {
    let p = parse("secrets.json");
    for (k, c) in p.contexts() {
        let v = project::context(k, c.as_object().unwrap());
        let text = v.to_string();
        assert!(!text.contains("SECRET"), "{text}");
        assert_eq!(v["Account"]["AccessToken"], Value::Null);
    }
    // The raw values are still in the stored profile, and in what AzRs writes back.
    let out = String::from_utf8(p.to_bytes()).unwrap();
    for s in ["eyJSECRETACCESSTOKENVALUE.payload.sig", "eyJSECRETCLIENTASSERTION.jwt.sig", "SECRET-SP-PASSWORD-VALUE"] {
        assert!(out.contains(s));
    }
}

#[test]
fn new_account_drops_secret_properties() {
    let a = new_account("x", "AccessToken", &[("Tenants", "t".into()), ("AccessToken", "raw".into())]);
    assert!(a["ExtendedProperties"].get("AccessToken").is_none());
}

fn golden(name: &str, bytes: &[u8]) {
    let path = fixtures().join("golden").join(name);
    if std::env::var_os("AZRS_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
    }
    let want = fs::read(&path).unwrap_or_else(|_| panic!("missing golden {}; run with AZRS_BLESS=1", path.display()));
    let want = if cfg!(windows) { String::from_utf8(want).unwrap().replace('\n', "\r\n").into_bytes() } else { want };
    assert_eq!(String::from_utf8_lossy(bytes), String::from_utf8_lossy(&want), "{name}");
}

/// What AzRs writes for a sign-in context, a user-defined environment and an empty profile.
#[test]
fn golden_files() {
    let tid = "72f988bf-0000-0000-0000-000000000000";
    let sid = "11111111-1111-1111-1111-111111111111";
    let ctx = new_context(
        Some(new_account("alice@contoso.com", "User", &[("Tenants", tid.into()), ("HomeAccountId", format!("0d2c5c3e-0000-0000-0000-000000000000.{tid}"))])),
        Some(new_tenant(tid, true, &[("TenantCategory", "Home".into()), ("DisplayName", "Contoso".into())])),
        Some(new_subscription(sid, "Contoso Prod", "Enabled", &[("SubscriptionPolices", r#"{"locationPlacementId":"Public_2014-09-01","quotaId":"PayAsYouGo_2014-09-01","spendingLimit":"Off"}"#.into()),
            ("AuthorizationSource", "RoleBased".into()), ("HomeTenant", tid.into()), ("Environment", "AzureCloud".into()), ("Tenants", tid.into()), ("Account", "alice@contoso.com".into())])),
        crate::cloud::builtin("AzureCloud"),
    );
    let mut p = Profile::empty();
    Change::Put { name: None, context: ctx, select: true }.apply(&mut p, false).unwrap();
    golden("new-user.json", &p.to_bytes());

    let mut env = crate::cloud::blank_stored("Stack", crate::cloud::USER_DEFINED);
    let params: Obj = serde_json::from_str(r#"{"ActiveDirectoryEndpoint":"https://login.stack.local","ResourceManagerEndpoint":"https://management.stack.local/","AzureOperationalInsightsEndpoint":"https://api.stack.local/v1"}"#).unwrap();
    crate::cloud::apply_params(&mut env, &params).unwrap();
    let mut p = Profile::empty();
    Change::PutEnvironment { env }.apply(&mut p, false).unwrap();
    golden("user-env.json", &p.to_bytes());

    golden("empty.json", &Profile::empty().to_bytes());
}

#[test]
fn changes_rename_remove_select() {
    let mut p = parse("modern-user.json");
    let keys: Vec<String> = p.contexts().keys().cloned().collect();
    Change::Rename { from: keys[0].clone(), to: "prod".into(), force: false, snapshot: None }.apply(&mut p, false).unwrap();
    assert_eq!(p.default_key(), Some("prod"));
    let e = Change::Rename { from: "PROD".into(), to: keys[1].clone(), force: false, snapshot: None }.apply(&mut p, false).unwrap_err();
    assert_eq!(e.code, "ContextNameExists");
    Change::Select { name: keys[1].to_uppercase(), snapshot: None }.apply(&mut p, false).unwrap();
    assert_eq!(p.default_key(), Some(keys[1].as_str()));
    Change::Remove { name: keys[1].clone() }.apply(&mut p, false).unwrap();
    assert_eq!(p.default_key(), Some("Default"));
    assert_eq!(p.contexts().len(), 1);
    assert_eq!(Change::Remove { name: "nope".into() }.apply(&mut p, false).unwrap_err().code, "ContextNotFound");
    assert!(Change::Remove { name: "nope".into() }.apply(&mut p, true).is_ok(), "replay on the file tolerates a missing context");
}

#[test]
fn put_merges_same_account_tenant_subscription() {
    let mut p = parse("modern-user.json");
    let key = p.default_context_key().unwrap();
    let mut c = p.context(&key).unwrap().clone();
    c["Account"]["ExtendedProperties"].as_object_mut().unwrap().insert("LoginHint".into(), "x".into());
    c.insert("Environment".into(), Value::Null);
    let (k, changed) = Change::Put { name: None, context: c, select: true }.apply(&mut p, false).unwrap();
    assert_eq!(k.as_deref(), Some(key.as_str()));
    assert!(changed);
    let stored = p.context(&key).unwrap();
    assert_eq!(stored["Account"]["ExtendedProperties"]["LoginHint"], "x");
    assert_eq!(stored["Account"]["ExtendedProperties"]["HomeAccountId"].as_str().unwrap().len() > 0, true);
    assert!(stored["Environment"].is_object(), "null never removes");
}

// ---- file protocol ---------------------------------------------------------------------------

#[test]
fn disk_modify_keeps_secrets_and_changes_only_the_operation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AzureRmContext.json");
    fs::write(&path, fixture("secrets.json")).unwrap();
    let p = parse("secrets.json");
    let other = p.contexts().keys().nth(1).unwrap().clone();
    disk::modify(&path, |p| Change::Select { name: other.clone(), snapshot: None }.apply(p, true)).unwrap();
    let after = String::from_utf8(fs::read(&path).unwrap()).unwrap();
    let before = String::from_utf8(fixture("secrets.json")).unwrap();
    let diff: Vec<_> = before.lines().zip(after.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(diff.len(), 1, "only DefaultContextKey changes: {diff:?}");
    assert!(after.starts_with('\u{feff}'));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn corrupt_directory_and_non_utf8_files_are_reported_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AzureRmContext.json");
    for (bytes, code) in [(&b"{ \"Contexts\": { broken"[..], "ContextFileCorrupt"), (&b"\xEF\xBB\xBF{\"a\":\"\xFF\xFE\"}"[..], "ContextFileCorrupt"), (&b"garbage"[..], "ContextFileCorrupt")] {
        fs::write(&path, bytes).unwrap();
        let e = disk::modify(&path, |p| Change::Clear.apply(p, true)).unwrap_err();
        assert_eq!(e.code, code);
        assert_eq!(fs::read(&path).unwrap(), bytes, "file untouched");
        assert_eq!(disk::read(&path).unwrap_err().code, code);
    }
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    assert_eq!(disk::modify(&path, |p| Change::Clear.apply(p, true)).unwrap_err().code, "PathIsDirectory");
    assert_eq!(disk::read(&path).unwrap_err().code, "PathIsDirectory");
    assert!(path.is_dir());
}

#[test]
#[cfg(unix)]
fn read_only_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AzureRmContext.json");
    fs::write(&path, fixture("modern-user.json")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let e = disk::modify(&path, |p| Change::Clear.apply(p, true)).unwrap_err();
    assert_eq!(e.code, "ContextFileReadOnly");
    assert_eq!(fs::read(&path).unwrap(), fixture("modern-user.json"));
}

#[test]
fn unchanged_file_is_not_rewritten_and_cache_tracks_identity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AzureRmContext.json");
    fs::write(&path, fixture("modern-user.json")).unwrap();
    let key = parse("modern-user.json").default_context_key().unwrap();
    let ino = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(p).unwrap().ino()
        }
        #[cfg(not(unix))]
        0
    };
    let before = ino(&path);
    disk::modify(&path, |p| Change::Select { name: key.clone(), snapshot: None }.apply(p, true)).unwrap();
    assert_eq!(ino(&path), before, "no write when nothing changed");
    // Another writer replaces the file: the cache must notice.
    fs::write(&path, fixture("tenant-only.json")).unwrap();
    let p = disk::read(&path).unwrap().unwrap();
    assert_eq!(p.contexts().len(), 1);
}

/// Threads standing in for processes: every change survives (operation replay under the lock).
#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AzureRmContext.json");
    fs::write(&path, fixture("modern-user.json")).unwrap();
    let base = parse("modern-user.json");
    let (k0, c0) = base.contexts().iter().next().map(|(k, v)| (k.clone(), v.as_object().unwrap().clone())).unwrap();
    let _ = k0;
    std::thread::scope(|s| {
        for t in 0..4 {
            let path = path.clone();
            let c0 = c0.clone();
            s.spawn(move || {
                for i in 0..25 {
                    let name = format!("t{t}-{i}");
                    disk::modify(&path, |p| Change::Put { name: Some(name.clone()), context: c0.clone(), select: true }.apply(p, true)).unwrap();
                    if i % 2 == 0 {
                        disk::modify(&path, |p| Change::Rename { from: name.clone(), to: format!("{name}-r"), force: false, snapshot: None }.apply(p, true)).unwrap();
                    }
                }
            });
        }
    });
    let p = disk::read(&path).unwrap().unwrap();
    assert_eq!(p.contexts().len(), 2 + 100);
    assert!(p.contexts().contains_key("t3-24-r") && p.contexts().contains_key("t0-1"));
}

/// Where a CurrentUser write of a 1,000-context file spends its time. Run with
/// `cargo test --release -p azrs --lib write_path_timings -- --ignored --nocapture`.
#[test]
#[ignore]
fn write_path_timings() {
    use std::time::Instant;
    let big = std::env::var("AZRS_BIG_PROFILE").unwrap_or_else(|_| "/tmp/big/AzureRmContext.json".into());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AzureRmContext.json");
    fs::copy(&big, &path).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let t = Instant::now();
    let p = Profile::parse(&text).unwrap();
    println!("parse {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let bytes = p.to_bytes();
    println!("serialize {:.1} ms ({} bytes)", t.elapsed().as_secs_f64() * 1e3, bytes.len());
    let t = Instant::now();
    crate::fsutil::write_atomic(&path, &bytes).unwrap();
    println!("write_atomic (temp+fsync+rename) {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let keys: Vec<String> = p.contexts().keys().cloned().collect();
    disk::read(&path).unwrap();
    let mut times = vec![];
    for i in 0..20 {
        let k = keys[i % keys.len()].clone();
        let t = Instant::now();
        disk::modify(&path, |p| Change::Select { name: k, snapshot: None }.apply(p, true)).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("disk::modify select median {:.1} ms", times[times.len() / 2]);
}
