//! Micro-benchmark of the engine's warm `auth.token` (Get-AzAccessToken's cache hit) through the
//! C ABI, as the signin bench's row "Engine cache hit (the P/Invoke alone)" calls it, without
//! PowerShell: the request bytes and the environment block are built once, then `azrs_call` +
//! `azrs_buffer_free` run in a loop. A service principal is signed in (Process scope) in a temp
//! HOME, with its ARM token and `--tokens` other tokens in the shared cache (plaintext file).
//!
//! ```sh
//! cargo run --release -p azrs --example token_hit                 # 5 rounds x 20,000 calls
//! cargo run --release -p azrs --example token_hit -- --calls 100000 --rounds 3 --tokens 50
//! ```
//!
//! Prints the median per-call time of the rounds, and of the parts the call is made of (request
//! parse with the environment block; the operation alone).

use azrs::auth::session::{self, Account, Kind};
use azrs::auth::Token;
use azrs::ffi::{azrs_buffer_free, azrs_call};
use azrs::request::{Env, Request};
use azrs::store;
use std::time::Instant;

mod common;
use common::{arg, median};

const APP: &str = "00000000-0000-0000-0000-0000000000c1";
const TENANT: &str = "00000000-0000-0000-0000-0000000000a1";
const AUTHORITY: &str = "https://login.microsoftonline.com/";
const ARM_SCOPE: &str = "https://management.core.windows.net//.default";


/// Per-call microseconds of `f`, median of `rounds` rounds of `calls` calls.
fn measure(rounds: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    let per_round: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / calls as f64
        })
        .collect();
    median(per_round)
}

fn main() {
    let (calls, rounds, extra_tokens) = (arg("--calls", 20_000), arg("--rounds", 5), arg("--tokens", 20));
    let home = tempfile::tempdir().expect("temp dir");
    let local = home.path().join(".local/share");
    std::fs::create_dir_all(&local).unwrap();

    // The environment block as the wrapper sends it: the whole process environment plus the
    // pseudo-variables (names joined by NUL, two NULs, values joined by NUL).
    let mut vars: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k != "HOME" && k != "DBUS_SESSION_BUS_ADDRESS").collect();
    vars.push(("HOME".into(), home.path().display().to_string()));
    vars.push(("AzRs:UserProfile".into(), home.path().display().to_string()));
    vars.push(("AzRs:LocalApplicationData".into(), local.display().to_string()));
    vars.push(("AzRs:Interactive".into(), "false".into()));
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    let values: Vec<&str> = vars.iter().map(|(_, v)| v.as_str()).collect();
    let block = format!("{}\0\0{}", names.join("\0"), values.join("\0")).into_bytes();
    let env = Env::from_block(&block).unwrap();

    // A service principal signed in for this process, its ARM token and others in the cache.
    let account_obj = store::new_account(APP, "ServicePrincipal", &[("Tenants", TENANT.to_string())]);
    let tenant_obj = store::new_tenant(TENANT, true, &[]);
    let context = store::new_context(Some(account_obj), Some(tenant_obj), None, azrs::cloud::builtin("AzureCloud"));
    store::add_context(&env, Some(store::Scope::Process), None, context, true).expect("context");
    let account = Account { id: APP.into(), kind: Kind::ServicePrincipal, home_account_id: None, certificate_thumbprint: None, certificate_path: None, send_chain: false, mi_selector: None };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let token = |scope: &str, n: usize| Token {
        access_token: format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{n:0>300}", "x".repeat(900)),
        expires_on: now + 3600,
        scope: scope.to_string(),
        tenant_id: TENANT.into(),
        user_id: APP.into(),
        ..Default::default()
    };
    for i in 0..extra_tokens {
        session::save_token(&env, AUTHORITY, &account, &format!("https://bench-{i}.example.invalid//.default"), &token(&format!("https://bench-{i}.example.invalid//.default"), i)).unwrap();
    }
    session::save_token(&env, AUTHORITY, &account, ARM_SCOPE, &token(ARM_SCOPE, 0)).unwrap();

    let request = br#"{"op":"auth.token","args":{"compact":true}}"#.to_vec();
    let call = || {
        let (mut out, mut out_len) = (std::ptr::null_mut::<u8>(), 0usize);
        // SAFETY: valid buffers for the call; the output goes back through azrs_buffer_free.
        let rc = unsafe { azrs_call(request.as_ptr(), request.len(), block.as_ptr(), block.len(), &mut out, &mut out_len) };
        let bytes = unsafe { std::slice::from_raw_parts(out, out_len) }.to_vec();
        unsafe { azrs_buffer_free(out, out_len) };
        (rc, bytes)
    };
    let (rc, bytes) = call();
    let text = String::from_utf8_lossy(&bytes);
    assert!(rc == 0 && text.starts_with("\"eyJ0eXAi"), "auth.token failed: {text}");

    println!("environment block: {} bytes, {} variables; cache: {} tokens", block.len(), vars.len(), extra_tokens + 1);
    let whole = measure(rounds, calls, || {
        std::hint::black_box(call());
    });
    let parse = measure(rounds, calls, || {
        std::hint::black_box(Request::parse_with_block(&request, &block).unwrap());
    });
    let req = Request::parse_with_block(&request, &block).unwrap();
    let op = measure(rounds, calls, || {
        std::hint::black_box(azrs::ops::call(&req).unwrap());
    });
    println!("azrs_call auth.token (cache hit): {whole:.2} us per call");
    println!("  request + environment block parse: {parse:.2} us");
    println!("  ops::call auth.token alone: {op:.2} us");
}
