//! Rows <-> domain types: enums are stored as their names, languages as `RU,EN`, facts as a JSON
//! object, dates as `YYYY-MM-DD` and instants as fixed-width UTC text.

use std::collections::BTreeMap;

use rex_notification_domain::delivery::AttemptRecord;
use rex_notification_domain::{
    AttemptState, Channel, DeliveryState, Event, Language, Notice, NoticeKind,
};
use rex_runtime::convert::rows::{date, decode_err, instant, opt_instant};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Result;

fn kind(row: &AnyRow) -> Result<NoticeKind> {
    let text: String = row.try_get("kind")?;
    NoticeKind::parse(&text).map_err(|e| decode_err("kind", e))
}

fn channel(row: &AnyRow) -> Result<Channel> {
    let text: String = row.try_get("channel")?;
    Channel::parse(&text).map_err(|e| decode_err("channel", e))
}

fn state(row: &AnyRow) -> Result<DeliveryState> {
    let text: String = row.try_get("state")?;
    DeliveryState::parse(&text).map_err(|e| decode_err("state", e))
}

fn languages(row: &AnyRow) -> Result<Vec<Language>> {
    let text: String = row.try_get("languages")?;
    text.split(',')
        .map(|l| Language::parse(l).map_err(|e| decode_err("languages", e)))
        .collect()
}

fn facts(row: &AnyRow) -> Result<BTreeMap<String, String>> {
    let text: String = row.try_get("facts")?;
    serde_json::from_str(&text).map_err(|e| decode_err("facts", e))
}

/// `RU,EN`.
pub(super) fn languages_text(languages: &[Language]) -> String {
    languages
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The facts as a JSON object.
pub(super) fn facts_text(facts: &BTreeMap<String, String>) -> Result<String> {
    serde_json::to_string(facts).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub(super) fn notice(row: &AnyRow) -> Result<Notice> {
    Ok(Notice {
        id: row.try_get("notification_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        request_sha256: row.try_get("request_sha256")?,
        kind: kind(row)?,
        recipient: row.try_get("recipient")?,
        recipient_email: row.try_get("recipient_email")?,
        channel: channel(row)?,
        languages: languages(row)?,
        facts: facts(row)?,
        due_on: date(row, "due_on")?,
        rule_id: row.try_get("rule_id")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        reference: row.try_get("reference")?,
        state: state(row)?,
        created_at: opt_instant(row, "created_at")?,
        sent_at: opt_instant(row, "sent_at")?,
        delivered_at: opt_instant(row, "delivered_at")?,
        acknowledged_at: opt_instant(row, "acknowledged_at")?,
        failed_reason: row.try_get("failed_reason")?,
        attempts: row.try_get("attempts")?,
        keep_until: date(row, "keep_until")?,
    })
}

pub(super) fn event(row: &AnyRow) -> Result<Event> {
    Ok(Event {
        at: instant(row, "at")?,
        state: state(row)?,
        detail: row.try_get("detail")?,
    })
}

pub(super) fn attempt(row: &AnyRow) -> Result<AttemptRecord> {
    let text: String = row.try_get("state")?;
    Ok(AttemptRecord {
        number: row.try_get("attempt")?,
        started_at: instant(row, "started_at")?,
        state: AttemptState::parse(&text).map_err(|e| decode_err("state", e))?,
    })
}
