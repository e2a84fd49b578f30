//! The e-mail sender: takes pending e-mails (short claims renewed while it works, so several
//! replicas can run and a crashed one is taken over within seconds), records each attempt
//! before it speaks to the mail server, sends over SMTP with lettre, records the server's answer
//! right after, retries transient failures with backoff, and records permanent ones (bounces)
//! as FAILED. An attempt cut off by a crash is re-sent as the same message (same Message-ID and
//! Date) marked as a possible duplicate; the notice keeps the first attempt's time.

use std::time::{Duration, SystemTime};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use rex_notification_domain::delivery::{
    self, Attempt, AttemptRecord, EmailDecision, RetryPolicy, Sending,
};
use rex_notification_domain::{AttemptState, DeliveryState, Event, Letter, Notice};

use crate::notices::{Notices, audit};
use crate::store;

/// How the service reaches its SMTP server.
#[derive(Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// "none" (plaintext, for a local relay), "starttls" or "tls".
    pub tls: String,
    pub username: Option<String>,
    /// Never logged.
    pub password: Option<String>,
    pub from: String,
    /// How long one SMTP conversation may take.
    pub timeout: Duration,
    /// Attempts before a transient failure is given up as FAILED.
    pub max_attempts: i64,
    pub retry_base: Duration,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

impl Default for Smtp {
    /// A plaintext relay on this machine, as `rex-notification --help` says.
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 25,
            tls: "none".into(),
            username: None,
            password: None,
            from: "REX Atameken <rex-noreply@atameken.kz>".into(),
            timeout: Duration::from_secs(20),
            max_attempts: 20,
            retry_base: Duration::from_secs(5),
        }
    }
}

impl Smtp {
    pub fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = match self.tls.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host),
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)?,
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host)?,
            other => anyhow::bail!("smtp tls mode {other:?}: use none, starttls or tls"),
        };
        let mut builder = builder.port(self.port).timeout(Some(self.timeout));
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    /// How patiently e-mails are retried.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts,
            base: self.retry_base,
        }
    }
}

/// How long a claim on an e-mail lasts unless renewed. Short, so that after a crash another
/// sender (or the restarted one) takes the e-mail over within seconds; renewed every third of
/// it while the mail server talks, so that a slow server does not lose it.
pub const CLAIM_LEASE: Duration = Duration::from_secs(10);

/// Marks a copy that may duplicate an earlier one: the value names the attempt it may repeat.
pub const POSSIBLE_DUPLICATE_HEADER: &str = "X-Rex-Possible-Duplicate";

/// The notice's Message-ID, the same in every copy: a receiver can tell a re-sent copy from a
/// new notice.
pub fn message_id(notice_id: &str) -> String {
    format!("<{notice_id}@notifications.rex.kz>")
}

fn raw_header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

fn message(smtp: &Smtp, n: &Notice, letter: &Letter, sending: &Sending) -> anyhow::Result<Message> {
    let from: Mailbox = smtp.from.parse()?;
    let to: Mailbox = n.recipient_email.parse()?;
    // The address alone: a display name may need encoding that a raw header would not get.
    let resent_from = from.email.to_string();
    let mut message = Message::builder()
        .from(from)
        .to(to)
        .subject(n.subject.clone())
        .message_id(Some(message_id(&n.id)))
        // The first attempt's time: every copy is the same message.
        .date(SystemTime::from(sending.date))
        .multipart(MultiPart::alternative_plain_html(
            letter.text(),
            letter.html(),
        ))?;
    if let Some(first) = sending.possible_duplicate_of {
        // RFC 5322 resent fields say this copy was put into the transport again, and when;
        // our own header says it may repeat attempt `first`.
        let headers = message.headers_mut();
        headers.insert_raw(raw_header("Resent-Date", sending.started_at.to_rfc2822()));
        headers.insert_raw(raw_header("Resent-From", resent_from));
        headers.insert_raw(raw_header(
            POSSIBLE_DUPLICATE_HEADER,
            format!("attempt {first}"),
        ));
    }
    Ok(message)
}

