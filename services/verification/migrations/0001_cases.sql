-- Verification cases of Order 358-NK. Dates ISO text, instants fixed-width UTC text, flags
-- 0/1: one set of store code for SQLite and PostgreSQL (shared/runtime/db.rs).

CREATE TABLE cases (
    case_id                 TEXT PRIMARY KEY,
    requesting_country      TEXT NOT NULL,      -- NO | CH (VER-1)
    foreign_reference       TEXT NOT NULL,
    registration_number     TEXT NOT NULL,
    received_at             TEXT NOT NULL,
    received_on             TEXT NOT NULL,      -- registered date (intake rule): periods run from it
    subject                 TEXT NOT NULL,
    responsible_officer_id  TEXT NOT NULL,
    status                  TEXT NOT NULL,
    opened_at               TEXT NOT NULL,
    dossier_requested_on    TEXT,               -- VER-4 done
    dossier_received_on     TEXT,               -- VER-5 done
    dossier                 BLOB,               -- GetDossierResponse as received
    dossier_finding         TEXT NOT NULL DEFAULT '',
    checked_on              TEXT,               -- VER-6 done
    checked_by              TEXT NOT NULL DEFAULT '',
    checked_at              TEXT,
    check_findings          BLOB,               -- RecordCheckRequest findings
    concluded_on            TEXT,               -- VER-7 done
    outcome                 TEXT NOT NULL DEFAULT '',
    conclusion_text         TEXT NOT NULL DEFAULT '',
    concluded_by            TEXT NOT NULL DEFAULT '',
    conclusion_json         TEXT,
    conclusion_html         TEXT,
    revocation_requested_on TEXT,               -- VER-8 done
    revocation_officer_id   TEXT NOT NULL DEFAULT '',
    revocation_answer       TEXT NOT NULL DEFAULT '',
    UNIQUE (requesting_country, foreign_reference)
);
CREATE INDEX cases_by_status ON cases (status, opened_at);

-- Calls to the registration service that must happen, retried with backoff until answered.
-- Times here are the machine's (retry scheduling), not dates of law.
CREATE TABLE jobs (
    job_id          TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases (case_id),
    kind            TEXT NOT NULL,              -- dossier | revocation
    correlation_id  TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT,
    done_at         TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    UNIQUE (case_id, kind)
);
CREATE INDEX jobs_due ON jobs (done_at, next_attempt_at);

-- Deadline warnings and overdue marks, once per step and due date.
CREATE TABLE step_marks (
    case_id   TEXT NOT NULL,
    rule_id   TEXT NOT NULL,
    due_on    TEXT NOT NULL,
    kind      TEXT NOT NULL,                    -- at_risk | overdue
    marked_at TEXT NOT NULL,
    PRIMARY KEY (case_id, rule_id, due_on, kind)
);

