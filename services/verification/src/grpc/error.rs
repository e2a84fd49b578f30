//! The one place a refusal of the law becomes a gRPC status: input problems are
//! INVALID_ARGUMENT with a field violation each, a reference held by another case
//! ALREADY_EXISTS, a step out of order FAILED_PRECONDITION. The message keeps the rule ID.

use rex_runtime::status::{FieldViolation, invalid_argument};
use rex_verification_domain::{ErrorKind, VerificationError};
use tonic::Status;

/// A refusal on its way to the caller. (`From<VerificationError> for Status` cannot be written
/// here: both types are foreign to this crate, and the domain crate knows no tonic.)
#[derive(Debug)]
pub struct Refusal(pub VerificationError);

impl From<Refusal> for Status {
    fn from(Refusal(err): Refusal) -> Self {
        match err.kind() {
            ErrorKind::Invalid => {
                let violations: Vec<FieldViolation> = err
                    .violations()
                    .into_iter()
                    .map(|v| FieldViolation::new(v.field().unwrap_or_default(), v.to_string()))
                    .collect();
                invalid_argument(&violations)
            }
            ErrorKind::Conflict => Status::already_exists(err.to_string()),
            ErrorKind::Precondition => Status::failed_precondition(err.to_string()),
        }
    }
}

/// No case under the id the caller gave.
pub fn no_case(case_id: &str) -> Status {
    Status::not_found(format!("case_id: no case {case_id:?}"))
}
