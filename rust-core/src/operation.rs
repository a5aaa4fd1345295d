//! Long operations: `begin` starts an async task on the engine runtime and returns a handle;
//! PowerShell `poll`s it for events (verbose, warning, progress, prompts, the result), `respond`s
//! to prompts and `cancel`s it on Ctrl+C. Events queue here until the pipeline thread drains them,
//! so PowerShell only ever writes to its streams from that thread.

use crate::error::{AzError, AzResult};
use crate::request::Env;
use crate::runtime::runtime;
use once_cell::sync::Lazy;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// One event for PowerShell. `type` selects the stream.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    Verbose { message: String },
    Debug { message: String },
    Warning { message: String },
    /// Shown like Write-Host (tag PSHOST) unless the user silences the Information stream.
    Information { message: String },
    Progress {
        activity: String,
        status: String,
        percent: i32,
        completed: bool,
    },
    /// Asks PowerShell for something only it can do: read a choice, confirm, sign with a
    /// certificate from the .NET store. Answered through `respond` with the same `id`.
    Prompt { id: u64, request: Value },
    Result { value: Value },
    Error { error: Value },
}

/// What an operation's code uses to talk to PowerShell while it runs.
#[derive(Clone)]
pub struct OpContext {
    inner: Arc<Shared>,
    pub env: Env,
}

struct Shared {
    events: Mutex<Sender<Event>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    next_prompt: AtomicU64,
    cancel: CancellationToken,
}

impl OpContext {
    fn send(&self, event: Event) {
        // A closed channel means the handle was freed; nobody is listening any more.
        let _ = self.inner.events.lock().map(|tx| tx.send(event));
    }

    pub fn verbose(&self, message: impl Into<String>) {
        self.send(Event::Verbose { message: message.into() });
    }

    pub fn debug(&self, message: impl Into<String>) {
        self.send(Event::Debug { message: message.into() });
    }

    pub fn warning(&self, message: impl Into<String>) {
        self.send(Event::Warning { message: message.into() });
    }

    pub fn information(&self, message: impl Into<String>) {
        self.send(Event::Information { message: message.into() });
    }

    pub fn progress(&self, activity: &str, status: &str, percent: i32, completed: bool) {
        self.send(Event::Progress {
            activity: activity.to_string(),
            status: status.to_string(),
            percent,
            completed,
        });
    }

    /// Sends a prompt and waits for PowerShell's answer (or for cancellation).
    pub async fn prompt(&self, request: Value) -> AzResult<Value> {
        let id = self.inner.next_prompt.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        self.inner.pending.lock().map_err(|_| AzError::internal("prompt table poisoned"))?.insert(id, tx);
        self.send(Event::Prompt { id, request });
        tokio::select! {
            answer = rx => answer.map_err(|_| AzError::cancelled()),
            _ = self.inner.cancel.cancelled() => Err(AzError::cancelled()),
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Resolves when the operation is cancelled; for code that waits on something else.
    pub async fn cancelled(&self) {
        self.inner.cancel.cancelled().await
    }
}

struct Operation {
    ctx: OpContext,
    events: Mutex<Receiver<Event>>,
}

static OPERATIONS: Lazy<Mutex<HashMap<u64, Arc<Operation>>>> = Lazy::new(|| Mutex::new(HashMap::new()));
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);
static RUNNING: AtomicU64 = AtomicU64::new(0);

/// Number of operation tasks still running (for tests: proves cancellation reached the task).
pub fn running_count() -> u64 {
    RUNNING.load(Ordering::SeqCst)
}

/// Starts `work` on the engine runtime. Whatever it returns becomes the final `result` or
/// `error` event. Cancellation drops the future at its next await point.
pub fn start<F, Fut>(env: Env, work: F) -> u64
where
    F: FnOnce(OpContext) -> Fut,
    Fut: Future<Output = AzResult<Value>> + Send + 'static,
{
    let (tx, rx) = channel();
    let ctx = OpContext {
        inner: Arc::new(Shared {
            events: Mutex::new(tx),
            pending: Mutex::new(HashMap::new()),
            next_prompt: AtomicU64::new(0),
            cancel: CancellationToken::new(),
        }),
        env,
    };
    let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
    let op = Arc::new(Operation { ctx: ctx.clone(), events: Mutex::new(rx) });
    OPERATIONS.lock().expect("operation table").insert(handle, op);

    let fut = work(ctx.clone());
    RUNNING.fetch_add(1, Ordering::SeqCst);
    runtime().spawn(async move {
        let outcome = tokio::select! {
            r = fut => r,
            _ = ctx.inner.cancel.cancelled() => Err(AzError::cancelled()),
        };
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        ctx.send(match outcome {
            Ok(value) => Event::Result { value },
            Err(e) => Event::Error { error: e.to_json() },
        });
    });
    handle
}

fn lookup(handle: u64) -> AzResult<Arc<Operation>> {
    OPERATIONS
        .lock()
        .map_err(|_| AzError::internal("operation table poisoned"))?
        .get(&handle)
        .cloned()
        .ok_or_else(|| AzError::invalid_argument("InvalidOperationHandle", format!("No AzRs operation has handle {handle}.")))
}

/// Waits up to `timeout` for the first event, then drains whatever else is queued.
/// Returns a JSON array (possibly empty).
pub fn poll(handle: u64, timeout: Duration) -> AzResult<Value> {
    let op = lookup(handle)?;
    let rx = op.events.lock().map_err(|_| AzError::internal("event queue poisoned"))?;
    let mut events = Vec::new();
    match rx.recv_timeout(timeout) {
        Ok(e) => events.push(e),
        Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
    }
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    serde_json::to_value(events).map_err(|e| AzError::internal(format!("event serialization failed: {e}")))
}

/// Delivers PowerShell's answer to prompt `id`: `{"id": 1, "answer": ...}`.
pub fn respond(handle: u64, answer: &Value) -> AzResult<Value> {
    let op = lookup(handle)?;
    let id = answer.get("id").and_then(Value::as_u64).ok_or_else(|| {
        AzError::invalid_argument("InvalidPromptAnswer", "A prompt answer needs the prompt's numeric 'id'.")
    })?;
    let tx = op
        .ctx
        .inner
        .pending
        .lock()
        .map_err(|_| AzError::internal("prompt table poisoned"))?
        .remove(&id)
        .ok_or_else(|| AzError::invalid_argument("UnknownPrompt", format!("The operation is not waiting for prompt {id}.")))?;
    let _ = tx.send(answer.get("answer").cloned().unwrap_or(Value::Null));
    Ok(json!({"delivered": true}))
}

pub fn cancel(handle: u64) -> AzResult<()> {
    lookup(handle)?.ctx.inner.cancel.cancel();
    Ok(())
}

/// Forgets the handle; a still-running task is cancelled first.
pub fn free(handle: u64) {
    let removed = OPERATIONS.lock().ok().and_then(|mut ops| ops.remove(&handle));
    if let Some(op) = removed {
        op.ctx.inner.cancel.cancel();
    }
}
