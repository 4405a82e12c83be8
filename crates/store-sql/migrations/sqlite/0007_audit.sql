-- The audit trail: every read, write and export of an incident (who, when, from where, what,
-- outcome), append-only and hash-chained (see store::audit): `hash` is SHA-256 over the
-- previous record's hash and this record's fields.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    user_id     TEXT,
    agency_id   TEXT,
    client      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    incident_id TEXT,
    outcome     INTEGER NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_by_incident ON audit_log (incident_id, seq) WHERE incident_id IS NOT NULL;
CREATE TRIGGER audit_log_is_never_updated BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_is_never_deleted BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
