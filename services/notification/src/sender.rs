//! The e-mail sender: takes pending e-mails (claims, so several replicas can run), sends them
//! over SMTP with lettre, records the server's answer, retries transient failures with backoff,
//! and records permanent ones (bounces) as FAILED.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use rex_notification_domain::Notice;
use rex_notification_domain::delivery::{self, Attempt, EmailDecision, RetryPolicy};

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

fn message(smtp: &Smtp, n: &Notice) -> anyhow::Result<Message> {
    let from: Mailbox = smtp.from.parse()?;
    let to: Mailbox = n.recipient_email.parse()?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(n.subject.clone())
        // A stable Message-ID: a receiver can tell a re-sent copy from a new notice.
        .message_id(Some(format!("<{}@notifications.rex.kz>", n.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(n.body.clone())?)
}

/// Hands one e-mail to the mail server: its reply, or why not and whether for good.
async fn attempt_to_send(
    smtp: &Smtp,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    n: &Notice,
) -> Attempt {
    let message = match message(smtp, n) {
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

/// Sends what is due now; returns how many were accepted by the server.
pub async fn send_due(
    notices: &Notices,
    smtp: &Smtp,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
) -> anyhow::Result<usize> {
    // Claims and retries run on the machine's clock; the delivery events on the clock of law.
    let now = notices.ops_clock.now();
    let due = {
        let mut conn = notices.db.pool.acquire().await?;
        store::due_emails(&mut conn, now).await?
    };
    let mut sent = 0;
    for n in due {
        let claimed = {
            let mut conn = notices.db.pool.acquire().await?;
            store::claim(&mut conn, &n.id, now, now + chrono::Duration::seconds(120)).await?
        };
        if !claimed {
            continue;
        }
        let attempt = n.attempts + 1;
        let outcome = attempt_to_send(smtp, transport, &n).await;
        let at = notices.clock.now();
        let mut tx = notices.db.begin_write().await?;
        match delivery::decide(&n, attempt, outcome, &smtp.retry_policy(), at) {
            EmailDecision::Delivered {
                at,
                reply,
                events,
                audit: fact,
            } => {
                store::mark_delivered(&mut tx, &n.id, at, false).await?;
                for event in &events {
                    store::add_event(&mut tx, &n.id, event).await?;
                }
                audit(&mut tx, &fact, at).await?;
                sent += 1;
                tracing::info!(id = %n.id, kind = %n.kind, %reply, "e-mail accepted");
            }
            EmailDecision::Failed {
                reason,
                event,
                audit: fact,
            } => {
                store::mark_failed(&mut tx, &n.id, &reason).await?;
                audit(&mut tx, &fact, at).await?;
                store::add_event(&mut tx, &n.id, &event).await?;
                tracing::error!(id = %n.id, %reason, attempt, "e-mail failed");
            }
            EmailDecision::Retry {
                after,
                reason,
                event,
            } => {
                let next =
                    notices.ops_clock.now() + chrono::Duration::from_std(after).unwrap_or_default();
                store::schedule_retry(&mut tx, &n.id, next, &reason).await?;
                store::add_event(&mut tx, &n.id, &event).await?;
                tracing::warn!(id = %n.id, %reason, attempt, "e-mail not accepted; will retry");
            }
        }
        tx.commit().await?;
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
