-- The registry of Order 244-NK. Dates are ISO text (YYYY-MM-DD), instants fixed-width UTC
-- text, flags 0/1: the same store code serves SQLite and PostgreSQL (see shared/runtime/db.rs).

CREATE TABLE applications (
    application_id      TEXT PRIMARY KEY,
    exporter_tin        TEXT NOT NULL,
    branch_code         TEXT NOT NULL,
    channel             TEXT NOT NULL,
    primary_language    TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    received_on         TEXT NOT NULL,
    form                BLOB NOT NULL,          -- ApplicationForm as submitted, document contents stripped
    findings            TEXT NOT NULL,          -- JSON list of findings
    status              TEXT NOT NULL,          -- RECEIVED | REGISTERED | REFUSED
    refusal_due         TEXT NOT NULL,          -- REG-9: received_on + 3 WD
    registration_due    TEXT NOT NULL,          -- REG-6: received_on + 5 WD
    refusal_reasons     TEXT NOT NULL DEFAULT '',
    refusal_explanation TEXT NOT NULL DEFAULT '',
    decided_by          TEXT NOT NULL DEFAULT '',
    decided_at          TEXT,
    decided_on          TEXT,
    registration_number TEXT
);
CREATE INDEX applications_by_status ON applications (status, received_at);
CREATE INDEX applications_by_registration_due ON applications (status, registration_due);
CREATE INDEX applications_by_tin ON applications (exporter_tin);

CREATE TABLE documents (
    document_id  TEXT PRIMARY KEY,
    owner_kind   TEXT NOT NULL,                 -- application | change | revocation | reinstatement
    owner_id     TEXT NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    content      BLOB,                          -- NULL once purged after keep_until (RET-1)
    received_on  TEXT NOT NULL,
    keep_until   TEXT NOT NULL,
    purged_at    TEXT
);
CREATE INDEX documents_by_owner ON documents (owner_kind, owner_id, position);
CREATE INDEX documents_by_keep_until ON documents (keep_until);

-- REG-7: one continuous sequence for the whole organization.
CREATE TABLE number_sequence (
    id          INTEGER PRIMARY KEY,
    last_value  INTEGER NOT NULL
);
INSERT INTO number_sequence (id, last_value) VALUES (1, 0);

CREATE TABLE registrations (
    registration_number  TEXT PRIMARY KEY,
    sequence             INTEGER NOT NULL UNIQUE,
    application_id       TEXT NOT NULL UNIQUE REFERENCES applications (application_id),
    exporter_tin         TEXT NOT NULL,
    branch_code          TEXT NOT NULL,
    primary_language     TEXT NOT NULL,
    valid_from           TEXT NOT NULL,
    assigned_on          TEXT NOT NULL,
    assigned_at          TEXT NOT NULL,
    authorized_person_id TEXT NOT NULL,
    status               TEXT NOT NULL,         -- ACTIVE | REVOKED
    data                 BLOB NOT NULL          -- RegistrationData now (changes applied)
);
-- REG-10: an exporter is registered once; REV-4 allows a new number after revocation.
CREATE UNIQUE INDEX one_active_registration_per_tin ON registrations (exporter_tin) WHERE status = 'ACTIVE';

CREATE TABLE revocations (
    revocation_id       TEXT PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES registrations (registration_number),
    ground              TEXT NOT NULL,
    revoked_on          TEXT NOT NULL,
    requested_by        TEXT NOT NULL,
    case_reference      TEXT NOT NULL,
    explanation         TEXT NOT NULL,
    officer_id          TEXT NOT NULL,
    recorded_at         TEXT NOT NULL,
    court_reference     TEXT,
    court_decision_on   TEXT,
    annulled_at         TEXT
);
CREATE INDEX revocations_by_number ON revocations (registration_number, recorded_at);

CREATE TABLE changes (
    change_id           TEXT PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES registrations (registration_number),
    proposed            BLOB NOT NULL,
    categories          TEXT NOT NULL,          -- comma-separated ChangeCategory names
    reason              TEXT NOT NULL,
    changed_on          TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    received_on         TEXT NOT NULL,
    late                INTEGER NOT NULL,
    findings            TEXT NOT NULL,
    status              TEXT NOT NULL,          -- RECEIVED | ACCEPTED | REFUSED
    refusal_reasons     TEXT NOT NULL DEFAULT '',
    decided_by          TEXT NOT NULL DEFAULT '',
    decided_at          TEXT,
    decided_on          TEXT
);
CREATE INDEX changes_by_number ON changes (registration_number, received_at);

CREATE TABLE authorized_persons (
    person_id    TEXT PRIMARY KEY,
    full_name    TEXT NOT NULL,
    position     TEXT NOT NULL,
    branch_code  TEXT NOT NULL,
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL,
    active       INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);

-- VER-5: each dossier request, so that Atameken can show it answered.
CREATE TABLE dossier_requests (
    request_id          TEXT PRIMARY KEY,
    registration_number TEXT NOT NULL,
    case_reference      TEXT NOT NULL,
    requested_at        TEXT NOT NULL
);

-- RET-1: what the retention job removed, and when.
CREATE TABLE retention_log (
    run_id        TEXT PRIMARY KEY,
    ran_at        TEXT NOT NULL,
    as_of         TEXT NOT NULL,
    purged_count  INTEGER NOT NULL,
    purged_bytes  INTEGER NOT NULL,
    document_ids  TEXT NOT NULL
);
