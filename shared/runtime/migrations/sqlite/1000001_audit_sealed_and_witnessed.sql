-- The audit trail sealed off the request path, keyed, and witnessed (shared/runtime/src/audit.rs).
-- The runtime's migrations after version 0 are numbered from 1000001, clear of the services'.

-- A change writes its entry here, in its own transaction; the service's sealer moves entries
-- into audit_log in the order it reads them, each linked to the one before with a keyed
-- digest, and moves the head. Nothing queues on the head row while a request is answered.
CREATE TABLE audit_pending (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    role           TEXT NOT NULL,
    action         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    result_sha256  TEXT NOT NULL,
    correlation_id TEXT NOT NULL
);

-- Which key linked the entry (HMAC-SHA256; the key is in the service's configuration, not
-- here). Empty: an entry linked before keys, with plain SHA-256.
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- The head has one row and moves forward only, onto an entry of the log.
CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq
    OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, 'audit_head moves forward only, onto an entry of audit_log'); END;

-- This service's signed checkpoints of its head, as sent to its witness.
CREATE TABLE audit_checkpoints (
    service    TEXT NOT NULL,
    number     INTEGER PRIMARY KEY,
    seq        INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    made_at    TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- Other services' checkpoints that this one witnesses (rex.audit.v1.AuditWitnessService).
CREATE TABLE audit_witnessed (
    service     TEXT NOT NULL,
    number      INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (service, number)
);
CREATE TRIGGER audit_witnessed_no_update BEFORE UPDATE ON audit_witnessed BEGIN SELECT RAISE(ABORT, 'audit_witnessed is append-only'); END;
CREATE TRIGGER audit_witnessed_no_delete BEFORE DELETE ON audit_witnessed BEGIN SELECT RAISE(ABORT, 'audit_witnessed is append-only'); END;
