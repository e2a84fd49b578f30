//! The statutory periods of Order 244-NK, in one place.

use rex_calendar::PeriodUnit::{self, CalendarDays, WorkingDays};

/// A legal maximum period: the rule that sets it, how long, in which days, and what must be
/// done within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub rule: &'static str,
    pub count: u32,
    pub unit: PeriodUnit,
    pub what: &'static str,
}

impl Period {
    const fn working_days(rule: &'static str, count: u32, what: &'static str) -> Self {
        Period {
            rule,
            count,
            unit: WorkingDays,
            what,
        }
    }

    const fn calendar_days(rule: &'static str, count: u32, what: &'static str) -> Self {
        Period {
            rule,
            count,
            unit: CalendarDays,
            what,
        }
    }
}

/// REG-9: refuse the application and notify the exporter within 3 working days.
pub const REFUSAL: Period =
    Period::working_days("REG-9", 3, "refuse the application and notify the exporter");

/// REG-6: register the exporter within 5 working days of receipt.
pub const REGISTRATION: Period = Period::working_days("REG-6", 5, "register the exporter in REX");

/// REG-8: notify the exporter of the registration within 2 working days.
pub const REGISTRATION_NOTICE: Period =
    Period::working_days("REG-8", 2, "notify the exporter of the registration");

/// CHG-1: the exporter notifies a change within 3 working days of it.
pub const CHANGE_NOTICE: Period =
    Period::working_days("CHG-1", 3, "the exporter notifies the change");

/// CHG-2: the change is entered or refused, and the exporter notified, within 10 calendar days.
pub const CHANGE_DECISION: Period = Period::calendar_days(
    "CHG-2",
    10,
    "enter or refuse the change and notify the exporter",
);

/// REV-2: notify the exporter of a revocation within 3 working days.
pub const REVOCATION_NOTICE: Period =
    Period::working_days("REV-2", 3, "notify the exporter of the revocation");

/// RET-1: documents are kept 5 years from receipt.
pub const DOCUMENT_RETENTION_YEARS: u32 = 5;

/// RET-1: the last day a document received on `received_on` is kept.
pub fn keep_until(received_on: chrono::NaiveDate) -> chrono::NaiveDate {
    received_on
        .checked_add_months(chrono::Months::new(12 * DOCUMENT_RETENTION_YEARS))
        .unwrap_or(received_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret_1_documents_kept_five_years_from_receipt() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(keep_until(d("2026-03-19")), d("2031-03-19"));
        assert_eq!(keep_until(d("2028-02-29")), d("2033-02-28"));
    }
}
