//! The audit trail against someone who can write to a service's database (a copy of it, or the
//! live one with the owner's rights): each rewrite the held-out probes tried, and the two that
//! were caught before, on SQLite and on PostgreSQL. The registration service runs with a real
//! link key and signing key; its checkpoints are witnessed over gRPC by the notification
//! service, in that service's own database. Each attack drops the database's guards first
//! (triggers), as its owner can, and erases the checkpoints kept beside the chain.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use rex_proto::audit::RecordCheckpointRequest;
use rex_proto::audit::audit_witness_service_client::AuditWitnessServiceClient;
use rex_runtime::audit::{self, Check, Checkpoint, Entry, LinkKeys, Signer, Verdict};
use rex_runtime::db::Db;
use rex_testkit::{
    Backend, Database, NotificationService, RegistrationService, spawn_notification,
};
use sqlx::Row;

/// A registration service's trail of five entries (an authorized person, two applications,
/// two registrations), sealed, checkpointed and witnessed; the service stopped, its witness
/// still up.
struct Trail {
    db: Db,
    keys: LinkKeys,
    public_key: Vec<u8>,
    witness: NotificationService,
    /// Stopped; kept for its database (a temporary folder on SQLite).
    _service: RegistrationService,
}

async fn witnessed_trail(backend: Backend) -> Trail {
    let witness = spawn_notification(backend).await;
    let keys = LinkKeys::parse(&LinkKeys::generate("k1").unwrap()).unwrap();
    let (private, _) = rex_runtime::auth::generate_keypair().unwrap();
    let signer = Arc::new(Signer::from_pem(&private).unwrap());
    let settings = audit::Settings {
        keys: Arc::new(keys.clone()),
        signer: Some(signer.clone()),
        witness: Some(("notification".into(), format!("http://{}", witness.addr))),
        // Only the checkpoint at shutdown: the test decides when the head is witnessed.
        checkpoint_every: Duration::from_secs(3600),
    };
    let database = Database::fresh(backend, "registration").await;
    let mut s = RegistrationService::spawn(database, rex_testkit::test_clock(), |o| {
        o.base.audit = settings;
    })
    .await;
    s.authorized_person().await;
    s.registered(0, "2026-03-19").await;
    s.registered(1, "2026-03-19").await;
    // At stop the sealer seals what is pending, signs the head and sends it to the witness.
    s.stop().await;
    let trail = Trail {
        db: s.db.clone(),
        keys,
        public_key: signer.public_key(),
        witness,
        _service: s,
    };
    match trail.verdict(true).await {
        Verdict::Intact(summary) => {
            assert_eq!(summary.entries, 5);
            assert_eq!(summary.unkeyed, 0);
            assert_eq!(summary.pending, 0);
            assert_eq!(summary.checkpoints, 1);
            assert_eq!(summary.witnessed, Some(1));
        }
        broken => panic!("the untouched trail: {broken:?}"),
    }
    trail
}

impl Trail {
    /// The verdict with the service's keys; with the witness's checkpoints or without them.
    async fn verdict(&self, with_witness: bool) -> Verdict {
        self.verdict_allowing(with_witness, 0).await
    }

    /// [`Trail::verdict`], `unkeyed` entries taken as linked before keys.
    async fn verdict_allowing(&self, with_witness: bool, unkeyed: i64) -> Verdict {
        let witness_db = self
            .witness
            .database
            .connect(&rex_notification::MIGRATIONS)
            .await;
        let witnessed = audit::witnessed(&witness_db, "registration").await.unwrap();
        let check = Check {
            keys: self.keys.clone(),
            witnessed: with_witness.then_some(witnessed),
            trusted_keys: vec![self.public_key.clone()],
            unkeyed_allowed: unkeyed,
        };
        audit::verify(&self.db, &check).await.unwrap()
    }

