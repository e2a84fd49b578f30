//! gRPC status mapping: every error names the field and the rule.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// One field violation: the field path and what is wrong, naming the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

pub use rex_domain::quote;

/// `INVALID_ARGUMENT` with a message listing every violation as "field: description" and the
/// same as `google.rpc.BadRequest` details.
pub fn invalid_argument(violations: &[FieldViolation]) -> Status {
    let message = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ");
    let mut details = ErrorDetails::new();
    for v in violations {
        details.add_bad_request_violation(v.field.clone(), v.description.clone());
    }
    Status::with_error_details(Code::InvalidArgument, message, details)
}

/// `INVALID_ARGUMENT` for one field.
pub fn invalid_field(field: impl Into<String>, description: impl Into<String>) -> Status {
    invalid_argument(&[FieldViolation::new(field, description)])
}

/// An unexpected failure: logged with its whole cause chain, reported to the client without
/// internals.
pub fn internal(err: impl Into<anyhow::Error>) -> Status {
    let err = err.into();
    tracing::error!(error = format!("{err:#}"), "internal error");
    Status::internal("internal error; it has been logged")
}

/// Maps a database error: a busy or unreachable database is `UNAVAILABLE` (the caller may
/// retry with the same idempotency key), anything else internal.
pub fn from_db(err: sqlx::Error) -> Status {
    match &err {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            tracing::warn!(error = %err, "database unavailable");
            Status::unavailable("the database is unavailable; retry with the same idempotency key")
        }
        _ => internal(err),
    }
}
