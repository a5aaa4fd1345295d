//! azrs-emulator: Entra ID (v2.0), Azure Resource Manager and managed-identity endpoints on
//! 127.0.0.1, seeded from JSON, for AzRs tests and benchmarks. Never loaded by Import-Module.
//!
//! Rooms: `identity/` (discovery, authorize, token, device code), `arm/`, `managed_identity/`,
//! `admin/` (API + counters/faults middleware), `seed/` (the world), `tokens/` (JWT),
//! `tls/` (CA, listener). `start` is used by the binary and by the integration tests.

pub mod admin;
pub mod arm;
pub mod identity;
pub mod managed_identity;
pub mod origin;
pub mod seed;
pub mod state;
pub mod tls;
pub mod tokens;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use seed::{Generate, Seed};
use serde_json::{json, Value};
use state::{AppState, Settings};

/// Command-line options (see `azrs-emulator --help`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub port: u16,
    /// Advertise http:// URLs (both schemes are always served on the one port).
    pub http: bool,
    pub seed: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub auto_approve: bool,
    pub latency_ms: u64,
    pub generate_tenants: usize,
    pub subscriptions_per_tenant: usize,
    pub page_size: Option<usize>,
}

pub struct Running {
    pub port: u16,
    /// The startup line: everything a client needs.
    pub info: Value,
    pub ca_pem: String,
    pub state: Arc<AppState>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn authority(&self) -> String {
        self.info["authority"].as_str().unwrap_or_default().to_string()
    }
    pub fn stop(self) {
        self.task.abort();
    }
}

pub fn app(state: Arc<AppState>) -> axum::Router {
    axum::Router::new()
        .merge(admin::router())
        .merge(arm::router())
        .merge(managed_identity::router())
        .merge(identity::router())
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, axum::Json(json!({"error": {"code": "NotFound", "message": "No such endpoint in azrs-emulator."}}))) })
        .layer(axum::middleware::from_fn_with_state(state.clone(), admin::stats::middleware))
        .with_state(state)
}

/// Binds 127.0.0.1:`port` (0 = any free port), writes the CA PEM, and serves in the background.
pub async fn start(opts: Options) -> Result<Running, String> {
    let started = Instant::now();
    let mut world = match &opts.seed {
        Some(p) => Seed::from_file(p)?,
        None => Seed::default_seed(),
    };
    if opts.generate_tenants > 0 {
        world.generate = Some(Generate { tenants: opts.generate_tenants, subscriptions_per_tenant: opts.subscriptions_per_tenant, members: vec![] });
    }
    world.expand();
    let signer = tokens::Signer::from_pem(world.signing_key_pem())?;
    let tls = tls::generate()?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await.map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let state_dir = opts.state_dir.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("azrs-emulator-{port}")));
    std::fs::create_dir_all(&state_dir).map_err(|e| format!("cannot create state dir {}: {e}", state_dir.display()))?;
    let ca_path = state_dir.join("ca.pem");
    std::fs::write(&ca_path, &tls.ca_pem).map_err(|e| format!("cannot write {}: {e}", ca_path.display()))?;

    let mut settings = Settings { auto_approve: opts.auto_approve, ..Settings::default() };
    if let Some(p) = opts.page_size {
        settings.page_size = p;
    }
    let identity_header = state::random_token(24);
    let state = Arc::new(AppState {
        world: RwLock::new(world),
        signer,
        settings: RwLock::new(settings),
        codes: Mutex::new(HashMap::new()),
        device_codes: Mutex::new(HashMap::new()),
        refresh_tokens: Mutex::new(HashMap::new()),
        seen_jti: Mutex::new(Default::default()),
        stats: Default::default(),
        state_dir: state_dir.clone(),
        identity_header: identity_header.clone(),
        arc_key: Mutex::new(None),
    });
    *state.stats.base_latency_ms.lock().unwrap() = opts.latency_ms;
    let warm = state.clone();
    std::thread::Builder::new().name("emulator-warmup".into()).spawn(move || warm.signer.warm()).map_err(|e| format!("cannot start the warm-up thread: {e}"))?;

    let https = format!("https://127.0.0.1:{port}");
    let http = format!("http://127.0.0.1:{port}");
    let authority = if opts.http { http.clone() } else { https.clone() };
    let info = json!({
        "authority": authority,
        "arm": format!("{authority}/"),
        "https": https,
        "http": http,
        "port": port,
        "pid": std::process::id(),
        "caPath": ca_path.to_string_lossy(),
        "stateDir": state_dir.to_string_lossy(),
        "adminUrl": format!("{authority}/admin"),
        "activeDirectoryServiceEndpointResourceId": "https://management.core.windows.net/",
        // AZURE_POD_IDENTITY_AUTHORITY_HOST (IMDS), IDENTITY_ENDPOINT/IDENTITY_HEADER (App Service),
        // MSI_ENDPOINT (Cloud Shell), IDENTITY_ENDPOINT+IMDS_ENDPOINT (Arc): plain HTTP, as on Azure.
        "imdsEndpoint": http,
        "identityEndpoint": format!("{http}/msi/token"),
        "identityHeader": identity_header,
        "msiEndpoint": format!("{http}/cloudshell/oauth2/token"),
        "arcEndpoint": format!("{http}/arc/metadata/identity/oauth2/token"),
        "startupMs": started.elapsed().as_millis() as u64,
    });
    let router = app(state.clone());
    let task = tokio::spawn(tls::serve(listener, tls.acceptor, router));
    Ok(Running { port, info, ca_pem: tls.ca_pem, state, task })
}