    /// Drops every guard of the audit tables, as the database's owner can, and erases the
    /// checkpoints kept beside the chain.
    async fn unguard(&self) {
        let tables = ["audit_log", "audit_head", "audit_checkpoints"];
        match self.db.backend {
            rex_runtime::db::Backend::Sqlite => {
                let triggers: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_log', 'audit_head', 'audit_checkpoints')",
                )
                .fetch_all(&self.db.pool)
                .await
                .unwrap();
                for t in triggers {
                    self.exec(&format!("DROP TRIGGER {t}")).await;
                }
            }
            rex_runtime::db::Backend::Postgres => {
                for t in tables {
                    self.exec(&format!("ALTER TABLE {t} DISABLE TRIGGER USER"))
                        .await;
                }
            }
        }
        self.exec("DELETE FROM audit_checkpoints").await;
    }

    async fn exec(&self, sql: &str) {
        sqlx::query(sql).execute(&self.db.pool).await.unwrap();
    }

    /// Recomputes the links of every entry from `from` on, as an attacker would: with `keys`
    /// (stolen) under their current key, or without (plain SHA-256, marked as linked before
    /// keys); and moves the head to the last entry.
    async fn relink(&self, from: i64, keys: Option<&LinkKeys>) {
        let rows = sqlx::query("SELECT * FROM audit_log ORDER BY seq")
            .fetch_all(&self.db.pool)
            .await
            .unwrap();
        let mut prev = String::new();
        let mut seq = 0;
        for r in rows {
            seq = r.get::<i64, _>("seq");
            if seq < from {
                prev = r.get("hash");
                continue;
            }
            let e = Entry {
                actor: r.get("actor"),
                role: r.get("role"),
                action: r.get("action"),
                subject: r.get("subject"),
                request_sha256: r.get("request_sha256"),
                result_sha256: r.get("result_sha256"),
                correlation_id: r.get("correlation_id"),
            };
            let at: String = r.get("at");
            let (key_id, keys) = match keys {
                Some(k) => (k.current().to_owned(), k.clone()),
                None => (String::new(), LinkKeys::development()),
            };
            let hash = keys.link(&key_id, &prev, seq, &at, &e).unwrap();
            sqlx::query(
                "UPDATE audit_log SET prev_hash = $1, hash = $2, key_id = $3 WHERE seq = $4",
            )
            .bind(&prev)
            .bind(&hash)
            .bind(&key_id)
            .bind(seq)
            .execute(&self.db.pool)
            .await
            .unwrap();
            prev = hash;
        }
        self.wind_head(seq, &prev).await;
    }

    async fn wind_head(&self, seq: i64, hash: &str) {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(hash)
            .execute(&self.db.pool)
            .await
            .unwrap();
    }

    async fn hash_of(&self, seq: i64) -> String {
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }
}

fn assert_broken(verdict: Verdict, at: i64, says: &[&str]) {
    match verdict {
        Verdict::Broken { seq, reason } => {
            assert_eq!(seq, at, "{reason}");
            for s in says {
                assert!(reason.contains(s), "{reason:?} lacks {s:?}");
            }
        }
        intact => panic!("the rewrite was not found: {intact:?}"),
    }
}

// ---- The two rewrites caught before ------------------------------------------------------------

async fn audit_an_entry_edited_in_place_is_found_by_its_link(t: Trail) {
    let refused = sqlx::query("UPDATE audit_log SET actor = 'AP-9' WHERE seq = 2")
        .execute(&t.db.pool)
        .await;
    assert!(refused.is_err(), "audit_log refuses UPDATE");
    t.unguard().await;
    t.exec("UPDATE audit_log SET actor = 'AP-9' WHERE seq = 2")
        .await;
    assert_broken(t.verdict(true).await, 2, &["does not match its link"]);
}
rex_testkit::on_both_backends!(witnessed_trail => audit_an_entry_edited_in_place_is_found_by_its_link);

async fn audit_a_middle_entry_deleted_is_found_missing(t: Trail) {
    t.unguard().await;
    t.exec("DELETE FROM audit_log WHERE seq = 3").await;
    assert_broken(t.verdict(true).await, 4, &["entry 3 is missing"]);
}
rex_testkit::on_both_backends!(witnessed_trail => audit_a_middle_entry_deleted_is_found_missing);

