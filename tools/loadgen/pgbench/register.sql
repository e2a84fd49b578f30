-- PostgreSQL's own ceiling for the service's write: the statements of one SubmitApplication
-- and one RegisterExporter transaction, as the service sends them (see BENCHMARKS.md), run by
-- pgbench on a database migrated by rex-registration. Values are stand-ins of the same size.
-- Each transaction writes its audit entry to audit_pending; the service's sealer links entries
-- into the chain in batches, off the request path (not part of this ceiling).
SELECT nextval('bench_ids') AS n \gset
BEGIN;
SELECT registration_number FROM registrations WHERE exporter_tin = 'T' || :n AND status = 'ACTIVE';
SELECT rpc, request_sha256, response FROM idempotency WHERE idempotency_key = 'submit-' || :n;
INSERT INTO applications (application_id, exporter_tin, branch_code, channel, primary_language, received_at, received_on, form, findings, status, refusal_due, registration_due) VALUES ('app-' || :n, 'T' || :n, '001', 'PAPER', 'RU', '2026-11-25T10:00:00.000000Z', '2026-11-25', decode(repeat('07', 400), 'hex'), '[]', 'RECEIVED', '2026-11-30', '2026-12-02');
INSERT INTO documents (document_id, owner_kind, owner_id, position, kind, file_name, media_type, sha256, size_bytes, content, received_on, keep_until) VALUES ('doc-' || :n, 'application', 'app-' || :n, 0, 'ORIGIN_EVIDENCE', 'certificate-of-origin.pdf', 'application/pdf', repeat('a', 64), 48, decode(repeat('07', 48), 'hex'), '2026-11-25', '2031-11-25');
SELECT * FROM applications WHERE application_id = 'app-' || :n;
SELECT document_id, position, kind, file_name, media_type, sha256, size_bytes, keep_until, purged_at, NULL AS content FROM documents WHERE owner_kind = 'application' AND owner_id = 'app-' || :n ORDER BY position;
INSERT INTO idempotency (idempotency_key, rpc, request_sha256, response, created_at) VALUES ('submit-' || :n, 'SubmitApplication', repeat('b', 64), decode(repeat('07', 600), 'hex'), '2026-11-25T10:00:00.000000Z');
INSERT INTO audit_pending (at, actor, role, action, subject, request_sha256, result_sha256, correlation_id) VALUES ('2026-11-25T10:00:00.000000Z', 'bench', 'atameken_officer', 'SubmitApplication', 'submit-' || :n, repeat('c', 64), repeat('d', 64), 'bench-' || :n);
COMMIT;
BEGIN;
SELECT rpc, request_sha256, response FROM idempotency WHERE idempotency_key = 'register-' || :n;
SELECT * FROM applications WHERE application_id = 'app-' || :n;
SELECT * FROM authorized_persons WHERE person_id = 'BENCH-AP';
SELECT registration_number FROM registrations WHERE exporter_tin = 'T' || :n AND status = 'ACTIVE';
UPDATE number_sequence SET last_value = last_value + 1 WHERE id = 1 AND last_value < 2000000000 RETURNING last_value AS sequence \gset
INSERT INTO registrations (registration_number, sequence, application_id, exporter_tin, branch_code, primary_language, valid_from, assigned_on, assigned_at, authorized_person_id, status, data) VALUES ('KZREX001' || :n, :sequence, 'app-' || :n, 'T' || :n, '001', 'RU', '2026-11-25', '2026-11-25', '2026-11-25T10:00:00.000000Z', 'BENCH-AP', 'ACTIVE', decode(repeat('07', 200), 'hex'));
UPDATE applications SET status = 'REGISTERED', decided_by = 'BENCH-AP', decided_at = '2026-11-25T10:00:00.000000Z', decided_on = '2026-11-25', refusal_reasons = '', refusal_explanation = '', registration_number = 'KZREX001' || :n WHERE application_id = 'app-' || :n AND status = 'RECEIVED';
INSERT INTO outbox (outbox_id, idempotency_key, kind, rule_id, recipient, recipient_email, channel, primary_language, facts, due_on, created_at, next_attempt_at) VALUES ('out-' || :n, 'registration-confirmed:' || :n, 'REGISTRATION_CONFIRMED', 'REG-8', 'T' || :n, '', 'PAPER', 'RU', repeat('f', 300), '2026-11-30', '2026-11-25T10:00:00.000000Z', '') ON CONFLICT (idempotency_key) DO NOTHING;
SELECT * FROM revocations WHERE registration_number = 'KZREX001' || :n ORDER BY recorded_at, revocation_id;
INSERT INTO idempotency (idempotency_key, rpc, request_sha256, response, created_at) VALUES ('register-' || :n, 'RegisterExporter', repeat('b', 64), decode(repeat('07', 900), 'hex'), '2026-11-25T10:00:00.000000Z');
INSERT INTO audit_pending (at, actor, role, action, subject, request_sha256, result_sha256, correlation_id) VALUES ('2026-11-25T10:00:00.000000Z', 'bench', 'atameken_officer', 'RegisterExporter', 'register-' || :n, repeat('c', 64), repeat('d', 64), 'bench-' || :n);
COMMIT;
