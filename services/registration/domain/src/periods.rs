//! The statutory periods of Order 244-NK, as the procedure catalogue gives them
//! (`shared/procedure/catalogue/kz-244-*.toml`): the counts and units are data, only what each
//! period is for is named here.

use rex_calendar::PeriodUnit;
use rex_procedure::Catalogue;

/// A legal maximum period: the rule that sets it, how long, in which days, and what must be
/// done within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub rule: &'static str,
    pub count: u32,
    pub unit: PeriodUnit,
    pub what: &'static str,
}

/// Every period the registration service counts, read from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Periods {
    /// REG-9: refuse the application and notify the exporter.
    pub refusal: Period,
    /// REG-6: register the exporter in REX.
    pub registration: Period,
    /// REG-8: notify the exporter of the registration.
    pub registration_notice: Period,
    /// CHG-1: the exporter notifies a change.
    pub change_notice: Period,
    /// CHG-2: enter or refuse the change and notify the exporter.
    pub change_decision: Period,
    /// REV-2: notify the exporter of a revocation.
    pub revocation_notice: Period,
    /// REV-5: ask the exporter which number to keep when a court reinstated one beside a newer.
    pub court_choice: Period,
    /// RET-1: documents are kept this many months from receipt.
    pub document_retention_months: u32,
}

impl Periods {
    /// The periods of the catalogue shipped with the release.
    pub fn shipped() -> Result<Self, String> {
        Self::from_catalogue(&Catalogue::embedded().map_err(|e| e.to_string())?)
    }

    /// The periods of `catalogue`; what is missing or in a unit the service cannot count is
    /// named.
    pub fn from_catalogue(catalogue: &Catalogue) -> Result<Self, String> {
        let days = |procedure: &str, rule: &'static str, what: &'static str| {
            let max = catalogue
                .get(procedure)
                .and_then(|p| p.max_of(rule))
                .ok_or_else(|| {
                    format!("{procedure}: no maximum for {rule} in the procedure catalogue")
                })?;
            let unit = match max.unit {
                rex_procedure::model::UnitName::WorkingDays => PeriodUnit::WorkingDays,
                rex_procedure::model::UnitName::CalendarDays => PeriodUnit::CalendarDays,
                other => {
                    return Err(format!(
                        "{procedure}: {rule} is counted in {other:?}; the registration service counts it in working or calendar days"
                    ));
                }
            };
            Ok(Period {
                rule,
                count: max.count,
                unit,
                what,
            })
        };
        let retention = catalogue
            .get("kz-244-registration")
            .and_then(|p| p.max_of("RET-1"))
            .filter(|m| m.unit == rex_procedure::model::UnitName::Months)
            .ok_or(
                "kz-244-registration: RET-1 must be a number of months in the procedure catalogue",
            )?;
        Ok(Self {
            refusal: days(
                "kz-244-registration",
                "REG-9",
                "refuse the application and notify the exporter",
            )?,
            registration: days(
                "kz-244-registration",
                "REG-6",
                "register the exporter in REX",
            )?,
            registration_notice: days(
                "kz-244-registration",
                "REG-8",
                "notify the exporter of the registration",
            )?,
            change_notice: days("kz-244-change", "CHG-1", "the exporter notifies the change")?,
            change_decision: days(
                "kz-244-change",
                "CHG-2",
                "enter or refuse the change and notify the exporter",
            )?,
            revocation_notice: days(
                "kz-244-revocation",
                "REV-2",
                "notify the exporter of the revocation",
            )?,
            court_choice: days(
                "kz-244-revocation",
                "REV-5-choice",
                "ask the exporter which registration number to keep",
            )?,
            document_retention_months: retention.count,
        })
    }

    /// RET-1: the last day a document received on `received_on` is kept.
    pub fn keep_until(&self, received_on: chrono::NaiveDate) -> chrono::NaiveDate {
        received_on
            .checked_add_months(chrono::Months::new(self.document_retention_months))
            .unwrap_or(received_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret_1_documents_kept_five_years_from_receipt() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let periods = Periods::shipped().unwrap();
        assert_eq!(periods.keep_until(d("2026-03-19")), d("2031-03-19"));
        assert_eq!(periods.keep_until(d("2028-02-29")), d("2033-02-28"));
    }

    /// The shipped catalogue with `file`'s text changed by `edit`.
    fn amended(file: &str, edit: impl Fn(&str) -> String) -> Result<Periods, String> {
        let texts: Vec<(&str, String)> = rex_procedure::EMBEDDED
            .iter()
            .map(|(n, t)| (*n, if *n == file { edit(t) } else { (*t).to_owned() }))
            .collect();
        let catalogue = Catalogue::from_texts(texts.iter().map(|(n, t)| (*n, t.as_str())))
            .map_err(|e| e.to_string())?;
        Periods::from_catalogue(&catalogue)
    }

    #[test]
    fn chg_2_the_period_is_the_catalogues() {
        let shipped = Periods::shipped().unwrap();
        assert_eq!(
            (shipped.change_decision.count, shipped.change_decision.unit),
            (10, PeriodUnit::CalendarDays)
        );
        // An amendment in a procedure file changes the service's period, with no release.
        let longer = amended("kz-244-change.toml", |t| {
            t.replace("count = 10,", "count = 15,")
        })
        .unwrap();
        assert_eq!(longer.change_decision.count, 15);
        assert_eq!(longer.refusal, shipped.refusal);
    }

    #[test]
    fn reg_6_a_period_the_service_cannot_count_is_refused_naming_it() {
        let hours = amended("kz-244-registration.toml", |t| {
            t.replacen(
                "max = { count = 5, unit = \"working_days\" }",
                "max = { count = 5, unit = \"hours\" }",
                2,
            )
        })
        .unwrap_err();
        assert!(
            hours.contains("REG-6") && hours.contains("Hours"),
            "{hours}"
        );
    }
}
