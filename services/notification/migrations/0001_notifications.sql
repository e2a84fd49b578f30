-- Notifications and their delivery history. Copies are kept at least 3 years (RET-2).

CREATE TABLE notifications (
    notification_id  TEXT PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    request_sha256   TEXT NOT NULL,
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    recipient_email  TEXT NOT NULL,
    channel          TEXT NOT NULL,            -- EMAIL | INBOX | PAPER
    languages        TEXT NOT NULL,            -- e.g. "RU,EN"
    facts            TEXT NOT NULL,            -- JSON object of strings
    due_on           TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL,            -- PENDING | SENT | DELIVERED | FAILED
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    delivered_at     TEXT,
    acknowledged_at  TEXT,
    failed_reason    TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    locked_until     TEXT,
    keep_until       TEXT NOT NULL
);
CREATE INDEX notifications_by_recipient ON notifications (recipient, created_at);
CREATE INDEX notifications_to_send ON notifications (channel, state, next_attempt_at);

CREATE TABLE delivery_events (
    notification_id TEXT NOT NULL REFERENCES notifications (notification_id),
    at              TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    state           TEXT NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (notification_id, seq)
);

CREATE TABLE retention_log (
    run_id       TEXT PRIMARY KEY,
    ran_at       TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    removed      INTEGER NOT NULL,
    ids          TEXT NOT NULL
);
