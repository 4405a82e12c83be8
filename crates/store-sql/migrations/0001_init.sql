-- The event log: append-only, one row per event, `seq` global and gap-free.
CREATE TABLE events (
    seq         {int64} PRIMARY KEY,
    incident_id {id}    NOT NULL,
    at_ms       {int64} NOT NULL,
    actor       {id},               -- user id; NULL when Crisisbridge itself acted
    agency_id   {id}    NOT NULL,
    kind        TEXT    NOT NULL,
    body        TEXT    NOT NULL,   -- JSON, see store::codec
    involved    TEXT    NOT NULL    -- JSON array of agency ids involved after this event
);
CREATE INDEX events_by_incident ON events (incident_id, seq);

-- @sqlite
CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
-- @postgres
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END $$;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- The head of the log. Every append locks this one row until it commits, so appends from
-- every node are serialized and sequence numbers are gap-free and in commit order. (SQLite
-- has one writer at a time, and takes the head from `events` itself.)
CREATE TABLE log_head (
    id  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    seq BIGINT  NOT NULL
);
INSERT INTO log_head (id, seq) VALUES (TRUE, 0);
-- @both

-- Projections: current incident state, rebuilt from `events` on demand.
CREATE TABLE incidents (
    id         {id}    PRIMARY KEY,
    status     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    updated_at {int64} NOT NULL,
    version    {int64} NOT NULL,
    state      TEXT    NOT NULL    -- JSON, see store::codec
);
CREATE INDEX incidents_by_update ON incidents (updated_at DESC, id DESC);

CREATE TABLE incident_agencies (
    agency_id   {id} NOT NULL,
    incident_id {id} NOT NULL,
    PRIMARY KEY (agency_id, incident_id)
) {without_rowid};
CREATE INDEX incident_agencies_by_incident ON incident_agencies (incident_id);

-- The directory.
CREATE TABLE agencies (
    id        {id} PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    time_zone TEXT NOT NULL
);

CREATE TABLE users (
    id              {id}    PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    agency_id       {id}    NOT NULL REFERENCES agencies (id),
    role            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    {int64}
);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    {id}    NOT NULL REFERENCES users (id),
    created_at {int64} NOT NULL,
    last_seen  {int64} NOT NULL
);

CREATE TABLE teams (
    id           {id} PRIMARY KEY,
    provider_id  {id} NOT NULL REFERENCES agencies (id),
    name         TEXT NOT NULL,
    capabilities TEXT NOT NULL   -- JSON array of strings
);

CREATE TABLE areas (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    geometry TEXT NOT NULL       -- GeoJSON geometry
);

CREATE TABLE service_areas (
    agency_id {id} NOT NULL REFERENCES agencies (id),
    service   TEXT NOT NULL,
    area      TEXT NOT NULL,
    PRIMARY KEY (agency_id, service, area)
) {without_rowid};

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
