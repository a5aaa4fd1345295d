//! The C boundary, driven as a C caller would: bytes in, buffers out, every failure a value.

use azrs::ffi::*;
use serde_json::Value;
use std::ptr;

fn call_raw(req: &[u8]) -> (i32, Value) {
    let mut out: *mut u8 = ptr::null_mut();
    let mut len: usize = 0;
    let rc = unsafe { azrs_call(req.as_ptr(), req.len(), ptr::null(), 0, &mut out, &mut len) };
    take(rc, out, len)
}

fn take(rc: i32, out: *mut u8, len: usize) -> (i32, Value) {
    assert!(!out.is_null(), "every call with out pointers hands out a buffer");
    let bytes = unsafe { std::slice::from_raw_parts(out, len) }.to_vec();
    unsafe { azrs_buffer_free(out, len) };
    (rc, serde_json::from_slice(&bytes).expect("output is JSON"))
}

#[test]
fn quick_call_returns_result() {
    let (rc, v) = call_raw(br#"{"op":"engine.info"}"#);
    assert_eq!(rc, AZRS_OK);
    assert_eq!(v["abi"], azrs::AZRS_ABI_VERSION);
}

#[test]
fn invalid_utf8_is_an_error_value() {
    let (rc, v) = call_raw(b"{\"op\":\"engine.info\",\"x\":\"\xff\xfe\"}");
    assert_eq!(rc, AZRS_ERROR);
    assert_eq!(v["code"], "InvalidUtf8");
    assert_eq!(v["category"], "InvalidArgument");
}

#[test]
fn malformed_json_and_unknown_ops_are_error_values() {
    let (rc, v) = call_raw(b"{not json");
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("InvalidRequest")));
    let (rc, v) = call_raw(br#"{"op":"nope.never"}"#);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("UnknownOperation")));
}

#[test]
fn null_and_oversized_inputs_are_refused_without_reading() {
    let mut out: *mut u8 = ptr::null_mut();
    let mut len = 0usize;
    let rc = unsafe { azrs_call(ptr::null(), 10, ptr::null(), 0, &mut out, &mut len) };
    let (rc, v) = take(rc, out, len);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("NullInput")));

    // The length is checked before the pointer is touched, so a 1-byte buffer claiming 1 GiB is safe.
    let one = [b'{'];
    let rc = unsafe { azrs_call(one.as_ptr(), 1 << 30, ptr::null(), 0, &mut out, &mut len) };
    let (rc, v) = take(rc, out, len);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("RequestTooLarge")));
    assert_eq!(v["category"], "LimitsExceeded");
}

#[test]
fn the_environment_block_reaches_the_engine_and_a_bad_one_is_an_error_value() {
    let req = br#"{"op":"diag.env","args":{"names":["BROWSER","HOME"]}}"#;
    let block = b"HOME\0BROWSER\0\0/home/x\0/usr/bin/stand-in";
    let (mut out, mut len) = (ptr::null_mut(), 0usize);
    let rc = unsafe { azrs_call(req.as_ptr(), req.len(), block.as_ptr(), block.len(), &mut out, &mut len) };
    let (rc, v) = take(rc, out, len);
    assert_eq!(rc, AZRS_OK, "{v}");
    assert_eq!(v["BROWSER"], "/usr/bin/stand-in");
    assert!(v["HOME"].is_null(), "names the engine does not consult are dropped");

    let bad = b"BROWSER\0\0a\0b";
    let rc = unsafe { azrs_call(req.as_ptr(), req.len(), bad.as_ptr(), bad.len(), &mut out, &mut len) };
    let (rc, v) = take(rc, out, len);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("InvalidEnvironmentBlock")));
    let rc = unsafe { azrs_call(req.as_ptr(), req.len(), ptr::null(), 4, &mut out, &mut len) };
    let (rc, v) = take(rc, out, len);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("NullInput")));
}

#[test]
fn null_out_pointers_report_no_output() {
    let req = br#"{"op":"engine.info"}"#;
    let rc = unsafe { azrs_call(req.as_ptr(), req.len(), ptr::null(), 0, ptr::null_mut(), ptr::null_mut()) };
    assert_eq!(rc, AZRS_NO_OUTPUT);
    unsafe { azrs_buffer_free(ptr::null_mut(), 0) }; // freeing null is allowed
}

