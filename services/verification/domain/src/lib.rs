//! The law of Order 358-NK (verification of REX registrations) as pure Rust: the typed states
//! of a case, the validated input of each command, one decision function per command that
//! returns the effects or an error naming the rule, the timeline of a case (VER-2..8) and the
//! conclusion document (VER-7). No transport, no storage, no clock: "now" and "today" are given.

mod case;
mod conclusion;
mod deadlines;
mod decide;
mod error;
mod input;
mod state;
mod timeline;

pub use case::{Case, DossierDocument, Finding};
pub use conclusion::{Conclusion, ConclusionFinding, exporter_in_words, outcome_text};
pub use deadlines::{Alert, StepAlert, WARN_WITHIN_WORKING_DAYS, alerts, matches_deadline_filter};
pub use decide::{
    CheckRecorded, Concluded, DossierRequest, Opened, RevocationRequest, check_before_dossier,
    decide_issue_conclusion, decide_open, decide_record_check, decide_request_dossier,
    decide_request_revocation,
};
pub use error::{ErrorKind, Malformed, VerificationError};
pub use input::{
    CheckInput, ConclusionInput, NewCase, OfficerId, OpenCaseFields, RevocationInput,
    RexConsultationInput, Signatory,
};
pub use state::{CaseStatus, Country, Outcome, RevocationGround, UnknownName};
pub use timeline::{CaseDates, CaseStep, Periods, Timeline, timeline};
