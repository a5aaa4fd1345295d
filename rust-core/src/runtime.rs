//! The one tokio runtime of the process, started on first use (never at library load).

use once_cell::sync::Lazy;
use tokio::runtime::Runtime;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("azrs-worker")
        .enable_all()
        .build()
        .expect("the AzRs runtime could not start")
});

pub fn runtime() -> &'static Runtime {
    &RUNTIME
}

/// Once per process, on the first engine call: a background thread starts the runtime and loads
/// the TLS root store, so the first sign-in does not pay for them. Local work only (no network,
/// no D-Bus); the calling thread only pays for spawning the thread.
pub fn warm_up_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new().name("azrs-warmup".into()).spawn(|| {
            Lazy::force(&RUNTIME);
            crate::http::tls::warm();
        });
    });
}

/// Runs a future to completion from a synchronous entry point (quick operations).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    RUNTIME.block_on(f)
}
