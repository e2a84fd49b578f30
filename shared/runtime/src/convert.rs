//! Conversions between the contract's types and the domain's.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use prost_types::Timestamp;
use rex_calendar::{Calendar, DayReason, DueDate, PeriodUnit, StatutoryStep, StepState};
use rex_proto::common;
use rex_proto::google::r#type::Date;

use crate::status::FieldViolation;

pub fn date_to_proto(date: NaiveDate) -> Date {
    Date {
        year: date.year(),
        month: date.month() as i32,
        day: date.day() as i32,
    }
}

/// A contract date as written in messages and JSON: `YYYY-MM-DD`.
pub fn date_text(date: &Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// A full calendar date from the contract; `field` names it in the error.
pub fn date_from_proto(field: &str, date: Option<&Date>) -> Result<NaiveDate, FieldViolation> {
    let date = date.ok_or_else(|| FieldViolation::new(field, "is required (a full date)"))?;
    u32::try_from(date.month)
        .ok()
        .zip(u32::try_from(date.day).ok())
        .and_then(|(m, d)| NaiveDate::from_ymd_opt(date.year, m, d))
        .ok_or_else(|| {
            FieldViolation::new(
                field,
                format!("{} is not a real calendar date", date_text(date)),
            )
        })
}

pub fn timestamp_to_proto(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

pub fn timestamp_from_proto(
    field: &str,
    at: Option<&Timestamp>,
) -> Result<DateTime<Utc>, FieldViolation> {
    let at = at.ok_or_else(|| FieldViolation::new(field, "is required (a timestamp)"))?;
    u32::try_from(at.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(at.seconds, nanos))
        .ok_or_else(|| FieldViolation::new(field, "is not a valid timestamp"))
}

fn reason_kind(reason: &DayReason) -> &'static str {
    match reason {
        DayReason::Weekend { .. } => "weekend",
        DayReason::Holiday { .. } => "holiday",
        DayReason::Substitute { .. } => "substitute",
        DayReason::TransferredDayOff { .. } => "transferred_day_off",
        DayReason::TransferredWorkingDay { .. } => "transferred_working_day",
    }
}

pub fn due_to_proto(rule_id: &str, due: &DueDate) -> common::DueDate {
    let days = |list: &[rex_calendar::SkippedDay]| {
        list.iter()
            .map(|d| common::SkippedDay {
                date: Some(date_to_proto(d.date)),
                kind: reason_kind(&d.reason).to_owned(),
                reason: d.reason.to_string(),
            })
            .collect()
    };
    common::DueDate {
        rule_id: rule_id.to_owned(),
        start: Some(date_to_proto(due.start)),
        unit: match due.unit {
            PeriodUnit::WorkingDays => common::PeriodUnit::WorkingDays,
            PeriodUnit::CalendarDays => common::PeriodUnit::CalendarDays,
        } as i32,
        count: due.count,
        due: Some(date_to_proto(due.due)),
        ends_at: Some(timestamp_to_proto(due.ends_at.with_timezone(&Utc))),
        skipped: days(&due.skipped),
        worked_weekend_days: days(&due.worked_weekend_days),
        provisional: due.provisional,
        explanation: due.explanation(),
    }
}

/// A step as the contract shows it, with its state as of `today` (due soon = within 1 WD).
pub fn step_to_proto(
    calendar: &Calendar,
    step: &StatutoryStep,
    description: &str,
    today: NaiveDate,
) -> common::StatutoryStep {
    let state = match step.state(calendar, today, 1) {
        Ok(StepState::OnTime { .. }) => common::StepState::OnTime,
        Ok(StepState::DueSoon { .. }) => common::StepState::DueSoon,
        Ok(StepState::Overdue { .. }) => common::StepState::Overdue,
        Ok(StepState::Completed) => common::StepState::Completed,
        Ok(StepState::CompletedLate { .. }) => common::StepState::CompletedLate,
        Err(_) => common::StepState::Unspecified,
    };
    common::StatutoryStep {
        rule_id: step.rule_id.clone(),
        description: description.to_owned(),
        due: Some(due_to_proto(&step.rule_id, &step.due)),
        completed_on: step.completed_on.map(date_to_proto),
        state: state as i32,
    }
}

/// Instants are stored as fixed-width UTC text, so they sort as text on both backends.
pub fn instant_to_db(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn instant_from_db(text: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

pub fn date_from_db(text: &str) -> anyhow::Result<NaiveDate> {
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d")?)
}

/// Reading rows of the portable schema (dates and instants as text), naming the column on error.
pub mod rows {
    use chrono::{DateTime, NaiveDate, Utc};
    use sqlx::Row;
    use sqlx::any::AnyRow;

    pub fn decode_err(what: &str, err: impl std::fmt::Display) -> sqlx::Error {
        sqlx::Error::Decode(format!("{what}: {err}").into())
    }

    pub fn date(row: &AnyRow, col: &str) -> Result<NaiveDate, sqlx::Error> {
        let text: String = row.try_get(col)?;
        super::date_from_db(&text).map_err(|e| decode_err(col, e))
    }

    pub fn opt_date(row: &AnyRow, col: &str) -> Result<Option<NaiveDate>, sqlx::Error> {
        let text: Option<String> = row.try_get(col)?;
        text.map(|t| super::date_from_db(&t).map_err(|e| decode_err(col, e)))
            .transpose()
    }

    pub fn instant(row: &AnyRow, col: &str) -> Result<DateTime<Utc>, sqlx::Error> {
        let text: String = row.try_get(col)?;
        super::instant_from_db(&text).map_err(|e| decode_err(col, e))
    }

    pub fn opt_instant(row: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        let text: Option<String> = row.try_get(col)?;
        text.map(|t| super::instant_from_db(&t).map_err(|e| decode_err(col, e)))
            .transpose()
    }

    /// A date as stored: `YYYY-MM-DD`.
    pub fn iso(d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }
}
