ALTER TABLE plans DROP COLUMN decision_title;
ALTER TABLE plans DROP COLUMN decision_date;
ALTER TABLE plans DROP COLUMN decision_number;
ALTER TABLE reports DROP COLUMN signed_on;
ALTER TABLE reports DROP COLUMN signatory_name;
ALTER TABLE reports DROP COLUMN signatory_position;
