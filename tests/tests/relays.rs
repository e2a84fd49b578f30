//! End-to-end: notices from the registration service's outbox, relayed to the notification
//! service and on to a real SMTP server process; late-ness; crashes of the notification
//! service while mail goes out; two relays over one outbox.

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
        "Дата регистрации заявления № 1 (дата, с которой регистрация действительна): 19 марта 2026 г.",
        "Дата присвоения регистрационного номера: 20 марта 2026 г.",
        "Dear exporter Altyn Dan LLP,",
        "Date the registration number was assigned: 20 March 2026",
        // The letterhead, the outgoing reference and date, the signatory.
        "Национальная палата предпринимателей Республики Казахстан «Атамекен»",
        "Директор департамента регистрации экспортёров",
    ] {
        assert!(body.contains(fact), "{fact:?} in\n{body}");
    }
    // The same letter as HTML, the alternative a mail client shows.
    let html = m.body_html(0).unwrap();
    assert!(html.contains("Dear exporter Altyn Dan LLP,"), "{html}");
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
    // The outgoing reference the notice was given, dated the day it was kept, in both texts.
    assert!(n.reference.starts_with("ATM-2026/"), "{}", n.reference);
    let reference = format!("Исх. № {} от 20 марта 2026 г.", n.reference);
    assert!(body.contains(&reference), "{reference:?} in\n{body}");
    assert!(body.contains(&format!("Our ref. {} of 20 March 2026", n.reference)));
    assert!(html.contains(&reference), "{html}");
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

/// The suite with a real mail server, its outbox relayed by the test (so the e-mails go out in
/// one burst that the test can interrupt), the notification service as a process of its own.
async fn suite_with_a_crashing_sender(backend: Backend) -> Suite {
    let mut w = Suite::builder(backend).smtp().relay(false).spawn().await;
    w.authorized_person().await;
    w.notification.stop().await;
    let binary = cargo_bin("rex-notification", "rex-notification");
    w.notification.spawn_process(&binary).await;
    w
}

/// An electronic application of fixture exporter `i % 10` under a BIN of its own (the `i`-th
/// valid one of a range no fixture uses), so that any number of exporters can register.
fn exporter(i: usize) -> rex_proto::registration::ApplicationForm {
    // Some 11-digit prefixes have no valid check digit: those are skipped.
    let tin = (25_014_500_000u64..)
        .filter_map(|prefix| {
            (0..10)
                .map(|d| format!("{prefix:011}{d}"))
                .find(|t| rex_registration::domain::Tin::parse(t).is_ok())
        })
        .nth(i)
        .unwrap();
    let mut form = scenario::electronic(i % 10, "2026-03-19");
    form.data.as_mut().unwrap().exporter.as_mut().unwrap().tin = tin;
    form
}

/// The value of header `name` in a raw message, if it has it.
fn header(raw: &[u8], name: &str) -> Option<String> {
    parse(raw).header_raw(name).map(|v| v.trim().to_owned())
}

