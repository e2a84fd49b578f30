//! The e-mail sender across a crash, step by step against a real SMTP server process: an
//! attempt is recorded before the sender speaks to the server, and one cut off by a crash is
//! re-sent as the same message, marked, with the first attempt's time kept. Claims run on a
//! test machine clock, so a claim lapses when the test moves it, not after a real wait.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use rex_calendar::{Clock, TestClock};
use rex_notification::sender::{self, POSSIBLE_DUPLICATE_HEADER};
use rex_notification::{Notices, Smtp, store};
use rex_notification_domain::delivery::Attempt;
use rex_notification_domain::{AttemptState, DeliveryState};
use rex_proto::common::Language;
use rex_proto::notification::*;
use rex_testkit::*;

/// The service with its own sender switched off (an SMTP mode it refuses, so its loop ends at
/// once): the test drives a sender of its own, on `Notices` with a test machine clock.
async fn without_a_sender(backend: Backend) -> NotificationService {
    rex_runtime::telemetry::init();
    let database = Database::fresh(backend, "notification").await;
    let smtp = SmtpServer::start(database.dir()).await;
    NotificationService::spawn(database, test_clock(), Some(smtp), |s| {
        s.smtp.tls = "driven-by-the-test".into();
    })
    .await
}

/// A sender over the service's database, its claims on `ops`, sending to the test's server.
async fn driven(w: &NotificationService, ops: &Arc<TestClock>) -> (Notices, Smtp) {
    let notices = rex_notification::notices(w.settings())
        .await
        .unwrap()
        .with_ops_clock(ops.clone());
    let smtp = Smtp {
        tls: "none".into(),
        ..w.settings().smtp.clone()
    };
    (notices, smtp)
}

