//! One decision per command: the case as it stands, the validated input and the day in, the
//! effects (what to store, what to send) or the rule that refuses out. The edges load, store
//! and answer; they decide nothing.

use chrono::{DateTime, NaiveDate, Utc};

use crate::case::{Case, DossierDocument, Finding};
use crate::conclusion::Conclusion;
use crate::error::VerificationError;
use crate::input::{CheckInput, ConclusionInput, NewCase, OfficerId, RevocationInput};
use crate::state::{CaseStatus, Outcome};

/// What OpenCase does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The request is the existing case: it is answered again (VER-1: the same foreign
    /// reference of the same country is the same request).
    Existing,
    /// A new case, to be stored.
    New(Box<Case>),
}

/// VER-1: a request opens one case; the same reference of the same country is that case again,
/// unless it names another registration. `existing` is the case already holding the reference;
/// `case_id` is the new case's id should one be opened.
pub fn decide_open(
    existing: Option<&Case>,
    request: &NewCase,
    case_id: String,
    now: DateTime<Utc>,
) -> Result<Opened, VerificationError> {
    let number = request.registration_number.to_string();
    if let Some(existing) = existing {
        if existing.registration_number != number {
            return Err(VerificationError::Ver1ReferenceIsAnotherCase {
                reference: request.foreign_reference.clone(),
                country: request.requesting_country,
                case_id: existing.case_id.clone(),
                registered: existing.registration_number.clone(),
                requested: number,
            });
        }
        return Ok(Opened::Existing);
    }
    Ok(Opened::New(Box::new(Case {
        case_id,
        requesting_country: request.requesting_country,
        foreign_reference: request.foreign_reference.clone(),
        registration_number: number,
        received_at: request.received_at,
        received_on: request.received_on,
        subject: request.subject.clone(),
        responsible_officer_id: request.responsible_officer_id.as_str().to_owned(),
        status: CaseStatus::Open,
        opened_at: now,
        dossier_requested_on: None,
        dossier_received_on: None,
        dossier_finding: String::new(),
        checked_on: None,
        checked_by: String::new(),
        checked_at: None,
        check_findings: Vec::new(),
        concluded_on: None,
        outcome: None,
        conclusion_text: String::new(),
        concluded_by: String::new(),
        conclusion_json: None,
        conclusion_html: None,
        revocation_requested_on: None,
        revocation_officer_id: String::new(),
        revocation_answer: String::new(),
    })))
}

/// What RequestDossier does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierRequest {
    /// Ask Atameken for the dossier: VER-4 is done when the request is made (today), and the
    /// request is kept until it is sent (OPEN -> DOSSIER_REQUESTED).
    Send { requested_on: NaiveDate },
    /// Asked again while pending: one more attempt now, never a second request.
    AskAgain,
    /// The dossier step is over: nothing to do.
    Nothing,
}

/// VER-4: the dossier is requested once, when the case is open.
pub fn decide_request_dossier(case: &Case, today: NaiveDate) -> DossierRequest {
    match case.status {
        CaseStatus::Open => DossierRequest::Send {
            requested_on: today,
        },
        CaseStatus::DossierRequested => DossierRequest::AskAgain,
        _ => DossierRequest::Nothing,
    }
}

/// The check to store (DOSSIER_RECEIVED -> CHECKED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecorded {
    pub findings: Vec<Finding>,
    pub officer_id: OfficerId,
    pub checked_at: DateTime<Utc>,
    pub checked_on: NaiveDate,
}

/// VER-6: each finding is on a document of the case's dossier (or on the REX data), and the
/// check follows the dossier.
pub fn decide_record_check(
    case: &Case,
    dossier: &[DossierDocument],
    input: CheckInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<CheckRecorded, VerificationError> {
    let unknown: Vec<VerificationError> = input
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.document_id.is_empty() && !dossier.iter().any(|d| d.document_id == f.document_id)
        })
        .map(|(index, f)| VerificationError::Ver6UnknownDocument {
            index,
            document_id: f.document_id.clone(),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(VerificationError::Invalid(unknown));
    }
    if case.status != CaseStatus::DossierReceived {
        return Err(check_before_dossier(case));
    }
    Ok(CheckRecorded {
        findings: input.findings,
        officer_id: input.officer_id,
        checked_at: now,
        checked_on: today,
    })
}

/// VER-6's refusal for `case` as it stands (also when it moved on while the check was stored).
pub fn check_before_dossier(case: &Case) -> VerificationError {
    VerificationError::Ver6CheckBeforeDossier {
        case_id: case.case_id.clone(),
        status: case.status,
    }
}

/// The conclusion to store (CHECKED -> CONCLUDED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concluded {
    pub concluded_on: NaiveDate,
    pub outcome: Outcome,
    pub text: String,
    pub officer_id: OfficerId,
    pub conclusion: Conclusion,
}

/// VER-7: the conclusion follows the check, and is drawn up today.
pub fn decide_issue_conclusion(
    case: &Case,
    dossier: &[DossierDocument],
    input: ConclusionInput,
    today: NaiveDate,
) -> Result<Concluded, VerificationError> {
    if case.status != CaseStatus::Checked {
        return Err(VerificationError::Ver7ConclusionBeforeCheck {
            case_id: case.case_id.clone(),
            status: case.status,
        });
    }
    let conclusion = Conclusion::draw_up(case, dossier, &input, today);
    Ok(Concluded {
        concluded_on: today,
        outcome: input.outcome,
        text: input.text,
        officer_id: input.officer_id,
        conclusion,
    })
}

/// What RequestRevocation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationRequest {
    /// Send Atameken the appeal to revoke: VER-8 is done today, and the appeal is kept until
    /// sent (CONCLUDED -> REVOCATION_REQUESTED).
    Send {
        requested_on: NaiveDate,
        officer_id: OfficerId,
    },
    /// Asked again while pending: one more attempt now, never a second appeal.
    AskAgain,
    /// Atameken has answered: nothing more to do.
    Nothing,
}

/// VER-8: the appeal to revoke follows a negative conclusion, once.
pub fn decide_request_revocation(
    case: &Case,
    input: RevocationInput,
    today: NaiveDate,
) -> Result<RevocationRequest, VerificationError> {
    match case.status {
        CaseStatus::Concluded if case.outcome.is_some_and(Outcome::is_negative) => {
            Ok(RevocationRequest::Send {
                requested_on: today,
                officer_id: input.officer_id,
            })
        }
        CaseStatus::Concluded => Err(VerificationError::Ver8ConclusionNotNegative {
            case_id: case.case_id.clone(),
            outcome: case.outcome,
        }),
        CaseStatus::RevocationRequested => Ok(RevocationRequest::AskAgain),
        CaseStatus::Closed => Ok(RevocationRequest::Nothing),
        status => Err(VerificationError::Ver8AppealBeforeConclusion {
            case_id: case.case_id.clone(),
            status,
        }),
    }
}

#[cfg(test)]
mod tests;
