//! End-to-end: notices from the registration service's outbox, through the notification
//! service, to a real SMTP server process; the inbox and paper channels; late-ness; crashes.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use mail_parser::MessageParser;
use rex_proto::common::Language;
use rex_proto::notification::*;
use tonic::Code;

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).unwrap()
}

async fn wait_state(w: &World, key: &str, state: DeliveryState) -> Notification {
    let mut client = w.notification().await;
    for _ in 0..300 {
        let list = client
            .list_notifications(ListNotificationsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .notifications;
        if let Some(n) = list
            .into_iter()
            .find(|n| n.idempotency_key == key && n.state == state as i32)
        {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("notice {key} did not reach {state:?}");
}

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

const REG8_FACTS: &[(&str, &str)] = &[
    ("registration_number", "KZREX002190320260001"),
    ("application_registration_date", "2026-03-19"),
    ("assigned_on", "2026-03-20"),
    ("exporter_name", "ТОО «Алтын Дән»"),
    ("exporter_name_en", "Altyn Dan LLP"),
];

async fn reg_8_registration_notice_arrives_by_email_in_russian_and_english(
    notification_db: Option<String>,
) {
    let w = World::start(notification_db).await;
    w.authorized_person().await;
    w.set_today("2026-03-20");
    let number = w.register_electronic(0, "2026-03-19").await;
    // The registration service's relay delivers its outbox; the e-mail reaches the SMTP server.
    let messages = w.smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    let m = parse(&messages[0]);
    assert_eq!(
        m.from().unwrap().first().unwrap().address().unwrap(),
        "rex-noreply@atameken.kz"
    );
    assert_eq!(
        m.to().unwrap().first().unwrap().address().unwrap(),
        "altyndan@example.kz"
    );
    assert_eq!(
        m.subject().unwrap(),
        format!("Регистрация в системе REX — {number} / Registration in the REX system — {number}")
    );
    assert!(m.message_id().unwrap().ends_with("@notifications.rex.kz"));
    let body = m.body_text(0).unwrap();
    for fact in [
        "Уважаемый экспортер ТОО «Алтын Дән»!",
        &format!("Регистрационный номер: {number}"),
        "Дата регистрации заявления № 1 (дата, с которой регистрация действительна): 2026-03-19",
        "Дата присвоения регистрационного номера: 2026-03-20",
        "Dear exporter Altyn Dan LLP,",
        "Date the registration number was assigned: 2026-03-20",
    ] {
        assert!(body.contains(fact), "{fact:?} in\n{body}");
    }
    let n = wait_state(
        &w,
        &format!("registration-confirmed:{number}"),
        DeliveryState::Delivered,
    )
    .await;
    assert_eq!(
        (n.rule_id.as_str(), n.due_on),
        ("REG-8", Some(pdate("2026-03-27")))
    );
    assert!(!n.late, "delivered on 20 March, due 27 March");
    let states: Vec<i32> = n.history.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        vec![
            DeliveryState::Pending as i32,
            DeliveryState::Sent as i32,
            DeliveryState::Delivered as i32
        ]
    );
    assert!(
        n.history[2]
            .detail
            .starts_with("accepted by the mail server: 250"),
        "{}",
        n.history[2].detail
    );
    assert_eq!(n.languages, vec![Language::Ru as i32, Language::En as i32]);
    // The same notice is in the exporter's inbox (REG-8), unread until it is acknowledged.
    let mut client = w.notification().await;
    let inbox = client
        .list_inbox(ListInboxRequest {
            recipient: reg::tin(0),
            unread_only: true,
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert_eq!(inbox.len(), 1);
    // The Ministry got the REG-13 notice about the authorized person, in its inbox.
    let ministry = client
        .list_inbox(ListInboxRequest {
            recipient: "MINISTRY".into(),
            unread_only: false,
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert_eq!(ministry.len(), 1);
    assert_eq!(
        ministry[0].kind,
        NotificationKind::AuthorizedPersonsChanged as i32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_registration_notice_arrives_by_email_sqlite() {
    reg_8_registration_notice_arrives_by_email_in_russian_and_english(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_registration_notice_arrives_by_email_postgres() {
    let Some(admin) = std::env::var("REX_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "REX_TEST_POSTGRES_URL must be set in CI"
        );
        eprintln!("skipped: no PostgreSQL");
        return;
    };
    use sqlx::Connection;
    let name = format!("rex_not_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    reg_8_registration_notice_arrives_by_email_in_russian_and_english(Some(url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_a_notice_delivered_after_its_working_day_due_date_is_late() {
    let mut w = World::start(None).await;
    w.authorized_person().await;
    // Registered Friday 20 March 2026: REG-8 counts 2 working days across Nauryz -> 27 March.
    w.set_today("2026-03-20");
    w.smtp.stop();
    let number = w.register_electronic(0, "2026-03-19").await;
    let key = format!("registration-confirmed:{number}");
    wait_state(&w, &key, DeliveryState::Pending).await;
    // On Thursday 26 March (a calendar-day count would already be past 2 days) it is not late.
    w.set_today("2026-03-26");
    let mut client = w.notification().await;
    let n = client
        .list_notifications(ListNotificationsRequest {
            late_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert!(n.is_empty(), "not late on 26 March");
    // The mail server comes back only on Monday 30 March: delivered, and late.
    w.set_today("2026-03-30");
    let port = w.smtp.port;
    w.smtp = SmtpServer::start_on(w.dir.path(), port).await;
    let n = wait_state(&w, &key, DeliveryState::Delivered).await;
    assert_eq!(n.due_on, Some(pdate("2026-03-27")));
    assert!(n.late);
    let late = client
        .list_notifications(ListNotificationsRequest {
            late_only: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert_eq!(late.len(), 1);
    assert!(
        n.history.iter().any(|e| e.detail.contains("retrying")),
        "the failed attempts are in the history"
    );
    assert_eq!(w.smtp.wait_for(1).await.len(), 1, "sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_inbox_read_receipt_and_paper_hand_over() {
    let w = World::start(None).await;
    let mut client = w.notification().await;
    let inbox = client
        .send_notification(request(
            "inbox-1",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Inbox,
            "2026-03-27",
            REG8_FACTS,
        ))
        .await
        .unwrap()
        .into_inner()
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
    let unread = client
        .list_inbox(ListInboxRequest {
            recipient: "110340517504".into(),
            unread_only: true,
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert!(unread.is_empty());
    let paper = client
        .send_notification(request(
            "paper-1",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Paper,
            "2026-03-27",
            REG8_FACTS,
        ))
        .await
        .unwrap()
        .into_inner()
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
        w.smtp.messages().is_empty(),
        "no e-mail for inbox and paper notices"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_is_never_sent_twice_and_bad_input_names_the_field() {
    let w = World::start(None).await;
    let mut client = w.notification().await;
    let first = client
        .send_notification(request(
            "k-1",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Email,
            "2026-03-27",
            REG8_FACTS,
        ))
        .await
        .unwrap()
        .into_inner();
    let again = client
        .send_notification(request(
            "k-1",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Email,
            "2026-03-27",
            REG8_FACTS,
        ))
        .await
        .unwrap()
        .into_inner();
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
    w.smtp.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(w.smtp.messages().len(), 1, "one e-mail for one key");
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
        ..request(
            "k-3",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Email,
            "2026-03-27",
            REG8_FACTS,
        )
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
    let w = World::start(None).await;
    let mut client = w.notification().await;
    client
        .send_notification(request(
            "ret-1",
            NotificationKind::RegistrationConfirmed,
            DeliveryChannel::Inbox,
            "2026-03-27",
            REG8_FACTS,
        ))
        .await
        .unwrap();
    let notices = rex_notification::notices(&w.settings()).await.unwrap();
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

/// The notification service is killed (SIGKILL) while registrations are being made, then
/// restarted: every notice reaches the mail server exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_of_the_notification_service_loses_and_duplicates_nothing() {
    let mut w = World::start(None).await;
    w.authorized_person().await;
    // Replace the in-process service by a real process on the same address and database.
    w.stop_notification().await;
    w.spawn_notification_process().await;
    let mut numbers = Vec::new();
    for i in 0..10 {
        if i == 4 {
            w.kill_notification_process();
        }
        if i == 7 {
            w.spawn_notification_process().await;
        }
        numbers.push(w.register_electronic(i, "2026-03-19").await);
    }
    let messages = w.smtp.wait_for(10).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let messages_after = w.smtp.messages();
    assert_eq!(messages_after.len(), messages.len(), "nothing more arrives");
    let mut subjects: Vec<String> = messages_after
        .iter()
        .map(|raw| parse(raw).subject().unwrap().to_owned())
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(messages_after.len(), 10, "ten registrations, ten e-mails");
    assert_eq!(subjects.len(), 10, "each exactly once");
    for number in &numbers {
        assert!(
            subjects.iter().any(|s| s.contains(number.as_str())),
            "{number}"
        );
    }
}

/// The verification service's deadline warning, with the facts its watcher writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_at_risk_reaches_the_officers_inbox() {
    let w = World::start(None).await;
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
        .notification()
        .await
        .send_notification(req)
        .await
        .unwrap()
        .into_inner()
        .notification
        .unwrap();
    assert_eq!(
        n.subject,
        "Срок шага VER-4 истекает 2026-03-27 — дело MTI-VER-1 / Step VER-4 is due on 2026-03-27 — case MTI-VER-1"
    );
    let inbox = w
        .notification()
        .await
        .list_inbox(ListInboxRequest {
            recipient: "MTI-7".into(),
            unread_only: true,
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert_eq!(inbox.len(), 1);
}

/// Every notice the registration service writes (REG-8, REG-9, CHG-2, REV-2, REV-5, REG-13)
/// renders and is accepted: the outbox empties.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registration_notice_renders_and_the_outbox_empties() {
    use rex_proto::registration::*;
    let w = World::start(None).await;
    w.authorized_person().await;
    let number = w.register_electronic(0, "2026-03-19").await;
    let mut client = w.registration().await;
    let app = client
        .submit_application(SubmitApplicationRequest {
            idempotency_key: String::new(),
            form: Some(reg::form(
                1,
                SubmissionChannel::Paper,
                morning(d("2026-03-19")),
            )),
        })
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    client
        .refuse_application(RefuseApplicationRequest {
            idempotency_key: String::new(),
            application_id: app.application_id,
            reasons: vec![RefusalReason::IncompleteDocuments as i32],
            explanation: "Документы неполные / documents incomplete".into(),
            officer_id: "AP-1".into(),
        })
        .await
        .unwrap();
    let mut proposed = reg::data(0);
    proposed.contact.as_mut().unwrap().phone = "+7 727 999 0000".into();
    let change = client
        .submit_change(SubmitChangeRequest {
            registration_number: number.clone(),
            proposed: Some(proposed),
            reason: "new phone".into(),
            changed_on: Some(pdate("2026-03-19")),
            received_at: Some(rex_runtime::convert::timestamp_to_proto(morning(d(
                "2026-03-19",
            )))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .change
        .unwrap();
    client
        .decide_change(DecideChangeRequest {
            change_id: change.change_id,
            accept: true,
            officer_id: "AP-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    client
        .revoke_registration(RevokeRegistrationRequest {
            registration_number: number.clone(),
            ground: RevocationGround::ExporterRequest as i32,
            revoked_on: Some(pdate("2026-03-19")),
            requested_by: "EXPORTER".into(),
            officer_id: "AP-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    client
        .reinstate_registration(ReinstateRegistrationRequest {
            registration_number: number.clone(),
            court_reference: "2-77/2026".into(),
            court_decision_on: Some(pdate("2026-03-19")),
            officer_id: "AP-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut notifications = w.notification().await;
    let mut kinds = Vec::new();
    for _ in 0..200 {
        let list = notifications
            .list_notifications(ListNotificationsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .notifications;
        if list.len() == 6 {
            kinds = list.iter().map(|n| n.kind).collect();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    kinds.sort();
    let mut expected = vec![
        NotificationKind::RegistrationConfirmed as i32,
        NotificationKind::ApplicationRefused as i32,
        NotificationKind::ChangeAccepted as i32,
        NotificationKind::RegistrationRevoked as i32,
        NotificationKind::RegistrationReinstated as i32,
        NotificationKind::AuthorizedPersonsChanged as i32,
    ];
    expected.sort();
    assert_eq!(kinds, expected);
    // The refusal of a paper application goes as a letter; the e-mailed ones arrive.
    let list = notifications
        .list_notifications(ListNotificationsRequest {
            kind: NotificationKind::ApplicationRefused as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert_eq!(list[0].channel, DeliveryChannel::Paper as i32);
    assert!(list[0].body.contains("Документы неполные"));
    w.smtp.wait_for(4).await;
}

/// Two relays over the same outbox at once: each notice is handed over once, never twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relay_replicas_never_send_a_notice_twice() {
    let w = World::start_with(None, false).await;
    w.authorized_person().await;
    for i in 0..10 {
        w.register_electronic(i, "2026-03-19").await;
    }
    let db = rex_runtime::db::Db::connect(&w.registration_db_url(), &rex_registration::MIGRATIONS)
        .await
        .unwrap();
    assert_eq!(rex_runtime::outbox::backlog(&db).await.unwrap(), 11);
    let client = w.notification().await;
    let clock = rex_calendar::SystemClock;
    let timeout = std::time::Duration::from_secs(5);
    let backoff = std::time::Duration::from_millis(100);
    let (a, b) = tokio::join!(
        rex_runtime::outbox::relay_once(&db, &client, None, &clock, timeout, backoff),
        rex_runtime::outbox::relay_once(&db, &client, None, &clock, timeout, backoff)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        11,
        "each row relayed by exactly one replica"
    );
    assert_eq!(rex_runtime::outbox::backlog(&db).await.unwrap(), 0);
    let all = w
        .notification()
        .await
        .list_notifications(ListNotificationsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert_eq!(all.len(), 11);
}
