//! A verification case as the law sees it: who asked about which registration, where it
//! stands, and the dates its steps were done on.

use chrono::{DateTime, NaiveDate, Utc};

use crate::state::{CaseStatus, Country, Outcome};
use crate::timeline::CaseDates;

/// One finding of the check (VER-6): a document of the dossier, or the REX data (no document).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finding {
    /// The document checked; empty for a finding against REX data.
    pub document_id: String,
    pub complete: bool,
    pub reliable: bool,
    pub note: String,
}

/// A document of the dossier Atameken sent (VER-5), as the check and the conclusion name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierDocument {
    pub document_id: String,
    pub file_name: String,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub case_id: String,
    pub requesting_country: Country,
    pub foreign_reference: String,
    pub registration_number: String,
    pub received_at: DateTime<Utc>,
    /// The request's registered date (intake rule): VER-2 and VER-4 count from it.
    pub received_on: NaiveDate,
    pub subject: String,
    /// Who answers for the deadlines and gets their warnings (VER-2).
    pub responsible_officer_id: String,
    pub status: CaseStatus,
    pub opened_at: DateTime<Utc>,
    /// VER-4 done.
    pub dossier_requested_on: Option<NaiveDate>,
    /// VER-5 done.
    pub dossier_received_on: Option<NaiveDate>,
    /// Why the dossier step ended without a dossier; empty when it came.
    pub dossier_finding: String,
    /// VER-6 done.
    pub checked_on: Option<NaiveDate>,
    pub checked_by: String,
    pub checked_at: Option<DateTime<Utc>>,
    pub check_findings: Vec<Finding>,
    /// VER-7 done.
    pub concluded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub conclusion_text: String,
    pub concluded_by: String,
    /// The conclusion document (VER-7), as JSON and as a printable page.
    pub conclusion_json: Option<String>,
    pub conclusion_html: Option<String>,
    /// VER-8 done: the appeal to revoke sent.
    pub revocation_requested_on: Option<NaiveDate>,
    pub revocation_officer_id: String,
    /// What Atameken answered the appeal to revoke.
    pub revocation_answer: String,
}

impl Case {
    /// The dates the case's steps were done on, for its timeline.
    pub fn dates(&self) -> CaseDates {
        CaseDates {
            received_on: self.received_on,
            dossier_requested_on: self.dossier_requested_on,
            dossier_received_on: self.dossier_received_on,
            checked_on: self.checked_on,
            concluded_on: self.concluded_on,
            outcome: self.outcome,
            revocation_requested_on: self.revocation_requested_on,
        }
    }

    /// The revocation date the Ministry asked for (VER-8: the day the appeal was sent), once
    /// Atameken has answered the appeal.
    pub fn revoked_on(&self) -> Option<NaiveDate> {
        if self.status == CaseStatus::Closed {
            self.revocation_requested_on
        } else {
            None
        }
    }
}

#[cfg(test)]
impl Case {
    /// A case of Norway's request NO-1 on KZREX002190320260017, received 19 March 2026, in
    /// `status`.
    pub(crate) fn fixture(status: CaseStatus) -> Case {
        use crate::decide::{Opened, decide_open};
        use crate::input::{NewCase, OfficerId};

        let received_at = DateTime::parse_from_rfc3339("2026-03-19T04:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap();
        let request = NewCase {
            requesting_country: Country::No,
            foreign_reference: "NO-1".into(),
            registration_number: "KZREX002190320260017".parse().unwrap(),
            subject: String::new(),
            responsible_officer_id: OfficerId::parse("MTI-7").unwrap(),
            received_at,
            received_on: received_at.date_naive(),
        };
        let Ok(Opened::New(case)) = decide_open(None, &request, "MTI-VER-1".into(), received_at)
        else {
            panic!("a new request opens a case");
        };
        Case { status, ..*case }
    }
}
