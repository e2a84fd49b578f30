-- Every notice's letter carries an outgoing reference number, unique and sequential per sender
-- and year (ATM-2026/000123). Notices kept before this migration have none ('').

ALTER TABLE notifications ADD COLUMN reference TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX notifications_by_reference ON notifications (reference) WHERE reference <> '';

-- The last number given per sender prefix and year; raised in the transaction that keeps the
-- notice, so a notice rolled back gives its number back and the sequence has no gaps.
CREATE TABLE letter_references (
    prefix  TEXT NOT NULL,
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);
