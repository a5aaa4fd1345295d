//! A token written behind (Get-AzAccessToken's new token) reaches the shared cache even when the
//! process exits right after the call: the exit waits for the write. The test runs itself as the
//! child process, which writes behind while the parent holds MSAL's lock, then exits at once.

use azrs::cache::{MsalLock, PersistenceChoice, TokenCacheStore, TokenRequestInfo, TokenResponse, CAE_CACHE};
use azrs::request::Env;
use std::time::{Duration, Instant};

const CHILD: &str = "AZRS_TEST_WRITE_BEHIND_DIR";

#[test]
fn child_writes_behind_and_exits() {
    let Ok(dir) = std::env::var(CHILD) else { return };
    // The first call across the C boundary registers the exit wait, as PowerShell's first one does.
    let (mut out, mut len) = (std::ptr::null_mut(), 0usize);
    let req = br#"{"op":"engine.info","args":{}}"#;
    // SAFETY: valid request bytes and out pointers; the buffer is given back at once.
    unsafe {
        assert_eq!(azrs::ffi::azrs_call(req.as_ptr(), req.len(), std::ptr::null(), 0, &mut out, &mut len), 0);
        azrs::ffi::azrs_buffer_free(out, len);
    }
    let store = TokenCacheStore::open_in(std::path::Path::new(&dir), CAE_CACHE, &Env::default(), PersistenceChoice::PlaintextFile);
    let resp: TokenResponse = serde_json::from_value(serde_json::json!({
        "token_type": "Bearer", "scope": "https://vault.azure.net/.default", "expires_in": 3599, "access_token": "AT-WRITTEN-AT-EXIT",
    }))
    .unwrap();
    let now = azrs::cache::now_epoch();
    let info = TokenRequestInfo { client_id: "00000000-0000-0000-0000-0000000000c1", authority_host: "login.microsoftonline.com", authority_tenant: "00000000-0000-0000-0000-0000000000a1", requested_scopes: &["https://vault.azure.net/.default"], now };
    store.write_token_response_behind(&info, &resp).unwrap();
    std::process::exit(0); // exit(3): atexit handlers run, threads are not joined by themselves
}

#[test]
fn the_token_is_on_disk_after_the_writer_exited() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join(CAE_CACHE);
    let held = MsalLock::acquire(&cache, Duration::from_secs(1)).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writes_behind_and_exits", "--test-threads", "1", "--quiet"])
        .env(CHILD, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The child cannot write while we hold the lock; keep it long enough for it to reach exit.
    std::thread::sleep(Duration::from_millis(400));
    assert!(child.try_wait().unwrap().is_none(), "the child's exit waits for its write");
    let released = Instant::now();
    drop(held);
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(released.elapsed() < Duration::from_secs(5));
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(text.contains("AT-WRITTEN-AT-EXIT"), "the written-behind token survived the exit");
}
