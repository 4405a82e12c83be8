-- Mobile crisis teams' live state. Teams gain a home base (where they wait between calls;
-- dispatch's assumed position when none is known). `team_log` is the team's own history
-- (shifts, every status with its time), append-only like `events`; `team_fixes` keeps every
-- GPS fix as a breadcrumb with its verdict, pruned after the retention period; `team_state` is
-- the projection, saved in the same transaction as what changed it (its row lock serializes
-- changes to one team across nodes).
ALTER TABLE teams ADD COLUMN home_lat DOUBLE PRECISION;
ALTER TABLE teams ADD COLUMN home_lon DOUBLE PRECISION;

CREATE TABLE team_state (
    team_id    UUID   PRIMARY KEY REFERENCES teams (id),
    state      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE team_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    head BIGINT  NOT NULL
);
INSERT INTO team_log_head (id, head) VALUES (1, 0);

CREATE TABLE team_log (
    seq     BIGINT PRIMARY KEY,
    team_id UUID   NOT NULL REFERENCES teams (id),
    at_ms   BIGINT NOT NULL,
    actor   UUID,
    kind    TEXT   NOT NULL,
    body    TEXT   NOT NULL,
    status  TEXT   NOT NULL
);
CREATE INDEX team_log_by_team ON team_log (team_id, seq);
CREATE FUNCTION team_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the team log is append-only'; END $$;
CREATE TRIGGER team_log_is_never_changed BEFORE UPDATE OR DELETE ON team_log
    FOR EACH ROW EXECUTE FUNCTION team_log_is_append_only();

CREATE TABLE team_fixes (
    team_id       UUID             NOT NULL REFERENCES teams (id),
    at_ms         BIGINT           NOT NULL,
    received_ms   BIGINT           NOT NULL,
    lat           DOUBLE PRECISION NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    accuracy_m    DOUBLE PRECISION,
    speed_mps     DOUBLE PRECISION,
    heading_deg   DOUBLE PRECISION,
    verdict       TEXT             NOT NULL,
    verdict_value DOUBLE PRECISION
);
CREATE INDEX team_fixes_by_team ON team_fixes (team_id, at_ms);
CREATE INDEX team_fixes_by_received ON team_fixes (received_ms);
