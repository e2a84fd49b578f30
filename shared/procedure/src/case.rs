//! The case engine: a case is a procedure and its event log; from them and the calendar it
//! derives each step's state, its due moment with the derivation, the overall due moment with
//! suspensions and excluded steps left out, and what is to be done next. Events are checked as
//! they are replayed: the first thing wrong is refused, naming the event and why.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rex_calendar::{Calendar, Due, Period, Schedule, Suspension};
use serde::{Deserialize, Serialize};

use crate::load::schedule_of;
use crate::model::{Max, Procedure, Starts};

/// What happened in a case, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The application is registered: the case begins.
    Registered { at: DateTime<Utc> },
    /// Something outside the procedure that starts the steps waiting for it.
    Happened { name: String, at: DateTime<Utc> },
    /// A step completed with one of its outcomes.
    Completed {
        step: String,
        outcome: String,
        at: DateTime<Utc>,
        #[serde(default)]
        actor: Option<String>,
    },
    /// A step's clock stopped (the applicant is asked for information).
    Suspended {
        step: String,
        at: DateTime<Utc>,
        reason: String,
    },
    /// The stopped clock runs again.
    Resumed { step: String, at: DateTime<Utc> },
    /// A step's maximum extended.
    Extended {
        step: String,
        by: Max,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl Event {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Event::Registered { at }
            | Event::Happened { at, .. }
            | Event::Completed { at, .. }
            | Event::Suspended { at, .. }
            | Event::Resumed { at, .. }
            | Event::Extended { at, .. } => *at,
        }
    }
}

/// An event the log may not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {index}: {why}")]
pub struct EventError {
    /// From 1, in the log's order.
    pub index: usize,
    pub why: String,
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not started (and may never be, on another branch).
    Pending,
    Running,
    Suspended,
    CompletedOnTime,
    CompletedLate,
    /// Running (or stopped) past its due moment.
    Overdue,
}

/// A step of a case as derived.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub step: String,
    pub actor: String,
    pub state: StepState,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    /// The due moment with its derivation; none: not started, or no statutory maximum.
    pub due: Option<Due>,
    /// `due`'s derivation as a line.
    pub explanation: Option<String>,
}

/// A case as derived from its log at a moment.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub procedure: String,
    pub registered_at: DateTime<Utc>,
    pub steps: Vec<StepView>,
    /// The overall due moment, its suspensions and excluded steps left out.
    pub total: Option<Due>,
    /// The result, once an outcome ended the case.
    pub result: Option<String>,
    /// Running or stopped steps, by due moment: who is to do what by when.
    pub next: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Track {
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    actor: Option<String>,
    stops: Vec<Suspension>,
    /// Suspended since, while stopped.
    stopped_at: Option<DateTime<Utc>>,
    extensions: Vec<Period>,
}

