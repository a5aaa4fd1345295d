//! Buffers handed to the caller: a boxed byte slice, returned through `azrs_buffer_free`.

/// Moves `bytes` to the caller.
///
/// # Safety
/// `out` and `out_len` must be valid for writes.
pub(super) unsafe fn hand_out(bytes: Vec<u8>, out: *mut *mut u8, out_len: *mut usize) {
    let boxed: Box<[u8]> = bytes.into_boxed_slice();
    let len = boxed.len();
    *out = Box::into_raw(boxed) as *mut u8;
    *out_len = len;
}

/// Frees a buffer the library handed out. Null is ignored.
///
/// # Safety
/// `ptr`/`len` must be exactly what an AzRs call wrote to `*out`/`*out_len`, freed once.
#[no_mangle]
pub unsafe extern "C" fn azrs_buffer_free(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)));
    });
}
