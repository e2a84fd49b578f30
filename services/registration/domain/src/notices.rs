//! The notices the order owes, each with its period, its start and the facts it states: the
//! registration (REG-8), a refusal (REG-9), a change decided (CHG-2), a revocation (REV-2), a
//! reinstatement (REV-5) and a change of the authorized persons (REG-13).

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::form::RegistrationData;
use crate::periods::{Period, Periods};
use crate::states::{ChangeCategory, RefusalReason, Requester, RevocationGround};

/// A notice owed to the exporter, written in the same transaction as the change that owes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeOwed {
    /// The template kind (`REGISTRATION_CONFIRMED`).
    pub kind: &'static str,
    pub period: Period,
    /// The day the period counts from.
    pub start: NaiveDate,
    /// The notice's idempotency key: one notice per event, however often it is retried.
    pub key: String,
    pub facts: Map<String, Value>,
}

fn owed(
    kind: &'static str,
    period: Period,
    start: NaiveDate,
    key: String,
    facts: Value,
) -> NoticeOwed {
    let facts = match facts {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    NoticeOwed {
        kind,
        period,
        start,
        key,
        facts,
    }
}

impl NoticeOwed {
    /// Every exporter notice greets the exporter by name, and its letter is addressed to the
    /// exporter's address (in the form's language); a paper application may lack either.
    pub fn greeting(mut self, data: &RegistrationData) -> Self {
        let exporter = data.exporter.as_ref();
        let name = exporter.and_then(|e| e.name.clone()).unwrap_or_default();
        let address = exporter.and_then(|e| e.address.clone()).unwrap_or_default();
        self.facts
            .insert("exporter_name".into(), name.primary.into());
        self.facts
            .insert("exporter_name_en".into(), name.english.into());
        self.facts
            .insert("exporter_address".into(), address.primary.into());
        self
    }
}

/// REG-8: the registration, within its period of assigning the number.
pub fn registration_confirmed(
    periods: &Periods,
    number: &str,
    valid_from: NaiveDate,
    today: NaiveDate,
) -> NoticeOwed {
    owed(
        "REGISTRATION_CONFIRMED",
        periods.registration_notice,
        today,
        format!("registration-confirmed:{number}"),
        json!({
            "registration_number": number,
            "application_registration_date": valid_from.to_string(),
            "valid_from": valid_from.to_string(),
            "assigned_on": today.to_string(),
        }),
    )
}

/// REG-9: the refusal with its reasons, within its period of receipt.
pub fn application_refused(
    periods: &Periods,
    application_id: &str,
    received_on: NaiveDate,
    reasons: &[RefusalReason],
    explanation: &str,
) -> NoticeOwed {
    let reasons: Vec<&str> = reasons.iter().map(|r| r.code()).collect();
    owed(
        "APPLICATION_REFUSED",
        periods.refusal,
        received_on,
        format!("application-refused:{application_id}"),
        json!({
            "application_id": application_id,
            "application_registration_date": received_on.to_string(),
            "refusal_reasons": reasons.join(","),
            "explanation": explanation,
        }),
    )
}

/// The facts of a decided change that its notice states.
#[derive(Debug, Clone, Copy)]
pub struct ChangeDecision<'a> {
    pub accepted: bool,
    pub number: &'a str,
    pub change_id: &'a str,
    pub categories: &'a [ChangeCategory],
    pub refusal_reasons: &'a str,
    pub received_on: NaiveDate,
    pub today: NaiveDate,
}

/// CHG-2: the change entered or refused, within its period of the notice's receipt.
pub fn change_decided(periods: &Periods, c: ChangeDecision<'_>) -> NoticeOwed {
    let ChangeDecision {
        accepted,
        number,
        change_id,
        categories,
        refusal_reasons,
        received_on,
        today,
    } = c;
    let kind = if accepted {
        "CHANGE_ACCEPTED"
    } else {
        "CHANGE_REFUSED"
    };
    let changes: Vec<&str> = categories.iter().map(|c| c.code()).collect();
    owed(
        kind,
        periods.change_decision,
        received_on,
        format!("change-decided:{change_id}"),
        json!({
            "registration_number": number,
            "change_id": change_id,
            "changes": changes.join(","),
            "refusal_reasons": refusal_reasons,
            "decided_on": today.to_string(),
        }),
    )
}

