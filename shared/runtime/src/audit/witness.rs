//! Witnessing: each service keeps another's signed checkpoints in its own database
//! (`rex.audit.v1.AuditWitnessService`), and sends its own to the service it is given.

use std::sync::Arc;
use std::time::Duration;

use rex_calendar::Clock;
use rex_domain::text::TextLimit;
use rex_proto::audit::audit_witness_service_client::AuditWitnessServiceClient;
use rex_proto::audit::audit_witness_service_server::{
    AuditWitnessService, AuditWitnessServiceServer,
};
use rex_proto::audit::{
    Checkpoint as WireCheckpoint, RecordCheckpointRequest, RecordCheckpointResponse,
};
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use super::seal::Checkpoint;
use crate::convert::instant_to_db;
use crate::db::Db;
use crate::status::{FieldViolation, from_db, invalid_argument, invalid_field};

/// The witness of other services' checkpoints, served by every service.
#[derive(Clone)]
pub struct Witness {
    db: Db,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness").finish_non_exhaustive()
    }
}

/// The gRPC service of the witness on `db`.
pub fn server(db: Db, clock: Arc<dyn Clock>) -> AuditWitnessServiceServer<Witness> {
    AuditWitnessServiceServer::new(Witness { db, clock })
}

const SERVICE_NAME: TextLimit = TextLimit::code(64);

/// A checkpoint as sent.
pub fn to_wire(c: &Checkpoint) -> WireCheckpoint {
    WireCheckpoint {
        service: c.service.clone(),
        number: c.number.unsigned_abs(),
        seq: c.seq.unsigned_abs(),
        hash: c.hash.clone(),
        made_at: c.made_at.clone(),
        public_key: c.public_key.clone(),
        signature: c.signature.clone(),
    }
}

/// A checkpoint as received, each field within its limits.
fn from_wire(c: WireCheckpoint) -> Result<Checkpoint, Status> {
    let mut v = Vec::new();
    let mut check = |ok: bool, field: &str, why: &str| {
        if !ok {
            v.push(FieldViolation::new(format!("checkpoint.{field}"), why));
        }
    };
    if let Err(why) = SERVICE_NAME.check(&c.service) {
        check(false, "service", &why);
    }
    check(!c.service.is_empty(), "service", "is required");
    check(c.number >= 1, "number", "counts from 1");
    let number = i64::try_from(c.number).unwrap_or(-1);
    let seq = i64::try_from(c.seq).unwrap_or(-1);
    check(number >= 0, "number", "is too large");
    check(seq >= 0, "seq", "is too large");
    check(
        c.hash.is_empty()
            || (c.hash.len() == 64 && c.hash.chars().all(|ch| matches!(ch, '0'..='9' | 'a'..='f'))),
        "hash",
        "is 64 lower-case hex digits, or empty for an empty chain",
    );
    check(
        c.made_at.len() <= 40 && crate::convert::instant_from_db(&c.made_at).is_ok(),
        "made_at",
        "is an RFC 3339 instant",
    );
    check(
        c.public_key.len() == 32,
        "public_key",
        "is 32 bytes (Ed25519)",
    );
    check(
        c.signature.len() == 64,
        "signature",
        "is 64 bytes (Ed25519)",
    );
    if !v.is_empty() {
        return Err(invalid_argument(&v));
    }
    Ok(Checkpoint {
        service: c.service,
        number,
        seq,
        hash: c.hash,
        made_at: c.made_at,
        public_key: c.public_key,
        signature: c.signature,
    })
}

#[tonic::async_trait]
impl AuditWitnessService for Witness {
    async fn record_checkpoint(
        &self,
        request: Request<RecordCheckpointRequest>,
    ) -> Result<Response<RecordCheckpointResponse>, Status> {
        let caller = crate::auth::caller(&request);
        let wire = request
            .into_inner()
            .checkpoint
            .ok_or_else(|| invalid_field("checkpoint", "is required"))?;
        let checkpoint = from_wire(wire)?;
        // A service witnesses in its own name only (development without tokens: as sent).
        if let Some(caller) = &caller
            && caller.sub != checkpoint.service
        {
            tracing::warn!(caller = %caller.sub, service = %checkpoint.service, "a service sent another service's audit checkpoint; refused");
            return Err(Status::permission_denied(format!(
                "checkpoint.service: {} may send only its own checkpoints",
                crate::status::quote(&caller.sub)
            )));
        }
        if !checkpoint.signature_holds() {
            return Err(invalid_field(
                "checkpoint.signature",
                "is not the public key's signature of the checkpoint",
            ));
        }
        let (recorded, next) = record(&self.db, &checkpoint, self.clock.now()).await?;
        Ok(Response::new(RecordCheckpointResponse {
            recorded,
            next_number: next.unsigned_abs(),
        }))
    }
}

