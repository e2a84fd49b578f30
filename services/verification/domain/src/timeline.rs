//! The steps of a case and their due dates (VER-2, VER-4..8): a pure function of the dates the
//! steps were done on.

use chrono::NaiveDate;
use rex_calendar::{Calendar, OutOfRange, PeriodUnit, StatutoryStep};

use crate::state::Outcome;

/// The dates a case's steps were completed on, as far as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseDates {
    /// The request's registered date (VER-2, VER-4 count from it).
    pub received_on: NaiveDate,
    /// VER-4 done: the dossier requested from Atameken.
    pub dossier_requested_on: Option<NaiveDate>,
    /// VER-5 done: the dossier received (or the step ended with a finding).
    pub dossier_received_on: Option<NaiveDate>,
    /// VER-6 done.
    pub checked_on: Option<NaiveDate>,
    /// VER-7 done.
    pub concluded_on: Option<NaiveDate>,
    /// The outcome, once concluded: VER-8 applies only to a negative one.
    pub outcome: Option<Outcome>,
    /// VER-8 done: the appeal to revoke sent.
    pub revocation_requested_on: Option<NaiveDate>,
}

/// The periods of Order 358-NK, in working days, as the procedure catalogue gives them
/// (`kz-358-verification`): the counts are data, only what each is for is named here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    /// VER-2: the whole verification.
    pub ver2: u32,
    /// VER-4: ask Atameken for the dossier.
    pub ver4: u32,
    /// VER-5: Atameken sends it.
    pub ver5: u32,
    /// VER-6: check it.
    pub ver6: u32,
    /// VER-7: the conclusion.
    pub ver7: u32,
    /// VER-8: the appeal to revoke.
    pub ver8: u32,
}

impl Periods {
    /// The rules whose periods a case counts.
    pub const RULES: [&'static str; 6] = ["VER-2", "VER-4", "VER-5", "VER-6", "VER-7", "VER-8"];

    /// The periods of the catalogue shipped with the release.
    pub fn shipped() -> Result<Self, String> {
        Self::from_catalogue(&rex_procedure::Catalogue::embedded().map_err(|e| e.to_string())?)
    }

    /// The periods of `catalogue`: VER-2 is the procedure's overall maximum, the others its
    /// steps; each in working days.
    pub fn from_catalogue(catalogue: &rex_procedure::Catalogue) -> Result<Self, String> {
        const ID: &str = "kz-358-verification";
        let p = catalogue
            .get(ID)
            .ok_or_else(|| format!("no procedure {ID} in the catalogue"))?;
        let working_days = |rule: &str, max: Option<rex_procedure::model::Max>| match max {
            Some(m) if m.unit == rex_procedure::model::UnitName::WorkingDays => Ok(m.count),
            Some(m) => Err(format!(
                "{ID}: {rule} is counted in {:?}; the verification service counts working days",
                m.unit
            )),
            None => Err(format!("{ID}: no maximum for {rule}")),
        };
        let total = p.total.as_ref().and_then(|t| t.max);
        Ok(Self {
            ver2: working_days("VER-2 (the total)", total)?,
            ver4: working_days("VER-4", p.max_of("VER-4"))?,
            ver5: working_days("VER-5", p.max_of("VER-5"))?,
            ver6: working_days("VER-6", p.max_of("VER-6"))?,
            ver7: working_days("VER-7", p.max_of("VER-7"))?,
            ver8: working_days("VER-8", p.max_of("VER-8"))?,
        })
    }
}

/// A step and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStep {
    pub step: StatutoryStep,
    pub description: &'static str,
}

/// The steps of a case with their due dates, and whether the remaining steps would run past
/// the 30-working-day limit (VER-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub steps: Vec<CaseStep>,
    pub at_risk: bool,
}

/// Each step counts from the actual completion of the one before it; a step not yet done
/// counts from the due date of the one before (its latest lawful completion).
pub fn timeline(
    calendar: &Calendar,
    periods: &Periods,
    d: &CaseDates,
) -> Result<Timeline, OutOfRange> {
    let wd = PeriodUnit::WorkingDays;
    let step = |rule: &str,
                start: NaiveDate,
                count: u32,
                done: Option<NaiveDate>|
     -> Result<StatutoryStep, OutOfRange> {
        let mut s = StatutoryStep::start(calendar, rule, start, count, wd)?;
        s.completed_on = done;
        Ok(s)
    };
    let ver4 = step("VER-4", d.received_on, periods.ver4, d.dossier_requested_on)?;
    let ver5 = step(
        "VER-5",
        d.dossier_requested_on.unwrap_or(ver4.due.due),
        periods.ver5,
        d.dossier_received_on,
    )?;
    let ver6 = step(
        "VER-6",
        d.dossier_received_on.unwrap_or(ver5.due.due),
        periods.ver6,
        d.checked_on,
    )?;
    let ver7 = step(
        "VER-7",
        d.checked_on.unwrap_or(ver6.due.due),
        periods.ver7,
        d.concluded_on,
    )?;
    let appeal_applies = d.outcome.is_none_or(Outcome::is_negative);
    let ver8 = if appeal_applies {
        Some(step(
            "VER-8",
            d.concluded_on.unwrap_or(ver7.due.due),
            periods.ver8,
            d.revocation_requested_on,
        )?)
    } else {
        None
    };
    let ver2 = step("VER-2", d.received_on, periods.ver2, d.concluded_on)?;
    let last_due = ver8.as_ref().map_or(ver7.due.due, |s| s.due.due);
    let finished =
        d.concluded_on.is_some() && (!appeal_applies || d.revocation_requested_on.is_some());
    let at_risk = !finished && last_due > ver2.due.due;
    let mut steps = vec![
        CaseStep {
            step: ver4,
            description: "ask Atameken for the dossier (application No. 1 and documents)",
        },
        CaseStep {
            step: ver5,
            description: "Atameken sends the dossier",
        },
        CaseStep {
            step: ver6,
            description: "check completeness and reliability of the documents and REX data",
        },
        CaseStep {
            step: ver7,
            description: "draw up the conclusion",
        },
    ];
    if let Some(ver8) = ver8 {
        steps.push(CaseStep {
            step: ver8,
            description: "send Atameken the appeal to revoke",
        });
    }
    steps.push(CaseStep {
        step: ver2,
        description: "the whole verification, from receipt",
    });
    Ok(Timeline { steps, at_risk })
}

