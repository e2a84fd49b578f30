//! SendNotification: read the request, render the notice, decide under its key, keep it.

use chrono::{DateTime, Datelike, Utc};
use prost::Message;
use rex_domain::Organisations;
use rex_notification_domain::letter;
use rex_notification_domain::send::{self, Accepted, Identity, SendDecision};
use rex_notification_domain::{Notice, NotificationError};
use rex_proto::notification::{SendNotificationRequest, SendNotificationResponse};
use rex_runtime::db::is_unique_violation;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use super::{Failure, convert};
use crate::notices::{Notices, audit};
use crate::store;

pub(super) async fn send_notification(
    notices: &Notices,
    req: SendNotificationRequest,
) -> Result<SendNotificationResponse, Failure> {
    // The whole request as sent: a retry hashes the same, another notice under the key does not.
    let request_sha256 = hex::encode(Sha256::digest(req.encode_to_vec()));
    let input = convert::send_request(req).validate()?;
    let text = notices.templates.render_notice(&input)?;
    let now = notices.clock.now();
    let identity = Identity {
        id: uuid::Uuid::new_v4().to_string(),
        request_sha256,
    };
    let mut tx = notices.db.begin_write().await?;
    let existing = store::by_key(&mut tx, &input.idempotency_key).await?;
    let stored = match send::decide(existing, input, text, identity, now)? {
        SendDecision::Replay(previous) => previous,
        SendDecision::Accept(accepted) => {
            keep(&mut tx, &notices.organisations, accepted, now).await?
        }
    };
    let notification = convert::notification(&mut tx, &stored, notices.clock.today()).await?;
    tx.commit().await?;
    notices.wake.notify_one();
    Ok(SendNotificationResponse {
        notification: Some(notification),
    })
}

/// Keeps a new notice with its first events and its audit entry.
async fn keep(
    conn: &mut AnyConnection,
    organisations: &Organisations,
    accepted: Accepted,
    now: DateTime<Utc>,
) -> Result<Notice, Failure> {
    let Accepted {
        mut notice,
        events,
        audit: fact,
    } = accepted;
    let prefix = &organisations.of(notice.kind.sender()).reference_prefix;
    let year = rex_calendar::time::local_date(now).year();
    let number = store::next_reference(conn, prefix, year).await?;
    notice.reference = letter::reference(prefix, year, number);
    if let Err(err) = store::insert(conn, &notice, now).await {
        if is_unique_violation(&err) {
            return Err(NotificationError::SentConcurrently.into());
        }
        return Err(err.into());
    }
    for event in &events {
        store::add_event(conn, &notice.id, event).await?;
    }
    audit(conn, &fact, now).await?;
    tracing::info!(
        id = %notice.id,
        kind = %notice.kind,
        channel = %notice.channel,
        rule = %notice.rule_id,
        reference = %notice.reference,
        due = %notice.due_on,
        "notice accepted"
    );
    Ok(notice)
}
