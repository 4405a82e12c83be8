-- Mobile crisis teams' live state. Teams gain a home base (where they wait between calls;
-- dispatch's assumed position when none is known). `team_log` is the team's own history
-- (shifts, every status with its time), append-only like `events`; `team_fixes` keeps every
-- GPS fix as a breadcrumb with its verdict, pruned after the retention period; `team_state` is
-- the projection, saved in the same transaction as what changed it.
ALTER TABLE teams ADD COLUMN home_lat REAL;
ALTER TABLE teams ADD COLUMN home_lon REAL;

CREATE TABLE team_state (
    team_id    TEXT    PRIMARY KEY REFERENCES teams (id),
    state      TEXT    NOT NULL,   -- JSON, see store::team_codec
    updated_at INTEGER NOT NULL
);

CREATE TABLE team_log (
    seq     INTEGER PRIMARY KEY,
    team_id TEXT    NOT NULL REFERENCES teams (id),
    at_ms   INTEGER NOT NULL,
    actor   TEXT,                  -- user id; NULL when Crisisbridge itself acted
    kind    TEXT    NOT NULL,
    body    TEXT    NOT NULL,      -- JSON, see store::team_codec
    status  TEXT    NOT NULL       -- the team's status after the entry
);
CREATE INDEX team_log_by_team ON team_log (team_id, seq);
CREATE TRIGGER team_log_is_never_updated BEFORE UPDATE ON team_log
BEGIN SELECT RAISE(ABORT, 'the team log is append-only'); END;
CREATE TRIGGER team_log_is_never_deleted BEFORE DELETE ON team_log
BEGIN SELECT RAISE(ABORT, 'the team log is append-only'); END;

CREATE TABLE team_fixes (
    team_id       TEXT    NOT NULL REFERENCES teams (id),
    at_ms         INTEGER NOT NULL,
    received_ms   INTEGER NOT NULL,
    lat           REAL    NOT NULL,
    lon           REAL    NOT NULL,
    accuracy_m    REAL,
    speed_mps     REAL,
    heading_deg   REAL,
    verdict       TEXT    NOT NULL,
    verdict_value REAL
);
CREATE INDEX team_fixes_by_team ON team_fixes (team_id, at_ms);
CREATE INDEX team_fixes_by_received ON team_fixes (received_ms);
