-- EIDOs received from other systems (store::EidoArchive), kept verbatim with the agency that
-- sent each and when, append-only: what the sender said, all of it, beside what the incident
-- holds.
CREATE TABLE received_eidos (
    id          {id}    PRIMARY KEY,
    incident_id {id}    NOT NULL,
    sender_id   {id}    NOT NULL REFERENCES agencies (id),
    received_at {int64} NOT NULL,
    body        TEXT    NOT NULL
);
CREATE INDEX received_eidos_by_incident ON received_eidos (incident_id, received_at);
