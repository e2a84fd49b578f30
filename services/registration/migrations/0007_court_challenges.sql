-- REV-8: a revocation contested in court is marked with the court case until the court
-- decides: annulment reinstates (REV-5), dismissal closes the challenge.

ALTER TABLE revocations ADD COLUMN challenge_case_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE revocations ADD COLUMN challenged_on TEXT;
ALTER TABLE revocations ADD COLUMN challenge_closed_on TEXT;