/// The facts of a revocation that its notice states.
#[derive(Debug, Clone, Copy)]
pub struct RevocationNotice<'a> {
    pub number: &'a str,
    pub revocation_id: &'a str,
    pub revoked_on: NaiveDate,
    pub ground: RevocationGround,
    pub requested_by: Requester,
    pub case_reference: &'a str,
    pub explanation: &'a str,
}

/// REV-2: the revocation, within its period of its date.
pub fn registration_revoked(periods: &Periods, r: RevocationNotice<'_>) -> NoticeOwed {
    owed(
        "REGISTRATION_REVOKED",
        periods.revocation_notice,
        r.revoked_on,
        format!("registration-revoked:{}", r.revocation_id),
        json!({
            "registration_number": r.number,
            "revoked_on": r.revoked_on.to_string(),
            "ground": r.ground.code(),
            "requested_by": r.requested_by.code(),
            "case_reference": r.case_reference,
            "explanation": r.explanation,
        }),
    )
}

/// REV-5: the reinstatement by a court decision. No period is set by law for this notice;
/// REV-2's 3 working days are applied to it by analogy, from the day it is recorded.
pub fn registration_reinstated(
    periods: &Periods,
    number: &str,
    revocation_id: &str,
    court_reference: &str,
    court_decision_on: NaiveDate,
    revoked_on: NaiveDate,
    today: NaiveDate,
) -> NoticeOwed {
    owed(
        "REGISTRATION_REINSTATED",
        periods.revocation_notice,
        today,
        format!("registration-reinstated:{revocation_id}"),
        json!({
            "registration_number": number,
            "court_reference": court_reference,
            "court_decision_on": court_decision_on.to_string(),
            "revoked_on": revoked_on.to_string(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Periods {
        Periods::shipped().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn reg_8_the_notice_greets_the_exporter_and_is_addressed_to_its_address() {
        use crate::form::{BilingualText, Exporter};
        let text = |primary: &str, english: &str| BilingualText {
            primary: primary.into(),
            english: english.into(),
        };
        let data = RegistrationData {
            exporter: Some(Exporter {
                name: Some(text("ТОО «Алтын Дән»", "Altyn Dan LLP")),
                address: Some(text("г. Астана, ул. Сыганак, 10", "10 Syganak St, Astana")),
                country: "KZ".into(),
                tin: "110340517504".into(),
            }),
            ..RegistrationData::default()
        };
        let n = registration_confirmed(&shipped(), "N", d("2026-03-19"), d("2026-03-24"))
            .greeting(&data);
        assert_eq!(n.facts["exporter_name"], "ТОО «Алтын Дән»");
        assert_eq!(n.facts["exporter_name_en"], "Altyn Dan LLP");
        assert_eq!(n.facts["exporter_address"], "г. Астана, ул. Сыганак, 10");
    }

    #[test]
    fn reg_8_registration_notice_counts_from_the_day_the_number_is_assigned() {
        let n = registration_confirmed(
            &shipped(),
            "KZREX002190320260001",
            d("2026-03-19"),
            d("2026-03-24"),
        );
        assert_eq!(n.period.rule, "REG-8");
        assert_eq!(n.start, d("2026-03-24"));
        assert_eq!(n.key, "registration-confirmed:KZREX002190320260001");
        assert_eq!(n.facts["valid_from"], "2026-03-19");
    }

    #[test]
    fn rev_2_revocation_notice_counts_from_the_revocation_date() {
        let n = registration_revoked(
            &shipped(),
            RevocationNotice {
                number: "N",
                revocation_id: "r-1",
                revoked_on: d("2026-06-01"),
                ground: RevocationGround::ExporterRequest,
                requested_by: Requester::Exporter,
                case_reference: "",
                explanation: "closing",
            },
        );
        assert_eq!((n.period.rule, n.start), ("REV-2", d("2026-06-01")));
        assert_eq!(n.facts["ground"], "REVOCATION_GROUND_EXPORTER_REQUEST");
    }

    #[test]
    fn chg_2_change_notice_counts_from_receipt_of_the_change() {
        let n = change_decided(
            &shipped(),
            ChangeDecision {
                accepted: false,
                number: "N",
                change_id: "c-1",
                categories: &[ChangeCategory::Goods],
                refusal_reasons: "no documents",
                received_on: d("2026-03-20"),
                today: d("2026-03-25"),
            },
        );
        assert_eq!((n.kind, n.period.rule), ("CHANGE_REFUSED", "CHG-2"));
        assert_eq!(n.start, d("2026-03-20"));
        assert_eq!(n.facts["changes"], "CHANGE_CATEGORY_GOODS");
    }
}
