-- The public search by TIN (REG-5) and the REG-10 check read registrations by TIN.
CREATE INDEX registrations_by_tin ON registrations (exporter_tin);
