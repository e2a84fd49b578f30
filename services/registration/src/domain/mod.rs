//! The rules of Order 244-NK as pure functions and validated types: no I/O, no clock.

pub mod checks;
pub mod statement;
pub mod tin;

pub use checks::Finding;
pub use rex_domain::number;
pub use rex_domain::{NumberError, RegistrationNumber};
pub use tin::{Tin, TinError};

/// Who asks for a revocation (REV-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// REV-1 (1): the exporter's own application.
    Exporter,
    /// REV-1 (2)-(4): the authorized body (the Ministry), with its case reference.
    Ministry,
}

impl Requester {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "EXPORTER" => Some(Requester::Exporter),
            "MINISTRY" => Some(Requester::Ministry),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Requester::Exporter => "EXPORTER",
            Requester::Ministry => "MINISTRY",
        }
    }
}

/// Statutory periods of Order 244-NK, in one place.
pub mod periods {
    use rex_calendar::PeriodUnit::{self, CalendarDays, WorkingDays};

    /// (rule, count, unit, what)
    pub type Period = (&'static str, u32, PeriodUnit, &'static str);

    pub const REFUSAL: Period = (
        "REG-9",
        3,
        WorkingDays,
        "refuse the application and notify the exporter",
    );
    pub const REGISTRATION: Period = ("REG-6", 5, WorkingDays, "register the exporter in REX");
    pub const REGISTRATION_NOTICE: Period = (
        "REG-8",
        2,
        WorkingDays,
        "notify the exporter of the registration",
    );
    pub const CHANGE_NOTICE: Period = ("CHG-1", 3, WorkingDays, "the exporter notifies the change");
    pub const CHANGE_DECISION: Period = (
        "CHG-2",
        10,
        CalendarDays,
        "enter or refuse the change and notify the exporter",
    );
    pub const REVOCATION_NOTICE: Period = (
        "REV-2",
        3,
        WorkingDays,
        "notify the exporter of the revocation",
    );
    /// RET-1: documents kept 5 years from receipt.
    pub const DOCUMENT_RETENTION_YEARS: i32 = 5;
}

/// A revocation as far as the status of a number on a date is concerned.
pub trait RevocationFacts {
    fn revoked_on(&self) -> chrono::NaiveDate;
    /// Annulled by a court (REV-5): as if it never happened.
    fn annulled(&self) -> bool;
}

impl RevocationFacts for crate::store::RevocationRow {
    fn revoked_on(&self) -> chrono::NaiveDate {
        self.revoked_on
    }
    fn annulled(&self) -> bool {
        self.annulled_at.is_some()
    }
}

/// The status of a registration on `as_of`: not yet valid before its validity date (REG-6),
/// revoked from the date of a revocation in force (REV-1) unless a court annulled it (REV-5),
/// valid otherwise: a registration has no expiry (REG-11). Returns the revocation date in force.
pub fn status_on<R: RevocationFacts>(
    valid_from: chrono::NaiveDate,
    revocations: &[R],
    as_of: chrono::NaiveDate,
) -> (
    rex_proto::registration::LookupStatus,
    Option<chrono::NaiveDate>,
) {
    use rex_proto::registration::LookupStatus;
    if as_of < valid_from {
        return (LookupStatus::NotYetValid, None);
    }
    let in_force = revocations
        .iter()
        .filter(|r| !r.annulled() && r.revoked_on() <= as_of)
        .map(|r| r.revoked_on())
        .max();
    match in_force {
        Some(on) => (LookupStatus::Revoked, Some(on)),
        None => (LookupStatus::Valid, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rex_proto::registration::LookupStatus;

    struct R(NaiveDate, bool);
    impl RevocationFacts for R {
        fn revoked_on(&self) -> NaiveDate {
            self.0
        }
        fn annulled(&self) -> bool {
            self.1
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn reg_11_rev_1_rev_5_status_on_a_date() {
        let from = d("2026-03-19");
        assert_eq!(
            status_on::<R>(from, &[], d("2026-03-18")).0,
            LookupStatus::NotYetValid
        );
        assert_eq!(
            status_on::<R>(from, &[], d("2099-01-01")).0,
            LookupStatus::Valid,
            "no expiry (REG-11)"
        );
        let revoked = [R(d("2026-06-01"), false)];
        assert_eq!(
            status_on(from, &revoked, d("2026-05-31")).0,
            LookupStatus::Valid
        );
        assert_eq!(
            status_on(from, &revoked, d("2026-06-01")),
            (LookupStatus::Revoked, Some(d("2026-06-01")))
        );
        let annulled = [R(d("2026-06-01"), true)];
        assert_eq!(
            status_on(from, &annulled, d("2026-07-01")).0,
            LookupStatus::Valid,
            "a court annulled it (REV-5)"
        );
    }
}
