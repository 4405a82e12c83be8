-- Mobile crisis teams' live state. Teams gain a home base (where they wait between calls;
-- dispatch's assumed position when none is known). `team_log` is the team's own history
-- (shifts, every status with its time), append-only like `events`; `team_fixes` keeps every
-- GPS fix as a breadcrumb with its verdict, pruned after the retention period; `team_state` is
-- the projection, saved in the same transaction as what changed it (on PostgreSQL its row lock
-- serializes changes to one team across nodes).
ALTER TABLE teams ADD COLUMN home_lat {real};
ALTER TABLE teams ADD COLUMN home_lon {real};

CREATE TABLE team_state (
    team_id    {id}    PRIMARY KEY REFERENCES teams (id),
    state      TEXT    NOT NULL,   -- JSON, see store::team_codec
    updated_at {int64} NOT NULL
);

-- @postgres
-- The team log's head, locked by each transaction that writes the team log (SQLite takes the
-- head from `team_log` itself).
CREATE TABLE team_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    head BIGINT  NOT NULL
);
INSERT INTO team_log_head (id, head) VALUES (1, 0);
-- @both

CREATE TABLE team_log (
    seq     {int64} PRIMARY KEY,
    team_id {id}    NOT NULL REFERENCES teams (id),
    at_ms   {int64} NOT NULL,
    actor   {id},                  -- user id; NULL when Crisisbridge itself acted
    kind    TEXT    NOT NULL,
    body    TEXT    NOT NULL,      -- JSON, see store::team_codec
    status  TEXT    NOT NULL       -- the team's status after the entry
);
CREATE INDEX team_log_by_team ON team_log (team_id, seq);
-- @sqlite
CREATE TRIGGER team_log_is_never_updated BEFORE UPDATE ON team_log
BEGIN SELECT RAISE(ABORT, 'the team log is append-only'); END;
CREATE TRIGGER team_log_is_never_deleted BEFORE DELETE ON team_log
BEGIN SELECT RAISE(ABORT, 'the team log is append-only'); END;
-- @postgres
CREATE FUNCTION team_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the team log is append-only'; END $$;
CREATE TRIGGER team_log_is_never_changed BEFORE UPDATE OR DELETE ON team_log
    FOR EACH ROW EXECUTE FUNCTION team_log_is_append_only();
-- @both

CREATE TABLE team_fixes (
    team_id       {id}    NOT NULL REFERENCES teams (id),
    at_ms         {int64} NOT NULL,
    received_ms   {int64} NOT NULL,
    lat           {real}  NOT NULL,
    lon           {real}  NOT NULL,
    accuracy_m    {real},
    speed_mps     {real},
    heading_deg   {real},
    verdict       TEXT    NOT NULL,
    verdict_value {real}
);
CREATE INDEX team_fixes_by_team ON team_fixes (team_id, at_ms);
CREATE INDEX team_fixes_by_received ON team_fixes (received_ms);
