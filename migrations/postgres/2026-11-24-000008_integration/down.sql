DROP INDEX idempotency_keys_created_at;
ALTER TABLE idempotency_keys DROP COLUMN location;
ALTER TABLE idempotency_keys DROP COLUMN content_type;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_outbox;
DROP TABLE webhook_subscriptions;
DROP TABLE changes;
