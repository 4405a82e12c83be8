-- Place tables (store::Directory::put_place_table): the Census places and county subdivisions
-- with the counties they lie in, one document per kind as imported, with its source — what
-- resolves a civic address that names its city but not its county.
CREATE TABLE place_tables (
    kind        TEXT    PRIMARY KEY,
    source      TEXT    NOT NULL,
    imported_at {int64} NOT NULL,
    body        TEXT    NOT NULL
);
