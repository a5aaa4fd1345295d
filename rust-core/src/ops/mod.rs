//! One entry per cmdlet-level operation. `call` serves quick, synchronous requests; `begin`
//! starts long ones (see [`crate::operation`]). Requests are routed by the area before the first
//! dot of `op` (`context.select` -> `context`), so each room of the engine owns its own table.

use crate::error::{AzError, AzResult};
use crate::request::Request;
use serde_json::Value;

mod auth;
mod auth_glue;
mod config;
mod context;
mod cache;
mod diag;
mod engine;
mod operation;
pub(crate) mod environment;

/// Quick operations: one request, one result.
pub fn call(req: &Request) -> AzResult<Value> {
    crate::runtime::warm_up_in_background();
    match req.area() {
        "engine" => engine::call(req),
        "cache" => cache::call(req),
        "diag" => diag::call(req),
        "auth" => auth::call(req),
        "config" => config::call(req),
        "context" | "autosave" => context::call(req),
        "environment" => environment::call(req),
        "operation" => operation::call(req),
        _ => Err(unknown(req)),
    }
}

/// Long operations: returns the handle to poll.
pub fn begin(req: Request) -> AzResult<u64> {
    crate::runtime::warm_up_in_background();
    match req.area() {
        "diag" => diag::begin(req),
        "auth" => auth::begin(req),
        _ => Err(unknown(&req)),
    }
}

pub(crate) fn unknown(req: &Request) -> AzError {
    AzError::invalid_argument("UnknownOperation", format!("AzRs has no operation named '{}'.", req.op))
        .with_remedy("The module and its native library may be from different builds; run build.ps1 again.")
}