// ---- The four rewrites of the probes -----------------------------------------------------------

async fn audit_the_last_entry_deleted_and_the_head_wound_back_is_found_by_the_witness(t: Trail) {
    let refused = sqlx::query("UPDATE audit_head SET seq = 4 WHERE id = 1")
        .execute(&t.db.pool)
        .await;
    assert!(refused.is_err(), "the head moves forward only");
    t.unguard().await;
    t.exec("DELETE FROM audit_log WHERE seq = 5").await;
    let hash = t.hash_of(4).await;
    t.wind_head(4, &hash).await;
    // The chain and its head now agree, and nothing kept beside them says otherwise...
    assert!(matches!(t.verdict(false).await, Verdict::Intact(_)));
    // ...but the witness saw five entries.
    assert_broken(
        t.verdict(true).await,
        5,
        &[
            "the chain ends at 4",
            "checkpoint 1 (witnessed) saw 5",
            "removed",
        ],
    );
}
rex_testkit::on_both_backends!(
    witnessed_trail => audit_the_last_entry_deleted_and_the_head_wound_back_is_found_by_the_witness
);

async fn audit_a_deleted_head_is_found(t: Trail) {
    let refused = sqlx::query("DELETE FROM audit_head")
        .execute(&t.db.pool)
        .await;
    assert!(refused.is_err(), "audit_head has one row");
    t.unguard().await;
    t.exec("DELETE FROM audit_head").await;
    assert_broken(t.verdict(true).await, 6, &["head is missing"]);
}
rex_testkit::on_both_backends!(witnessed_trail => audit_a_deleted_head_is_found);

async fn audit_an_entry_edited_and_every_later_link_recomputed_is_found(t: Trail) {
    t.unguard().await;
    t.exec("UPDATE audit_log SET actor = 'AP-9' WHERE seq = 2")
        .await;
    // Without the key: recomputed as plain SHA-256, the way the probe did.
    t.relink(2, None).await;
    assert_broken(
        t.verdict(true).await,
        2,
        &["not keyed, after keyed entries"],
    );
    // Every entry relinked without the key, from the first: none was linked before keys here.
    t.relink(1, None).await;
    assert_broken(
        t.verdict(true).await,
        1,
        &["not keyed", "only 0 entries were linked before keys"],
    );
    // Even taken for a chain from before keys, the witness's checkpoint does not hold.
    assert_broken(
        t.verdict_allowing(true, 5).await,
        5,
        &["not the one checkpoint 1 (witnessed) saw", "rewritten"],
    );
}
rex_testkit::on_both_backends!(
    witnessed_trail => audit_an_entry_edited_and_every_later_link_recomputed_is_found
);

async fn audit_an_entry_edited_and_relinked_with_the_stolen_key_is_found_by_the_witness(t: Trail) {
    t.unguard().await;
    t.exec("UPDATE audit_log SET actor = 'AP-9' WHERE seq = 2")
        .await;
    let keys = t.keys.clone();
    t.relink(2, Some(&keys)).await;
    assert!(matches!(t.verdict(false).await, Verdict::Intact(_)));
    assert_broken(
        t.verdict(true).await,
        5,
        &["not the one checkpoint 1 (witnessed) saw", "rewritten"],
    );
}
rex_testkit::on_both_backends!(
    witnessed_trail => audit_an_entry_edited_and_relinked_with_the_stolen_key_is_found_by_the_witness
);

