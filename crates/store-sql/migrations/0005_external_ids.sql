-- Incidents received from other systems (a CAD's EIDO): the sender's incident id, per agency
-- that imported it, names one incident here, so a second EIDO for it updates rather than
-- duplicates.
CREATE TABLE external_incidents (
    agency_id   {id} NOT NULL REFERENCES agencies (id),
    external_id TEXT NOT NULL,
    incident_id {id} NOT NULL,
    PRIMARY KEY (agency_id, external_id)
) {without_rowid};
