-- Each agency's shift log (store::ShiftLog): handover notes one shift leaves the next, and who
-- acknowledged reading each. Append-only: a note is never changed or removed, and each reader
-- acknowledges a note once.
CREATE TABLE shift_notes (
    id          {id}    PRIMARY KEY,
    agency_id   {id}    NOT NULL REFERENCES agencies (id),
    author_id   {id}    NOT NULL,
    author_name TEXT    NOT NULL,
    written_at  {int64} NOT NULL,
    body        TEXT    NOT NULL
);
CREATE INDEX shift_notes_by_agency ON shift_notes (agency_id, written_at, id);

CREATE TABLE shift_note_reads (
    note_id   {id}    NOT NULL REFERENCES shift_notes (id),
    user_id   {id}    NOT NULL,
    user_name TEXT    NOT NULL,
    read_at   {int64} NOT NULL,
    PRIMARY KEY (note_id, user_id)
);
-- @sqlite
CREATE TRIGGER shift_notes_are_never_updated BEFORE UPDATE ON shift_notes
BEGIN SELECT RAISE(ABORT, 'shift notes are append-only'); END;
CREATE TRIGGER shift_notes_are_never_deleted BEFORE DELETE ON shift_notes
BEGIN SELECT RAISE(ABORT, 'shift notes are append-only'); END;
CREATE TRIGGER shift_note_reads_are_never_updated BEFORE UPDATE ON shift_note_reads
BEGIN SELECT RAISE(ABORT, 'shift note reads are append-only'); END;
CREATE TRIGGER shift_note_reads_are_never_deleted BEFORE DELETE ON shift_note_reads
BEGIN SELECT RAISE(ABORT, 'shift note reads are append-only'); END;
-- @postgres
CREATE FUNCTION shift_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the shift log is append-only'; END $$;
CREATE TRIGGER shift_notes_are_never_changed BEFORE UPDATE OR DELETE ON shift_notes
    FOR EACH ROW EXECUTE FUNCTION shift_log_is_append_only();
CREATE TRIGGER shift_note_reads_are_never_changed BEFORE UPDATE OR DELETE ON shift_note_reads
    FOR EACH ROW EXECUTE FUNCTION shift_log_is_append_only();
