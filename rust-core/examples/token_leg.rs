//! Where a service principal's uncached token (Get-AzAccessToken for a new resource: the signin
//! bench's row "Token leg only") spends its time in the engine, against azrs-emulator: the stored
//! secret, the client-credentials request, storing the new token in the shared cache, and the
//! whole silent acquisition. No PowerShell; the plaintext cache file (no D-Bus session).
//!
//! ```sh
//! cargo build --release -p azrs-emulator
//! cargo run --release -p azrs --example token_leg                 # 30 tokens, no latency
//! cargo run --release -p azrs --example token_leg -- --runs 50 --latency-ms 20
//! ```

use azrs::auth::session::{self, Account, Kind};
use azrs::request::Env;
use std::io::BufRead;
use std::time::Instant;

mod common;
use common::{arg, median};

const APP: &str = "00000000-0000-0000-0000-0000000000c1";
const SECRET: &str = "Emu.Secret-c1~not-a-real-secret"; // the emulator's public test secret
const TENANT: &str = "00000000-0000-0000-0000-0000000000a1";


fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

struct Emulator(std::process::Child);
impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let (runs, latency) = (arg("--runs", 30), arg("--latency-ms", 0));
    let exe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/azrs-emulator");
    let mut child = std::process::Command::new(&exe)
        .args(["--port", "0", "--latency-ms", &latency.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo build --release -p azrs-emulator)", exe.display()));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _emu = Emulator(child);
    let info: serde_json::Value = serde_json::from_str(&line).expect("emulator start line");
    let authority = format!("{}/", info["authority"].as_str().unwrap());

    let home = tempfile::tempdir().unwrap();
    let local = home.path().join(".local/share");
    let env = Env::from_pairs([
        ("AzRs:UserProfile", home.path().display().to_string()),
        ("AzRs:LocalApplicationData", local.display().to_string()),
        ("SSL_CERT_FILE", info["caPath"].as_str().unwrap().to_string()),
    ]);
    let account = Account { id: APP.into(), kind: Kind::ServicePrincipal, home_account_id: None, certificate_thumbprint: None, certificate_path: None, send_chain: false, mi_selector: None };
    session::save_secret(&env, "ServicePrincipalSecret", APP, TENANT, SECRET).unwrap();
    let acquire = |scope: &str| azrs::runtime::block_on(session::acquire_silent(&env, None, &authority, &account, TENANT, scope, None)).unwrap();
    acquire("https://warm-up.example.invalid//.default"); // TLS, client, first cache file

    let (mut whole, mut secret, mut request, mut store) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let t = Instant::now();
        let token = acquire(&format!("https://leg-{i}.example.invalid//.default"));
        whole.push(ms(t));

        let t = Instant::now();
        let s = session::secret(&env, "ServicePrincipalSecret", APP, TENANT).unwrap();
        secret.push(ms(t));
        let t = Instant::now();
        let a = azrs::auth::Authority::new(&authority, TENANT);
        let scope = format!("https://part-{i}.example.invalid//.default");
        let fresh = azrs::runtime::block_on(azrs::auth::client_secret::acquire(&env, None, &a, APP, &s, &scope)).unwrap();
        request.push(ms(t));
        let t = Instant::now();
        session::save_token(&env, &authority, &account, &scope, &fresh).unwrap();
        azrs::cache::TokenCacheStore::open(&env, azrs::cache::CAE_CACHE).unwrap().flush().unwrap();
        store.push(ms(t));
        assert!(!token.access_token.is_empty());
    }
    println!("{runs} uncached tokens, {latency} ms latency (medians):");
    println!("  acquire_silent (what Get-AzAccessToken waits for): {:.2} ms", median(whole));
    println!("  stored secret lookup: {:.3} ms", median(secret));
    println!("  client-credentials request: {:.2} ms", median(request));
    println!("  storing the token in the shared cache, until durable: {:.2} ms", median(store));
}