/// Keeps `c` if it follows the last checkpoint of its service; whether it is recorded, and
/// the number expected next.
async fn record(
    db: &Db,
    c: &Checkpoint,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(bool, i64), Status> {
    let mut tx = db.begin_write().await.map_err(from_db)?;
    let last = sqlx::query(
        "SELECT service, number, seq, hash, made_at, public_key, signature FROM audit_witnessed \
         WHERE service = $1 ORDER BY number DESC LIMIT 1",
    )
    .bind(&c.service)
    .fetch_optional(&mut *tx)
    .await
    .map_err(from_db)?
    .map(|r| Checkpoint::from_row(&r))
    .transpose()
    .map_err(crate::status::internal)?;
    let next = last.as_ref().map_or(1, |l| l.number + 1);
    let rewritten = |what: String| {
        tracing::error!(service = %c.service, number = c.number, "audit checkpoint refused: {what}");
        Status::failed_precondition(what)
    };
    if c.number < next {
        let stored = witnessed_one(&mut tx, &c.service, c.number).await?;
        return match stored {
            Some(stored) if &stored == c => Ok((true, next)),
            _ => Err(rewritten(format!(
                "checkpoint {} of {} differs from the one witnessed: its chain was rewritten after it was witnessed",
                c.number, c.service
            ))),
        };
    }
    if c.number > next {
        return Ok((false, next));
    }
    if let Some(last) = &last
        && (c.seq < last.seq || (c.seq == last.seq && c.hash != last.hash))
    {
        return Err(rewritten(format!(
            "checkpoint {} of {} has {} entries after {} had {}: its chain went back",
            c.number, c.service, c.seq, last.number, last.seq
        )));
    }
    sqlx::query(
        "INSERT INTO audit_witnessed (service, number, seq, hash, made_at, public_key, signature, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&c.service)
    .bind(c.number)
    .bind(c.seq)
    .bind(&c.hash)
    .bind(&c.made_at)
    .bind(hex::encode(&c.public_key))
    .bind(hex::encode(&c.signature))
    .bind(instant_to_db(now))
    .execute(&mut *tx)
    .await
    .map_err(from_db)?;
    tx.commit().await.map_err(from_db)?;
    Ok((true, next + 1))
}

async fn witnessed_one(
    tx: &mut crate::db::Tx,
    service: &str,
    number: i64,
) -> Result<Option<Checkpoint>, Status> {
    sqlx::query(
        "SELECT service, number, seq, hash, made_at, public_key, signature FROM audit_witnessed \
         WHERE service = $1 AND number = $2",
    )
    .bind(service)
    .bind(number)
    .fetch_optional(&mut **tx)
    .await
    .map_err(from_db)?
    .map(|r| Checkpoint::from_row(&r))
    .transpose()
    .map_err(crate::status::internal)
}

/// How long one call to the witness may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The most calls one round of sending makes (the rest follow at the next round).
const MAX_CALLS: usize = 200;

/// Sends this service's checkpoints to its witness, in order, from the first the witness does
/// not hold.
#[derive(Debug)]
pub(super) struct Sender {
    client: AuditWitnessServiceClient<Channel>,
    token: Option<String>,
    /// The first checkpoint not known to be witnessed.
    next: i64,
}

impl Sender {
    pub(super) fn new(
        name: &str,
        url: &str,
        tls: Option<&crate::tls::Tls>,
        token: Option<String>,
    ) -> anyhow::Result<Self> {
        let channel = crate::tls::channel(url, tls, name, CALL_TIMEOUT)?;
        Ok(Self {
            client: AuditWitnessServiceClient::new(channel),
            token,
            next: 1,
        })
    }

    /// Sends every checkpoint kept here that the witness does not hold yet.
    pub(super) async fn send_due(&mut self, db: &Db) -> anyhow::Result<()> {
        for _ in 0..MAX_CALLS {
            let row = sqlx::query(
                "SELECT service, number, seq, hash, made_at, public_key, signature FROM audit_checkpoints \
                 WHERE number >= $1 ORDER BY number LIMIT 1",
            )
            .bind(self.next)
            .fetch_optional(&db.pool)
            .await?;
            let Some(row) = row else {
                return Ok(());
            };
            let checkpoint = Checkpoint::from_row(&row)?;
            if checkpoint.number != self.next {
                anyhow::bail!(
                    "checkpoint {} is missing here (the next kept is {}): it was deleted",
                    self.next,
                    checkpoint.number
                );
            }
            let mut request = Request::new(RecordCheckpointRequest {
                checkpoint: Some(to_wire(&checkpoint)),
            });
            request.set_timeout(CALL_TIMEOUT);
            if let Some(Ok(value)) = self.token.as_ref().map(|t| format!("Bearer {t}").parse()) {
                request.metadata_mut().insert("authorization", value);
            }
            let answer = match self.client.record_checkpoint(request).await {
                Ok(answer) => answer.into_inner(),
                Err(status) if status.code() == tonic::Code::FailedPrecondition => {
                    tracing::error!(
                        number = checkpoint.number,
                        "the witness holds a different audit checkpoint {}: this chain was rewritten or restored from an older copy after it was witnessed ({})",
                        checkpoint.number,
                        status.message()
                    );
                    anyhow::bail!("the witness refused checkpoint {}", checkpoint.number);
                }
                Err(status) => anyhow::bail!("witness: {:?}: {}", status.code(), status.message()),
            };
            let next = i64::try_from(answer.next_number).unwrap_or(i64::MAX);
            // Recorded (now or before): go on with the next one kept here, each compared in turn,
            // so a chain restored from an older copy meets its first differing checkpoint.
            self.next = if answer.recorded {
                checkpoint.number + 1
            } else if next < checkpoint.number {
                next
            } else {
                anyhow::bail!(
                    "the witness neither recorded checkpoint {} nor asked for an earlier one",
                    checkpoint.number
                );
            };
        }
        Ok(())
    }
}
