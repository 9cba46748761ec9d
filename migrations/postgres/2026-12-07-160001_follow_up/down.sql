DROP TABLE cycle_deadlines;
DELETE FROM proposals WHERE criterion IS NULL;
ALTER TABLE proposals ALTER COLUMN criterion SET NOT NULL;
ALTER TABLE proposals DROP COLUMN meeting_id;
ALTER TABLE approvals DROP COLUMN meeting_id;
