-- VER-3, restated: each consultation of REX data in a case is recorded: who, when, which number,
-- what was seen. Kept with the case.

CREATE TABLE rex_consultations (
    case_id              TEXT NOT NULL REFERENCES cases (case_id),
    seq                  INTEGER NOT NULL,
    registration_number  TEXT NOT NULL,
    seen                 TEXT NOT NULL,
    officer_id           TEXT NOT NULL,
    consulted_at         TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
