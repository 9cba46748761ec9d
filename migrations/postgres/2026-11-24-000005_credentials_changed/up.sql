-- Tokens issued before a password change are refused.
ALTER TABLE users ADD COLUMN credentials_changed_at TIMESTAMP;
