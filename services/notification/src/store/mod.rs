//! Notices and their delivery history (SQLite or PostgreSQL): rows <-> domain types.

mod rows;

use chrono::{DateTime, NaiveDate, Utc};
use rex_notification_domain::delivery::{AttemptRecord, Sending};
use rex_notification_domain::{AttemptState, Channel, DeliveryState, Event, Notice, NoticeKind};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::iso;
use rex_runtime::db::Lease;
use sqlx::{AnyConnection, Row};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// The one notice `sql` selects by `value`, if any.
async fn one(conn: &mut AnyConnection, sql: &str, value: &str) -> Result<Option<Notice>> {
    let row = sqlx::query(sql).bind(value).fetch_optional(conn).await?;
    row.as_ref().map(rows::notice).transpose()
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Notice>> {
    one(
        conn,
        "SELECT * FROM notifications WHERE notification_id = $1",
        id,
    )
    .await
}

pub async fn by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<Notice>> {
    one(
        conn,
        "SELECT * FROM notifications WHERE idempotency_key = $1",
        key,
    )
    .await
}

/// Notices by recipient ('' = any), kind and state (none = any), newest first.
pub async fn list(
    conn: &mut AnyConnection,
    recipient: &str,
    kind: Option<NoticeKind>,
    state: Option<DeliveryState>,
) -> Result<Vec<Notice>> {
    let rows = sqlx::query(
        "SELECT * FROM notifications WHERE ($1 = '' OR recipient = $1) AND ($2 = '' OR kind = $2) AND ($3 = '' OR state = $3) \
         ORDER BY created_at DESC, notification_id",
    )
    .bind(recipient)
    .bind(kind.map_or("", NoticeKind::as_str))
    .bind(state.map_or("", DeliveryState::as_str))
    .fetch_all(conn)
    .await?;
    rows.iter().map(rows::notice).collect()
}

pub async fn events(conn: &mut AnyConnection, id: &str) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT at, state, detail FROM delivery_events WHERE notification_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(rows::event).collect()
}

pub async fn add_event(conn: &mut AnyConnection, id: &str, event: &Event) -> Result<()> {
    sqlx::query(
        "INSERT INTO delivery_events (notification_id, at, seq, state, detail) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM delivery_events WHERE notification_id = $1), $3, $4)",
    )
    .bind(id)
    .bind(instant_to_db(event.at))
    .bind(event.state.as_str())
    .bind(&event.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps a new notice, created at `now`; an e-mail is due to be sent at once.
pub async fn insert(conn: &mut AnyConnection, n: &Notice, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (notification_id, idempotency_key, request_sha256, kind, recipient, recipient_email, channel, \
         languages, facts, due_on, rule_id, subject, body, state, created_at, sent_at, next_attempt_at, keep_until, reference) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '', $17, $18)",
    )
    .bind(&n.id)
    .bind(&n.idempotency_key)
    .bind(&n.request_sha256)
    .bind(n.kind.as_str())
    .bind(&n.recipient)
    .bind(&n.recipient_email)
    .bind(n.channel.as_str())
    .bind(rows::languages_text(&n.languages))
    .bind(rows::facts_text(&n.facts)?)
    .bind(iso(n.due_on))
    .bind(&n.rule_id)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(n.state.as_str())
    .bind(instant_to_db(now))
    .bind(n.sent_at.map(instant_to_db))
    .bind(iso(n.keep_until))
    .bind(&n.reference)
    .execute(conn)
    .await?;
    Ok(())
}

/// The next outgoing reference number of `prefix` in `year`: 1 for the first. Raised in the
/// caller's transaction, which holds the row until it ends, so two notices never share one.
pub async fn next_reference(conn: &mut AnyConnection, prefix: &str, year: i32) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO letter_references (prefix, year, last) VALUES ($1, $2, 1) \
         ON CONFLICT (prefix, year) DO UPDATE SET last = letter_references.last + 1 \
         RETURNING last",
    )
    .bind(prefix)
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?;
    row.try_get("last")
}

