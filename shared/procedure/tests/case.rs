//! The case engine: a case's steps, due moments and next actions derived from its event log,
//! worked out by hand on the 2026 calendar (Nauryz and its substitute days off: 21–25 March);
//! every event that the log may not hold refused, naming it.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::{DateTime, Utc};
use rex_calendar::Calendar;
use rex_procedure::model::{Max, UnitName};
use rex_procedure::{Catalogue, Event, StepState, replay};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn calendar() -> Calendar {
    Calendar::official().unwrap()
}

fn registered(at: &str) -> Event {
    Event::Registered { at: t(at) }
}

fn completed(step: &str, outcome: &str, at: &str) -> Event {
    Event::Completed {
        step: step.into(),
        outcome: outcome.into(),
        at: t(at),
        actor: None,
    }
}

#[test]
fn ver_4_to_ver_5_a_case_runs_step_by_step_and_a_late_step_is_overdue() {
    let catalogue = Catalogue::embedded().unwrap();
    let p = catalogue.get("kz-358-verification").unwrap();
    let log = [
        registered("2026-03-19T11:00:00+05:00"),
        completed("VER-4", "requested", "2026-03-20T10:00:00+05:00"),
    ];
    let view = replay(p, &calendar(), &log, t("2026-04-02T10:00:00+05:00")).unwrap();
    let step = |id: &str| view.steps.iter().find(|s| s.step == id).unwrap();
    // VER-4: 3 working days from 19 March: 20, 26, 27 March; done on the 20th.
    assert_eq!(step("VER-4").state, StepState::CompletedOnTime);
    assert_eq!(step("VER-4").due.as_ref().unwrap().due_text(), "2026-03-27");
    // VER-5: 5 working days from 20 March: 26, 27, 30, 31 March, 1 April; not done by the 2nd.
    assert_eq!(step("VER-5").state, StepState::Overdue);
    assert_eq!(step("VER-5").due.as_ref().unwrap().due_text(), "2026-04-01");
    assert_eq!(step("VER-6").state, StepState::Pending);
    // VER-2: 30 working days from 19 March.
    assert_eq!(view.total.as_ref().unwrap().due_text(), "2026-05-06");
    assert_eq!(view.next.len(), 1);
    assert!(
        view.next[0].starts_with("VER-5 (atameken)"),
        "{:?}",
        view.next
    );
    assert!(
        view.next[0].contains("OVERDUE since 2026-04-01"),
        "{:?}",
        view.next
    );
    assert_eq!(view.result, None);
}

#[test]
fn ver_8_a_negative_conclusion_leads_to_the_appeal_and_the_case_ends() {
    let catalogue = Catalogue::embedded().unwrap();
    let p = catalogue.get("kz-358-verification").unwrap();
    let log = [
        registered("2026-04-06T10:00:00+05:00"),
        completed("VER-4", "requested", "2026-04-06T12:00:00+05:00"),
        completed("VER-5", "sent", "2026-04-08T12:00:00+05:00"),
        completed("VER-6", "checked", "2026-04-10T12:00:00+05:00"),
        completed("VER-7", "not-confirmed", "2026-04-14T12:00:00+05:00"),
        completed("VER-8", "sent", "2026-04-15T12:00:00+05:00"),
    ];
    let view = replay(p, &calendar(), &log, t("2026-04-15T12:00:00+05:00")).unwrap();
    assert_eq!(view.result.as_deref(), Some("revocation-requested"));
    assert!(view.next.is_empty());
    assert!(
        view.steps
            .iter()
            .all(|s| s.state == StepState::CompletedOnTime),
        "{:?}",
        view.steps
            .iter()
            .map(|s| (&s.step, s.state))
            .collect::<Vec<_>>()
    );
    // Nothing may follow the end.
    let mut more = log.to_vec();
    more.push(completed("VER-7", "confirmed", "2026-04-16T12:00:00+05:00"));
    let err = replay(p, &calendar(), &more, t("2026-04-16T12:00:00+05:00")).unwrap_err();
    assert_eq!(err.index, 7);
    assert!(err.why.contains("ended"), "{err}");
}

