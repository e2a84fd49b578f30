-- The outbox relay claims a row for a while (several replicas may run), so a crashed relay's
-- claim expires and another one takes the row over.
ALTER TABLE outbox ADD COLUMN locked_until TEXT;