/// Replays `events` of a case of `procedure` as of `now`.
pub fn replay(
    procedure: &Procedure,
    calendar: &Calendar,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<CaseView, EventError> {
    let fail = |index: usize, why: String| EventError {
        index: index + 1,
        why,
    };
    let Some(Event::Registered { at: registered_at }) = events.first() else {
        return Err(fail(0, "a case begins with its registration".into()));
    };
    let registered_at = *registered_at;
    let on = rex_calendar::time::local_date(registered_at);
    let in_force =
        |d: &crate::model::At<String>| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let from = in_force(&procedure.in_force.from);
    let to = procedure.in_force.to.as_ref().and_then(in_force);
    if from.is_some_and(|f| on < f) || to.is_some_and(|t| on > t) {
        return Err(fail(
            0,
            format!(
                "registered on {on}, when {} was not in force ({} to {})",
                procedure.id.value,
                procedure.in_force.from.value,
                procedure
                    .in_force
                    .to
                    .as_ref()
                    .map_or("now", |t| t.value.as_str())
            ),
        ));
    }
    let mut tracks: BTreeMap<&str, Track> = procedure
        .steps
        .iter()
        .map(|s| (s.id.as_str(), Track::default()))
        .collect();
    let step_of = |id: &str| procedure.steps.iter().find(|s| s.id.as_str() == id);
    let mut result = None;
    let mut ended_at = None;
    let mut last = registered_at;
    for (i, event) in events.iter().enumerate() {
        let at = event.at();
        if at < last {
            return Err(fail(
                i,
                format!("at {at} it comes before the event before it ({last})"),
            ));
        }
        if at > now {
            return Err(fail(i, format!("at {at} it is in the future")));
        }
        last = at;
        if result.is_some() {
            return Err(fail(i, "the case has ended".into()));
        }
        let mut started = Vec::new();
        match event {
            Event::Registered { .. } => {
                if i > 0 {
                    return Err(fail(i, "the case is registered once".into()));
                }
                for s in &procedure.steps {
                    if matches!(
                        s.starts.as_ref().map(|a| &a.value),
                        Some(Starts::Registration)
                    ) {
                        started.push(s.id.as_str());
                    }
                }
            }
            Event::Happened { name, .. } => {
                for s in &procedure.steps {
                    if matches!(s.starts.as_ref().map(|a| &a.value), Some(Starts::Event(e)) if e == name)
                    {
                        started.push(s.id.as_str());
                    }
                }
                if started.is_empty() {
                    return Err(fail(
                        i,
                        format!("no step of {} starts on {name:?}", procedure.id.value),
                    ));
                }
            }
            Event::Completed {
                step,
                outcome,
                actor,
                ..
            } => {
                let s = step_of(step).ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                let t = tracks
                    .get_mut(s.id.as_str())
                    .ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                if t.started_at.is_none() || t.completed_at.is_some() {
                    return Err(fail(
                        i,
                        format!("step {step} is not running: it cannot complete"),
                    ));
                }
                if t.stopped_at.is_some() {
                    return Err(fail(
                        i,
                        format!("step {step} is suspended: resume it first"),
                    ));
                }
                let o = s
                    .outcomes
                    .iter()
                    .find(|o| o.id.as_str() == outcome)
                    .ok_or_else(|| fail(i, format!("step {step} has no outcome {outcome:?}")))?;
                t.completed_at = Some(at);
                t.outcome = Some(outcome.clone());
                t.actor = actor.clone();
                started.extend(o.next.iter().map(|n| n.as_str()));
                if let Some(end) = &o.end {
                    result = Some(end.value.clone());
                    ended_at = Some(at);
                }
            }
            Event::Suspended { step, .. } => {
                let s = step_of(step).ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                if !s.suspendable {
                    return Err(fail(i, format!("step {step} may not be suspended")));
                }
                let t = tracks
                    .get_mut(s.id.as_str())
                    .ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                if t.started_at.is_none() || t.completed_at.is_some() || t.stopped_at.is_some() {
                    return Err(fail(
                        i,
                        format!("step {step} is not running: it cannot be suspended"),
                    ));
                }
                t.stopped_at = Some(at);
            }
            Event::Resumed { step, .. } => {
                let t = tracks
                    .get_mut(step.as_str())
                    .ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                let Some(from) = t.stopped_at.take() else {
                    return Err(fail(
                        i,
                        format!("step {step} is not suspended: it cannot resume"),
                    ));
                };
                t.stops.push(Suspension { from, to: at });
            }
            Event::Extended { step, by, .. } => {
                let s = step_of(step).ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                let Some(limit) = s.extension else {
                    return Err(fail(i, format!("step {step} may not be extended")));
                };
                if by.unit != limit.unit {
                    return Err(fail(
                        i,
                        format!(
                            "step {step} is extended in {:?}, not {:?}",
                            limit.unit, by.unit
                        ),
                    ));
                }
                let t = tracks
                    .get_mut(s.id.as_str())
                    .ok_or_else(|| fail(i, format!("no step {step:?}")))?;
                if t.started_at.is_none() || t.completed_at.is_some() {
                    return Err(fail(
                        i,
                        format!("step {step} is not running: it cannot be extended"),
                    ));
                }
                let so_far: u64 = t.extensions.iter().map(|e| u64::from(e.count)).sum();
                let total = so_far + u64::from(by.count);
                if total > u64::from(limit.count) {
                    return Err(fail(
                        i,
                        format!(
                            "step {step} may be extended by {} {:?} in all; {} would make {total}",
                            limit.count, limit.unit, by.count
                        ),
                    ));
                }
                t.extensions.push(by.period());
            }
        }
        // Steps started by this event; a join starts once everything it waits for completed,
        // however it is named.
        let waits = |id: &str, tracks: &BTreeMap<&str, Track>| match step_of(id)
            .and_then(|s| s.starts.as_ref())
            .map(|a| &a.value)
        {
            Some(Starts::After(list)) => !list.iter().all(|a| {
                tracks
                    .get(a.as_str())
                    .is_some_and(|t| t.completed_at.is_some())
            }),
            _ => false,
        };
        for id in started {
            if waits(id, &tracks) {
                continue;
            }
            if let Some(t) = tracks.get_mut(id)
                && t.started_at.is_none()
            {
                t.started_at = Some(at);
            }
        }
        for s in &procedure.steps {
            if let Some(Starts::After(list)) = s.starts.as_ref().map(|a| &a.value)
                && tracks
                    .get(s.id.as_str())
                    .is_some_and(|t| t.started_at.is_none())
                && list.iter().all(|a| {
                    tracks
                        .get(a.as_str())
                        .is_some_and(|t| t.completed_at.is_some())
                })
                && let Some(t) = tracks.get_mut(s.id.as_str())
            {
                t.started_at = Some(at);
            }
        }
    }
    let schedule: Schedule = procedure
        .schedule
        .as_ref()
        .and_then(|s| schedule_of(s).ok())
        .unwrap_or_default();
    // A case that ended is seen as it stood then: what still ran is not overdue later.
    let as_of = ended_at.unwrap_or(now);
    let mut views = Vec::new();
    let mut next = Vec::new();
    for s in &procedure.steps {
        let t = &tracks[s.id.as_str()];
        let mut stops = t.stops.clone();
        if let Some(from) = t.stopped_at {
            stops.push(Suspension {
                from,
                to: as_of.max(from),
            });
        }
        let due = match (t.started_at, s.max) {
            (Some(started), Some(max)) => {
                let from = match s.counted_from.as_ref().map(|c| c.as_str()) {
                    Some("registration") => registered_at,
                    Some(other) => tracks
                        .get(other)
                        .and_then(|o| o.started_at)
                        .unwrap_or(started),
                    None => started,
                };
                Some(
                    calendar
                        .due_moment(from, max.period(), &t.extensions, &stops, &schedule)
                        .map_err(|e| EventError {
                            index: events.len(),
                            why: format!(
                                "step {}: its due moment cannot be counted: {e}",
                                s.id.value
                            ),
                        })?,
                )
            }
            _ => None,
        };
        let ends = due.as_ref().map(|d| d.ends_at.with_timezone(&Utc));
        let state = match (t.started_at, t.completed_at) {
            (None, _) => StepState::Pending,
            (Some(_), Some(done)) => match ends {
                Some(e) if done > e => StepState::CompletedLate,
                _ => StepState::CompletedOnTime,
            },
            (Some(_), None) if ends.is_some_and(|e| as_of > e) => StepState::Overdue,
            (Some(_), None) if t.stopped_at.is_some() => StepState::Suspended,
            (Some(_), None) => StepState::Running,
        };
        if matches!(
            state,
            StepState::Running | StepState::Suspended | StepState::Overdue
        ) && result.is_none()
        {
            next.push((
                ends,
                format!(
                    "{} ({}): {}{}",
                    s.id.value,
                    s.actor.value,
                    s.title.en,
                    match (&due, state) {
                        (Some(d), StepState::Overdue) =>
                            format!(" — OVERDUE since {}", d.due_text()),
                        (Some(d), StepState::Suspended) =>
                            format!(" — suspended; due {} as it stands", d.due_text()),
                        (Some(d), _) => format!(" — due {}", d.due_text()),
                        (None, _) => " — no statutory maximum".into(),
                    }
                ),
            ));
        }
        views.push(StepView {
            step: s.id.value.clone(),
            actor: s.actor.value.clone(),
            state,
            started_at: t.started_at,
            completed_at: t.completed_at,
            outcome: t.outcome.clone(),
            explanation: due.as_ref().map(Due::explanation),
            due,
        });
    }
    next.sort_by_key(|(ends, _)| ends.unwrap_or(DateTime::<Utc>::MAX_UTC));
    let total = total_due(
        procedure,
        calendar,
        &tracks,
        registered_at,
        as_of,
        &schedule,
    );
    Ok(CaseView {
        procedure: procedure.id.value.clone(),
        registered_at,
        steps: views,
        total,
        result,
        next: next.into_iter().map(|(_, line)| line).collect(),
    })
}

/// The overall maximum from the registration, every suspension and the time of every step it
/// excludes left out (overlapping intervals merged).
fn total_due(
    procedure: &Procedure,
    calendar: &Calendar,
    tracks: &BTreeMap<&str, Track>,
    registered_at: DateTime<Utc>,
    now: DateTime<Utc>,
    schedule: &Schedule,
) -> Option<Due> {
    let total = procedure.total.as_ref()?;
    let max = total.max?;
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for t in tracks.values() {
        intervals.extend(t.stops.iter().map(|s| (s.from, s.to)));
        if let Some(from) = t.stopped_at {
            intervals.push((from, now.max(from)));
        }
    }
    for e in &total.excludes {
        if let Some(t) = tracks.get(e.as_str())
            && let Some(from) = t.started_at
        {
            intervals.push((from, t.completed_at.unwrap_or(now).max(from)));
        }
    }
    intervals.sort();
    let mut merged: Vec<Suspension> = Vec::new();
    for (from, to) in intervals {
        match merged.last_mut() {
            Some(last) if from <= last.to => last.to = last.to.max(to),
            _ => merged.push(Suspension { from, to }),
        }
    }
    let period = Period::new(max.count, max.unit.into());
    calendar
        .due_moment(registered_at, period, &[], &merged, schedule)
        .ok()
}
