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

/// Runs a future to completion from a synchronous entry point (quick operations).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    RUNTIME.block_on(f)
}
