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
    Status::not_found(format!("case_id: no case {}", rex_domain::quote(case_id)))
}

#[cfg(test)]
mod tests {
    use rex_verification_domain::{CaseStatus, Country};
    use tonic::Code;

    use super::*;

    fn status(err: VerificationError) -> Status {
        Refusal(err).into()
    }

    #[test]
    fn ver_1_input_problems_are_invalid_argument_with_a_violation_each() {
        let s = status(VerificationError::Invalid(vec![
            VerificationError::Ver1CountryNotCovered,
            VerificationError::Ver1ForeignReferenceRequired,
        ]));
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(
            s.message(),
            "requesting_country: must be NO or CH: verification is done on official requests of the Kingdom of Norway or the Swiss Confederation (VER-1); foreign_reference: is required: the requesting authority's reference (VER-1)"
        );
        let each = invalid_argument(&[
            FieldViolation::new(
                "requesting_country",
                VerificationError::Ver1CountryNotCovered.to_string(),
            ),
            FieldViolation::new(
                "foreign_reference",
                VerificationError::Ver1ForeignReferenceRequired.to_string(),
            ),
        ]);
        assert_eq!(
            s.details(),
            each.details(),
            "one BadRequest violation a field"
        );
    }

    #[test]
    fn ver_8_one_input_problem_names_its_field() {
        let s = status(VerificationError::Ver8OfficerRequired);
        assert_eq!(
            (s.code(), s.message()),
            (Code::InvalidArgument, "officer_id: is required (VER-8)")
        );
    }

    #[test]
    fn ver_7_a_step_out_of_order_is_failed_precondition() {
        let s = status(VerificationError::Ver7ConclusionBeforeCheck {
            case_id: "MTI-VER-1".into(),
            status: CaseStatus::Open,
        });
        assert_eq!(
            (s.code(), s.message()),
            (
                Code::FailedPrecondition,
                "case MTI-VER-1 is OPEN: the conclusion follows the check (VER-7)"
            )
        );
    }

    #[test]
    fn ver_1_a_reference_of_another_case_already_exists() {
        let s = status(VerificationError::Ver1ReferenceIsAnotherCase {
            reference: "NO-1".into(),
            country: Country::No,
            case_id: "MTI-VER-1".into(),
            registered: "KZREX002190320260017".into(),
            requested: "KZREX002190320260018".into(),
        });
        assert_eq!(s.code(), Code::AlreadyExists);
    }
}
