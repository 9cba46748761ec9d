DROP TABLE cycle_deadlines;
CREATE TABLE proposals_rebuilt (
    id INTEGER PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    organization_id BIGINT REFERENCES organizations (id),
    criterion TEXT NOT NULL,
    text TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO proposals_rebuilt
SELECT id, cycle_id, organization_id, criterion, text, version, created_at, updated_at
FROM proposals WHERE criterion IS NOT NULL;
DROP INDEX proposals_cycle;
DROP TABLE proposals;
ALTER TABLE proposals_rebuilt RENAME TO proposals;
CREATE INDEX proposals_cycle ON proposals (cycle_id, id);
-- SQLite cannot drop a column that holds a foreign key, and approvals are immutable: the
-- column approvals.meeting_id stays, unread by the earlier schema.
