-- Administrators disable users (no login, no session) and look them up ignoring case.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
CREATE INDEX users_username_lower ON users (lower(username));
