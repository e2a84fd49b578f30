-- Each attempt to hand an e-mail to the mail server, recorded before the sender speaks to it and
-- its outcome right after: an attempt left STARTED was cut off (a crash), so the next one is
-- marked as a possible duplicate and the first attempt's time is kept as delivery evidence.

CREATE TABLE email_attempts (
    notification_id    TEXT NOT NULL REFERENCES notifications (notification_id),
    attempt            INTEGER NOT NULL,          -- from 1, as the claim counted it
    started_at         TEXT NOT NULL,             -- clock of law
    state              TEXT NOT NULL,             -- STARTED | ACCEPTED | REFUSED
    finished_at        TEXT,
    duplicate_of       INTEGER,                   -- sent marked as a possible duplicate of it
    reply              TEXT NOT NULL DEFAULT '',   -- the server's answer, or why not
    PRIMARY KEY (notification_id, attempt)
);
