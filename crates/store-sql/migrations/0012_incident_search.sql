-- What each agency's incident lists and searches read (store::search): one row per incident
-- and agency taking part, and the words of the text that agency may search. Projections like
-- `incidents`: written with it in the same transaction, rebuilt from the log with it. Every
-- list and search reads one of these indexes in order and stops at its page, so a page costs
-- the same at a thousand incidents as at a million.
CREATE TABLE incident_index (
    agency_id    {id}    NOT NULL,
    incident_id  {id}    NOT NULL,
    status       TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    disposition  TEXT,              -- how it closed, for an agency still taking part then
    callback     TEXT,              -- E.164
    opened_at    {int64} NOT NULL,
    updated_at   {int64} NOT NULL,
    terms_digest {int64} NOT NULL,  -- of the agency's words: rewritten only when it changes
    PRIMARY KEY (agency_id, incident_id)
) {without_rowid};
-- The live board: one status and channel at a time, most recently updated first.
CREATE INDEX incident_index_live ON incident_index (agency_id, status, channel, updated_at, incident_id);
-- Searches, newest opened first: by status (one status at a time, merged), by date, by number,
-- by outcome.
CREATE INDEX incident_index_status_opened ON incident_index (agency_id, status, opened_at, incident_id);
CREATE INDEX incident_index_opened ON incident_index (agency_id, opened_at, incident_id);
CREATE INDEX incident_index_callback ON incident_index (agency_id, callback, opened_at, incident_id);
CREATE INDEX incident_index_disposition ON incident_index (agency_id, disposition, opened_at, incident_id);
CREATE INDEX incident_index_by_incident ON incident_index (incident_id);

CREATE TABLE incident_terms (
    agency_id   {id}    NOT NULL,
    term        TEXT    NOT NULL,
    opened_at   {int64} NOT NULL,
    incident_id {id}    NOT NULL,
    PRIMARY KEY (agency_id, term, opened_at, incident_id)
) {without_rowid};
CREATE INDEX incident_terms_by_incident ON incident_terms (agency_id, incident_id, term);

-- An operator's lists, which are not one agency's: one status at a time.
CREATE INDEX incidents_by_status ON incidents (status, updated_at, id);
