//! Errors are values: every failure crosses the boundary as this JSON shape and becomes a
//! PowerShell ErrorRecord (FullyQualifiedErrorId `<code>,<Cmdlet>`, category from `category`).

use serde::Serialize;
use std::fmt;

/// Mirrors `System.Management.Automation.ErrorCategory` names, so the wrapper can cast directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Category {
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    ResourceBusy,
    PermissionDenied,
    AuthenticationError,
    SecurityError,
    ConnectionError,
    OperationTimeout,
    OperationStopped,
    ReadError,
    WriteError,
    NotImplemented,
    LimitsExceeded,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AzError {
    /// Stable identifier, e.g. `ContextFileCorrupt`; the first half of FullyQualifiedErrorId.
    pub code: String,
    pub category: Category,
    /// What went wrong, in a sentence a user can act on. Never contains a secret.
    pub message: String,
    /// What to do about it (shown as RecommendedAction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The object the error is about (a file path, a context name), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Entra error code (e.g. `AADSTS50076`) when the service gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aadsts: Option<String>,
}

impl AzError {
    pub fn new(code: impl Into<String>, category: Category, message: impl Into<String>) -> Self {
        AzError {
            code: code.into(),
            category,
            message: message.into(),
            remedy: None,
            target: None,
            correlation_id: None,
            aadsts: None,
        }
    }

    pub fn with_remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }

    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn invalid_argument(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, Category::InvalidArgument, message)
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, Category::ObjectNotFound, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("AzRsInternalError", Category::NotSpecified, message)
            .with_remedy("This is a bug in AzRs; please report it with the steps that led here.")
    }

    pub fn cancelled() -> Self {
        Self::new("OperationCancelled", Category::OperationStopped, "The operation was cancelled.")
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({"code": "AzRsInternalError"}))
    }
}

impl fmt::Display for AzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AzError {}

pub type AzResult<T> = Result<T, AzError>;
