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

/// A mail server that takes a message and holds its answer until the test lets it go: the
/// sender is mid-conversation for as long as the test needs.
struct SlowServer {
    port: u16,
    /// Told when the server has the whole message.
    received: tokio::sync::mpsc::UnboundedReceiver<()>,
    /// Lets the server answer.
    release: Arc<tokio::sync::Notify>,
}

impl SlowServer {
    async fn start() -> SlowServer {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tell, received) = tokio::sync::mpsc::unbounded_channel();
        let release = Arc::new(tokio::sync::Notify::new());
        let hold = release.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 slow ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        tell.send(()).unwrap();
                        hold.notified().await;
                        b"250 queued\r\n"
                    } else if line.starts_with("EHLO") {
                        b"250-slow\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    } else if line.starts_with("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if line.starts_with("QUIT") {
                        b"221 bye\r\n"
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            }
        });
        SlowServer {
            port,
            received,
            release,
        }
    }
}

async fn locked_until(notices: &Notices, id: &str) -> chrono::DateTime<chrono::Utc> {
    let text: String =
        sqlx::query_scalar("SELECT locked_until FROM notifications WHERE notification_id = $1")
            .bind(id)
            .fetch_one(&notices.db().pool)
            .await
            .unwrap();
    chrono::DateTime::parse_from_rfc3339(&text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The claim on an e-mail is short, and renewed while the mail server talks: a server slower
/// than the lease does not let another sender take the e-mail over and send it again.
async fn a_claim_is_renewed_while_the_mail_server_talks(w: NotificationService) {
    let ops = Arc::new(TestClock::new(w.clock.now()));
    let (notices, smtp) = driven(&w, &ops).await;
    let lease = std::time::Duration::from_secs(1);
    let notices = notices.with_claim_lease(lease);
    let mut server = SlowServer::start().await;
    let smtp = Smtp {
        port: server.port,
        timeout: std::time::Duration::from_secs(30),
        ..smtp
    };
    let id = e_mail(&w, "slow").await;
    let sending = {
        let (notices, smtp) = (notices.clone(), smtp.clone());
        tokio::spawn(async move {
            let transport = smtp.transport().unwrap();
            sender::send_due(&notices, &smtp, &transport).await.unwrap()
        })
    };
    let wait = std::time::Duration::from_secs(30);
    tokio::time::timeout(wait, server.received.recv())
        .await
        .expect("the server gets the message")
        .unwrap();
    // The first claim lapses on the machine's clock; the sender renews it (every third of a
    // lease) from the new time on.
    let first = locked_until(&notices, &id).await;
    ops.advance(chrono::Duration::from_std(lease * 2).unwrap());
    assert!(first < ops.now());
    let deadline = std::time::Instant::now() + wait;
    while locked_until(&notices, &id).await <= ops.now() {
        assert!(
            std::time::Instant::now() < deadline,
            "the claim is never renewed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        sender::claim(&notices, &id)
            .await
            .unwrap()
            .map(|c| c.sending),
        None,
        "held by the sender still talking"
    );
    server.release.notify_one();
    assert_eq!(sending.await.unwrap(), 1);
    let mut conn = notices.db().pool.acquire().await.unwrap();
    let attempts = store::attempts(&mut conn, &id).await.unwrap();
    let states: Vec<_> = attempts.iter().map(|a| (a.number, a.state)).collect();
    assert_eq!(states, [(1, AttemptState::Accepted)]);
    let notice = store::get(&mut conn, &id).await.unwrap().unwrap();
    assert_eq!(notice.state, DeliveryState::Delivered);
}

on_both_backends!(without_a_sender => a_claim_is_renewed_while_the_mail_server_talks);
