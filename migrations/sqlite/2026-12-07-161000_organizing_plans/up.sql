-- The region's plan for organizing the assessment itself (seed 002, KhMAO order 819-р): a year
-- range, the order that approved it, target indicators per year and measures.
CREATE TABLE organizing_plans (
    id INTEGER PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    year_from INTEGER NOT NULL,
    year_to INTEGER NOT NULL CHECK (year_to >= year_from),
    title TEXT NOT NULL,
    -- the order (приказ) that approved the plan
    order_number TEXT,
    order_date DATE,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organizing_plans_region ON organizing_plans (region_id, id);

-- Target indicators (целевые показатели): planned and entered actual values per year as a JSON
-- array of {year, planned, actual} (exact decimals as text); `computed_from` names the service's
-- own figure that gives the actual value (NULL: entered only).
CREATE TABLE organizing_targets (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES organizing_plans (id),
    position INTEGER NOT NULL,
    number TEXT,
    name TEXT NOT NULL,
    computed_from TEXT CHECK (computed_from IN ('assessed_share', 'council_meetings')),
    values_json TEXT NOT NULL,
    UNIQUE (plan_id, position)
);

-- Measures (мероприятия) with «Форма реализации», «Сроки исполнения» (as written and
-- structured), «Ответственные исполнители» and status; council meeting topics (1.1 …) among them.
CREATE TABLE organizing_measures (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES organizing_plans (id),
    position INTEGER NOT NULL,
    number TEXT,
    title TEXT NOT NULL,
    form TEXT,
    deadline_text TEXT NOT NULL,
    deadline_json TEXT NOT NULL,
    executors TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    UNIQUE (plan_id, position)
);
