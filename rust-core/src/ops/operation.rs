//! Long operations driven through the quick entry point (`azrs_call`): `operation.begin` with
//! the request to start, then `operation.poll`, `operation.respond`, `operation.cancel` and
//! `operation.free` on its handle. Same mechanism as the `azrs_op_*` entry points, which stay for
//! C callers. PowerShell uses these so that every engine call goes through the one P/Invoke it
//! has already bound: each further P/Invoke method costs it ~5 ms to bind on first use, and a
//! first sign-in would pay that for begin, poll and free.

use crate::error::{AzError, AzResult};
use crate::operation;
use crate::request::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// `operation.begin`: the long request, as `{op, args}`; it runs with this call's environment.
#[derive(Deserialize)]
struct BeginArgs {
    op: String,
    #[serde(default)]
    args: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandleArgs {
    handle: u64,
    /// `operation.poll` only: how long to wait for the first event (capped at 1000 ms).
    #[serde(default = "default_wait_ms")]
    wait_ms: u64,
    /// `operation.respond` only: the prompt answered, and the answer.
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    answer: Value,
}

fn default_wait_ms() -> u64 {
    100
}

pub fn call(req: &Request) -> AzResult<Value> {
    if req.op == "operation.begin" {
        let a: BeginArgs = req.args()?;
        if a.op.starts_with("operation.") {
            return Err(AzError::invalid_argument("InvalidRequest", "operation.begin starts an engine operation, not another operation.* request."));
        }
        let handle = super::begin(Request { op: a.op, args: a.args, env: req.env.clone() })?;
        return Ok(json!({ "handle": handle }));
    }
    let a: HandleArgs = req.args()?;
    match req.op.as_str() {
        "operation.poll" => operation::poll(a.handle, Duration::from_millis(a.wait_ms.min(1000))),
        "operation.respond" => {
            let id = a.id.ok_or_else(|| AzError::invalid_argument("InvalidPromptAnswer", "A prompt answer needs the prompt's numeric 'id'."))?;
            operation::respond(a.handle, &json!({ "id": id, "answer": a.answer }))
        }
        "operation.cancel" => operation::cancel(a.handle).map(|()| json!({ "cancelled": true })),
        "operation.free" => {
            operation::free(a.handle);
            Ok(json!({ "freed": true }))
        }
        _ => Err(super::unknown(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(op: &str, args: Value) -> AzResult<Value> {
        super::super::call(&Request { op: op.into(), args, env: Default::default() })
    }

    #[test]
    fn a_long_operation_runs_to_its_result_through_quick_calls() {
        let begun = quick("operation.begin", json!({"op": "diag.wait", "args": {"ticks": 2, "tickMs": 1}})).unwrap();
        let handle = begun["handle"].as_u64().unwrap();
        let mut result = None;
        for _ in 0..100 {
            let events = quick("operation.poll", json!({"handle": handle, "waitMs": 100})).unwrap();
            for e in events.as_array().unwrap() {
                if e["type"] == "result" {
                    result = Some(e["value"].clone());
                }
            }
            if result.is_some() {
                break;
            }
        }
        assert_eq!(result.unwrap()["ticks"], 2);
        quick("operation.free", json!({"handle": handle})).unwrap();
        assert!(quick("operation.poll", json!({"handle": handle})).is_err(), "a freed handle is gone");
    }

    #[test]
    fn prompts_are_answered_and_cancel_ends_the_operation() {
        let begun = quick("operation.begin", json!({"op": "diag.wait", "args": {"ticks": 0, "prompt": true}})).unwrap();
        let handle = begun["handle"].as_u64().unwrap();
        let mut answered = false;
        let mut result = None;
        for _ in 0..100 {
            for e in quick("operation.poll", json!({"handle": handle})).unwrap().as_array().unwrap().clone() {
                if e["type"] == "prompt" {
                    quick("operation.respond", json!({"handle": handle, "id": e["id"], "answer": 2})).unwrap();
                    answered = true;
                }
                if e["type"] == "result" {
                    result = Some(e["value"].clone());
                }
            }
            if result.is_some() {
                break;
            }
        }
        assert!(answered);
        assert_eq!(result.unwrap()["answer"], 2);
        quick("operation.free", json!({"handle": handle})).unwrap();

        let long = quick("operation.begin", json!({"op": "diag.wait", "args": {"ticks": 100, "tickMs": 50}})).unwrap();
        let handle = long["handle"].as_u64().unwrap();
        quick("operation.cancel", json!({"handle": handle})).unwrap();
        let mut error = None;
        for _ in 0..50 {
            for e in quick("operation.poll", json!({"handle": handle})).unwrap().as_array().unwrap().clone() {
                if e["type"] == "error" {
                    error = Some(e["error"]["code"].clone());
                }
            }
            if error.is_some() {
                break;
            }
        }
        assert_eq!(error.unwrap(), "OperationCancelled");
        quick("operation.free", json!({"handle": handle})).unwrap();
    }

    #[test]
    fn bad_requests_are_errors() {
        assert!(quick("operation.begin", json!({"op": "operation.poll", "args": {"handle": 1}})).is_err());
        assert!(quick("operation.begin", json!({"op": "nosuch.op"})).is_err());
        assert!(quick("operation.poll", json!({})).is_err(), "a handle is required");
        assert!(quick("operation.respond", json!({"handle": 999999})).is_err());
        assert!(quick("operation.nosuch", json!({"handle": 1})).is_err());
    }
}
