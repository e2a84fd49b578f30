//! Why the law refuses a command: one variant per rule, its message naming the rule.

use chrono::NaiveDate;

/// A command the law does not allow in the current state, or a period that cannot be counted.
/// Each message says what is wrong and names the rule; [`RegistrationError::field`] names the
/// request field where the fault is in the request itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error(
        "form.data.exporter.tin: exporter {tin} is already registered under {number}; an exporter is registered once (REG-10)"
    )]
    Reg10AlreadyRegisteredOnSubmission { tin: String, number: String },
    #[error(
        "exporter {tin} is already registered under {number}; an exporter is registered once (REG-10)"
    )]
    Reg10AlreadyRegistered { tin: String, number: String },
    #[error("exporter {tin} is already registered (REG-10)")]
    Reg10RegisteredConcurrently { tin: String },
    #[error(
        "application {application_id} is {status}, not RECEIVED: only a received application can be registered (REG-6)"
    )]
    Reg6NotReceived {
        application_id: String,
        status: crate::ApplicationStatus,
    },
    #[error(
        "application {application_id} has {count} finding(s) of the automatic checks (first: {first_field}: {first_message} ({first_rule})); refuse it under REG-9"
    )]
    Reg9HasFindings {
        application_id: String,
        count: usize,
        first_field: String,
        first_message: String,
        first_rule: String,
    },
    #[error(
        "authorized_person_id: {} is not an active authorized person; only an authorized person registers exporters in REX (REG-6, REG-13)",
        rex_domain::quote(person_id)
    )]
    Reg13NotAnAuthorizedPerson { person_id: String },
    #[error(
        "the registration number sequence is used up: NNNN reached {max} and numbers are never reused (REG-7, REV-3)"
    )]
    Reg7SequenceUsedUp { max: u32 },
    #[error(
        "application {application_id} is {status}, not RECEIVED: only a received application can be refused (REG-9)"
    )]
    Reg9NotReceived {
        application_id: String,
        status: crate::ApplicationStatus,
    },
    #[error(
        "registration {number} is {status}: changes are made to an active registration (CHG-1)"
    )]
    Chg1RegistrationNotActive {
        number: String,
        status: crate::RegistrationStatus,
    },
    #[error("changes nothing in the registration data (CHG-1)")]
    Chg1NothingChanged,
    #[error("{changed_on} is after the notice was received on {received_on} (CHG-1)")]
    Chg1ChangedAfterNotice {
        changed_on: NaiveDate,
        received_on: NaiveDate,
    },
    #[error("change {change_id} is already {status} (CHG-2)")]
    Chg2AlreadyDecided {
        change_id: String,
        status: crate::ChangeStatus,
    },
    #[error(
        "change {change_id} has {count} finding(s) (first: {first_message} ({first_rule})): a change with incorrect or incomplete information is refused (CHG-3)"
    )]
    Chg3HasFindings {
        change_id: String,
        count: usize,
        first_message: String,
        first_rule: String,
    },
    #[error("registration {number} is {status}: the change cannot be entered (CHG-2)")]
    Chg2RegistrationNotActive {
        number: String,
        status: crate::RegistrationStatus,
    },
    #[error("{revoked_on} is before the registration is valid from {valid_from} (REV-1)")]
    Rev1BeforeValidity {
        revoked_on: NaiveDate,
        valid_from: NaiveDate,
    },
    #[error("registration {number} is already revoked (REV-1)")]
    Rev1AlreadyRevoked { number: String },
    #[error("registration {number} is {status}: only a revoked registration is reinstated (REV-5)")]
    Rev5NotRevoked {
        number: String,
        status: crate::RegistrationStatus,
    },
    #[error("registration {number} has no revocation in force (REV-5)")]
    Rev5NoRevocationInForce { number: String },
    #[error("{decided_on} is before the revocation of {revoked_on} (REV-5)")]
    Rev5DecisionBeforeRevocation {
        decided_on: NaiveDate,
        revoked_on: NaiveDate,
    },
    #[error(
        "registration {number} is {status}: only a revocation in force is contested in court (REV-8)"
    )]
    Rev8NotRevoked {
        number: String,
        status: crate::RegistrationStatus,
    },
    #[error(
        "the revocation of {number} is already contested in court case {case}; the court decides it first (REV-8)"
    )]
    Rev8AlreadyContested { number: String, case: String },
    #[error("the revocation of {number} has no pending court challenge {case} (REV-8)")]
    Rev8NoSuchChallenge { number: String, case: String },
    #[error("{filed_on} is before the revocation of {revoked_on} (REV-8)")]
    Rev8FiledBeforeRevocation {
        filed_on: NaiveDate,
        revoked_on: NaiveDate,
    },
    /// A period whose end lies outside the calendar's years.
    #[error("{message} ({rule})")]
    PeriodOutOfRange { rule: &'static str, message: String },
}

/// How the edge should answer a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is wrong in the named field.
    InvalidField(&'static str),
    /// The thing already exists (REG-10 at the door).
    AlreadyExists,
    /// The state does not allow the command.
    FailedPrecondition,
    /// A finite resource is used up.
    Exhausted,
}

impl RegistrationError {
    pub fn kind(&self) -> ErrorKind {
        use RegistrationError::*;
        match self {
            Reg10AlreadyRegisteredOnSubmission { .. } => ErrorKind::AlreadyExists,
            Reg7SequenceUsedUp { .. } => ErrorKind::Exhausted,
            Chg1NothingChanged => ErrorKind::InvalidField("proposed"),
            Chg1ChangedAfterNotice { .. } => ErrorKind::InvalidField("changed_on"),
            Rev1BeforeValidity { .. } => ErrorKind::InvalidField("revoked_on"),
            Rev5DecisionBeforeRevocation { .. } => ErrorKind::InvalidField("court_decision_on"),
            Rev8FiledBeforeRevocation { .. } => ErrorKind::InvalidField("filed_on"),
            _ => ErrorKind::FailedPrecondition,
        }
    }
}