#[test]
fn reg_9_a_refusal_counts_from_the_registration_of_the_application() {
    let catalogue = Catalogue::embedded().unwrap();
    let p = catalogue.get("kz-244-registration").unwrap();
    let log = [
        registered("2026-03-19T11:00:00+05:00"),
        completed("REG-6", "refused", "2026-03-26T11:00:00+05:00"),
    ];
    let view = replay(p, &calendar(), &log, t("2026-03-26T12:00:00+05:00")).unwrap();
    let reg9 = view.steps.iter().find(|s| s.step == "REG-9").unwrap();
    // 3 working days from 19 March (20, 26, 27), not from the refusal on the 26th.
    assert_eq!(reg9.due.as_ref().unwrap().due_text(), "2026-03-27");
    assert_eq!(reg9.state, StepState::Running);
}

/// A procedure with a suspendable, extendable step, parallel steps and a join.
const PARALLEL: &str = r#"id = "kz-test-parallel"
provider = "office"
title = { kk = "Сынақ", ru = "Тест", en = "Test" }
source = { order = "1", date = "2026-01-01", clauses = "1" }
in_force = { from = "2026-01-01" }

[[role]]
id = "office"
title = { kk = "Кеңсе", ru = "Канцелярия", en = "Office" }

[total]
max = { count = 20, unit = "working_days" }
excludes = ["b"]

[[step]]
id = "s1"
clause = "1"
actor = "office"
starts = "registration"
max = { count = 10, unit = "working_days" }
suspendable = true
extension = { count = 5, unit = "working_days" }
title = { kk = "Бір", ru = "Один", en = "One" }

[[step.outcome]]
id = "ok"
next = ["a", "b"]
title = { kk = "Иә", ru = "Да", en = "Yes" }

[[step]]
id = "a"
clause = "2"
actor = "office"
max = { count = 4, unit = "hours" }
title = { kk = "А", ru = "А", en = "A" }

[[step.outcome]]
id = "ok"
title = { kk = "Иә", ru = "Да", en = "Yes" }
next = []
end = "done"

[[step]]
id = "b"
clause = "3"
actor = "office"
no_max = "another body's time"
title = { kk = "Б", ru = "Б", en = "B" }

[[step.outcome]]
id = "ok"
end = "done"
title = { kk = "Иә", ru = "Да", en = "Yes" }

[[result]]
id = "done"
title = { kk = "Дайын", ru = "Готово", en = "Done" }
"#;

fn parallel() -> rex_procedure::Procedure {
    Catalogue::from_texts([("kz-test-parallel.toml", PARALLEL)])
        .unwrap()
        .get("kz-test-parallel")
        .unwrap()
        .clone()
}

#[test]
fn a_suspension_and_an_extension_move_the_step_and_the_total_as_the_log_says() {
    let p = parallel();
    let log = [
        registered("2026-04-06T10:00:00+05:00"),
        Event::Suspended {
            step: "s1".into(),
            at: t("2026-04-09T12:00:00+05:00"),
            reason: "information asked of the applicant".into(),
        },
        Event::Resumed {
            step: "s1".into(),
            at: t("2026-04-13T09:00:00+05:00"),
        },
        Event::Extended {
            step: "s1".into(),
            by: Max {
                count: 3,
                unit: UnitName::WorkingDays,
            },
            at: t("2026-04-14T09:00:00+05:00"),
            reason: "expert opinion".into(),
        },
    ];
    let view = replay(&p, &calendar(), &log, t("2026-04-14T10:00:00+05:00")).unwrap();
    let s1 = &view.steps[0];
    // 10 working days with 9–13 April suspended: 22 April (see the calendar's tests), and three
    // more: 23, 24, 27 April.
    assert_eq!(s1.due.as_ref().unwrap().due_text(), "2026-04-27");
    assert!(
        s1.explanation
            .as_ref()
            .unwrap()
            .contains("suspended 2026-04-09..2026-04-13")
    );
    // The total leaves the suspension out: 20 working days from 6 April: 7–9 April (3), then
    // after the 13th: 14–17 (7), 20–24 (12), 27–30 (16), 4–6 May (19; the 1st is Unity Day),
    // 8 May (20; the 7th is Defender of the Fatherland Day).
    assert_eq!(view.total.as_ref().unwrap().due_text(), "2026-05-08");
    // Three more days of extension would make 6, beyond the 5 allowed.
    let mut more = log.to_vec();
    more.push(Event::Extended {
        step: "s1".into(),
        by: Max {
            count: 3,
            unit: UnitName::WorkingDays,
        },
        at: t("2026-04-14T10:00:00+05:00"),
        reason: "again".into(),
    });
    let err = replay(&p, &calendar(), &more, t("2026-04-14T11:00:00+05:00")).unwrap_err();
    assert_eq!(err.index, 5);
    assert!(err.why.contains("6"), "{err}");
}

