-- The audit trail: every read, write and export of an incident (who, when, from where, what,
-- outcome), append-only and hash-chained (see store::audit): `hash` is SHA-256 over the
-- previous record's hash and this record's fields.
-- @postgres
-- `audit_head` is locked by each writing transaction, so records from every node form one
-- chain.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
-- @both

CREATE TABLE audit_log (
    seq         {int64} PRIMARY KEY,
    at_ms       {int64} NOT NULL,
    user_id     {id},
    agency_id   {id},
    client      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    incident_id {id},
    outcome     INTEGER NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_by_incident ON audit_log (incident_id, seq) WHERE incident_id IS NOT NULL;
-- @sqlite
CREATE TRIGGER audit_log_is_never_updated BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_is_never_deleted BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- @postgres
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_is_never_changed BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_is_never_truncated BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
