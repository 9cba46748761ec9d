DROP TABLE idempotency_keys;
DROP TABLE survey_responses;
DROP TABLE evaluations;
DROP TABLE cycle_operators;
DROP TABLE cycle_organizations;
DROP TABLE cycles;
