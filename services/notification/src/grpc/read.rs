//! GetNotification and ListNotifications: one notice (with its letter, for paper), or a page.

use rex_notification_domain::Channel;
use rex_proto::notification::{
    DeliveryState as ProtoState, GetNotificationRequest, GetNotificationResponse,
    ListNotificationsRequest, ListNotificationsResponse, NotificationKind,
};
use rex_runtime::status::invalid_field;

use super::{Failure, convert, load};
use crate::notices::Notices;
use crate::store;

/// Without a page size.
const DEFAULT_PAGE: usize = 50;
/// The largest page.
const MAX_PAGE: u32 = 500;

pub(super) async fn get_notification(
    notices: &Notices,
    req: GetNotificationRequest,
) -> Result<GetNotificationResponse, Failure> {
    let mut conn = notices.db.pool.acquire().await?;
    let notice = load(&mut conn, &req.notification_id).await?;
    let mut notification = convert::notification(&mut conn, &notice, notices.clock.today()).await?;
    if notice.channel == Channel::Paper {
        notification.letter_pdf =
            crate::letter::render(&notices.letter(&notice)).map_err(Failure::Internal)?;
    }
    Ok(GetNotificationResponse {
        notification: Some(notification),
    })
}

pub(super) async fn list_notifications(
    notices: &Notices,
    req: ListNotificationsRequest,
) -> Result<ListNotificationsResponse, Failure> {
    let kind = match NotificationKind::try_from(req.kind) {
        Ok(k) => convert::kind_from_proto(k),
        Err(_) => return Err(invalid_field("kind", "is not a NotificationKind").into()),
    };
    let state = match ProtoState::try_from(req.state) {
        Ok(s) => convert::state_from_proto(s),
        Err(_) => return Err(invalid_field("state", "is not a DeliveryState").into()),
    };
    let offset: usize = if req.page_token.is_empty() {
        0
    } else {
        req.page_token
            .parse()
            .map_err(|_| invalid_field("page_token", "is not a token from a previous response"))?
    };
    let limit = if req.page_size == 0 {
        DEFAULT_PAGE
    } else {
        req.page_size.min(MAX_PAGE) as usize
    };
    let mut conn = notices.db.pool.acquire().await?;
    let today = notices.clock.today();
    let rows: Vec<_> = store::list(&mut conn, req.recipient.trim(), kind, state)
        .await?
        .into_iter()
        .filter(|n| !req.late_only || n.is_late(today))
        .collect();
    let mut notifications = Vec::new();
    for n in rows.iter().skip(offset).take(limit) {
        notifications.push(convert::notification(&mut conn, n, today).await?);
    }
    let next_page_token = if offset + limit < rows.len() {
        (offset + limit).to_string()
    } else {
        String::new()
    };
    Ok(ListNotificationsResponse {
        notifications,
        next_page_token,
    })
}
