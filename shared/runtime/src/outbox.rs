//! The outbox relay. A service writes each notice obligation into its `outbox` table in the
//! same transaction as the change that causes it; this relay hands them to the notification
//! service's `SendNotification` under their idempotency key, retrying with backoff until
//! accepted. A row is claimed for a while before the call, so several replicas can relay at once
//! without sending a notice twice, and a crashed relay's claim simply expires. The receiver is
//! idempotent on the key, so a call repeated after a lost answer changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rex_calendar::Clock;
use rex_proto::common::Language;
use rex_proto::notification::notification_service_client::NotificationServiceClient;
use rex_proto::notification::{DeliveryChannel, NotificationKind, SendNotificationRequest};
use sqlx::{AnyConnection, Row};
use tonic::transport::Channel;

use crate::convert::{date_from_db, date_to_proto, instant_to_db};
use crate::db::Db;
use crate::server::CORRELATION_HEADER;

/// A notice obligation (REG-8, REG-9, CHG-2, REV-2, REG-13, DEADLINE_AT_RISK), written with the
/// change that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub idempotency_key: String,
    pub kind: String,
    pub rule_id: String,
    pub recipient: String,
    pub recipient_email: String,
    /// EMAIL, INBOX or PAPER.
    pub channel: String,
    /// KK, RU or EN.
    pub primary_language: String,
    pub facts: serde_json::Map<String, serde_json::Value>,
    pub due_on: chrono::NaiveDate,
}

/// Writes a notice obligation inside the caller's transaction; the same key twice is one
/// notice. It is due for relaying at once.
pub async fn insert(
    conn: &mut AnyConnection,
    n: &Notice,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (outbox_id, idempotency_key, kind, rule_id, recipient, recipient_email, channel, \
         primary_language, facts, due_on, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '') \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&n.idempotency_key)
    .bind(&n.kind)
    .bind(&n.rule_id)
    .bind(&n.recipient)
    .bind(&n.recipient_email)
    .bind(&n.channel)
    .bind(&n.primary_language)
    .bind(serde_json::to_string(&n.facts)?)
    .bind(crate::convert::rows::iso(n.due_on))
    .bind(instant_to_db(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Every notice obligation, oldest first (operators and tests).
pub async fn list(conn: &mut AnyConnection) -> anyhow::Result<Vec<Notice>> {
    let rows = sqlx::query("SELECT * FROM outbox ORDER BY created_at, outbox_id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let facts: String = row.try_get("facts")?;
            Ok(Notice {
                idempotency_key: row.try_get("idempotency_key")?,
                kind: row.try_get("kind")?,
                rule_id: row.try_get("rule_id")?,
                recipient: row.try_get("recipient")?,
                recipient_email: row.try_get("recipient_email")?,
                channel: row.try_get("channel")?,
                primary_language: row.try_get("primary_language")?,
                facts: serde_json::from_str(&facts)?,
                due_on: crate::convert::rows::date(row, "due_on")?,
            })
        })
        .collect()
}

/// How long a relay holds a row it is sending.
const CLAIM: Duration = Duration::from_secs(60);

/// One notice obligation as stored.
#[derive(Debug, Clone)]
struct Pending {
    outbox_id: String,
    request: SendNotificationRequest,
    attempts: i64,
}

fn to_request(row: &sqlx::any::AnyRow) -> anyhow::Result<Pending> {
    let kind: String = row.try_get("kind")?;
    let channel: String = row.try_get("channel")?;
    let language: String = row.try_get("primary_language")?;
    let facts: String = row.try_get("facts")?;
    let due: String = row.try_get("due_on")?;
    let facts: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&facts)?;
    let facts: BTreeMap<String, String> = facts
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    Ok(Pending {
        outbox_id: row.try_get("outbox_id")?,
        attempts: row.try_get("attempts")?,
        request: SendNotificationRequest {
            idempotency_key: row.try_get("idempotency_key")?,
            kind: NotificationKind::from_str_name(&format!("NOTIFICATION_KIND_{kind}"))
                .unwrap_or_default() as i32,
            recipient: row.try_get("recipient")?,
            recipient_email: row.try_get("recipient_email")?,
            channel: DeliveryChannel::from_str_name(&format!("DELIVERY_CHANNEL_{channel}"))
                .unwrap_or_default() as i32,
            primary_language: Language::from_str_name(&format!("LANGUAGE_{language}"))
                .unwrap_or_default() as i32,
            facts,
            due_on: Some(date_to_proto(date_from_db(&due)?)),
            rule_id: row.try_get("rule_id")?,
        },
    })
}

