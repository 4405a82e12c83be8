-- The event log: append-only, one row per event, `seq` global and gap-free.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    incident_id TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    actor       TEXT,               -- user id; NULL when Crisisbridge itself acted
    agency_id   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    body        TEXT    NOT NULL,   -- JSON, see store::codec
    involved    TEXT    NOT NULL    -- JSON array of agency ids involved after this event
);
CREATE INDEX events_by_incident ON events (incident_id, seq);

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

-- Projections: current incident state, rebuilt from `events` on demand.
CREATE TABLE incidents (
    id         TEXT    PRIMARY KEY,
    status     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT    NOT NULL    -- JSON, see store::codec
);
CREATE INDEX incidents_by_update ON incidents (updated_at DESC, id DESC);

CREATE TABLE incident_agencies (
    agency_id   TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (agency_id, incident_id)
) WITHOUT ROWID;
CREATE INDEX incident_agencies_by_incident ON incident_agencies (incident_id);

-- The directory.
CREATE TABLE agencies (
    id        TEXT PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    time_zone TEXT NOT NULL
);

CREATE TABLE users (
    id              TEXT    PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    agency_id       TEXT    NOT NULL REFERENCES agencies (id),
    role            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER
);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);

CREATE TABLE teams (
    id           TEXT PRIMARY KEY,
    provider_id  TEXT NOT NULL REFERENCES agencies (id),
    name         TEXT NOT NULL,
    capabilities TEXT NOT NULL   -- JSON array of strings
);

CREATE TABLE areas (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    geometry TEXT NOT NULL       -- GeoJSON geometry
);

CREATE TABLE service_areas (
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    service   TEXT NOT NULL,
    area      TEXT NOT NULL,
    PRIMARY KEY (agency_id, service, area)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
