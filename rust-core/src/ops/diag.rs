//! Diagnostics that prove the boundary works: what the engine received, and a long operation
//! that talks to every stream and can be cancelled. Used by the tests and by `build.ps1 -Demo`.

use crate::error::{AzError, AzResult};
use crate::operation::{self, OpContext};
use crate::request::Request;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Variables whose values the engine will echo back; the rest report only whether they were set.
const ECHOABLE: &[&str] = &["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "ARM_CLOUD_METADATA_URL",
    "IDENTITY_ENDPOINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "SSL_CERT_FILE", "BROWSER", "AzRs:UserProfile",
    "AzRs:LocalApplicationData", "AzRs:Interactive"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvArgs {
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WaitArgs {
    #[serde(default = "default_ticks")]
    ticks: u32,
    #[serde(default = "default_tick_ms")]
    tick_ms: u64,
    #[serde(default)]
    prompt: bool,
    #[serde(default)]
    fail: bool,
}

fn default_ticks() -> u32 {
    3
}
fn default_tick_ms() -> u64 {
    50
}

pub fn call(req: &Request) -> AzResult<Value> {
    match req.op.as_str() {
        "diag.env" => {
            let args: EnvArgs = req.args()?;
            let mut out = serde_json::Map::new();
            for name in args.names {
                let v = match req.env.get(&name) {
                    Some(v) if ECHOABLE.contains(&name.as_str()) => json!(v),
                    Some(_) => json!("<set>"),
                    None => Value::Null,
                };
                out.insert(name, v);
            }
            Ok(Value::Object(out))
        }
        "diag.echo" => Ok(json!({"args": req.args})),
        "diag.running" => Ok(json!({"running": operation::running_count()})),
        "diag.panic" => panic!("diag.panic was asked to panic"),
        _ => Err(super::unknown(req)),
    }
}

pub fn begin(req: Request) -> AzResult<u64> {
    match req.op.as_str() {
        "diag.wait" => {
            let args: WaitArgs = req.args()?;
            Ok(operation::start(req.env, move |ctx| wait(ctx, args)))
        }
        _ => Err(super::unknown(&req)),
    }
}

async fn wait(ctx: OpContext, args: WaitArgs) -> AzResult<Value> {
    ctx.information("diag.wait started");
    for i in 0..args.ticks {
        ctx.verbose(format!("tick {}", i + 1));
        ctx.debug(format!("tick {} of {}", i + 1, args.ticks));
        ctx.progress("diag.wait", &format!("tick {}", i + 1), (i * 100 / args.ticks.max(1)) as i32, false);
        tokio::time::sleep(Duration::from_millis(args.tick_ms)).await;
    }
    ctx.progress("diag.wait", "done", 100, true);
    if args.fail {
        ctx.warning("diag.wait is about to fail as asked");
        return Err(AzError::new("DiagFailure", crate::error::Category::InvalidOperation, "diag.wait failed as asked.")
            .with_remedy("Do not pass fail=true."));
    }
    let answer = if args.prompt {
        ctx.prompt(json!({"kind": "choice", "message": "Pick a number", "choices": ["1", "2", "3"], "default": 1})).await?
    } else {
        Value::Null
    };
    Ok(json!({"ticks": args.ticks, "answer": answer}))
}
