-- Routing: service areas gain rollover tiers — (service, area, tier) names one agency and how
-- long it has to answer before the next tier is tried; `area` may also be `*` (the default
-- for locations no area serves) or `npa:NNN` (legacy routing by area code). Agencies gain the
-- URI other systems reach them at (LoST answers carry it). `routing_version` changes with
-- every change to areas or service areas, so each node knows when to rebuild its table.
CREATE TABLE service_tiers (
    service         TEXT    NOT NULL,
    area            TEXT    NOT NULL,
    tier            INTEGER NOT NULL CHECK (tier BETWEEN 0 AND 255),
    agency_id       {id}    NOT NULL REFERENCES agencies (id),
    answer_within_s INTEGER NOT NULL CHECK (answer_within_s > 0),
    PRIMARY KEY (service, area, tier)
) {without_rowid};

-- Before tiers, every row was a primary; where two agencies served one area for one service,
-- the first by id stays primary.
-- @sqlite
INSERT OR IGNORE INTO service_tiers (service, area, tier, agency_id, answer_within_s)
    SELECT service, area, 0, agency_id, 60 FROM service_areas ORDER BY service, area, agency_id;
-- @postgres
INSERT INTO service_tiers (service, area, tier, agency_id, answer_within_s)
    SELECT DISTINCT ON (service, area) service, area, 0, agency_id, 60
    FROM service_areas ORDER BY service, area, agency_id;
-- @both
DROP TABLE service_areas;
ALTER TABLE service_tiers RENAME TO service_areas;
-- @postgres
ALTER INDEX service_tiers_pkey RENAME TO service_areas_pkey;
-- @both

ALTER TABLE agencies ADD COLUMN uri TEXT;

CREATE TABLE routing_version (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    {int64} NOT NULL,
    changed_at {int64} NOT NULL    -- UTC epoch milliseconds of the latest change
);
INSERT INTO routing_version (id, version, changed_at) VALUES (1, 1, {now_ms});
