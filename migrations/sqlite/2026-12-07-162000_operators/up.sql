-- The operator (организация-оператор) as an organization of its region, chosen by a state
-- contract under a technical task (seed 002, measure 5), and the users who act for it.
CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    name TEXT NOT NULL,
    -- checked as organizations' INN (check digits); NULL where the contract does not give it
    inn TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX operators_region ON operators (region_id, id);

-- The state contracts (государственные контракты) the operator works under.
CREATE TABLE operator_contracts (
    id INTEGER PRIMARY KEY,
    operator_id BIGINT NOT NULL REFERENCES operators (id),
    number TEXT NOT NULL,
    concluded_on DATE NOT NULL,
    subject TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL CHECK (ends_on >= starts_on),
    technical_task TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX operator_contracts_operator ON operator_contracts (operator_id, id);

-- The cycles a contract covers: a cycle is covered by one contract at most.
CREATE TABLE operator_contract_cycles (
    contract_id BIGINT NOT NULL REFERENCES operator_contracts (id),
    cycle_id BIGINT NOT NULL UNIQUE REFERENCES cycles (id),
    PRIMARY KEY (contract_id, cycle_id)
);

-- The operator's users (role operator, same region): each belongs to one operator at most.
CREATE TABLE operator_members (
    operator_id BIGINT NOT NULL REFERENCES operators (id),
    user_id BIGINT NOT NULL UNIQUE REFERENCES users (id),
    PRIMARY KEY (operator_id, user_id)
);