/// An e-mail this sender has claimed, with its attempt recorded as started.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub notice: Notice,
    /// The notice as its letter says it, which the e-mail carries as text and HTML.
    pub letter: Letter,
    pub sending: Sending,
    /// Every attempt so far, this one last.
    pub attempts: Vec<AttemptRecord>,
}

/// Claims e-mail `id` for a short lease and records its attempt before anything is said to the
/// mail server, in one transaction; none when another sender holds it or it is decided.
pub async fn claim(notices: &Notices, id: &str) -> anyhow::Result<Option<Claimed>> {
    // Leases run on the machine's clock; the attempt's time is on the clock of law.
    let now = notices.ops_clock.now();
    let until = now + lease(notices.claim_lease);
    let mut tx = notices.db.begin_write().await?;
    if !store::claim(&mut tx, id, now, until).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let Some(notice) = store::get(&mut tx, id).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let mut attempts = store::attempts(&mut tx, id).await?;
    let sending = delivery::next_attempt(&attempts, notice.attempts, notices.clock.now());
    store::start_attempt(&mut tx, id, &sending).await?;
    if let Some(event) = &sending.event {
        store::add_event(&mut tx, id, event).await?;
    }
    tx.commit().await?;
    attempts.push(AttemptRecord {
        number: sending.number,
        started_at: sending.started_at,
        state: AttemptState::Started,
    });
    let letter = notices.letter(&notice);
    Ok(Some(Claimed {
        notice,
        letter,
        sending,
        attempts,
    }))
}

fn lease(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::seconds(10))
}

/// Hands the claimed e-mail to the mail server: its reply, or why not and whether for good.
pub async fn speak(
    smtp: &Smtp,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    claimed: &Claimed,
) -> Attempt {
    let message = match message(smtp, &claimed.notice, &claimed.letter, &claimed.sending) {
        Ok(m) => m,
        Err(e) => {
            return Attempt::Refused {
                permanent: true,
                reason: format!("cannot build the message: {e}"),
            };
        }
    };
    match transport.send(message).await {
        Ok(response) => Attempt::Accepted {
            reply: format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            ),
        },
        Err(e) => Attempt::Refused {
            permanent: e.is_permanent(),
            reason: e.to_string(),
        },
    }
}

/// [`speak`], renewing the claim every third of its lease until the server has answered.
async fn speak_holding_the_claim(
    notices: &Notices,
    smtp: &Smtp,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    claimed: &Claimed,
) -> Attempt {
    let talk = speak(smtp, transport, claimed);
    tokio::pin!(talk);
    let mut ticker = tokio::time::interval(notices.claim_lease / 3);
    // The claim was just taken: the first renewal is due a third of a lease from now.
    ticker.reset();
    let mut held = true;
    loop {
        tokio::select! {
            outcome = &mut talk => return outcome,
            _ = ticker.tick(), if held => {
                match renew(notices, claimed).await {
                    Ok(true) => {}
                    Ok(false) => {
                        // Another sender took it over (this one stalled past its lease): the
                        // outcome is still recorded, and only the latest attempt decides.
                        held = false;
                        tracing::warn!(id = %claimed.notice.id, attempt = claimed.sending.number,
                            "the claim on this e-mail was lost while the mail server talked");
                    }
                    Err(err) => tracing::warn!(error = format!("{err:#}"), id = %claimed.notice.id,
                        "renewing the claim on this e-mail failed; will retry"),
                }
            }
        }
    }
}

async fn renew(notices: &Notices, claimed: &Claimed) -> anyhow::Result<bool> {
    let until = notices.ops_clock.now() + lease(notices.claim_lease);
    let mut tx = notices.db.begin_write().await?;
    let held = store::renew(&mut tx, &claimed.notice.id, claimed.sending.number, until).await?;
    tx.commit().await?;
    Ok(held)
}

