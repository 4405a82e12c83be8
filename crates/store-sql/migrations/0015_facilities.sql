-- Crisis facilities (store::Facilities): where a team can take a person, who each takes, and
-- its availability as its staff last reported it — one JSON row per facility, found by id,
-- by the code an import names it by, and by the agency that runs it.
CREATE TABLE facilities (
    id        {id}  PRIMARY KEY,
    agency_id {id}  NOT NULL REFERENCES agencies (id),
    code      TEXT  NOT NULL UNIQUE,
    name      TEXT  NOT NULL,
    body      TEXT  NOT NULL
);
CREATE INDEX facilities_by_agency ON facilities (agency_id);
