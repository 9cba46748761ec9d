DROP INDEX webhook_outbox_leased;
ALTER TABLE webhook_outbox DROP COLUMN leased_until;
