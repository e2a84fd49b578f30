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
pub fn timeline(calendar: &Calendar, d: &CaseDates) -> Result<Timeline, OutOfRange> {
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
    let ver4 = step("VER-4", d.received_on, 3, d.dossier_requested_on)?;
    let ver5 = step(
        "VER-5",
        d.dossier_requested_on.unwrap_or(ver4.due.due),
        5,
        d.dossier_received_on,
    )?;
    let ver6 = step(
        "VER-6",
        d.dossier_received_on.unwrap_or(ver5.due.due),
        7,
        d.checked_on,
    )?;
    let ver7 = step(
        "VER-7",
        d.checked_on.unwrap_or(ver6.due.due),
        7,
        d.concluded_on,
    )?;
    let appeal_applies = d.outcome.is_none_or(Outcome::is_negative);
    let ver8 = if appeal_applies {
        Some(step(
            "VER-8",
            d.concluded_on.unwrap_or(ver7.due.due),
            3,
            d.revocation_requested_on,
        )?)
    } else {
        None
    };
    let ver2 = step("VER-2", d.received_on, 30, d.concluded_on)?;
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
        description: "the whole verification: at most 30 working days from receipt",
    });
    Ok(Timeline { steps, at_risk })
}

#[cfg(test)]
mod tests {
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
        let t = timeline(&cal, &on_time()).unwrap();
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
        let t = timeline(&cal, &late).unwrap();
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
        let t = timeline(&cal, &confirmed).unwrap();
        assert!(t.steps.iter().all(|s| s.step.rule_id != "VER-8"));
        assert!(!t.at_risk);
    }
}
