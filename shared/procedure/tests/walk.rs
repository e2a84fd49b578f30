//! Every procedure of the catalogue walked through each of its branches by the case engine:
//! every outcome of every step taken in some walk, every walk reaching an end; each suspendable
//! step stopped and resumed, each extendable step extended to its limit and refused beyond it.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rex_calendar::Calendar;
use rex_procedure::model::{Procedure, Starts};
use rex_procedure::{Catalogue, Event, StepState, replay};

/// The moment each procedure's cases are walked from: 10:00 on the first day it was in force
/// (the branches do not depend on it).
fn start(p: &Procedure) -> DateTime<Utc> {
    let from: chrono::NaiveDate = p.in_force.from.parse().unwrap();
    rex_calendar::time::local(from, chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap())
        .with_timezone(&Utc)
}

struct Walker<'a> {
    p: &'a Procedure,
    calendar: &'a Calendar,
    taken: BTreeSet<(String, String)>,
    walks: usize,
}

impl Walker<'_> {
    /// Completes the running step that started last (an event's step before the others) with
    /// each of its outcomes in turn, to the end.
    fn walk(&mut self, log: Vec<Event>, at: DateTime<Utc>, depth: usize) {
        assert!(
            depth < 64,
            "{}: a walk of more than 64 steps",
            self.p.id.value
        );
        let view = replay(self.p, self.calendar, &log, at)
            .unwrap_or_else(|e| panic!("{}: {e}\n{log:#?}", self.p.id.value));
        if view.result.is_some() {
            self.walks += 1;
            return;
        }
        let running = view
            .steps
            .iter()
            .filter(|s| matches!(s.state, StepState::Running | StepState::Overdue))
            .rev()
            .max_by_key(|s| s.started_at);
        let Some(running) = running else {
            panic!(
                "{}: a walk stops without an end: {:?}",
                self.p.id.value,
                view.steps
                    .iter()
                    .map(|s| (&s.step, s.state))
                    .collect::<Vec<_>>()
            );
        };
        let step = self
            .p
            .steps
            .iter()
            .find(|s| s.id.as_str() == running.step)
            .unwrap();
        for o in &step.outcomes {
            self.taken
                .insert((step.id.value.clone(), o.id.value.clone()));
            let next_at = at + Duration::hours(1);
            let mut next = log.clone();
            next.push(Event::Completed {
                step: step.id.value.clone(),
                outcome: o.id.value.clone(),
                at: next_at,
                actor: None,
            });
            self.walk(next, next_at, depth + 1);
        }
    }
}

#[test]
fn every_procedure_is_walked_through_every_outcome_to_an_end() {
    let catalogue = Catalogue::embedded().unwrap();
    let calendar = Calendar::official().unwrap();
    let mut total_walks = 0;
    for p in catalogue.iter() {
        let start = start(p);
        let mut w = Walker {
            p,
            calendar: &calendar,
            taken: BTreeSet::new(),
            walks: 0,
        };
        w.walk(vec![Event::Registered { at: start }], start, 0);
        // Steps that start on an event outside the procedure: each event, after registration.
        let events: BTreeSet<&str> = p
            .steps
            .iter()
            .filter_map(|s| match s.starts.as_ref().map(|a| &a.value) {
                Some(Starts::Event(e)) => Some(e.as_str()),
                _ => None,
            })
            .collect();
        for e in events {
            let at = start + Duration::minutes(30);
            let log = vec![
                Event::Registered { at: start },
                Event::Happened {
                    name: e.to_owned(),
                    at,
                },
            ];
            w.walk(log, at, 0);
        }
        let all: BTreeSet<(String, String)> = p
            .steps
            .iter()
            .flat_map(|s| {
                s.outcomes
                    .iter()
                    .map(move |o| (s.id.value.clone(), o.id.value.clone()))
            })
            .collect();
        let missed: Vec<_> = all.difference(&w.taken).collect();
        assert!(
            missed.is_empty(),
            "{}: outcomes never taken: {missed:?}",
            p.id.value
        );
        assert!(w.walks > 0, "{}", p.id.value);
        total_walks += w.walks;
    }
    assert!(catalogue.iter().count() >= 17);
    assert!(total_walks >= catalogue.iter().count());
}

