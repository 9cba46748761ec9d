-- The council meeting whose decision an approval carries; its number may be «б/н».
ALTER TABLE approvals ADD COLUMN meeting_id BIGINT REFERENCES council_meetings (id);

-- Proposals: the meeting whose decision sent them, and general ones (no criterion, no
-- organization).
ALTER TABLE proposals ADD COLUMN meeting_id BIGINT REFERENCES council_meetings (id);
ALTER TABLE proposals ALTER COLUMN criterion DROP NOT NULL;

-- The deadlines a cycle's decision sets (plans due, reports due, others), in their order.
CREATE TABLE cycle_deadlines (
    id BIGSERIAL PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    position INTEGER NOT NULL,
    -- plans_due, reports_due or other (domain::follow_up::DeadlineKind)
    kind TEXT NOT NULL,
    due_on DATE NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (cycle_id, position)
);
