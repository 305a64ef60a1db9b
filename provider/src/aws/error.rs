//! AWS errors classified once, so resources never match on error strings.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Throttled,
    InvalidState,
    DependencyViolation,
    AccessDenied,
    /// The request was cancelled (StopProvider) or a wait ran out of time.
    Cancelled,
    TimedOut,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub kind: ErrorKind,
    /// The AWS error code, e.g. `InvalidResourceStateFault`.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl AwsError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> AwsError {
        AwsError { kind, code: code.into(), message: message.into(), request_id: None }
    }
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl std::error::Error for AwsError {}
