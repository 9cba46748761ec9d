-- A delivery being sent holds a lease until this time (NULL when none is being sent): the
-- deliveries in flight of a subscription, counted across instances, bound its concurrency.
ALTER TABLE webhook_outbox ADD COLUMN leased_until TIMESTAMP;
CREATE INDEX webhook_outbox_leased ON webhook_outbox (subscription_id, leased_until);

-- Deliveries of deactivated subscriptions are never sent: give them up, as deactivation now does.
UPDATE webhook_outbox SET status = 'failed', last_error = 'not delivered: the subscription was deactivated'
WHERE status = 'pending'
  AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE NOT active);