#[test]
fn parallel_steps_start_together_and_the_excluded_one_is_left_out_of_the_total() {
    let p = parallel();
    let log = [
        registered("2026-04-06T10:00:00+05:00"),
        completed("s1", "ok", "2026-04-07T10:00:00+05:00"),
    ];
    let view = replay(&p, &calendar(), &log, t("2026-04-08T10:00:00+05:00")).unwrap();
    let a = &view.steps[1];
    let b = &view.steps[2];
    assert_eq!(a.started_at, b.started_at);
    // Four working hours from 10:00: 10:00–13:00 and 14:30–15:30.
    assert_eq!(a.due.as_ref().unwrap().due_text(), "2026-04-07T15:30");
    assert_eq!(a.state, StepState::Overdue);
    assert_eq!(b.state, StepState::Running);
    assert!(b.due.is_none(), "no statutory maximum");
    // The total leaves out b's time, from the 7th and still running on the 8th: the 7th counted
    // (1), then after the 8th: 9–10 April (3), 13–17 (8), 20–24 (13), 27–30 (17), 4–6 May (20).
    let total = view.total.as_ref().unwrap();
    assert_eq!(total.due_text(), "2026-05-06", "{total}");
}

#[test]
fn events_the_log_may_not_hold_are_refused_naming_the_event() {
    let p = parallel();
    let cases: Vec<(Vec<Event>, usize, &str)> = vec![
        (
            vec![completed("s1", "ok", "2026-04-07T10:00:00+05:00")],
            1,
            "begins with its registration",
        ),
        (
            vec![
                registered("2026-04-06T10:00:00+05:00"),
                completed("a", "ok", "2026-04-07T10:00:00+05:00"),
            ],
            2,
            "not running",
        ),
        (
            vec![
                registered("2026-04-06T10:00:00+05:00"),
                completed("s1", "maybe", "2026-04-07T10:00:00+05:00"),
            ],
            2,
            "no outcome \"maybe\"",
        ),
        (
            vec![
                registered("2026-04-06T10:00:00+05:00"),
                Event::Resumed {
                    step: "s1".into(),
                    at: t("2026-04-07T10:00:00+05:00"),
                },
            ],
            2,
            "not suspended",
        ),
        (
            vec![
                registered("2026-04-06T10:00:00+05:00"),
                completed("s1", "ok", "2026-04-05T10:00:00+05:00"),
            ],
            2,
            "comes before",
        ),
        (
            vec![
                registered("2026-04-06T10:00:00+05:00"),
                Event::Suspended {
                    step: "s1".into(),
                    at: t("2026-04-07T10:00:00+05:00"),
                    reason: "x".into(),
                },
                Event::Resumed {
                    step: "s1".into(),
                    at: t("2026-05-07T10:00:00+05:00"),
                },
            ],
            3,
            "in the future",
        ),
    ];
    for (log, index, says) in cases {
        let err = replay(&p, &calendar(), &log, t("2026-04-20T10:00:00+05:00")).unwrap_err();
        assert_eq!(err.index, index, "{err}");
        assert!(err.why.contains(says), "{err}");
    }
    // A step that may not be suspended.
    let catalogue = Catalogue::embedded().unwrap();
    let ver = catalogue.get("kz-358-verification").unwrap();
    let log = [
        registered("2026-04-06T10:00:00+05:00"),
        Event::Suspended {
            step: "VER-4".into(),
            at: t("2026-04-07T10:00:00+05:00"),
            reason: "x".into(),
        },
    ];
    let err = replay(ver, &calendar(), &log, t("2026-04-20T10:00:00+05:00")).unwrap_err();
    assert!(err.why.contains("may not be suspended"), "{err}");
}

