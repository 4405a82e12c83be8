-- Administrators disable users (no login, no session) and look them up ignoring case.
ALTER TABLE users ADD COLUMN disabled_at {int64};
CREATE INDEX users_username_lower ON users (lower(username));
