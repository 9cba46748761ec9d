-- Improvement plans (планы мероприятий по улучшению качества, ПП РФ № 457): of one organization
-- or of a whole region (an authority's plan over its network, as seed 000).
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    -- NULL: a plan of the whole region
    organization_id BIGINT REFERENCES organizations (id),
    cycle_id BIGINT REFERENCES cycles (id),
    year INTEGER NOT NULL,
    -- the methodology whose criteria the sections follow (the pre-2018 set or the 2018 one)
    methodology_id TEXT NOT NULL,
    title TEXT NOT NULL,
    basis TEXT,
    -- «УТВЕРЖДАЮ»: who approved the plan, when, by which document
    approver_position TEXT,
    approver_name TEXT,
    approved_on DATE,
    approval_document TEXT,
    -- the date by which the plan is due (seed 003: plans submitted by 10 February 2019)
    due_date DATE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'published', 'closed')),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX plans_region_year ON plans (region_id, year);
CREATE INDEX plans_organization ON plans (organization_id);

-- Sections of a plan, in order, each by criterion of the plan's methodology.
CREATE TABLE plan_sections (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    position INTEGER NOT NULL,
    criterion TEXT,
    heading TEXT NOT NULL,
    UNIQUE (plan_id, position)
);

-- Measures (мероприятия), in order within their section.
CREATE TABLE measures (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    section_id BIGINT NOT NULL REFERENCES plan_sections (id),
    position INTEGER NOT NULL,
    number TEXT,
    shortcoming TEXT,
    -- the evaluation and indicator whose shortcoming the measure addresses, if linked
    evaluation_id BIGINT REFERENCES evaluations (id),
    indicator TEXT,
    title TEXT NOT NULL,
    basis TEXT,
    -- the deadline as written and as parsed (domain::deadline::Deadline, JSON)
    deadline_text TEXT NOT NULL,
    deadline_json TEXT NOT NULL,
    executors_json TEXT NOT NULL,
    expected_result TEXT,
    result_indicators TEXT,
    information_source TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX measures_plan ON measures (plan_id, section_id, position);

-- Reports on a plan's execution for a period (a year, a half-year, a quarter).
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    period_kind TEXT NOT NULL CHECK (period_kind IN ('year', 'half_year', 'quarter')),
    period_year INTEGER NOT NULL,
    period_number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted')),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (plan_id, period_kind, period_year, period_number)
);

-- What a report says of one measure.
CREATE TABLE report_entries (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id),
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    execution_info TEXT,
    measures_taken TEXT,
    actual_date DATE,
    result TEXT,
    -- [{name, value, unit}] and [url] as JSON
    figures_json TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (report_id, measure_id)
);