#[cfg(test)]
mod tests {

    #[test]
    fn ver_2_the_periods_are_the_catalogues() {
        let p = Periods::shipped().unwrap();
        assert_eq!(
            [p.ver2, p.ver4, p.ver5, p.ver6, p.ver7, p.ver8],
            [30, 3, 5, 7, 7, 3]
        );
        let texts: Vec<(&str, String)> = rex_procedure::EMBEDDED
            .iter()
            .map(|(n, t)| {
                let t = if *n == "kz-358-verification.toml" {
                    t.replace("count = 30,", "count = 40,")
                } else {
                    (*t).to_owned()
                };
                (*n, t)
            })
            .collect();
        let catalogue =
            rex_procedure::Catalogue::from_texts(texts.iter().map(|(n, t)| (*n, t.as_str())))
                .unwrap();
        assert_eq!(Periods::from_catalogue(&catalogue).unwrap().ver2, 40);
    }
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dues(t: &Timeline) -> Vec<(String, NaiveDate)> {
        t.steps
            .iter()
            .map(|s| (s.step.rule_id.clone(), s.step.due.due))
            .collect()
    }

    /// Received 1 June 2026, the dossier requested the next day.
    fn on_time() -> CaseDates {
        CaseDates {
            received_on: d("2026-06-01"),
            dossier_requested_on: Some(d("2026-06-02")),
            ..Default::default()
        }
    }

    #[test]
    fn ver_2_steps_and_due_dates_of_a_case_received_the_day_before_nauryz_2026() {
        let cal = Calendar::official().unwrap();
        let t = timeline(
            &cal,
            &Periods::shipped().unwrap(),
            &CaseDates {
                received_on: d("2026-03-20"),
                ..Default::default()
            },
        )
        .unwrap();
        // Friday 20 March; 21-25 March are days off; counting starts on Thursday 26 March.
        assert_eq!(
            dues(&t),
            vec![
                ("VER-4".into(), d("2026-03-30")),
                ("VER-5".into(), d("2026-04-06")),
                ("VER-6".into(), d("2026-04-15")),
                ("VER-7".into(), d("2026-04-24")),
                ("VER-8".into(), d("2026-04-29")),
                ("VER-2".into(), d("2026-05-08")),
            ]
        );
        assert!(!t.at_risk, "25 of 30 working days");
    }

    #[test]
    fn ver_5_counts_from_the_actual_request_of_the_dossier() {
        let cal = Calendar::official().unwrap();
        let t = timeline(&cal, &Periods::shipped().unwrap(), &on_time()).unwrap();
        assert_eq!(
            t.steps[1].step.due.due,
            d("2026-06-09"),
            "VER-5: 5 WD from 2 June"
        );
    }

    #[test]
    fn ver_2_late_steps_put_the_case_at_risk() {
        let cal = Calendar::official().unwrap();
        // The dossier came 12 working days late: 3 + 17 + 7 + 7 + 3 > 30.
        let late = CaseDates {
            dossier_received_on: Some(d("2026-06-26")),
            ..on_time()
        };
        let t = timeline(&cal, &Periods::shipped().unwrap(), &late).unwrap();
        assert!(t.at_risk);
    }

    #[test]
    fn ver_8_a_confirmation_needs_no_appeal() {
        let cal = Calendar::official().unwrap();
        let confirmed = CaseDates {
            received_on: d("2026-06-01"),
            dossier_requested_on: Some(d("2026-06-01")),
            dossier_received_on: Some(d("2026-06-02")),
            checked_on: Some(d("2026-06-03")),
            concluded_on: Some(d("2026-06-04")),
            outcome: Some(Outcome::RegistrationConfirmed),
            revocation_requested_on: None,
        };
        let t = timeline(&cal, &Periods::shipped().unwrap(), &confirmed).unwrap();
        assert!(t.steps.iter().all(|s| s.step.rule_id != "VER-8"));
        assert!(!t.at_risk);
    }
}
