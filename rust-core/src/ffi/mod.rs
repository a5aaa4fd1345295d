//! The C ABI: the only place with `unsafe` and `#[no_mangle]`.
//!
//! Contract (see `include/azrs.h`):
//! - Inputs are UTF-8 JSON given as pointer + length, borrowed for the call only; never scanned
//!   for a NUL.
//! - Outputs are UTF-8 JSON buffers owned by the library: `*out`/`*out_len` are set, and the caller
//!   gives them back with `azrs_buffer_free`.
//! - Return codes: `AZRS_OK` (0, `*out` holds the result), `AZRS_ERROR` (1, `*out` holds an error
//!   object `{code, category, message, remedy?}`), `AZRS_NO_OUTPUT` (-1: the out pointers were null,
//!   nothing could be reported).
//! - No panic crosses the boundary: each entry point runs under `catch_unwind` and reports a panic
//!   as an `AzRsInternalError` value; a panic hook keeps Rust's message off the host's stderr.

use crate::error::AzError;
use crate::request::Request;
use crate::{operation, ops};
use serde_json::Value;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Duration;

mod buffer;

pub use buffer::azrs_buffer_free;

/// The result is in `*out`.
pub const AZRS_OK: i32 = 0;
/// An error object is in `*out`.
pub const AZRS_ERROR: i32 = 1;
/// The output pointers were null: nothing could be written.
pub const AZRS_NO_OUTPUT: i32 = -1;

/// Requests larger than this are refused (a context file with 10,000 contexts is ~30 MB).
pub const AZRS_MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

static HOOK: Once = Once::new();

std::thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Replaces the default hook (which prints to stderr, into the user's console) with one that
/// keeps the message for the error value; on Unix, also makes process exit wait for token-cache
/// writes still under way (`cache::flush_all_pending`).
fn install_panic_hook() {
    HOOK.call_once(|| {
        #[cfg(unix)]
        {
            extern "C" fn flush_cache_writes() {
                let _ = panic::catch_unwind(crate::cache::flush_all_pending);
            }
            // SAFETY: registers a plain function that never unwinds into libc (catch_unwind).
            // Not on Windows: waiting for threads while the DLL unloads can deadlock there, so
            // the cache writes synchronously instead.
            unsafe { libc::atexit(flush_cache_writes) };
        }
        panic::set_hook(Box::new(|info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let loc = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{loc}")));
        }));
    });
}

/// Runs `f` with panics caught; writes its JSON (or the error) to the out pointers.
fn boundary(out: *mut *mut u8, out_len: *mut usize, f: impl FnOnce() -> Result<Value, AzError>) -> i32 {
    if out.is_null() || out_len.is_null() {
        return AZRS_NO_OUTPUT;
    }
    install_panic_hook();
    let outcome = panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        let detail = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
        Err(AzError::internal(format!("The AzRs engine failed unexpectedly ({detail}).")))
    });
    let (code, value) = match outcome {
        Ok(v) => (AZRS_OK, v),
        Err(e) => (AZRS_ERROR, e.to_json()),
    };
    let bytes = serde_json::to_vec(&value).unwrap_or_else(|_| br#"{"code":"AzRsInternalError","category":"NotSpecified","message":"unserializable result"}"#.to_vec());
    // SAFETY: both pointers were checked non-null; the caller owns the slots.
    unsafe { buffer::hand_out(bytes, out, out_len) };
    code
}

/// Borrows the caller's bytes as UTF-8 text, refusing null, oversized or invalid input.
///
/// # Safety
/// `ptr` must point to `len` readable bytes (or be null, which is refused when `len > 0`).
unsafe fn input<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], AzError> {
    if len > AZRS_MAX_REQUEST_BYTES {
        return Err(AzError::new(
            "RequestTooLarge",
            crate::error::Category::LimitsExceeded,
            format!("The {what} is {len} bytes; AzRs accepts at most {AZRS_MAX_REQUEST_BYTES}."),
        ));
    }
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(AzError::invalid_argument("NullInput", format!("The {what} pointer is null.")));
    }
    let bytes = std::slice::from_raw_parts(ptr, len);
    std::str::from_utf8(bytes).map_err(|e| {
        AzError::invalid_argument("InvalidUtf8", format!("The {what} is not valid UTF-8 (at byte {}).", e.valid_up_to()))
    })?;
    Ok(bytes)
}

