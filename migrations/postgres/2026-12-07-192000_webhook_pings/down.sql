DELETE FROM webhook_deliveries WHERE outbox_id IN (SELECT id FROM webhook_outbox WHERE change_id IS NULL);
DELETE FROM webhook_outbox WHERE change_id IS NULL;
ALTER TABLE webhook_outbox ALTER COLUMN change_id SET NOT NULL;
