-- What every service of the suite keeps besides its own records, owned by rex-runtime and
-- applied before the service's migrations (version 0): the outbox of notices owed
-- (shared/runtime/src/outbox.rs), the idempotency keys of mutating calls
-- (shared/runtime/src/idempotency.rs) and the audit trail (shared/runtime/src/audit.rs).

-- Messages owed by a state change, written in its transaction and relayed afterwards.
CREATE TABLE outbox (
    outbox_id        TEXT PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    recipient_email  TEXT NOT NULL,
    channel          TEXT NOT NULL,
    primary_language TEXT NOT NULL,
    facts            TEXT NOT NULL,             -- JSON object of strings
    due_on           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    sent_at          TEXT,
    last_error       TEXT,
    -- The relay claims a row for a while (several replicas may run), so a crashed relay's
    -- claim expires and another one takes the row over.
    locked_until     TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- The first answer to each idempotency key, stored in the transaction of the change.
CREATE TABLE idempotency (
    idempotency_key TEXT PRIMARY KEY,
    rpc             TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    response        BLOB NOT NULL,
    created_at      TEXT NOT NULL
);

-- The audit trail: append-only, hash-chained (shared/runtime/src/audit.rs).
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    role           TEXT NOT NULL,
    action         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    result_sha256  TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
