//! The contract's messages <-> the domain's types.

use chrono::NaiveDate;
use rex_notification_domain::{
    Channel, DeliveryState, Event, FieldError, Language, Notice, NoticeKind, SendRequest,
};
use rex_proto::common::Language as ProtoLanguage;
use rex_proto::notification::{
    DeliveryChannel, DeliveryEvent, DeliveryState as ProtoState, Notification, NotificationKind,
    SendNotificationRequest,
};
use rex_runtime::convert::{date_from_proto, date_to_proto, timestamp_to_proto};
use sqlx::AnyConnection;

use super::Failure;
use crate::store;

pub(super) fn kind_to_proto(kind: NoticeKind) -> NotificationKind {
    match kind {
        NoticeKind::RegistrationConfirmed => NotificationKind::RegistrationConfirmed,
        NoticeKind::ApplicationRefused => NotificationKind::ApplicationRefused,
        NoticeKind::ChangeAccepted => NotificationKind::ChangeAccepted,
        NoticeKind::ChangeRefused => NotificationKind::ChangeRefused,
        NoticeKind::RegistrationRevoked => NotificationKind::RegistrationRevoked,
        NoticeKind::RegistrationReinstated => NotificationKind::RegistrationReinstated,
        NoticeKind::DeadlineAtRisk => NotificationKind::DeadlineAtRisk,
        NoticeKind::AuthorizedPersonsChanged => NotificationKind::AuthorizedPersonsChanged,
    }
}

/// None for UNSPECIFIED.
pub(super) fn kind_from_proto(kind: NotificationKind) -> Option<NoticeKind> {
    NoticeKind::ALL
        .into_iter()
        .find(|k| kind_to_proto(*k) == kind)
}

pub(super) fn channel_to_proto(channel: Channel) -> DeliveryChannel {
    match channel {
        Channel::Email => DeliveryChannel::Email,
        Channel::Inbox => DeliveryChannel::Inbox,
        Channel::Paper => DeliveryChannel::Paper,
    }
}

/// None for UNSPECIFIED.
pub(super) fn channel_from_proto(channel: DeliveryChannel) -> Option<Channel> {
    Channel::ALL
        .into_iter()
        .find(|c| channel_to_proto(*c) == channel)
}

pub(super) fn state_to_proto(state: DeliveryState) -> ProtoState {
    match state {
        DeliveryState::Pending => ProtoState::Pending,
        DeliveryState::Sent => ProtoState::Sent,
        DeliveryState::Delivered => ProtoState::Delivered,
        DeliveryState::Failed => ProtoState::Failed,
    }
}

/// None for UNSPECIFIED.
pub(super) fn state_from_proto(state: ProtoState) -> Option<DeliveryState> {
    DeliveryState::ALL
        .into_iter()
        .find(|s| state_to_proto(*s) == state)
}

pub(super) fn language_to_proto(language: Language) -> ProtoLanguage {
    match language {
        Language::Kk => ProtoLanguage::Kk,
        Language::Ru => ProtoLanguage::Ru,
        Language::En => ProtoLanguage::En,
    }
}

/// None for UNSPECIFIED.
pub(super) fn language_from_proto(language: ProtoLanguage) -> Option<Language> {
    Language::ALL
        .into_iter()
        .find(|l| language_to_proto(*l) == language)
}

/// The request as the domain reads it: values outside the contract's enums are not given.
pub(super) fn send_request(req: SendNotificationRequest) -> SendRequest {
    let due_on = date_from_proto("due_on", req.due_on.as_ref())
        .map_err(|v| FieldError::new(v.field, v.description));
    SendRequest {
        kind: NotificationKind::try_from(req.kind)
            .ok()
            .and_then(kind_from_proto),
        channel: DeliveryChannel::try_from(req.channel)
            .ok()
            .and_then(channel_from_proto),
        primary_language: ProtoLanguage::try_from(req.primary_language)
            .ok()
            .and_then(language_from_proto),
        facts: req.facts.into_iter().collect(),
        idempotency_key: req.idempotency_key,
        recipient: req.recipient,
        recipient_email: req.recipient_email,
        due_on,
        rule_id: req.rule_id,
    }
}

fn event(e: &Event) -> DeliveryEvent {
    DeliveryEvent {
        state: state_to_proto(e.state) as i32,
        at: Some(timestamp_to_proto(e.at)),
        detail: e.detail.clone(),
    }
}

/// A notice with its delivery history, late or not on `today`; the letter is GetNotification's.
pub(super) async fn notification(
    conn: &mut AnyConnection,
    n: &Notice,
    today: NaiveDate,
) -> Result<Notification, Failure> {
    let history = store::events(conn, &n.id)
        .await?
        .iter()
        .map(event)
        .collect();
    Ok(Notification {
        notification_id: n.id.clone(),
        idempotency_key: n.idempotency_key.clone(),
        kind: kind_to_proto(n.kind) as i32,
        recipient: n.recipient.clone(),
        recipient_email: n.recipient_email.clone(),
        channel: channel_to_proto(n.channel) as i32,
        languages: n
            .languages
            .iter()
            .map(|l| language_to_proto(*l) as i32)
            .collect(),
        facts: n.facts.clone().into_iter().collect(),
        due_on: Some(date_to_proto(n.due_on)),
        rule_id: n.rule_id.clone(),
        subject: n.subject.clone(),
        body: n.body.clone(),
        state: state_to_proto(n.state) as i32,
        history,
        late: n.is_late(today),
        acknowledged_at: n.acknowledged_at.map(timestamp_to_proto),
        letter_pdf: Vec::new(),
        reference: n.reference.clone(),
    })
}