/// Records the attempt's outcome and what it decides; true when it delivered the e-mail.
pub async fn finish(
    notices: &Notices,
    smtp: &Smtp,
    claimed: &Claimed,
    outcome: Attempt,
) -> anyhow::Result<bool> {
    let n = &claimed.notice;
    let attempt = claimed.sending.number;
    let at = notices.clock.now();
    let (state, reply) = match &outcome {
        Attempt::Accepted { reply } => (AttemptState::Accepted, reply.clone()),
        Attempt::Refused { reason, .. } => (AttemptState::Refused, reason.clone()),
    };
    let mut tx = notices.db.begin_write().await?;
    store::finish_attempt(&mut tx, &n.id, attempt, state, at, &reply).await?;
    // As recorded now, up to this attempt: an earlier one cut off may have ended since.
    let attempts: Vec<_> = store::attempts(&mut tx, &n.id)
        .await?
        .into_iter()
        .filter(|a| a.number <= attempt)
        .collect();
    let mut delivered = false;
    match delivery::decide(n, &attempts, outcome, &smtp.retry_policy(), at) {
        EmailDecision::Delivered {
            at,
            reply,
            events,
            audit: fact,
        } => {
            if store::mark_emailed(&mut tx, &n.id, at).await? {
                for event in &events {
                    store::add_event(&mut tx, &n.id, event).await?;
                }
                // Audited when recorded; `at` is the evidence, which may be an earlier attempt's.
                audit(&mut tx, &fact, notices.clock.now()).await?;
                delivered = true;
                tracing::info!(id = %n.id, kind = %n.kind, %reply, attempt, "e-mail accepted");
            } else {
                // Another attempt's copy was recorded first and keeps its time.
                let event = Event::new(
                    notices.clock.now(),
                    DeliveryState::Delivered,
                    format!(
                        "attempt {attempt} also accepted by the mail server (a duplicate copy, same Message-ID): {reply}"
                    ),
                );
                store::add_event(&mut tx, &n.id, &event).await?;
                tracing::warn!(id = %n.id, attempt, "a duplicate copy was accepted");
            }
        }
        EmailDecision::Failed {
            reason,
            event,
            audit: fact,
        } => {
            if store::mark_failed(&mut tx, &n.id, attempt, &reason).await? {
                audit(&mut tx, &fact, at).await?;
                store::add_event(&mut tx, &n.id, &event).await?;
                tracing::error!(id = %n.id, %reason, attempt, "e-mail failed");
            }
        }
        EmailDecision::Retry {
            after,
            reason,
            event,
        } => {
            let next =
                notices.ops_clock.now() + chrono::Duration::from_std(after).unwrap_or_default();
            if store::schedule_retry(&mut tx, &n.id, attempt, next, &reason).await? {
                store::add_event(&mut tx, &n.id, &event).await?;
                tracing::warn!(id = %n.id, %reason, attempt, "e-mail not accepted; will retry");
            }
        }
    }
    tx.commit().await?;
    Ok(delivered)
}

/// Sends what is due now; returns how many were accepted by the server.
pub async fn send_due(
    notices: &Notices,
    smtp: &Smtp,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
) -> anyhow::Result<usize> {
    let now = notices.ops_clock.now();
    let due = {
        let mut conn = notices.db.pool.acquire().await?;
        store::due_emails(&mut conn, now).await?
    };
    let mut sent = 0;
    for n in due {
        let Some(claimed) = claim(notices, &n.id).await? else {
            continue;
        };
        let outcome = speak_holding_the_claim(notices, smtp, transport, &claimed).await;
        if finish(notices, smtp, &claimed, outcome).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// The sender loop: wakes on new e-mails or every `poll`; also runs the RET-2 purge hourly.
pub async fn run(notices: Notices, smtp: Smtp, poll: Duration) {
    let transport = match smtp.transport() {
        Ok(t) => t,
        Err(err) => {
            tracing::error!(
                error = format!("{err:#}"),
                "SMTP is not configured correctly; e-mails stay pending"
            );
            return;
        }
    };
    let mut last_purge: Option<std::time::Instant> = None;
    loop {
        if let Err(err) = send_due(&notices, &smtp, &transport).await {
            tracing::warn!(
                error = format!("{err:#}"),
                "sending e-mails failed; will retry"
            );
        }
        if last_purge.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
            last_purge = Some(std::time::Instant::now());
            if let Err(err) = crate::purge(&notices).await {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "retention run failed; will retry"
                );
            }
        }
        tokio::select! {
            () = notices.wake.notified() => {},
            () = tokio::time::sleep(poll) => {},
        }
    }
}
