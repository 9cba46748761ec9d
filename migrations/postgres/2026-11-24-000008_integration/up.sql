-- The change feed: every change of a resource regional systems copy, in commit order, with what
-- decides who may see it, and the resource as it became (NULL for a deletion).
CREATE TABLE changes (
    id BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    region_id BIGINT,
    organization_id BIGINT,
    -- visible to everyone after this change, and before it
    public BOOLEAN NOT NULL,
    was_public BOOLEAN NOT NULL,
    payload_json TEXT
);
CREATE INDEX changes_type ON changes (resource_type, id);

-- Webhook subscriptions; the owner's scope at registration bounds what they receive.
CREATE TABLE webhook_subscriptions (
    id BIGSERIAL PRIMARY KEY,
    owner_id BIGINT REFERENCES users (id),
    owner TEXT NOT NULL,
    owner_role TEXT NOT NULL,
    owner_region_id BIGINT,
    owner_organization_id BIGINT,
    url TEXT NOT NULL,
    -- JSON array of `<resource>.<action>` patterns (`plan.*`, `*`)
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The transactional outbox: a delivery per subscription and change, written with the change.
CREATE TABLE webhook_outbox (
    id BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    change_id BIGINT NOT NULL REFERENCES changes (id),
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at);
CREATE INDEX webhook_outbox_subscription ON webhook_outbox (subscription_id, id);

-- Every attempt, for the subscription's owner to read.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES webhook_outbox (id),
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);

-- Stored answers of any POST now: their Location and media type are replayed too.
ALTER TABLE idempotency_keys ADD COLUMN content_type TEXT;
ALTER TABLE idempotency_keys ADD COLUMN location TEXT;
-- Expired keys are deleted by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
