-- One tense in the audit log: actions are what happened (`plan.created`, `cycle.approved`), and
-- the events stored under the old names are renamed so that filters by action find them. Each
-- event also carries its region, so that the log can be read per region.
DROP TRIGGER audit_events_no_update;
ALTER TABLE audit_events ADD COLUMN region_id BIGINT;
UPDATE audit_events SET action = CASE action
    WHEN 'auth.login' THEN 'auth.logged_in'
    WHEN 'cycle.create' THEN 'cycle.created'
    WHEN 'cycle.update' THEN 'cycle.updated'
    WHEN 'cycle.approve' THEN 'cycle.approved'
    WHEN 'evaluation.inputs' THEN 'evaluation.inputs_entered'
    WHEN 'evaluation.survey_upload' THEN 'evaluation.survey_uploaded'
    WHEN 'measure.create' THEN 'measure.created'
    WHEN 'measure.update' THEN 'measure.updated'
    WHEN 'measure.delete' THEN 'measure.deleted'
    WHEN 'organization.create' THEN 'organization.created'
    WHEN 'organization.update' THEN 'organization.updated'
    WHEN 'organization.deactivate' THEN 'organization.deactivated'
    WHEN 'plan.create' THEN 'plan.created'
    WHEN 'plan.update' THEN 'plan.updated'
    WHEN 'plan.draft' THEN 'plan.returned'
    WHEN 'proposal.create' THEN 'proposal.created'
    WHEN 'proposal.update' THEN 'proposal.updated'
    WHEN 'proposal.delete' THEN 'proposal.deleted'
    WHEN 'region.create' THEN 'region.created'
    WHEN 'region.update' THEN 'region.updated'
    WHEN 'report.create' THEN 'report.created'
    WHEN 'report.entry' THEN 'report.entry_saved'
    WHEN 'user.create' THEN 'user.created'
    WHEN 'user.deactivate' THEN 'user.deactivated'
    WHEN 'webhook.create' THEN 'webhook.created'
    WHEN 'webhook.deactivate' THEN 'webhook.deactivated'
END
WHERE action IN ('auth.login', 'cycle.create', 'cycle.update', 'cycle.approve', 'evaluation.inputs', 'evaluation.survey_upload', 'measure.create', 'measure.update', 'measure.delete', 'organization.create', 'organization.update', 'organization.deactivate', 'plan.create', 'plan.update', 'plan.draft', 'proposal.create', 'proposal.update', 'proposal.delete', 'region.create', 'region.update', 'report.create', 'report.entry', 'user.create', 'user.deactivate', 'webhook.create', 'webhook.deactivate');
-- Both the start of collection and the reopening were `cycle.collecting`: the status before
-- tells them apart.
UPDATE audit_events SET action = CASE json_extract(before_json, '$.status')
    WHEN 'draft' THEN 'cycle.collection_started' ELSE 'cycle.reopened' END
WHERE action = 'cycle.collecting';
-- The region each past event belongs to, from the resource it changed.
UPDATE audit_events SET region_id = CASE resource_type
    WHEN 'region' THEN (SELECT id FROM regions WHERE id = CAST(resource_id AS INTEGER))
    WHEN 'organization' THEN (SELECT region_id FROM organizations WHERE id = CAST(resource_id AS INTEGER))
    WHEN 'cycle' THEN (SELECT region_id FROM cycles WHERE id = CAST(resource_id AS INTEGER))
    WHEN 'plan' THEN (SELECT region_id FROM plans WHERE id = CAST(resource_id AS INTEGER))
    WHEN 'user' THEN (SELECT region_id FROM users WHERE id = CAST(resource_id AS INTEGER))
    WHEN 'evaluation' THEN (SELECT c.region_id FROM evaluations e JOIN cycles c ON c.id = e.cycle_id WHERE e.id = CAST(resource_id AS INTEGER))
    WHEN 'proposal' THEN (SELECT c.region_id FROM proposals p JOIN cycles c ON c.id = p.cycle_id WHERE p.id = CAST(resource_id AS INTEGER))
    WHEN 'measure' THEN (SELECT p.region_id FROM measures m JOIN plans p ON p.id = m.plan_id WHERE m.id = CAST(resource_id AS INTEGER))
    WHEN 'report' THEN (SELECT p.region_id FROM reports r JOIN plans p ON p.id = r.plan_id WHERE r.id = CAST(resource_id AS INTEGER))
END
WHERE resource_id <> '' AND resource_id NOT GLOB '*[^0-9]*';
CREATE INDEX audit_events_region ON audit_events (region_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
