-- Every write that changes a number's public record (registration, accepted change,
-- revocation, reinstatement) is listed here in commit order, so that every replica's lookup
-- cache drops the record before its next answer. The head row is locked from the listing to
-- the commit, so a smaller seq is never committed after a larger one is visible.
CREATE TABLE public_changes (
    seq                 BIGINT PRIMARY KEY,
    registration_number TEXT NOT NULL,
    changed_at          TEXT NOT NULL
);
CREATE TABLE public_changes_head (
    id  BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO public_changes_head (id, seq) VALUES (1, 0);
