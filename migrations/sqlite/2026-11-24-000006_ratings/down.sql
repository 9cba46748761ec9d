DROP TABLE proposals;
ALTER TABLE cycles DROP COLUMN published_at;
ALTER TABLE cycles DROP COLUMN published_approval_id;
ALTER TABLE cycles DROP COLUMN latest_approval_id;
DROP TABLE approvals;
