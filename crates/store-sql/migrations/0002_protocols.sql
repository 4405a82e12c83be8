-- Triage protocols: every uploaded version is kept; one per agency and channel is active.
CREATE TABLE protocol_versions (
    agency_id    {id}    NOT NULL REFERENCES agencies (id),
    protocol_id  TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    uploaded_at  {int64} NOT NULL,
    uploaded_by  {id}    NOT NULL,
    check_passed {bool}  NOT NULL,
    check_report TEXT    NOT NULL,
    PRIMARY KEY (agency_id, protocol_id, version)
);

CREATE TABLE active_protocols (
    agency_id    {id}    NOT NULL REFERENCES agencies (id),
    channel      TEXT    NOT NULL,
    protocol_id  TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    activated_at {int64} NOT NULL,
    activated_by {id}    NOT NULL,
    PRIMARY KEY (agency_id, channel),
    FOREIGN KEY (agency_id, protocol_id, version) REFERENCES protocol_versions (agency_id, protocol_id, version)
);