/// Runs a quick operation: request JSON in, result JSON out. `environ` is the environment as
/// PowerShell sees it: UTF-8 names joined by NUL, two NULs, the values joined by NUL in the same
/// order (may be empty, `environ_len` 0).
///
/// # Safety
/// `request` must point to `request_len` readable bytes, `environ` to `environ_len`; `out` and
/// `out_len` must be writable.
#[no_mangle]
pub unsafe extern "C" fn azrs_call(
    request: *const u8,
    request_len: usize,
    environ: *const u8,
    environ_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> i32 {
    boundary(out, out_len, || {
        let req = Request::parse_with_block(input(request, request_len, "request")?, environment(environ, environ_len)?)?;
        ops::call(&req)
    })
}

/// The environment block: bytes only (it holds NULs by design); UTF-8 is checked when parsed.
///
/// # Safety
/// As for `input`.
unsafe fn environment<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], AzError> {
    if len > AZRS_MAX_REQUEST_BYTES {
        return Err(AzError::new("RequestTooLarge", crate::error::Category::LimitsExceeded, format!("The environment block is {len} bytes; AzRs accepts at most {AZRS_MAX_REQUEST_BYTES}.")));
    }
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(AzError::invalid_argument("NullInput", "The environment block pointer is null."));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// Starts a long operation. On success `*handle` is set and `*out` holds `{"handle": n}`.
///
/// # Safety
/// As for `azrs_call`; `handle` must be writable.
#[no_mangle]
pub unsafe extern "C" fn azrs_op_begin(
    request: *const u8,
    request_len: usize,
    environ: *const u8,
    environ_len: usize,
    handle: *mut u64,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> i32 {
    boundary(out, out_len, || {
        if handle.is_null() {
            return Err(AzError::invalid_argument("NullInput", "The handle pointer is null."));
        }
        let req = Request::parse_with_block(input(request, request_len, "request")?, environment(environ, environ_len)?)?;
        let h = ops::begin(req)?;
        *handle = h;
        Ok(serde_json::json!({ "handle": h }))
    })
}

/// Waits up to `timeout_ms` (capped at 1000) for events of operation `handle`; `*out` holds a JSON
/// array of events, empty when none arrived in time.
///
/// # Safety
/// `out` and `out_len` must be writable.
#[no_mangle]
pub unsafe extern "C" fn azrs_op_poll(handle: u64, timeout_ms: u32, out: *mut *mut u8, out_len: *mut usize) -> i32 {
    boundary(out, out_len, || operation::poll(handle, Duration::from_millis(timeout_ms.min(1000) as u64)))
}

/// Answers a prompt event: `{"id": <prompt id>, "answer": <value>}`.
///
/// # Safety
/// As for `azrs_call`.
#[no_mangle]
pub unsafe extern "C" fn azrs_op_respond(
    handle: u64,
    answer: *const u8,
    answer_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> i32 {
    boundary(out, out_len, || {
        let bytes = input(answer, answer_len, "answer")?;
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| AzError::invalid_argument("InvalidPromptAnswer", format!("The answer is not valid JSON: {e}.")))?;
        operation::respond(handle, &v)
    })
}

/// Asks operation `handle` to stop; its final event will be an `OperationCancelled` error.
/// Returns `AZRS_OK`, or `AZRS_ERROR` for an unknown handle.
#[no_mangle]
pub extern "C" fn azrs_op_cancel(handle: u64) -> i32 {
    install_panic_hook();
    match panic::catch_unwind(|| operation::cancel(handle)) {
        Ok(Ok(())) => AZRS_OK,
        _ => AZRS_ERROR,
    }
}

/// Releases operation `handle` (cancelling it if it still runs). Unknown handles are ignored.
#[no_mangle]
pub extern "C" fn azrs_op_free(handle: u64) {
    install_panic_hook();
    let _ = panic::catch_unwind(|| operation::free(handle));
}

/// The C ABI version this library implements (`AZRS_ABI_VERSION` in the header it was built with).
#[no_mangle]
pub extern "C" fn azrs_abi_version() -> u32 {
    crate::AZRS_ABI_VERSION
}