#[test]
fn a_join_starts_once_every_branch_it_waits_for_has_completed() {
    let catalogue = Catalogue::embedded().unwrap();
    let p = catalogue.get("kz-355-permit").unwrap();
    let mut log = vec![
        registered("2026-04-06T10:00:00+05:00"),
        completed("registration", "registered", "2026-04-06T11:00:00+05:00"),
        completed("completeness", "complete", "2026-04-07T11:00:00+05:00"),
        completed("guarantee", "confirmed", "2026-04-08T11:00:00+05:00"),
    ];
    let state = |log: &[Event], step: &str| {
        let view = replay(p, &calendar(), log, t("2026-04-20T10:00:00+05:00")).unwrap();
        view.steps
            .iter()
            .find(|s| s.step == step)
            .unwrap()
            .started_at
    };
    // The guarantee is checked, the state bodies have not answered: no decision yet.
    assert_eq!(state(&log, "decision"), None);
    log.push(completed(
        "requests",
        "answered",
        "2026-04-10T11:00:00+05:00",
    ));
    assert_eq!(state(&log, "decision"), None);
    log.push(completed(
        "risk-assessment",
        "positive",
        "2026-04-14T11:00:00+05:00",
    ));
    assert_eq!(
        state(&log, "decision"),
        Some(t("2026-04-14T11:00:00+05:00"))
    );
}

#[test]
fn an_order_292_case_of_2015_counts_in_plus_six_hours_and_rolls_past_nauryz() {
    let catalogue = Catalogue::embedded().unwrap();
    let p = catalogue.get("kz-292-annex-01").unwrap();
    let log = [
        registered("2015-03-19T16:00:00+06:00"),
        completed("s1", "registered", "2015-03-20T10:00:00+06:00"),
    ];
    let view = replay(p, &calendar(), &log, t("2015-03-20T12:00:00+06:00")).unwrap();
    let s1 = view.steps[0].due.as_ref().unwrap();
    // 4 working hours from Thursday 16:00: 16:00–18:30, then 09:00–10:30 on Friday.
    assert_eq!(s1.due_text(), "2015-03-20T10:30");
    assert_eq!(s1.ends_at.to_rfc3339(), "2015-03-20T10:30:00+06:00");
    assert_eq!(view.steps[0].state, StepState::CompletedOnTime);
    // 1 calendar day from Friday 20 March: Saturday 21 is Nauryz, and the days off run to
    // Wednesday 25 (Nauryz to the 23rd, then the substitutes for the 21st and 22nd): the day
    // ends on Thursday 26 March.
    let s2 = view.steps[1].due.as_ref().unwrap();
    assert_eq!(s2.due_text(), "2015-03-26");
    assert!(s2.explanation().contains("art. 173"), "{s2}");
    assert_eq!(s2.ends_at.to_rfc3339(), "2015-03-26T23:59:59+06:00");
}

#[test]
fn a_case_registered_when_its_order_was_not_in_force_is_refused() {
    let catalogue = Catalogue::embedded().unwrap();
    let p = catalogue.get("kz-292-annex-01").unwrap();
    let log = [registered("2016-03-01T10:00:00+06:00")];
    let err = replay(p, &calendar(), &log, t("2016-03-02T10:00:00+06:00")).unwrap_err();
    assert!(err.why.contains("not in force"), "{err}");
}

#[test]
fn an_extension_past_every_limit_is_refused_not_wrapped() {
    let p = parallel();
    let log = [
        registered("2026-04-06T10:00:00+05:00"),
        Event::Extended {
            step: "s1".into(),
            by: Max {
                count: u32::MAX,
                unit: UnitName::WorkingDays,
            },
            at: t("2026-04-06T11:00:00+05:00"),
            reason: "x".into(),
        },
    ];
    let err = replay(&p, &calendar(), &log, t("2026-04-07T10:00:00+05:00")).unwrap_err();
    assert_eq!(err.index, 2);
    assert!(err.why.contains("in all"), "{err}");
}

#[test]
fn a_case_that_ended_is_seen_as_it_stood_then() {
    let p = parallel();
    // s1 leads to a and b in parallel; a ends the case, b still runs: later, b is not overdue
    // and the total does not grow.
    let log = [
        registered("2026-04-06T10:00:00+05:00"),
        completed("s1", "ok", "2026-04-07T10:00:00+05:00"),
        completed("a", "ok", "2026-04-07T11:00:00+05:00"),
    ];
    let then = replay(&p, &calendar(), &log, t("2026-04-07T12:00:00+05:00")).unwrap();
    let later = replay(&p, &calendar(), &log, t("2026-09-01T12:00:00+05:00")).unwrap();
    assert_eq!(later.result.as_deref(), Some("done"));
    assert_eq!(
        later.total.as_ref().map(|d| d.due),
        then.total.as_ref().map(|d| d.due)
    );
    assert!(later.steps.iter().all(|s| s.state != StepState::Overdue));
}
