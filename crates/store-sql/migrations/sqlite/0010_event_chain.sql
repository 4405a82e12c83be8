-- The event log's chain (store::log_chain): each event's hash covers the one before it. Events
-- written before this migration have none; the chain starts after them.
ALTER TABLE events ADD COLUMN hash TEXT;
