-- Login attempts per key (a hashed client address or username) in the current fixed window,
-- shared by every instance on the database; windows that ended are purged as attempts come.
CREATE TABLE login_windows (
    key TEXT PRIMARY KEY,
    started_at_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE INDEX login_windows_started_at ON login_windows (started_at_ms);
