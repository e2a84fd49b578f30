//! Changes of the registration data: notified within 3 working days (CHG-1), entered or
//! refused within 10 calendar days (CHG-2), refused when incorrect or incomplete (CHG-3).

use chrono::NaiveDate;
use rex_domain::quote;

use crate::checks::{Finding, check_data};
use crate::error::RegistrationError;
use crate::form::RegistrationData;
use crate::states::{ChangeCategory, ChangeStatus, RegistrationStatus};

/// What a change touches, box by box (CHG-1).
pub fn categories(current: &RegistrationData, proposed: &RegistrationData) -> Vec<ChangeCategory> {
    let mut out = Vec::new();
    let (a, b) = (
        current.exporter.clone().unwrap_or_default(),
        proposed.exporter.clone().unwrap_or_default(),
    );
    if a.name != b.name || a.address != b.address || a.country != b.country {
        out.push(ChangeCategory::NameOrLocation);
    }
    if current.activities != proposed.activities {
        out.push(ChangeCategory::Activity);
    }
    if current.goods != proposed.goods || current.hs_heading_count != proposed.hs_heading_count {
        out.push(ChangeCategory::Goods);
    }
    if current.contact != proposed.contact {
        out.push(ChangeCategory::Contact);
    }
    if current.publication_consent != proposed.publication_consent {
        out.push(ChangeCategory::PublicationConsent);
    }
    out
}

/// CHG-1: the change happened on or before the day its notice was received.
pub fn check_notice_dates(
    changed_on: NaiveDate,
    received_on: NaiveDate,
) -> Result<(), RegistrationError> {
    if changed_on > received_on {
        return Err(RegistrationError::Chg1ChangedAfterNotice {
            changed_on,
            received_on,
        });
    }
    Ok(())
}

/// CHG-1: a notice received after its due day is late (recorded, not refused).
pub fn is_late(received_on: NaiveDate, notice_due: NaiveDate) -> bool {
    received_on > notice_due
}

/// A change as received: what it touches and the findings that will refuse it (CHG-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    pub categories: Vec<ChangeCategory>,
    pub findings: Vec<Finding>,
}

/// CHG-1 and CHG-3: a change of an active registration that changes something; its data are
/// checked like boxes 1 to 4, the TIN cannot change, and a change of name, activity or goods
/// brings documents.
pub fn assess(
    number: &str,
    exporter_tin: &str,
    status: RegistrationStatus,
    current: &RegistrationData,
    proposed: &RegistrationData,
    has_documents: bool,
) -> Result<Assessed, RegistrationError> {
    if status != RegistrationStatus::Active {
        return Err(RegistrationError::Chg1RegistrationNotActive {
            number: number.to_owned(),
            status,
        });
    }
    let categories = categories(current, proposed);
    if categories.is_empty() {
        return Err(RegistrationError::Chg1NothingChanged);
    }
    let mut findings = check_data(Some(proposed), "proposed");
    let new_tin = proposed.tin();
    if new_tin != exporter_tin {
        findings.push(Finding::new(
            "1",
            "proposed.exporter.tin",
            "CHG-3",
            format!(
                "the TIN cannot change ({exporter_tin} to {}): another TIN is another exporter, which applies anew (REG-2)",
                quote(new_tin)
            ),
        ));
    }
    if !has_documents && categories.iter().any(|c| c.needs_documents()) {
        let names: Vec<&str> = categories.iter().map(|c| c.short_name()).collect();
        findings.push(Finding::new(
            "",
            "documents",
            "CHG-1",
            format!(
                "a change of {} needs supporting documents",
                names.join(", ")
            ),
        ));
    }
    Ok(Assessed {
        categories,
        findings,
    })
}

/// A received change as the decision sees it.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub change_id: &'a str,
    pub status: ChangeStatus,
    pub findings: &'a [Finding],
}

