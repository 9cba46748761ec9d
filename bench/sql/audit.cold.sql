-- GET /api/v1/audit-events?limit=50 (auditor): auditor GET /audit-events?limit=50; the first request, every cache cold
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "users"."id", "users"."username", "users"."password_hash", "users"."role", "users"."region_id", "users"."organization_id", "users"."active", "users"."version", "users"."created_at", "users"."updated_at", "users"."credentials_changed_at" FROM "users" WHERE ("users"."id" = '1') LIMIT '1';
SELECT "audit_events"."id", "audit_events"."occurred_at", "audit_events"."actor_id", "audit_events"."actor", "audit_events"."role", "audit_events"."action", "audit_events"."resource_type", "audit_events"."resource_id", "audit_events"."request_id", "audit_events"."before_json", "audit_events"."after_json", "audit_events"."region_id" FROM "audit_events" WHERE ("audit_events"."id" > '0') ORDER BY "audit_events"."id" LIMIT '51';
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
