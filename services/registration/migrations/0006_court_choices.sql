-- REV-5, restated: a court decision annulling a revocation is always executed. When the
-- exporter obtained a newer number meanwhile, both stay active (marked beside_newer, outside
-- REG-10's one-active-per-TIN index) and Atameken owes the exporter the question which to keep;
-- the exporter's answer revokes the other (REV-1 (1)) and closes the question.

ALTER TABLE registrations ADD COLUMN beside_newer INTEGER NOT NULL DEFAULT 0;
DROP INDEX one_active_registration_per_tin;
CREATE UNIQUE INDEX one_active_registration_per_tin ON registrations (exporter_tin)
    WHERE status = 'ACTIVE' AND beside_newer = 0;

CREATE TABLE court_choices (
    choice_id          TEXT PRIMARY KEY,
    exporter_tin       TEXT NOT NULL,
    reinstated_number  TEXT NOT NULL,
    newer_number       TEXT NOT NULL,
    raised_on          TEXT NOT NULL,
    due_on             TEXT NOT NULL,               -- REV-5-choice, from the catalogue
    resolved_on        TEXT,
    kept_number        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX court_choices_by_tin ON court_choices (exporter_tin, resolved_on);