/// Marks a notice delivered (accepted by the mail server, read, or handed over); the first
/// moment of each kind is kept.
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    id: &str,
    at: DateTime<Utc>,
    acknowledged: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE notifications SET state = $4, sent_at = COALESCE(sent_at, $2), delivered_at = COALESCE(delivered_at, $2), \
         acknowledged_at = CASE WHEN $3 = 1 THEN COALESCE(acknowledged_at, $2) ELSE acknowledged_at END, locked_until = NULL \
         WHERE notification_id = $1",
    )
    .bind(id)
    .bind(instant_to_db(at))
    .bind(i64::from(acknowledged))
    .bind(DeliveryState::Delivered.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an e-mail FAILED after attempt `attempt`; false when a later attempt holds it (that
/// one decides).
pub async fn mark_failed(
    conn: &mut AnyConnection,
    id: &str,
    attempt: i64,
    reason: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET state = $3, failed_reason = $2, locked_until = NULL \
         WHERE notification_id = $1 AND state = $5 AND attempts = $4",
    )
    .bind(id)
    .bind(reason)
    .bind(DeliveryState::Failed.as_str())
    .bind(attempt)
    .bind(DeliveryState::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Lets an e-mail wait until `next` after attempt `attempt` failed; false when a later attempt
/// holds it.
pub async fn schedule_retry(
    conn: &mut AnyConnection,
    id: &str,
    attempt: i64,
    next: DateTime<Utc>,
    reason: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET next_attempt_at = $2, failed_reason = $3, locked_until = NULL \
         WHERE notification_id = $1 AND state = $5 AND attempts = $4",
    )
    .bind(id)
    .bind(instant_to_db(next))
    .bind(reason)
    .bind(attempt)
    .bind(DeliveryState::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks an e-mail delivered as of `at` (accepted by the mail server); false when it was
/// decided already (another attempt's copy was recorded first, and keeps its time).
pub async fn mark_emailed(conn: &mut AnyConnection, id: &str, at: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET state = $3, sent_at = COALESCE(sent_at, $2), delivered_at = COALESCE(delivered_at, $2), \
         locked_until = NULL WHERE notification_id = $1 AND state = $4",
    )
    .bind(id)
    .bind(instant_to_db(at))
    .bind(DeliveryState::Delivered.as_str())
    .bind(DeliveryState::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// E-mails waiting to be sent at `now`, not held by another sender.
pub async fn due_emails(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Vec<Notice>> {
    let rows = sqlx::query(
        "SELECT * FROM notifications WHERE channel = $2 AND state = $3 AND next_attempt_at <= $1 \
         AND (locked_until IS NULL OR locked_until < $1) ORDER BY created_at LIMIT 50",
    )
    .bind(instant_to_db(now))
    .bind(Channel::Email.as_str())
    .bind(DeliveryState::Pending.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(rows::notice).collect()
}

/// E-mails being sent, each held by one sender at a time (a short lease, renewed while the
/// sender talks to the mail server).
const SENDING: Lease = Lease {
    table: "notifications",
    id: "notification_id",
    // DeliveryState::Pending as stored (a test holds the two together).
    open: "state = 'PENDING'",
};

/// Claims an e-mail for sending until `until` and counts the attempt; false when another sender
/// has it or it is decided.
pub async fn claim(
    conn: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    SENDING.claim(conn, id, now, until).await
}

/// Extends the claim that counted attempt `attempt` until `until`; false when it was lost.
pub async fn renew(
    conn: &mut AnyConnection,
    id: &str,
    attempt: i64,
    until: DateTime<Utc>,
) -> Result<bool> {
    SENDING.renew(conn, id, attempt, until).await
}

/// The e-mail's attempts so far, in order.
pub async fn attempts(conn: &mut AnyConnection, id: &str) -> Result<Vec<AttemptRecord>> {
    let rows = sqlx::query(
        "SELECT attempt, started_at, state FROM email_attempts WHERE notification_id = $1 ORDER BY attempt",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(rows::attempt).collect()
}

/// Records an attempt before the sender speaks to the mail server.
pub async fn start_attempt(conn: &mut AnyConnection, id: &str, sending: &Sending) -> Result<()> {
    sqlx::query(
        "INSERT INTO email_attempts (notification_id, attempt, started_at, state, duplicate_of) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(sending.number)
    .bind(instant_to_db(sending.started_at))
    .bind(AttemptState::Started.as_str())
    .bind(sending.possible_duplicate_of)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records how attempt `attempt` ended, at `at`, with the server's answer or why not.
pub async fn finish_attempt(
    conn: &mut AnyConnection,
    id: &str,
    attempt: i64,
    state: AttemptState,
    at: DateTime<Utc>,
    reply: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE email_attempts SET state = $3, finished_at = $4, reply = $5 WHERE notification_id = $1 AND attempt = $2",
    )
    .bind(id)
    .bind(attempt)
    .bind(state.as_str())
    .bind(instant_to_db(at))
    .bind(reply)
    .execute(conn)
    .await?;
    Ok(())
}

/// RET-2: removes notices kept until a day before `cutoff` (see
/// `rex_notification_domain::retention::removal_cutoff`), logs the run, returns their ids.
pub async fn purge(
    conn: &mut AnyConnection,
    cutoff: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT notification_id FROM notifications WHERE keep_until < $1 ORDER BY notification_id",
    )
    .bind(iso(cutoff))
    .fetch_all(&mut *conn)
    .await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    sqlx::query("DELETE FROM email_attempts WHERE notification_id IN (SELECT notification_id FROM notifications WHERE keep_until < $1)")
        .bind(iso(cutoff))
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM delivery_events WHERE notification_id IN (SELECT notification_id FROM notifications WHERE keep_until < $1)")
        .bind(iso(cutoff))
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM notifications WHERE keep_until < $1")
        .bind(iso(cutoff))
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO retention_log (run_id, ran_at, as_of, removed, ids) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(instant_to_db(now))
        .bind(iso(cutoff))
        .bind(i64::try_from(ids.len()).unwrap_or(i64::MAX))
        .bind(ids.join(","))
        .execute(&mut *conn)
        .await?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sending_lease_holds_pending_e_mails_as_stored() {
        assert_eq!(
            SENDING.open,
            format!("state = '{}'", DeliveryState::Pending.as_str())
        );
    }
}
