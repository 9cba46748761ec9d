-- Set in the transaction of the work an Idempotency-Key claims: a claim whose answer was lost
-- (the instance died after the commit) is then known to have done its work, and a retry is
-- refused (409) until the key expires instead of running the work a second time.
ALTER TABLE idempotency_keys ADD COLUMN work_done_at TIMESTAMP;
