-- Council approvals of a cycle's results and ratings: each one a frozen, numbered snapshot.
-- Append-only: a later change of inputs needs a new approval, never an edit of an old one.
CREATE TABLE approvals (
    id BIGSERIAL PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    -- 1, 2, … within the cycle
    number INTEGER NOT NULL,
    decision_number TEXT NOT NULL,
    decision_date DATE NOT NULL,
    approved_by TEXT,
    approved_at TIMESTAMP NOT NULL,
    -- the snapshot (domain::rating::Snapshot) as JSON
    content_json TEXT NOT NULL,
    UNIQUE (cycle_id, number)
);
CREATE FUNCTION approvals_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'approvals are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER approvals_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON approvals
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_immutable();

-- The latest approval, and the one anonymous readers see: publication survives a reopening.
ALTER TABLE cycles ADD COLUMN latest_approval_id BIGINT REFERENCES approvals (id);
ALTER TABLE cycles ADD COLUMN published_approval_id BIGINT REFERENCES approvals (id);
ALTER TABLE cycles ADD COLUMN published_at TIMESTAMP;

-- Proposals of the public council (предложения общественного совета): the basis of plan measures.
CREATE TABLE proposals (
    id BIGSERIAL PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    -- NULL: addressed to every organization of the cycle
    organization_id BIGINT REFERENCES organizations (id),
    criterion TEXT NOT NULL,
    text TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX proposals_cycle ON proposals (cycle_id, id);
