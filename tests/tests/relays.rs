//! End-to-end: notices from the registration service's outbox, relayed to the notification
//! service and on to a real SMTP server process; late-ness; a crash of the notification
//! service; two relays over one outbox.

#![allow(clippy::unwrap_used)]

use mail_parser::MessageParser;
use rex_proto::common::Language;
use rex_proto::notification::*;
use rex_testkit::scenario::{
    accept_change, phone_change, reinstatement, revocation_at_exporters_request,
};
use rex_testkit::*;

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).unwrap()
}

/// The suite with a real mail server.
async fn suite_with_smtp(backend: Backend) -> Suite {
    Suite::builder(backend).smtp().spawn().await
}

async fn reg_8_registration_notice_arrives_by_email_in_russian_and_english(w: Suite) {
    w.authorized_person().await;
    w.set_today("2026-03-20");
    let number = w.register_electronic(0, "2026-03-19").await;
    // The registration service's relay delivers its outbox; the e-mail reaches the SMTP server.
    let messages = w.notification.smtp().wait_for(1).await;
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
    let n = w
        .notification
        .wait_for_state(
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
    let inbox = w.notification.inbox(&tin(0), true).await;
    assert_eq!(inbox.len(), 1);
    // The Ministry got the REG-13 notice about the authorized person, in its inbox.
    let ministry = w.notification.inbox("MINISTRY", false).await;
    assert_eq!(ministry.len(), 1);
    assert_eq!(
        ministry[0].kind,
        NotificationKind::AuthorizedPersonsChanged as i32
    );
}
on_both_backends!(
    suite_with_smtp => reg_8_registration_notice_arrives_by_email_in_russian_and_english
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_8_a_notice_delivered_after_its_working_day_due_date_is_late() {
    let mut w = suite_with_smtp(Backend::Sqlite).await;
    w.authorized_person().await;
    // Registered Friday 20 March 2026: REG-8 counts 2 working days across Nauryz -> 27 March.
    w.set_today("2026-03-20");
    w.notification.smtp_mut().stop();
    let number = w.register_electronic(0, "2026-03-19").await;
    let key = format!("registration-confirmed:{number}");
    w.notification
        .wait_for_state(&key, DeliveryState::Pending)
        .await;
    // On Thursday 26 March (a calendar-day count would already be past 2 days) it is not late.
    w.set_today("2026-03-26");
    let n = w.notification.late().await;
    assert!(n.is_empty(), "not late on 26 March");
    // The mail server comes back only on Monday 30 March: delivered, and late.
    w.set_today("2026-03-30");
    w.notification.smtp_mut().restart().await;
    let n = w
        .notification
        .wait_for_state(&key, DeliveryState::Delivered)
        .await;
    assert_eq!(n.due_on, Some(pdate("2026-03-27")));
    assert!(n.late);
    let late = w.notification.late().await;
    assert_eq!(late.len(), 1);
    assert!(
        n.history.iter().any(|e| e.detail.contains("retrying")),
        "the failed attempts are in the history"
    );
    assert_eq!(
        w.notification.smtp().wait_for(1).await.len(),
        1,
        "sent once"
    );
}

/// The notification service is killed (SIGKILL) while registrations are being made, then
/// restarted: every notice reaches the mail server exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_of_the_notification_service_loses_and_duplicates_nothing() {
    let binary = cargo_bin("rex-notification", "rex-notification");
    let mut w = suite_with_smtp(Backend::Sqlite).await;
    w.authorized_person().await;
    // Replace the in-process service by a real process on the same address and database.
    w.notification.stop().await;
    w.notification.spawn_process(&binary).await;
    let mut numbers = Vec::new();
    for i in 0..10 {
        if i == 4 {
            w.notification.kill_process();
        }
        if i == 7 {
            w.notification.spawn_process(&binary).await;
        }
        numbers.push(w.register_electronic(i, "2026-03-19").await);
    }
    // An e-mail the killed process had claimed and not sent waits out the claim (120 s, the
    // sender's) before the restarted process sends it.
    let messages = w
        .notification
        .smtp()
        .wait_for_within(10, std::time::Duration::from_secs(150))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let messages_after = w.notification.smtp().messages();
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

/// Every notice the registration service writes (REG-8, REG-9, CHG-2, REV-2, REV-5, REG-13)
/// renders and is accepted: the outbox empties.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registration_notice_renders_and_the_outbox_empties() {
    use rex_proto::registration::*;
    let w = suite_with_smtp(Backend::Sqlite).await;
    w.authorized_person().await;
    let number = w.register_electronic(0, "2026-03-19").await;
    let mut client = w.registration_client();
    let app = scenario::submit(&mut client, scenario::paper(1, "2026-03-19"))
        .await
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
    let change = client
        .submit_change(
            phone_change(&number, 0, "+7 727 999 0000")
                .reason("new phone")
                .build(),
        )
        .await
        .unwrap()
        .into_inner()
        .change
        .unwrap();
    client
        .decide_change(accept_change(&change.change_id))
        .await
        .unwrap();
    client
        .revoke_registration(revocation_at_exporters_request(&number, "2026-03-19"))
        .await
        .unwrap();
    client
        .reinstate_registration(reinstatement(&number, "2-77/2026", "2026-03-19"))
        .await
        .unwrap();
    let mut kinds = Vec::new();
    for _ in 0..200 {
        let list = w
            .notification
            .list(ListNotificationsRequest::default())
            .await;
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
    let list = w
        .notification
        .list(ListNotificationsRequest {
            kind: NotificationKind::ApplicationRefused as i32,
            ..Default::default()
        })
        .await;
    assert_eq!(list[0].channel, DeliveryChannel::Paper as i32);
    assert!(list[0].body.contains("Документы неполные"));
    w.notification.smtp().wait_for(4).await;
}

/// Two relays over the same outbox at once: each notice is handed over once, never twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relay_replicas_never_send_a_notice_twice() {
    let w = Suite::builder(Backend::Sqlite)
        .smtp()
        .relay(false)
        .spawn()
        .await;
    w.authorized_person().await;
    for i in 0..10 {
        w.register_electronic(i, "2026-03-19").await;
    }
    let db = &w.registration.db;
    assert_eq!(rex_runtime::outbox::backlog(db).await.unwrap(), 11);
    let client = w.notification.client();
    let clock = rex_calendar::SystemClock;
    let timeout = std::time::Duration::from_secs(5);
    let backoff = std::time::Duration::from_millis(100);
    let (a, b) = tokio::join!(
        rex_runtime::outbox::relay_once(db, &client, None, &clock, timeout, backoff),
        rex_runtime::outbox::relay_once(db, &client, None, &clock, timeout, backoff)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        11,
        "each row relayed by exactly one replica"
    );
    assert_eq!(rex_runtime::outbox::backlog(db).await.unwrap(), 0);
    let all = w
        .notification
        .list(ListNotificationsRequest::default())
        .await;
    assert_eq!(all.len(), 11);
}
