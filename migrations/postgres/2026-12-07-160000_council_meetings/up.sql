-- Meetings of a region's public council (заседания общественного совета): the decisions that
-- approvals and proposals carry refer to them.
CREATE TABLE council_meetings (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    held_on DATE NOT NULL,
    -- the minutes' number; NULL when it has none («б/н»)
    number TEXT,
    title TEXT NOT NULL,
    -- [{"number": "1", "text": …}] (domain::council::CouncilItem) as JSON
    agenda_json TEXT NOT NULL,
    -- [{"number": "1", "text": …}]: what the council decided, by item
    decisions_json TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX council_meetings_region ON council_meetings (region_id, held_on);
