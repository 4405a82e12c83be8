-- The event log: append-only, one row per event, `seq` global and gap-free.
CREATE TABLE events (
    seq         BIGINT  PRIMARY KEY,
    incident_id UUID    NOT NULL,
    at_ms       BIGINT  NOT NULL,
    actor       UUID,               -- NULL when Crisisbridge itself acted
    agency_id   UUID    NOT NULL,
    kind        TEXT    NOT NULL,
    body        TEXT    NOT NULL,   -- JSON, see store::codec
    involved    TEXT    NOT NULL    -- JSON array of agency ids involved after this event
);
CREATE INDEX events_by_incident ON events (incident_id, seq);

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END $$;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- The head of the log. Every append locks this one row until it commits, so appends from
-- every node are serialized and sequence numbers are gap-free and in commit order.
CREATE TABLE log_head (
    id  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    seq BIGINT  NOT NULL
);
INSERT INTO log_head (id, seq) VALUES (TRUE, 0);

-- Projections: current incident state, rebuilt from `events` on demand.
CREATE TABLE incidents (
    id         UUID    PRIMARY KEY,
    status     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL,
    version    BIGINT  NOT NULL,
    state      TEXT    NOT NULL
);
CREATE INDEX incidents_by_update ON incidents (updated_at DESC, id DESC);

CREATE TABLE incident_agencies (
    agency_id   UUID NOT NULL,
    incident_id UUID NOT NULL,
    PRIMARY KEY (agency_id, incident_id)
);
CREATE INDEX incident_agencies_by_incident ON incident_agencies (incident_id);

-- The directory.
CREATE TABLE agencies (
    id        UUID PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    time_zone TEXT NOT NULL
);

CREATE TABLE users (
    id              UUID    PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    agency_id       UUID    NOT NULL REFERENCES agencies (id),
    role            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    user_id    UUID   NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);

CREATE TABLE teams (
    id           UUID PRIMARY KEY,
    provider_id  UUID NOT NULL REFERENCES agencies (id),
    name         TEXT NOT NULL,
    capabilities TEXT NOT NULL   -- JSON array of strings
);

CREATE TABLE areas (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    geometry TEXT NOT NULL       -- GeoJSON geometry
);

CREATE TABLE service_areas (
    agency_id UUID NOT NULL REFERENCES agencies (id),
    service   TEXT NOT NULL,
    area      TEXT NOT NULL,
    PRIMARY KEY (agency_id, service, area)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Triage protocols: every uploaded version is kept; one per agency and channel is active.
CREATE TABLE protocol_versions (
    agency_id    UUID    NOT NULL REFERENCES agencies (id),
    protocol_id  TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    uploaded_at  BIGINT  NOT NULL,
    uploaded_by  UUID    NOT NULL,
    check_passed BOOLEAN NOT NULL,
    check_report TEXT    NOT NULL,
    PRIMARY KEY (agency_id, protocol_id, version)
);

CREATE TABLE active_protocols (
    agency_id    UUID    NOT NULL REFERENCES agencies (id),
    channel      TEXT    NOT NULL,
    protocol_id  TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    activated_at BIGINT  NOT NULL,
    activated_by UUID    NOT NULL,
    PRIMARY KEY (agency_id, channel),
    FOREIGN KEY (agency_id, protocol_id, version) REFERENCES protocol_versions (agency_id, protocol_id, version)
);
