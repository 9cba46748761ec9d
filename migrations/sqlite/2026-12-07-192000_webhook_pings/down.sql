-- Pings (deliveries of no change) go with their attempts.
DELETE FROM webhook_deliveries WHERE outbox_id IN (SELECT id FROM webhook_outbox WHERE change_id IS NULL);
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE webhook_outbox_rebuilt (
    id INTEGER PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    change_id BIGINT NOT NULL REFERENCES changes (id),
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    leased_until TIMESTAMP
);
INSERT INTO webhook_outbox_rebuilt (id, subscription_id, change_id, event_type, body, status,
    attempts, next_attempt_at, last_error, created_at, delivered_at, leased_until)
SELECT id, subscription_id, change_id, event_type, body, status, attempts, next_attempt_at,
    last_error, created_at, delivered_at, leased_until
FROM webhook_outbox WHERE change_id IS NOT NULL;
DROP TABLE webhook_outbox;
ALTER TABLE webhook_outbox_rebuilt RENAME TO webhook_outbox;
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at);
CREATE INDEX webhook_outbox_subscription ON webhook_outbox (subscription_id, id);
CREATE INDEX webhook_outbox_leased ON webhook_outbox (subscription_id, leased_until);
COMMIT;
PRAGMA foreign_keys = ON;
