//! The notification service alone, with a real SMTP server process: the inbox and paper
//! channels, idempotency, bad input, retention, the Ministry's deadline notices.

#![allow(clippy::unwrap_used)]

use rex_proto::common::Language;
use rex_proto::notification::notification_service_client::NotificationServiceClient;
use rex_proto::notification::*;
use rex_testkit::*;
use tonic::Code;
use tonic::transport::Channel;

fn request(
    key: &str,
    kind: NotificationKind,
    channel: DeliveryChannel,
    due: &str,
    facts: &[(&str, &str)],
) -> SendNotificationRequest {
    SendNotificationRequest {
        idempotency_key: key.into(),
        kind: kind as i32,
        recipient: "110340517504".into(),
        recipient_email: "altyndan@example.kz".into(),
        channel: channel as i32,
        primary_language: Language::Ru as i32,
        facts: facts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        due_on: Some(pdate(due)),
        rule_id: "REG-8".into(),
    }
}

/// The REG-8 registration notice due 27 March 2026, with its facts, under `key`.
fn reg8(key: &str, channel: DeliveryChannel) -> SendNotificationRequest {
    request(
        key,
        NotificationKind::RegistrationConfirmed,
        channel,
        "2026-03-27",
        REG8_FACTS,
    )
}

async fn send(
    client: &mut NotificationServiceClient<Channel>,
    request: SendNotificationRequest,
) -> SendNotificationResponse {
    client
        .send_notification(request)
        .await
        .unwrap()
        .into_inner()
}

const REG8_FACTS: &[(&str, &str)] = &[
    ("registration_number", "KZREX002190320260001"),
    ("application_registration_date", "2026-03-19"),
    ("assigned_on", "2026-03-20"),
    ("exporter_name", "ТОО «Алтын Дән»"),
    ("exporter_name_en", "Altyn Dan LLP"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_inbox_read_receipt_and_paper_hand_over() {
    let w = spawn_notification(Backend::Sqlite).await;
    let mut client = w.client();
    let inbox = send(&mut client, reg8("inbox-1", DeliveryChannel::Inbox))
        .await
        .notification
        .unwrap();
    assert_eq!(
        inbox.state,
        DeliveryState::Sent as i32,
        "placed in the inbox"
    );
    assert!(
        inbox
            .body
            .contains("Регистрационный номер: KZREX002190320260001")
            && inbox
                .body
                .contains("Registration number: KZREX002190320260001")
    );
    let read = client
        .acknowledge_notification(AcknowledgeNotificationRequest {
            idempotency_key: String::new(),
            notification_id: inbox.notification_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .notification
        .unwrap();
    assert_eq!(read.state, DeliveryState::Delivered as i32);
    assert!(read.acknowledged_at.is_some());
    assert_eq!(read.history.last().unwrap().detail, "read receipt");
    let unread = w.inbox("110340517504", true).await;
    assert!(unread.is_empty());
    let paper = send(&mut client, reg8("paper-1", DeliveryChannel::Paper))
        .await
        .notification
        .unwrap();
    assert_eq!(
        paper.state,
        DeliveryState::Pending as i32,
        "a letter waits for its hand-over"
    );
    let handed = client
        .acknowledge_notification(AcknowledgeNotificationRequest {
            idempotency_key: String::new(),
            notification_id: paper.notification_id,
        })
        .await
        .unwrap()
        .into_inner()
        .notification
        .unwrap();
    assert_eq!(handed.state, DeliveryState::Delivered as i32);
    assert!(
        handed
            .history
            .last()
            .unwrap()
            .detail
            .contains("handed over")
    );
    assert!(
        w.smtp().messages().is_empty(),
        "no e-mail for inbox and paper notices"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_is_never_sent_twice_and_bad_input_names_the_field() {
    let w = spawn_notification(Backend::Sqlite).await;
    let mut client = w.client();
    let first = send(&mut client, reg8("k-1", DeliveryChannel::Email)).await;
    let again = send(&mut client, reg8("k-1", DeliveryChannel::Email)).await;
    assert_eq!(
        first.notification.unwrap().notification_id,
        again.notification.unwrap().notification_id
    );
    let other = client
        .send_notification(request(
            "k-1",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Email,
            "2026-03-28",
            REG8_FACTS,
        ))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::AlreadyExists);
    w.smtp().wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(w.smtp().messages().len(), 1, "one e-mail for one key");
    let missing = client
        .send_notification(request(
            "k-2",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Email,
            "2026-03-27",
            &REG8_FACTS[..1],
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument);
    assert!(missing.message().contains("facts.application_registration_date: is required by the NOTIFICATION_KIND_REGISTRATION_CONFIRMED notice (REG-8)"), "{}", missing.message());
    let no_email = SendNotificationRequest {
        recipient_email: String::new(),
        ..reg8("k-3", DeliveryChannel::Email)
    };
    let err = client.send_notification(no_email).await.unwrap_err();
    assert!(
        err.message().starts_with("recipient_email: "),
        "{}",
        err.message()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ret_2_copies_are_kept_3_years_then_removed_with_a_report() {
    let w = spawn_notification(Backend::Sqlite).await;
    let mut client = w.client();
    client
        .send_notification(reg8("ret-1", DeliveryChannel::Inbox))
        .await
        .unwrap();
    let notices = rex_notification::notices(w.settings()).await.unwrap();
    w.set_today("2029-03-19");
    assert!(
        rex_notification::purge(&notices).await.unwrap().is_empty(),
        "kept until 19 March 2029 inclusive"
    );
    w.set_today("2029-03-20");
    assert_eq!(rex_notification::purge(&notices).await.unwrap().len(), 1);
    assert!(
        client
            .list_notifications(ListNotificationsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .notifications
            .is_empty()
    );
}

/// The verification service's deadline warning, with the facts its watcher writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_at_risk_reaches_the_officers_inbox() {
    let w = spawn_notification(Backend::Sqlite).await;
    let facts = [
        ("case_id", "MTI-VER-1"),
        ("foreign_reference", "NO-1"),
        ("registration_number", "KZREX002190320260001"),
        (
            "step",
            "ask Atameken for the dossier (application No. 1 and documents)",
        ),
        ("working_days_left", "1"),
    ];
    let req = SendNotificationRequest {
        recipient: "MTI-7".into(),
        recipient_email: String::new(),
        rule_id: "VER-4".into(),
        ..request(
            "deadline-at-risk:MTI-VER-1:VER-4:2026-03-27",
            NotificationKind::DeadlineAtRisk,
            DeliveryChannel::Inbox,
            "2026-03-27",
            &facts,
        )
    };
    let n = w
        .client()
        .send_notification(req)
        .await
        .unwrap()
        .into_inner()
        .notification
        .unwrap();
    assert_eq!(
        n.subject,
        "Срок шага VER-4 истекает 27 марта 2026 г. — дело MTI-VER-1 / Step VER-4 is due on 27 March 2026 — case MTI-VER-1"
    );
    let inbox = w.inbox("MTI-7", true).await;
    assert_eq!(inbox.len(), 1);
}
