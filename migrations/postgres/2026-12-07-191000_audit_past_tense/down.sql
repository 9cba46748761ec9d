ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
DROP INDEX audit_events_region;
ALTER TABLE audit_events DROP COLUMN region_id;
UPDATE audit_events SET action = CASE action
    WHEN 'auth.logged_in' THEN 'auth.login'
    WHEN 'cycle.created' THEN 'cycle.create'
    WHEN 'cycle.updated' THEN 'cycle.update'
    WHEN 'cycle.approved' THEN 'cycle.approve'
    WHEN 'evaluation.inputs_entered' THEN 'evaluation.inputs'
    WHEN 'evaluation.survey_uploaded' THEN 'evaluation.survey_upload'
    WHEN 'measure.created' THEN 'measure.create'
    WHEN 'measure.updated' THEN 'measure.update'
    WHEN 'measure.deleted' THEN 'measure.delete'
    WHEN 'organization.created' THEN 'organization.create'
    WHEN 'organization.updated' THEN 'organization.update'
    WHEN 'organization.deactivated' THEN 'organization.deactivate'
    WHEN 'plan.created' THEN 'plan.create'
    WHEN 'plan.updated' THEN 'plan.update'
    WHEN 'plan.returned' THEN 'plan.draft'
    WHEN 'proposal.created' THEN 'proposal.create'
    WHEN 'proposal.updated' THEN 'proposal.update'
    WHEN 'proposal.deleted' THEN 'proposal.delete'
    WHEN 'region.created' THEN 'region.create'
    WHEN 'region.updated' THEN 'region.update'
    WHEN 'report.created' THEN 'report.create'
    WHEN 'report.entry_saved' THEN 'report.entry'
    WHEN 'user.created' THEN 'user.create'
    WHEN 'user.deactivated' THEN 'user.deactivate'
    WHEN 'webhook.created' THEN 'webhook.create'
    WHEN 'webhook.deactivated' THEN 'webhook.deactivate'
    WHEN 'cycle.collection_started' THEN 'cycle.collecting'
    WHEN 'cycle.reopened' THEN 'cycle.collecting'
END
WHERE action IN ('auth.logged_in', 'cycle.created', 'cycle.updated', 'cycle.approved', 'evaluation.inputs_entered', 'evaluation.survey_uploaded', 'measure.created', 'measure.updated', 'measure.deleted', 'organization.created', 'organization.updated', 'organization.deactivated', 'plan.created', 'plan.updated', 'plan.returned', 'proposal.created', 'proposal.updated', 'proposal.deleted', 'region.created', 'region.updated', 'report.created', 'report.entry_saved', 'user.created', 'user.deactivated', 'webhook.created', 'webhook.deactivated', 'cycle.collection_started', 'cycle.reopened');
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
