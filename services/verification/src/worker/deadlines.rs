//! The deadline watcher (VER-2): marks overdue steps and warns the responsible officer of
//! steps due within one working day, once per step and due date.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rex_verification_domain::{Alert, Case, CaseStatus, CaseStep, StepAlert, alerts, timeline};

use crate::ministry::Ministry;
use crate::store::{self, Notice};

/// The steps whose open counts are exported as metrics: those a case counts; and the states.
const RULES: [&str; 6] = rex_verification_domain::Periods::RULES;
const STATES: [&str; 2] = ["due_soon", "overdue"];

/// The DEADLINE_AT_RISK notice to the responsible officer, to their inbox.
fn warning(case: &Case, s: &CaseStep, working_days_left: i64) -> Notice {
    let step = &s.step;
    let facts = serde_json::json!({
        "case_id": case.case_id,
        "foreign_reference": case.foreign_reference,
        "registration_number": case.registration_number,
        "step": s.description,
        "due_on": step.due.due.to_string(),
        "working_days_left": working_days_left.to_string(),
    });
    Notice {
        idempotency_key: format!(
            "deadline-at-risk:{}:{}:{}",
            case.case_id, step.rule_id, step.due.due
        ),
        kind: "DEADLINE_AT_RISK".into(),
        rule_id: step.rule_id.clone(),
        recipient: case.responsible_officer_id.clone(),
        recipient_email: String::new(),
        channel: "INBOX".into(),
        primary_language: "RU".into(),
        facts: match facts {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        },
        due_on: step.due.due,
    }
}

/// Marks one alert once; writes the warning with a new due-soon mark. Returns whether the mark
/// was new.
async fn mark(
    m: &Ministry,
    case: &Case,
    found: &StepAlert<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let step = &found.step.step;
    let mut tx = m.db.begin_write().await?;
    if !store::mark_step(
        &mut tx,
        &case.case_id,
        &step.rule_id,
        step.due.due,
        found.alert,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    match found.alert {
        Alert::DueSoon { working_days_left } => {
            store::insert_notice(&mut tx, &warning(case, found.step, working_days_left), now)
                .await?;
            tracing::warn!(case_id = %case.case_id, rule = %step.rule_id, due = %step.due.due, "statutory step due within one working day");
        }
        Alert::Overdue => {
            tracing::error!(case_id = %case.case_id, rule = %step.rule_id, due = %step.due.due, "statutory step overdue");
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Marks overdue steps and writes a DEADLINE_AT_RISK notice obligation to the responsible
/// officer for each open step due within one working day, once per step and due date.
/// Returns (warnings written, overdue steps newly marked).
pub async fn watch_deadlines(m: &Ministry) -> anyhow::Result<(usize, usize)> {
    let today = m.today();
    let now = m.clock.now();
    let rows = {
        let mut conn = m.db.pool.acquire().await?;
        store::cases(&mut conn, None).await?
    };
    let (mut warned, mut overdue) = (0, 0);
    let mut open_steps: BTreeMap<(String, &str), i64> = BTreeMap::new();
    for case in rows
        .iter()
        .map(|row| &row.case)
        .filter(|c| c.status != CaseStatus::Closed)
    {
        let timeline = timeline(&m.calendar, &m.periods, &case.dates())?;
        for found in alerts(&m.calendar, &timeline, today)? {
            let state = match found.alert {
                Alert::DueSoon { .. } => "due_soon",
                Alert::Overdue => "overdue",
            };
            *open_steps
                .entry((found.step.step.rule_id.clone(), state))
                .or_default() += 1;
            if !mark(m, case, &found, now).await? {
                continue;
            }
            match found.alert {
                Alert::DueSoon { .. } => warned += 1,
                Alert::Overdue => overdue += 1,
            }
        }
    }
    let counts: Vec<(String, &str, i64)> = RULES
        .iter()
        .flat_map(|rule| {
            STATES.map(|state| {
                (
                    rule.to_string(),
                    state,
                    *open_steps.get(&(rule.to_string(), state)).unwrap_or(&0),
                )
            })
        })
        .collect();
    rex_runtime::metrics::set_steps("verification", &counts);
    Ok((warned, overdue))
}
