DROP TABLE proposals;
ALTER TABLE cycles DROP COLUMN published_at, DROP COLUMN published_approval_id, DROP COLUMN latest_approval_id;
DROP TABLE approvals;
DROP FUNCTION approvals_immutable();