#[test]
fn a_panic_becomes_an_internal_error_value() {
    let (rc, v) = call_raw(br#"{"op":"diag.panic"}"#);
    assert_eq!(rc, AZRS_ERROR);
    assert_eq!(v["code"], "AzRsInternalError");
    assert!(v["message"].as_str().unwrap().contains("diag.panic was asked to panic"));
    // The engine keeps working afterwards.
    assert_eq!(call_raw(br#"{"op":"engine.info"}"#).0, AZRS_OK);
}

fn begin(req: &[u8]) -> u64 {
    let (mut out, mut len, mut handle) = (ptr::null_mut(), 0usize, 0u64);
    let rc = unsafe { azrs_op_begin(req.as_ptr(), req.len(), ptr::null(), 0, &mut handle, &mut out, &mut len) };
    let (rc, v) = take(rc, out, len);
    assert_eq!(rc, AZRS_OK, "{v}");
    assert_eq!(v["handle"], handle);
    handle
}

fn poll(handle: u64, ms: u32) -> (i32, Value) {
    let (mut out, mut len) = (ptr::null_mut(), 0usize);
    let rc = unsafe { azrs_op_poll(handle, ms, &mut out, &mut len) };
    take(rc, out, len)
}

/// Polls until a terminal event; returns all events seen.
fn drain(handle: u64, answer: Option<&str>) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let (rc, events) = poll(handle, 100);
        assert_eq!(rc, AZRS_OK);
        for e in events.as_array().unwrap() {
            seen.push(e.clone());
            if e["type"] == "prompt" {
                let reply = format!(r#"{{"id":{},"answer":"{}"}}"#, e["id"], answer.unwrap_or(""));
                let (mut out, mut len) = (ptr::null_mut(), 0usize);
                let rc = unsafe { azrs_op_respond(handle, reply.as_ptr(), reply.len(), &mut out, &mut len) };
                assert_eq!(take(rc, out, len).0, AZRS_OK);
            }
            if e["type"] == "result" || e["type"] == "error" {
                return seen;
            }
        }
    }
    panic!("operation never finished: {seen:?}");
}

#[test]
fn long_operation_streams_events_prompts_and_result() {
    let h = begin(br#"{"op":"diag.wait","args":{"ticks":3,"tickMs":10,"prompt":true}}"#);
    let events = drain(h, Some("2"));
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "verbose").count(), 3);
    assert!(kinds.contains(&"information") && kinds.contains(&"progress") && kinds.contains(&"prompt"));
    let last = events.last().unwrap();
    assert_eq!(last["type"], "result");
    assert_eq!(last["value"]["answer"], "2");
    azrs_op_free(h);
    let (rc, v) = poll(h, 0);
    assert_eq!((rc, v["code"].as_str()), (AZRS_ERROR, Some("InvalidOperationHandle")));
}

#[test]
fn cancel_stops_a_long_operation_promptly() {
    let h = begin(br#"{"op":"diag.wait","args":{"ticks":1000,"tickMs":100}}"#);
    let (rc, first) = poll(h, 500);
    assert_eq!(rc, AZRS_OK);
    assert!(!first.as_array().unwrap().is_empty());
    let started = std::time::Instant::now();
    assert_eq!(azrs_op_cancel(h), AZRS_OK);
    let events = drain(h, None);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["code"], "OperationCancelled");
    assert_eq!(last["error"]["category"], "OperationStopped");
    assert!(started.elapsed().as_millis() < 1000);
    azrs_op_free(h);
    assert_eq!(azrs_op_cancel(h), AZRS_ERROR, "a freed handle is unknown");
}

#[test]
fn operation_errors_arrive_as_error_events() {
    let h = begin(br#"{"op":"diag.wait","args":{"ticks":1,"tickMs":1,"fail":true}}"#);
    let events = drain(h, None);
    let last = events.last().unwrap();
    assert_eq!(last["error"]["code"], "DiagFailure");
    assert_eq!(last["error"]["remedy"], "Do not pass fail=true.");
    assert!(events.iter().any(|e| e["type"] == "warning"));
    azrs_op_free(h);
}
