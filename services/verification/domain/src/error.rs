//! Why a command is refused: each variant names the rule it applies, and its message is the one
//! the caller sees (with the rule ID), saying what to fix.

use chrono::{DateTime, Utc};
use rex_calendar::OutOfRange;
use rex_domain::NumberError;

use crate::state::{CaseStatus, Country, Outcome};

/// A value the contract could not carry (a missing or impossible timestamp): no rule of 358-NK,
/// the wire format's own check, reported beside the rules' findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub field: String,
    pub reason: String,
}

/// A refusal of Order 358-NK.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationError {
    // ---- input: each names its field -----------------------------------------------------
    #[error(
        "must be NO or CH: verification is done on official requests of the Kingdom of Norway or the Swiss Confederation (VER-1)"
    )]
    Ver1CountryNotCovered,
    #[error("is required: the requesting authority's reference (VER-1)")]
    Ver1ForeignReferenceRequired,
    #[error("{0} (REG-7)")]
    Reg7RegistrationNumber(NumberError),
    #[error("is required: deadline warnings go to the responsible officer (VER-2)")]
    Ver2ResponsibleOfficerRequired,
    #[error("{at} is in the future (VER-2)")]
    Ver2ReceivedInTheFuture { at: DateTime<Utc> },
    /// The intake rule (calendar.md rule 7) found no working day for the receipt.
    #[error("{0}")]
    IntakeOutOfCalendar(OutOfRange),
    #[error("is required: who checked (VER-6)")]
    Ver6OfficerRequired,
    #[error("at least one finding is required: per document and against REX data (VER-6)")]
    Ver6FindingsRequired,
    #[error(
        "{} is not a document of the case's dossier (VER-6)",
        rex_domain::quote(document_id)
    )]
    Ver6UnknownDocument { index: usize, document_id: String },
    #[error("must be a VerificationOutcome other than UNSPECIFIED (VER-7)")]
    Ver7OutcomeRequired,
    #[error("is required: the conclusion states the results of the verification (VER-7)")]
    Ver7TextRequired,
    #[error("is required (VER-7)")]
    Ver7OfficerRequired,
    #[error("is required (VER-8)")]
    Ver8OfficerRequired,
    #[error("is required: what the officer saw in REX (VER-3)")]
    Ver3SeenRequired,
    #[error("is required: who consulted REX (VER-3)")]
    Ver3OfficerRequired,
    #[error("{}", .0.reason)]
    Malformed(Malformed),
    /// A field past its limit of length or characters.
    #[error("{why}")]
    OverLimit { field: String, why: String },
    /// Every problem of one request at once, so the caller fixes them in one go.
    #[error("{}", listing(.0))]
    Invalid(Vec<VerificationError>),

    // ---- the case: a request that is the same case under another number ---------------------
    #[error(
        "foreign_reference {} of {country} is already case {case_id} for {registered}, not {requested}",
        rex_domain::quote(reference)
    )]
    Ver1ReferenceIsAnotherCase {
        reference: String,
        country: Country,
        case_id: String,
        registered: String,
        requested: String,
    },

    // ---- the case's state: the steps follow each other -------------------------------------
    #[error("case {case_id} is {status}: the check follows the dossier (VER-6)")]
    Ver6CheckBeforeDossier { case_id: String, status: CaseStatus },
    #[error("case {case_id} is {status}: the conclusion follows the check (VER-7)")]
    Ver7ConclusionBeforeCheck { case_id: String, status: CaseStatus },
    #[error(
        "case {case_id} concluded VERIFICATION_OUTCOME_{}: an appeal to revoke follows only a negative conclusion (VER-8)",
        outcome.map_or("UNSPECIFIED", Outcome::as_str)
    )]
    Ver8ConclusionNotNegative {
        case_id: String,
        outcome: Option<Outcome>,
    },
    #[error("case {case_id} is {status}: the appeal to revoke follows the conclusion (VER-8)")]
    Ver8AppealBeforeConclusion { case_id: String, status: CaseStatus },
    /// A step's period runs past the working-day calendar (VER-2).
    #[error("{0}")]
    Ver2OutOfCalendar(#[from] OutOfRange),
}

/// How the caller is told to fix its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is wrong: each problem names its field.
    Invalid,
    /// Another case already holds the request's reference.
    Conflict,
    /// The case is not in the state the command follows.
    Precondition,
}

impl VerificationError {
    /// What sort of refusal this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Ver1ReferenceIsAnotherCase { .. } => ErrorKind::Conflict,
            Self::Ver6CheckBeforeDossier { .. }
            | Self::Ver7ConclusionBeforeCheck { .. }
            | Self::Ver8ConclusionNotNegative { .. }
            | Self::Ver8AppealBeforeConclusion { .. }
            | Self::Ver2OutOfCalendar(_) => ErrorKind::Precondition,
            _ => ErrorKind::Invalid,
        }
    }

    /// The request field at fault, for an input problem.
    pub fn field(&self) -> Option<String> {
        let field = match self {
            Self::Ver1CountryNotCovered => "requesting_country",
            Self::Ver1ForeignReferenceRequired => "foreign_reference",
            Self::Reg7RegistrationNumber(_) => "registration_number",
            Self::Ver2ResponsibleOfficerRequired => "responsible_officer_id",
            Self::Ver2ReceivedInTheFuture { .. } | Self::IntakeOutOfCalendar(_) => "received_at",
            Self::Ver6OfficerRequired
            | Self::Ver7OfficerRequired
            | Self::Ver8OfficerRequired
            | Self::Ver3OfficerRequired => "officer_id",
            Self::Ver3SeenRequired => "seen",
            Self::Ver6FindingsRequired => "findings",
            Self::Ver6UnknownDocument { index, .. } => {
                return Some(format!("findings[{index}].document_id"));
            }
            Self::Ver7OutcomeRequired => "outcome",
            Self::Ver7TextRequired => "text",
            Self::Malformed(m) => return Some(m.field.clone()),
            Self::OverLimit { field, .. } => return Some(field.clone()),
            _ => return None,
        };
        Some(field.to_owned())
    }

    /// The input problems, one per field: the list of [`VerificationError::Invalid`], or this
    /// one alone.
    pub fn violations(&self) -> Vec<&VerificationError> {
        match self {
            Self::Invalid(all) => all.iter().collect(),
            one => vec![one],
        }
    }
}

/// "field: problem; field: problem", as the caller reads it.
fn listing(problems: &[VerificationError]) -> String {
    problems
        .iter()
        .map(|p| match p.field() {
            Some(field) => format!("{field}: {p}"),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