/// REG-8, issue #14: 100 registrations, their e-mails going out in one burst, and the
/// notification process SIGKILLed 5 times while it sends (each time with e-mails still to go),
/// restarted at once; its claims last a second. Nothing is lost; a copy sent again after a
/// crash has the same Message-ID and Date and is marked as a possible duplicate (at most one
/// unmarked copy per notice); every notice counts as delivered when its first attempt began.
async fn reg_8_a_sender_killed_while_mail_goes_out_loses_none_and_marks_every_duplicate(
    mut w: Suite,
) {
    use rex_notification::domain::{AttemptState, Channel, DeliveryState};
    use rex_notification::sender::{POSSIBLE_DUPLICATE_HEADER, message_id};
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};
    const REGISTRATIONS: usize = 100;
    const KILLS: [usize; 5] = [10, 25, 40, 55, 70];
    let started = Instant::now();
    let binary = cargo_bin("rex-notification", "rex-notification");
    let mut numbers = Vec::new();
    let mut client = w.registration_client();
    for i in 0..REGISTRATIONS {
        let key = format!("reg-{i}");
        let registered = scenario::registered(&mut client, exporter(i), &key).await;
        numbers.push(registered.registration_number);
    }
    // The relay hands every notice over; the sender then works through the e-mails.
    let db = &w.registration.db;
    let client = w.notification.client();
    let clock = rex_calendar::SystemClock;
    while rex_runtime::outbox::backlog(db).await.unwrap() > 0 {
        rex_runtime::outbox::relay_once(
            db,
            &client,
            None,
            &clock,
            Duration::from_secs(5),
            Duration::from_millis(100),
        )
        .await
        .unwrap();
    }
    for at in KILLS {
        let arrived = w
            .notification
            .smtp()
            .wait_for_within(at, Duration::from_secs(60))
            .await
            .len();
        w.notification.kill_process();
        assert!(
            arrived < REGISTRATIONS,
            "killed with {arrived} e-mails out: while mail still goes out"
        );
        w.notification.spawn_process(&binary).await;
    }

    // Every e-mail notice is decided, bounded (a cut-off attempt waits out a 1 s claim).
    let notification = rex_runtime::db::Db::open(&w.notification.settings().base.database_url)
        .await
        .unwrap();
    let mut conn = notification.pool.acquire().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let emails = loop {
        let all = rex_notification::store::list(&mut conn, "", None, None)
            .await
            .unwrap();
        let emails: Vec<_> = all
            .into_iter()
            .filter(|n| n.channel == Channel::Email)
            .collect();
        if emails.len() == REGISTRATIONS && emails.iter().all(|n| n.state != DeliveryState::Pending)
        {
            break emails;
        }
        assert!(
            Instant::now() < deadline,
            "e-mails still pending after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // The mail server's copies, by Message-ID.
    let mut copies: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for raw in w.notification.smtp().messages() {
        let id = header(&raw, "Message-ID").unwrap();
        copies.entry(id).or_default().push(raw);
    }
    let (mut duplicates, mut marked, mut cut_off) = (0, 0, 0);
    for n in &emails {
        assert_eq!(n.state, DeliveryState::Delivered, "{}", n.id);
        let these = copies
            .remove(&message_id(&n.id))
            .unwrap_or_else(|| panic!("notice {} lost: no copy reached the server", n.id));
        let unmarked = these
            .iter()
            .filter(|raw| header(raw, POSSIBLE_DUPLICATE_HEADER).is_none())
            .count();
        assert!(unmarked <= 1, "{}: {unmarked} unmarked copies", n.id);
        duplicates += these.len() - 1;
        marked += these.len() - unmarked;
        let attempts = rex_notification::store::attempts(&mut conn, &n.id)
            .await
            .unwrap();
        let first = attempts.first().unwrap();
        cut_off += attempts
            .iter()
            .filter(|a| a.state == AttemptState::Started)
            .count();
        assert!(
            attempts.iter().all(|a| a.state != AttemptState::Refused),
            "{}: {attempts:?}",
            n.id
        );
        // The delivery evidence is attempt 1's time, whichever attempt's copy was recorded.
        assert_eq!(n.delivered_at, Some(first.started_at), "{}", n.id);
        for raw in &these {
            let date = parse(raw).date().unwrap().to_timestamp();
            assert_eq!(date, first.started_at.timestamp(), "{}: Date", n.id);
        }
        if attempts.len() > 1 {
            assert!(
                these.len() - unmarked >= 1,
                "{}: the re-send is marked",
                n.id
            );
        }
    }
    assert!(
        copies.is_empty(),
        "copies of no notice: {:?}",
        copies.keys()
    );
    let subjects: Vec<String> = emails.iter().map(|n| n.subject.clone()).collect();
    for number in &numbers {
        assert!(
            subjects.iter().any(|s| s.contains(number.as_str())),
            "{number}"
        );
    }
    eprintln!(
        "{REGISTRATIONS} e-mails, {} kills: {duplicates} duplicate copies, {marked} marked copies, \
         {cut_off} cut-off attempts, in {:?}",
        KILLS.len(),
        started.elapsed()
    );
}

on_both_backends!(
    suite_with_a_crashing_sender =>
        reg_8_a_sender_killed_while_mail_goes_out_loses_none_and_marks_every_duplicate
);

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
