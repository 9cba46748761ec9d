-- Pings are deliveries of no change: the outbox's change becomes optional (NULL for a ping).
ALTER TABLE webhook_outbox ALTER COLUMN change_id DROP NOT NULL;
