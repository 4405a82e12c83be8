-- The event log's chain (store::log_chain): each event's hash covers the one before it.
-- Events written before this migration have none; the chain starts after them.
ALTER TABLE events ADD COLUMN hash TEXT;
-- @postgres
-- The log head holds the last hash, locked with it.
ALTER TABLE log_head ADD COLUMN hash TEXT NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