/// CHG-2 and CHG-3: a received change is accepted only without findings and only into an
/// active registration; it may always be refused while received. Returns the new state.
pub fn decide(
    change: Received<'_>,
    accept: bool,
    number: &str,
    registration: RegistrationStatus,
) -> Result<ChangeStatus, RegistrationError> {
    if change.status != ChangeStatus::Received {
        return Err(RegistrationError::Chg2AlreadyDecided {
            change_id: change.change_id.to_owned(),
            status: change.status,
        });
    }
    if !accept {
        return Ok(ChangeStatus::Refused);
    }
    if let Some(first) = change.findings.first() {
        return Err(RegistrationError::Chg3HasFindings {
            change_id: change.change_id.to_owned(),
            count: change.findings.len(),
            first_message: first.message.clone(),
            first_rule: first.rule_id.clone(),
        });
    }
    if registration != RegistrationStatus::Active {
        return Err(RegistrationError::Chg2RegistrationNotActive {
            number: number.to_owned(),
            status: registration,
        });
    }
    Ok(ChangeStatus::Accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{Contact, Exporter};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn data(email: &str, tin: &str) -> RegistrationData {
        RegistrationData {
            exporter: Some(Exporter {
                tin: tin.into(),
                ..Exporter::default()
            }),
            contact: Some(Contact {
                email: email.into(),
                ..Contact::default()
            }),
            ..RegistrationData::default()
        }
    }

    fn assess_as(
        status: RegistrationStatus,
        current: &RegistrationData,
        proposed: &RegistrationData,
    ) -> Result<Assessed, RegistrationError> {
        assess("N", "980140000034", status, current, proposed, false)
    }

    #[test]
    fn chg_1_a_change_must_change_something() {
        let a = data("a@example.kz", "980140000034");
        assert_eq!(
            assess_as(RegistrationStatus::Active, &a, &a),
            Err(RegistrationError::Chg1NothingChanged)
        );
        let b = data("b@example.kz", "980140000034");
        let assessed = assess_as(RegistrationStatus::Active, &a, &b).unwrap();
        assert_eq!(assessed.categories, [ChangeCategory::Contact]);
    }

    #[test]
    fn chg_1_only_an_active_registration_changes() {
        let (a, b) = (data("a@example.kz", "1"), data("b@example.kz", "1"));
        assert!(assess_as(RegistrationStatus::Revoked, &a, &b).is_err());
    }

    #[test]
    fn chg_1_notice_within_three_working_days_is_on_time() {
        assert!(!is_late(d("2026-03-25"), d("2026-03-25")));
        assert!(is_late(d("2026-03-26"), d("2026-03-25")));
        assert!(check_notice_dates(d("2026-03-26"), d("2026-03-25")).is_err());
        assert!(check_notice_dates(d("2026-03-25"), d("2026-03-25")).is_ok());
    }

    #[test]
    fn chg_3_the_tin_cannot_change() {
        let (a, b) = (
            data("a@example.kz", "980140000034"),
            data("b@example.kz", "980140000035"),
        );
        let assessed = assess_as(RegistrationStatus::Active, &a, &b).unwrap();
        assert!(assessed.findings.iter().any(|f| f.rule_id == "CHG-3"));
    }

    #[test]
    fn chg_2_a_decided_change_is_not_decided_again() {
        let decided = Received {
            change_id: "c-1",
            status: ChangeStatus::Accepted,
            findings: &[],
        };
        assert!(decide(decided, false, "N", RegistrationStatus::Active).is_err());
        let received = Received {
            status: ChangeStatus::Received,
            ..decided
        };
        assert_eq!(
            decide(received, true, "N", RegistrationStatus::Active),
            Ok(ChangeStatus::Accepted)
        );
        assert_eq!(
            decide(received, false, "N", RegistrationStatus::Revoked),
            Ok(ChangeStatus::Refused)
        );
        assert!(decide(received, true, "N", RegistrationStatus::Revoked).is_err());
    }

    #[test]
    fn chg_3_a_change_with_findings_is_not_accepted() {
        let findings = [Finding::new(
            "2",
            "proposed.contact.email",
            "REG-2",
            "missing",
        )];
        let received = Received {
            change_id: "c-1",
            status: ChangeStatus::Received,
            findings: &findings,
        };
        assert!(decide(received, true, "N", RegistrationStatus::Active).is_err());
        assert_eq!(
            decide(received, false, "N", RegistrationStatus::Active),
            Ok(ChangeStatus::Refused)
        );
    }
}
