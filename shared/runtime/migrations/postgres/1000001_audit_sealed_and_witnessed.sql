-- The audit trail sealed off the request path, keyed, and witnessed (shared/runtime/src/audit.rs).
-- The runtime's migrations after version 0 are numbered from 1000001, clear of the services'.

-- A change writes its entry here, in its own transaction; the service's sealer moves entries
-- into audit_log in the order it reads them, each linked to the one before with a keyed
-- digest, and moves the head. Nothing queues on the head row while a request is answered.
CREATE TABLE audit_pending (
    id             BIGSERIAL PRIMARY KEY,
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

-- Row triggers do not see TRUNCATE: it is refused on its own.
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The head has one row and moves forward only, onto an entry of the log.
CREATE FUNCTION audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_head has one row';
    END IF;
    IF NEW.id <> OLD.id OR NEW.seq < OLD.seq
        OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit_head moves forward only, onto an entry of audit_log';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- This service's signed checkpoints of its head, as sent to its witness.
CREATE TABLE audit_checkpoints (
    service    TEXT NOT NULL,
    number     BIGINT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    made_at    TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Other services' checkpoints that this one witnesses (rex.audit.v1.AuditWitnessService).
CREATE TABLE audit_witnessed (
    service     TEXT NOT NULL,
    number      BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (service, number)
);
CREATE TRIGGER audit_witnessed_no_change BEFORE UPDATE OR DELETE ON audit_witnessed FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_witnessed_no_truncate BEFORE TRUNCATE ON audit_witnessed FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
