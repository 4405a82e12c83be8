-- Authenticator (RFC 6238) secrets, and the last time step used, so a code is good once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step {int64};