async fn e_mail(w: &NotificationService, key: &str) -> String {
    let request = SendNotificationRequest {
        idempotency_key: key.into(),
        kind: NotificationKind::RegistrationConfirmed as i32,
        recipient: "110340517504".into(),
        recipient_email: "altyndan@example.kz".into(),
        channel: DeliveryChannel::Email as i32,
        primary_language: Language::Ru as i32,
        facts: [
            ("registration_number", "KZREX002190320260001"),
            ("application_registration_date", "2026-03-19"),
            ("assigned_on", "2026-03-20"),
            ("exporter_name", "ТОО «Алтын Дән»"),
            ("exporter_name_en", "Altyn Dan LLP"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        due_on: Some(pdate("2026-03-27")),
        rule_id: "REG-8".into(),
    };
    w.client()
        .send_notification(request)
        .await
        .unwrap()
        .into_inner()
        .notification
        .unwrap()
        .notification_id
}

/// The value of header `name` in a raw message, if it has it (the headers these tests read
/// fit on one line).
fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .take_while(|line| !line.trim().is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
}

fn message_id(raw: &[u8]) -> String {
    header(raw, "Message-ID").unwrap()
}

fn date(raw: &[u8]) -> i64 {
    let text = header(raw, "Date").unwrap();
    chrono::DateTime::parse_from_rfc2822(&text)
        .unwrap()
        .timestamp()
}

/// REG-8 evidence across a crash, cut off before or after the server accepted the message: the
/// re-send carries the same Message-ID and Date, is marked as a possible duplicate, and the
/// notice is delivered as of its first attempt. A claim holds until it lapses.
async fn reg_8_a_cut_off_attempt_is_re_sent_marked_and_the_first_time_kept(w: NotificationService) {
    let ops = Arc::new(TestClock::new(w.clock.now()));
    let (notices, smtp) = driven(&w, &ops).await;
    let transport = smtp.transport().unwrap();
    // (accepted by the server before the crash, copies that arrive)
    let cases = [(true, 2), (false, 1)];
    let mut arrived = 0;
    for (i, (accepted_before_crash, copies)) in cases.into_iter().enumerate() {
        let id = e_mail(&w, &format!("crash-{i}")).await;
        // Attempt 1 is recorded, then the sender dies, after the server's answer or before it.
        let first = sender::claim(&notices, &id).await.unwrap().unwrap();
        assert_eq!(first.sending.number, 1);
        assert_eq!(first.sending.possible_duplicate_of, None);
        let started = first.sending.started_at;
        if accepted_before_crash {
            let outcome = sender::speak(&smtp, &transport, &first).await;
            assert!(matches!(outcome, Attempt::Accepted { .. }), "{outcome:?}");
        }
        drop(first);
        // While its claim holds, no sender takes it over; nor is it yet delivered.
        assert_eq!(
            sender::send_due(&notices, &smtp, &transport).await.unwrap(),
            0
        );
        assert_eq!(
            sender::claim(&notices, &id)
                .await
                .unwrap()
                .map(|c| c.sending),
            None
        );
        // The law's clock moves on; the claim lapses on the machine's clock.
        w.clock.advance(chrono::Duration::minutes(5));
        ops.advance(chrono::Duration::from_std(sender::CLAIM_LEASE).unwrap());
        ops.advance(chrono::Duration::seconds(1));
        assert_eq!(
            sender::send_due(&notices, &smtp, &transport).await.unwrap(),
            1
        );

        arrived += copies;
        let all = w.smtp().wait_for(arrived).await;
        assert_eq!(all.len(), arrived, "case {i}");
        let copies: Vec<_> = all
            .iter()
            .filter(|raw| message_id(raw) == sender::message_id(&id))
            .collect();
        let marked: Vec<_> = copies
            .iter()
            .filter_map(|raw| header(raw, POSSIBLE_DUPLICATE_HEADER))
            .collect();
        assert_eq!(
            marked,
            vec!["attempt 1".to_owned()],
            "case {i}: one marked copy"
        );
        for raw in &copies {
            // Every copy is the same message: dated when attempt 1 began.
            assert_eq!(date(raw), started.timestamp(), "case {i}");
        }
        let resent = copies
            .iter()
            .find_map(|raw| header(raw, "Resent-Date"))
            .expect("the marked copy says when it was put in again");
        assert!(
            resent.contains(
                &(started + chrono::Duration::minutes(5))
                    .format("%H:%M")
                    .to_string()
            )
        );

        let mut conn = notices.db().pool.acquire().await.unwrap();
        let notice = store::get(&mut conn, &id).await.unwrap().unwrap();
        assert_eq!(notice.state, DeliveryState::Delivered);
        assert_eq!(
            notice.delivered_at,
            Some(started),
            "case {i}: attempt 1's time"
        );
        let attempts = store::attempts(&mut conn, &id).await.unwrap();
        let states: Vec<_> = attempts.iter().map(|a| (a.number, a.state)).collect();
        assert_eq!(
            states,
            [(1, AttemptState::Started), (2, AttemptState::Accepted)]
        );
        let history = store::events(&mut conn, &id).await.unwrap();
        assert!(
            history
                .iter()
                .any(|e| e.detail.contains("attempt 1 was cut off")),
            "{history:?}"
        );
        let delivered = history
            .iter()
            .find(|e| e.state == DeliveryState::Delivered)
            .unwrap();
        assert_eq!(delivered.at, started);
        assert!(delivered.detail.contains("possible duplicate of attempt 1"));
    }
}

/// A claim is renewed only by the sender whose claim counted the latest attempt: one that
/// stalled past its lease and was taken over has lost it, and its late outcome decides nothing.
async fn a_lapsed_claim_taken_over_is_no_longer_renewed_by_its_first_holder(
    w: NotificationService,
) {
    let ops = Arc::new(TestClock::new(w.clock.now()));
    let (notices, smtp) = driven(&w, &ops).await;
    let id = e_mail(&w, "lapsed").await;
    let stalled = sender::claim(&notices, &id).await.unwrap().unwrap();
    let lease = chrono::Duration::from_std(sender::CLAIM_LEASE).unwrap();
    let mut conn = notices.db().pool.acquire().await.unwrap();
    assert!(
        store::renew(&mut conn, &id, 1, ops.now() + lease)
            .await
            .unwrap()
    );
    ops.advance(lease + chrono::Duration::seconds(1));
    let taker = sender::claim(&notices, &id).await.unwrap().unwrap();
    assert_eq!(taker.sending.number, 2);
    assert_eq!(taker.sending.possible_duplicate_of, Some(1));
    assert!(
        !store::renew(&mut conn, &id, 1, ops.now() + lease)
            .await
            .unwrap()
    );
    assert!(
        store::renew(&mut conn, &id, 2, ops.now() + lease)
            .await
            .unwrap()
    );
    // The stalled sender's refusal comes in late: recorded, but the notice stays the taker's.
    let refused = Attempt::Refused {
        permanent: true,
        reason: "550 late".into(),
    };
    assert!(
        !sender::finish(&notices, &smtp, &stalled, refused)
            .await
            .unwrap()
    );
    let notice = store::get(&mut conn, &id).await.unwrap().unwrap();
    assert_eq!(notice.state, DeliveryState::Pending);
    let accepted = Attempt::Accepted {
        reply: "250 OK".into(),
    };
    assert!(
        sender::finish(&notices, &smtp, &taker, accepted)
            .await
            .unwrap()
    );
    let notice = store::get(&mut conn, &id).await.unwrap().unwrap();
    assert_eq!(notice.state, DeliveryState::Delivered);
    // Attempt 1 was refused, so it reached nobody: attempt 2 is the evidence.
    assert_eq!(notice.delivered_at, Some(taker.sending.started_at));
}

on_both_backends!(
    without_a_sender => reg_8_a_cut_off_attempt_is_re_sent_marked_and_the_first_time_kept,
    a_lapsed_claim_taken_over_is_no_longer_renewed_by_its_first_holder
);
