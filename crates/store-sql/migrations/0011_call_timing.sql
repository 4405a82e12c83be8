-- Contacts' timing from the phone system (store::CallLog): each call's arrival at an agency
-- and its one end there (answered, abandoned, rolled over), append-only. The key keeps a call
-- to one arrival and one end, whichever node records it.
CREATE TABLE call_events (
    agency_id   {id}    NOT NULL REFERENCES agencies (id),
    call_id     TEXT    NOT NULL,   -- the phone system's id of the call
    phase       TEXT    NOT NULL CHECK (phase IN ('arrived', 'ended')),
    step        TEXT    NOT NULL CHECK (step IN ('arrived', 'answered', 'abandoned', 'rolled_over')),
    at_ms       {int64} NOT NULL,   -- the phone system's time of the step
    channel     TEXT,               -- arrived: 911, 988 or other
    callback    TEXT,               -- arrived: the caller's number (E.164), when known
    answered_by TEXT,               -- answered: the agent or position
    rolled_to   TEXT,               -- rolled_over: the backup center
    in_state    {bool},             -- rolled_over: whether the backup is in the agency's state
    recorded_at {int64} NOT NULL,
    recorded_by {id},
    PRIMARY KEY (agency_id, call_id, phase)
);
CREATE INDEX call_events_by_time ON call_events (at_ms);
-- @sqlite
CREATE TRIGGER call_events_are_never_updated BEFORE UPDATE ON call_events
BEGIN SELECT RAISE(ABORT, 'call events are append-only'); END;
CREATE TRIGGER call_events_are_never_deleted BEFORE DELETE ON call_events
BEGIN SELECT RAISE(ABORT, 'call events are append-only'); END;
-- @postgres
CREATE FUNCTION call_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'call events are append-only'; END $$;
CREATE TRIGGER call_events_are_never_changed BEFORE UPDATE OR DELETE ON call_events
    FOR EACH ROW EXECUTE FUNCTION call_events_are_append_only();