async fn audit_a_middle_entry_deleted_and_the_rest_renumbered_is_found(t: Trail) {
    t.unguard().await;
    t.exec("DELETE FROM audit_log WHERE seq = 3").await;
    t.exec("UPDATE audit_log SET seq = 3 WHERE seq = 4").await;
    t.exec("UPDATE audit_log SET seq = 4 WHERE seq = 5").await;
    // Relinked without the key, keeping the entries' key id.
    let rows = sqlx::query("SELECT seq FROM audit_log WHERE seq >= 3 ORDER BY seq")
        .fetch_all(&t.db.pool)
        .await
        .unwrap();
    let mut prev = t.hash_of(2).await;
    for r in rows {
        let seq: i64 = r.get("seq");
        let hash = format!("{:0>64}", seq);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&t.db.pool)
            .await
            .unwrap();
        prev = hash;
    }
    t.wind_head(4, &prev).await;
    assert_broken(t.verdict(true).await, 3, &["does not match its link"]);
    // With the stolen key the links hold; the witness still saw five entries.
    let keys = t.keys.clone();
    t.relink(3, Some(&keys)).await;
    assert_broken(
        t.verdict(true).await,
        5,
        &["the chain ends at 4", "checkpoint 1 (witnessed) saw 5"],
    );
}
rex_testkit::on_both_backends!(
    witnessed_trail => audit_a_middle_entry_deleted_and_the_rest_renumbered_is_found
);

// ---- The witness --------------------------------------------------------------------------------

/// A checkpoint of the registration service signed by `signer`.
fn checkpoint(number: i64, seq: i64, hash: &str, signer: &Signer) -> Checkpoint {
    Checkpoint {
        service: "registration".into(),
        number,
        seq,
        hash: hash.into(),
        made_at: "2026-03-19T06:00:00.000000Z".into(),
        public_key: Vec::new(),
        signature: Vec::new(),
    }
    .signed(signer)
}

async fn audit_the_witness_refuses_a_checkpoint_that_differs_goes_back_or_is_not_signed(t: Trail) {
    let mut client = AuditWitnessServiceClient::new(rex_testkit::channel(t.witness.addr));
    let send = |c: Checkpoint| RecordCheckpointRequest {
        checkpoint: Some(audit::witness::to_wire(&c)),
    };
    let (private, _) = rex_runtime::auth::generate_keypair().unwrap();
    let signer = Signer::from_pem(&private).unwrap();
    let head = t.hash_of(5).await;
    // The one the service sent at its stop, again: recorded already.
    let witnessed = audit::witnessed(
        &t.witness
            .database
            .connect(&rex_notification::MIGRATIONS)
            .await,
        "registration",
    )
    .await
    .unwrap();
    let again = client
        .record_checkpoint(send(witnessed[0].clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(again.recorded);
    assert_eq!(again.next_number, 2);
    // Number 1 again with another head: the chain was rewritten after it was witnessed.
    let differs = client
        .record_checkpoint(send(checkpoint(1, 4, &head, &signer)))
        .await
        .unwrap_err();
    assert_eq!(differs.code(), tonic::Code::FailedPrecondition);
    assert!(
        differs.message().contains("rewritten"),
        "{}",
        differs.message()
    );
    // Number 2 with fewer entries than number 1: the chain went back.
    let back = client
        .record_checkpoint(send(checkpoint(2, 4, &head, &signer)))
        .await
        .unwrap_err();
    assert_eq!(back.code(), tonic::Code::FailedPrecondition);
    assert!(back.message().contains("went back"), "{}", back.message());
    // Number 3 before number 2: not kept, and the answer asks for 2.
    let early = client
        .record_checkpoint(send(checkpoint(3, 9, &head, &signer)))
        .await
        .unwrap()
        .into_inner();
    assert!(!early.recorded);
    assert_eq!(early.next_number, 2);
    // A signature that is not the key's.
    let mut forged = checkpoint(2, 9, &head, &signer);
    forged.seq = 10;
    let unsigned = client.record_checkpoint(send(forged)).await.unwrap_err();
    assert_eq!(unsigned.code(), tonic::Code::InvalidArgument);
    assert!(unsigned.message().contains("checkpoint.signature"));
    // Only number 1 is held.
    let witness_db = t
        .witness
        .database
        .connect(&rex_notification::MIGRATIONS)
        .await;
    assert_eq!(
        audit::witnessed(&witness_db, "registration")
            .await
            .unwrap()
            .len(),
        1
    );
}
rex_testkit::on_both_backends!(
    witnessed_trail => audit_the_witness_refuses_a_checkpoint_that_differs_goes_back_or_is_not_signed
);