async fn due_rows(conn: &mut AnyConnection, now: DateTime<Utc>) -> anyhow::Result<Vec<Pending>> {
    let rows = sqlx::query(
        "SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
         ORDER BY created_at, outbox_id LIMIT 100",
    )
    .bind(instant_to_db(now))
    .fetch_all(conn)
    .await?;
    rows.iter().map(to_request).collect()
}

/// The outbox's rows, each taken by one relay at a time.
const OUTBOX: crate::db::Lease = crate::db::Lease {
    table: "outbox",
    id: "outbox_id",
    open: "sent_at IS NULL",
};

async fn claim(
    conn: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let until = now + chrono::Duration::from_std(CLAIM).unwrap_or_default();
    OUTBOX.claim(conn, id, now, until).await
}

/// Relays what is due now; returns how many notices the notification service accepted.
pub async fn relay_once(
    db: &Db,
    client: &NotificationServiceClient<Channel>,
    token: Option<&str>,
    clock: &dyn Clock,
    timeout: Duration,
    retry_base: Duration,
) -> anyhow::Result<usize> {
    let now = clock.now();
    let rows = {
        let mut conn = db.pool.acquire().await?;
        due_rows(&mut conn, now).await?
    };
    let mut accepted = 0;
    for row in rows {
        {
            let mut conn = db.pool.acquire().await?;
            if !claim(&mut conn, &row.outbox_id, now).await? {
                continue;
            }
        }
        let mut request = tonic::Request::new(row.request.clone());
        request.set_timeout(timeout);
        if let Ok(value) = row.request.idempotency_key.parse() {
            request.metadata_mut().insert(CORRELATION_HEADER, value);
        }
        crate::telemetry::inject(request.metadata_mut());
        if let Some(Ok(value)) = token.map(|t| format!("Bearer {t}").parse()) {
            request.metadata_mut().insert("authorization", value);
        }
        let result = client.clone().send_notification(request).await;
        let mut conn = db.pool.acquire().await?;
        match result {
            Ok(_) => {
                sqlx::query("UPDATE outbox SET sent_at = $2, locked_until = NULL, last_error = NULL WHERE outbox_id = $1")
                    .bind(&row.outbox_id)
                    .bind(instant_to_db(clock.now()))
                    .execute(&mut *conn)
                    .await?;
                accepted += 1;
            }
            Err(status) => {
                let attempt = row.attempts + 1;
                let delay = retry_base.saturating_mul(
                    2u32.saturating_pow(u32::try_from(attempt.clamp(1, 10) - 1).unwrap_or(0)),
                );
                let next = clock.now() + chrono::Duration::from_std(delay).unwrap_or_default();
                let error = format!("{:?}: {}", status.code(), status.message());
                sqlx::query("UPDATE outbox SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE outbox_id = $1")
                    .bind(&row.outbox_id)
                    .bind(instant_to_db(next))
                    .bind(&error)
                    .execute(&mut *conn)
                    .await?;
                if matches!(
                    status.code(),
                    tonic::Code::InvalidArgument | tonic::Code::AlreadyExists
                ) {
                    tracing::error!(key = %row.request.idempotency_key, %error, "the notification service refuses this notice; fix and it is retried");
                } else {
                    tracing::warn!(key = %row.request.idempotency_key, %error, retry_in_ms = delay.as_millis() as u64, "notice not accepted yet; will retry");
                }
            }
        }
    }
    Ok(accepted)
}

/// Notices not yet accepted by the notification service, and the age of the oldest.
pub async fn backlog(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Starts relaying `db`'s outbox to the notification service at `url` (none: notices wait in
/// the outbox until a relay is configured) as a task of `tasks`, which the service aborts when
/// it stops. Each call has `timeout`; `clock` schedules retries (the machine's, not the clock of
/// law); the outbox is read every `poll`.
pub fn spawn(
    tasks: &mut tokio::task::JoinSet<()>,
    db: Db,
    url: Option<&str>,
    base: &crate::config::Base,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    poll: Duration,
) -> anyhow::Result<()> {
    if let Some(url) = url {
        let channel = crate::tls::channel(url, base.tls.as_ref(), "notification", timeout)?;
        tasks.spawn(run(db, channel, base.service_token.clone(), clock, poll));
    }
    Ok(())
}

/// The relay loop over `channel` (to the notification service), every `poll`.
pub async fn run(
    db: Db,
    channel: Channel,
    token: Option<String>,
    clock: Arc<dyn Clock>,
    poll: Duration,
) {
    let client = NotificationServiceClient::new(channel);
    loop {
        if let Err(err) = relay_once(
            &db,
            &client,
            token.as_deref(),
            clock.as_ref(),
            Duration::from_secs(5),
            Duration::from_millis(500),
        )
        .await
        {
            tracing::warn!(
                error = format!("{err:#}"),
                "outbox relay run failed; will retry"
            );
        }
        tokio::time::sleep(poll).await;
    }
}
