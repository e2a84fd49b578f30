//! Notifications and their delivery history (SQLite or PostgreSQL).

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::rows::{decode_err, iso, opt_instant};
use rex_runtime::convert::{date_from_db, instant_from_db, instant_to_db};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// A notification as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationRow {
    pub notification_id: String,
    pub idempotency_key: String,
    pub request_sha256: String,
    pub kind: String,
    pub recipient: String,
    pub recipient_email: String,
    pub channel: String,
    pub languages: String,
    pub facts: String,
    pub due_on: NaiveDate,
    pub rule_id: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub created_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub failed_reason: String,
    pub attempts: i64,
    pub keep_until: NaiveDate,
}

/// One event of the delivery history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub state: String,
    pub detail: String,
}

fn from_row(row: &AnyRow) -> Result<NotificationRow> {
    let due: String = row.try_get("due_on")?;
    let keep: String = row.try_get("keep_until")?;
    Ok(NotificationRow {
        notification_id: row.try_get("notification_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        request_sha256: row.try_get("request_sha256")?,
        kind: row.try_get("kind")?,
        recipient: row.try_get("recipient")?,
        recipient_email: row.try_get("recipient_email")?,
        channel: row.try_get("channel")?,
        languages: row.try_get("languages")?,
        facts: row.try_get("facts")?,
        due_on: date_from_db(&due).map_err(|e| decode_err("due_on", e))?,
        rule_id: row.try_get("rule_id")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        state: row.try_get("state")?,
        created_at: opt_instant(row, "created_at")?,
        sent_at: opt_instant(row, "sent_at")?,
        delivered_at: opt_instant(row, "delivered_at")?,
        acknowledged_at: opt_instant(row, "acknowledged_at")?,
        failed_reason: row.try_get("failed_reason")?,
        attempts: row.try_get("attempts")?,
        keep_until: date_from_db(&keep).map_err(|e| decode_err("keep_until", e))?,
    })
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<NotificationRow>> {
    let row = sqlx::query("SELECT * FROM notifications WHERE notification_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<NotificationRow>> {
    let row = sqlx::query("SELECT * FROM notifications WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Notifications by recipient and kind ('' = any), newest first.
pub async fn list(
    conn: &mut AnyConnection,
    recipient: &str,
    kind: &str,
    state: &str,
) -> Result<Vec<NotificationRow>> {
    let rows = sqlx::query(
        "SELECT * FROM notifications WHERE ($1 = '' OR recipient = $1) AND ($2 = '' OR kind = $2) AND ($3 = '' OR state = $3) \
         ORDER BY created_at DESC, notification_id",
    )
    .bind(recipient)
    .bind(kind)
    .bind(state)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn events(conn: &mut AnyConnection, id: &str) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT at, state, detail FROM delivery_events WHERE notification_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let at: String = r.try_get("at")?;
            Ok(Event {
                at: instant_from_db(&at).map_err(|e| decode_err("at", e))?,
                state: r.try_get("state")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

pub async fn add_event(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    at: DateTime<Utc>,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO delivery_events (notification_id, at, seq, state, detail) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM delivery_events WHERE notification_id = $1), $3, $4)",
    )
    .bind(id)
    .bind(instant_to_db(at))
    .bind(state)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert(
    conn: &mut AnyConnection,
    n: &NotificationRow,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (notification_id, idempotency_key, request_sha256, kind, recipient, recipient_email, channel, \
         languages, facts, due_on, rule_id, subject, body, state, created_at, sent_at, next_attempt_at, keep_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '', $17)",
    )
    .bind(&n.notification_id)
    .bind(&n.idempotency_key)
    .bind(&n.request_sha256)
    .bind(&n.kind)
    .bind(&n.recipient)
    .bind(&n.recipient_email)
    .bind(&n.channel)
    .bind(&n.languages)
    .bind(&n.facts)
    .bind(iso(n.due_on))
    .bind(&n.rule_id)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(&n.state)
    .bind(instant_to_db(now))
    .bind(n.sent_at.map(instant_to_db))
    .bind(iso(n.keep_until))
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a notification delivered (accepted by the mail server, read, or handed over).
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    id: &str,
    at: DateTime<Utc>,
    acknowledged: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE notifications SET state = 'DELIVERED', sent_at = COALESCE(sent_at, $2), delivered_at = COALESCE(delivered_at, $2), \
         acknowledged_at = CASE WHEN $3 = 1 THEN COALESCE(acknowledged_at, $2) ELSE acknowledged_at END, locked_until = NULL \
         WHERE notification_id = $1",
    )
    .bind(id)
    .bind(instant_to_db(at))
    .bind(i64::from(acknowledged))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_failed(conn: &mut AnyConnection, id: &str, reason: &str) -> Result<()> {
    sqlx::query("UPDATE notifications SET state = 'FAILED', failed_reason = $2, locked_until = NULL WHERE notification_id = $1")
        .bind(id)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn schedule_retry(
    conn: &mut AnyConnection,
    id: &str,
    next: DateTime<Utc>,
    reason: &str,
) -> Result<()> {
    sqlx::query("UPDATE notifications SET next_attempt_at = $2, failed_reason = $3, locked_until = NULL WHERE notification_id = $1")
        .bind(id)
        .bind(instant_to_db(next))
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

/// E-mails waiting to be sent at `now`, not held by another sender.
pub async fn due_emails(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<Vec<NotificationRow>> {
    let rows = sqlx::query(
        "SELECT * FROM notifications WHERE channel = 'EMAIL' AND state = 'PENDING' AND next_attempt_at <= $1 \
         AND (locked_until IS NULL OR locked_until < $1) ORDER BY created_at LIMIT 50",
    )
    .bind(instant_to_db(now))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Claims an e-mail for sending until `until`; false when another sender has it.
pub async fn claim(
    conn: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET locked_until = $2, attempts = attempts + 1 WHERE notification_id = $1 AND state = 'PENDING' \
         AND (locked_until IS NULL OR locked_until < $3)",
    )
    .bind(id)
    .bind(instant_to_db(until))
    .bind(instant_to_db(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// RET-2: removes notifications whose retention ended before `as_of`, logs the run, returns ids.
pub async fn purge(
    conn: &mut AnyConnection,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT notification_id FROM notifications WHERE keep_until < $1 ORDER BY notification_id",
    )
    .bind(iso(as_of))
    .fetch_all(&mut *conn)
    .await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    sqlx::query("DELETE FROM delivery_events WHERE notification_id IN (SELECT notification_id FROM notifications WHERE keep_until < $1)")
        .bind(iso(as_of))
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM notifications WHERE keep_until < $1")
        .bind(iso(as_of))
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO retention_log (run_id, ran_at, as_of, removed, ids) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(instant_to_db(now))
        .bind(iso(as_of))
        .bind(i64::try_from(ids.len()).unwrap_or(i64::MAX))
        .bind(ids.join(","))
        .execute(&mut *conn)
        .await?;
    Ok(ids)
}
