ALTER TABLE idempotency_keys DROP COLUMN work_done_at;
