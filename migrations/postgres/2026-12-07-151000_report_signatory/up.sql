-- Who signed a report («Директор В.М.Зуева») and on which day.
ALTER TABLE reports ADD COLUMN signatory_position TEXT;
ALTER TABLE reports ADD COLUMN signatory_name TEXT;
ALTER TABLE reports ADD COLUMN signed_on DATE;
-- A plan approved by the authority's decision (an order) instead of an «УТВЕРЖДАЮ» block.
ALTER TABLE plans ADD COLUMN decision_number TEXT;
ALTER TABLE plans ADD COLUMN decision_date DATE;
ALTER TABLE plans ADD COLUMN decision_title TEXT;
