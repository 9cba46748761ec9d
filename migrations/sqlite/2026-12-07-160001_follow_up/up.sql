-- The council meeting whose decision an approval carries; its number may be «б/н».
ALTER TABLE approvals ADD COLUMN meeting_id BIGINT REFERENCES council_meetings (id);

-- Proposals: the meeting whose decision sent them, and general ones (no criterion, no
-- organization). SQLite cannot drop NOT NULL in place: the table is rebuilt (nothing refers to it).
CREATE TABLE proposals_rebuilt (
    id INTEGER PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    -- NULL: addressed to every organization of the cycle
    organization_id BIGINT REFERENCES organizations (id),
    -- NULL: a general proposal, on no one criterion
    criterion TEXT,
    text TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    meeting_id BIGINT REFERENCES council_meetings (id)
);
INSERT INTO proposals_rebuilt (id, cycle_id, organization_id, criterion, text, version, created_at, updated_at)
SELECT id, cycle_id, organization_id, criterion, text, version, created_at, updated_at FROM proposals;
DROP INDEX proposals_cycle;
DROP TABLE proposals;
ALTER TABLE proposals_rebuilt RENAME TO proposals;
CREATE INDEX proposals_cycle ON proposals (cycle_id, id);

-- The deadlines a cycle's decision sets (plans due, reports due, others), in their order.
CREATE TABLE cycle_deadlines (
    id INTEGER PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    position INTEGER NOT NULL,
    -- plans_due, reports_due or other (domain::follow_up::DeadlineKind)
    kind TEXT NOT NULL,
    due_on DATE NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (cycle_id, position)
);