#[test]
fn every_suspendable_step_stops_and_every_extension_is_held_to_its_limit() {
    let catalogue = Catalogue::embedded().unwrap();
    let calendar = Calendar::official().unwrap();
    let mut suspended = 0;
    let mut extended = 0;
    for p in catalogue.iter() {
        let start = start(p);
        for s in p
            .steps
            .iter()
            .filter(|s| s.suspendable || s.extension.is_some())
        {
            // Reach the step: complete the first running step with its first outcome until `s`
            // runs.
            let mut log = vec![Event::Registered { at: start }];
            let mut at = start;
            for _ in 0..64 {
                let view = replay(p, &calendar, &log, at).unwrap();
                let me = view.steps.iter().find(|v| v.step == s.id.as_str()).unwrap();
                if me.started_at.is_some() {
                    break;
                }
                let Some(first) = view
                    .steps
                    .iter()
                    .find(|v| matches!(v.state, StepState::Running | StepState::Overdue))
                else {
                    break;
                };
                let step = p
                    .steps
                    .iter()
                    .find(|x| x.id.as_str() == first.step)
                    .unwrap();
                // Prefer an outcome that leads on, not to an end.
                let o = step
                    .outcomes
                    .iter()
                    .find(|o| !o.next.is_empty())
                    .unwrap_or(&step.outcomes[0]);
                at += Duration::hours(1);
                log.push(Event::Completed {
                    step: step.id.value.clone(),
                    outcome: o.id.value.clone(),
                    at,
                    actor: None,
                });
            }
            let view = replay(p, &calendar, &log, at).unwrap();
            let me = view.steps.iter().find(|v| v.step == s.id.as_str()).unwrap();
            if me.started_at.is_none() {
                // Behind an outcome the first-outcome path does not take: covered by the walks.
                continue;
            }
            let before = me.due.as_ref().map(|d| d.due);
            if s.suspendable {
                let mut stopped = log.clone();
                stopped.push(Event::Suspended {
                    step: s.id.value.clone(),
                    at: at + Duration::hours(1),
                    reason: "information asked".into(),
                });
                stopped.push(Event::Resumed {
                    step: s.id.value.clone(),
                    at: at + Duration::days(7),
                });
                let view = replay(p, &calendar, &stopped, at + Duration::days(7)).unwrap();
                let me = view.steps.iter().find(|v| v.step == s.id.as_str()).unwrap();
                if let (Some(before), Some(after)) = (before, me.due.as_ref().map(|d| d.due)) {
                    assert!(
                        after > before,
                        "{} {}: a week's suspension moved nothing",
                        p.id.value,
                        s.id.value
                    );
                }
                suspended += 1;
            }
            if let Some(limit) = s.extension {
                let mut longer = log.clone();
                longer.push(Event::Extended {
                    step: s.id.value.clone(),
                    by: limit,
                    at: at + Duration::hours(1),
                    reason: "as the law allows".into(),
                });
                replay(p, &calendar, &longer, at + Duration::hours(1)).unwrap();
                longer.push(Event::Extended {
                    step: s.id.value.clone(),
                    by: rex_procedure::model::Max {
                        count: 1,
                        unit: limit.unit,
                    },
                    at: at + Duration::hours(2),
                    reason: "beyond".into(),
                });
                let err = replay(p, &calendar, &longer, at + Duration::hours(2)).unwrap_err();
                assert!(err.why.contains("in all"), "{err}");
                extended += 1;
            }
        }
    }
    // Order 292's stop-and-restart and its extension of up to 3 months are in the catalogue.
    assert!(suspended >= 1, "no suspendable step walked");
    assert!(extended >= 1, "no extendable step walked");
}
