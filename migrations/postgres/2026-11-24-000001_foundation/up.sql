CREATE TABLE regions (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    full_name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    -- lower-cased full and short name, folded in Rust so both backends match alike.
    name_search TEXT NOT NULL,
    inn TEXT NOT NULL,
    ogrn TEXT NOT NULL,
    kpp TEXT,
    ownership TEXT NOT NULL CHECK (ownership IN ('state', 'municipal', 'non_state')),
    founder TEXT,
    serves_stationary BOOLEAN NOT NULL,
    serves_semi_stationary BOOLEAN NOT NULL,
    serves_home_based BOOLEAN NOT NULL,
    address TEXT NOT NULL,
    website TEXT,
    bus_gov_id TEXT,
    head_full_name TEXT,
    head_position TEXT,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- An INN identifies one active organization; deactivated ones keep their history.
CREATE UNIQUE INDEX organizations_active_inn ON organizations (inn) WHERE active;
CREATE INDEX organizations_region ON organizations (region_id, id);
CREATE INDEX organizations_updated_at ON organizations (updated_at);
