-- Each agency's follow-up queue (store::search): one row per incident with an open follow-up
-- of the agency's, due first. A projection like `incident_index`: written with it in the same
-- transaction, rebuilt from the log with it. No incident had a follow-up before this table, so
-- there is nothing to fill in.
CREATE TABLE follow_up_queue (
    agency_id   {id}    NOT NULL,
    incident_id {id}    NOT NULL,
    due         {int64} NOT NULL,   -- when its next attempt is due, UTC epoch milliseconds
    PRIMARY KEY (agency_id, incident_id)
) {without_rowid};
CREATE INDEX follow_up_queue_due ON follow_up_queue (agency_id, due, incident_id);
