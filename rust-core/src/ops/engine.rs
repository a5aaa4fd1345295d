//! Facts about the engine itself.

use crate::error::AzResult;
use crate::request::Request;
use serde_json::{json, Value};

pub fn call(req: &Request) -> AzResult<Value> {
    match req.op.as_str() {
        "engine.info" => Ok(json!({
            "version": env!("CARGO_PKG_VERSION"),
            "abi": crate::AZRS_ABI_VERSION,
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
        })),
        _ => Err(super::unknown(req)),
    }
}
