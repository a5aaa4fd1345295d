//! AzRs engine: Azure sign-in, contexts, environments and config for the AzRs PowerShell module.
//!
//! The engine is plain Rust. The only `unsafe` and `#[no_mangle]` code lives in [`ffi`], which turns
//! C calls into [`request::Request`]s and hands them to [`ops`], the per-cmdlet operations.
//! Engine modules never know about PowerShell: they receive what they need (including the
//! environment variables PowerShell sees) in the request.

pub mod auth;
pub mod discovery;
pub mod config;
pub mod cloud;
pub mod cache;
pub mod error;
pub mod ffi;
pub mod fsutil;
pub mod http;
pub mod operation;
pub mod ops;
pub mod paths;
pub mod request;
pub mod runtime;
pub mod store;

pub use error::{AzError, Category};
pub use request::{Env, Request};

/// Version of the C ABI in `include/azrs.h`; bumped on any incompatible change.
pub const AZRS_ABI_VERSION: u32 = 2;
