//! ListInbox and AcknowledgeNotification: the exporter's inbox in Atameken's information system
//! and its read receipt, or the officer's confirmation that a letter was handed over (REG-8).

use rex_notification_domain::{NotificationError, acknowledge};
use rex_proto::notification::{
    AcknowledgeNotificationRequest, AcknowledgeNotificationResponse, ListInboxRequest,
    ListInboxResponse,
};
use rex_runtime::auth::{Caller, Role, ensure_own};

use super::{Failure, convert, load};
use crate::notices::{Notices, audit};
use crate::store;

pub(super) async fn list_inbox(
    notices: &Notices,
    caller: Option<Caller>,
    mut req: ListInboxRequest,
) -> Result<ListInboxResponse, Failure> {
    // An exporter's inbox is its own: no recipient means its TIN.
    if let Some(c) = caller.as_ref().filter(|c| c.role == Role::EXPORTER)
        && req.recipient.trim().is_empty()
    {
        req.recipient = c.tin.clone().unwrap_or_default();
    }
    ensure_own(caller.as_ref(), req.recipient.trim())?;
    if req.recipient.trim().is_empty() {
        return Err(NotificationError::Reg8InboxWithoutRecipient.into());
    }
    let mut conn = notices.db.pool.acquire().await?;
    let today = notices.clock.today();
    let rows: Vec<_> = store::list(&mut conn, req.recipient.trim(), None, None)
        .await?
        .into_iter()
        .filter(|n| n.is_in_inbox() && (!req.unread_only || n.is_unread()))
        .collect();
    let mut notifications = Vec::new();
    for n in &rows {
        notifications.push(convert::notification(&mut conn, n, today).await?);
    }
    Ok(ListInboxResponse { notifications })
}

pub(super) async fn acknowledge_notification(
    notices: &Notices,
    caller: Option<Caller>,
    req: AcknowledgeNotificationRequest,
) -> Result<AcknowledgeNotificationResponse, Failure> {
    let now = notices.clock.now();
    let mut tx = notices.db.begin_write().await?;
    let notice = load(&mut tx, &req.notification_id).await?;
    ensure_own(caller.as_ref(), &notice.recipient)?;
    if let Some(ack) = acknowledge::decide(&notice, &req.notification_id, now) {
        store::mark_delivered(&mut tx, &notice.id, ack.at, true).await?;
        store::add_event(&mut tx, &notice.id, &ack.event).await?;
        audit(&mut tx, &ack.audit, ack.at).await?;
    }
    let notice = load(&mut tx, &notice.id).await?;
    let notification = convert::notification(&mut tx, &notice, notices.clock.today()).await?;
    tx.commit().await?;
    Ok(AcknowledgeNotificationResponse {
        notification: Some(notification),
    })
}
