CREATE TABLE cycles (
    id INTEGER PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    year INTEGER NOT NULL,
    sector TEXT NOT NULL,
    methodology_id TEXT NOT NULL,
    -- the methodology's settings as JSON, fixed once results are submitted
    settings_json TEXT NOT NULL,
    operator_name TEXT,
    operator_contract_number TEXT,
    operator_contract_date DATE,
    council_decision_number TEXT,
    council_decision_date DATE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'collecting', 'results_submitted', 'approved', 'published')),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cycles_region_year ON cycles (region_id, year);

-- The organizations a cycle assesses: one cycle per organization and year.
CREATE TABLE cycle_organizations (
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    year INTEGER NOT NULL,
    PRIMARY KEY (cycle_id, organization_id)
);
CREATE UNIQUE INDEX cycle_organizations_once_a_year ON cycle_organizations (organization_id, year);

-- Operator users assigned to a cycle: the only operators who may enter its data.
CREATE TABLE cycle_operators (
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (cycle_id, user_id)
);

-- One evaluation per organization of a cycle: the operator's inputs and the computed scores.
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    -- expert inputs and survey aggregates as JSON (scoring::EvaluationInputs)
    inputs_json TEXT,
    -- survey aggregates of the uploaded responses, if any; they replace those of the inputs
    survey_json TEXT,
    -- the computed criteria and total, compact (exact and rounded values only): traces and
    -- shortcomings are recomputed from the inputs on read, so a recompute rewrites little
    results_json TEXT,
    -- the exact unrounded total as a decimal string, for ordering without parsing JSON
    total TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (cycle_id, organization_id)
);

-- Individual survey answers, without personal data: one character per question.
CREATE TABLE survey_responses (
    id INTEGER PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    answers TEXT NOT NULL
);
CREATE INDEX survey_responses_evaluation ON survey_responses (evaluation_id);

-- Stored answers of POSTs sent with an Idempotency-Key, replayed for a retry with the same body.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    actor TEXT NOT NULL,
    route TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (key, actor, route)
);
