-- GET /api/v1/changes (auditor): the same, auditor; the first request, every cache cold
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "users"."id", "users"."username", "users"."password_hash", "users"."role", "users"."region_id", "users"."organization_id", "users"."active", "users"."version", "users"."created_at", "users"."updated_at", "users"."credentials_changed_at" FROM "users" WHERE ("users"."id" = '1') LIMIT '1';
SELECT "changes"."id", "changes"."occurred_at", "changes"."resource_type", "changes"."resource_id", "changes"."action", "changes"."region_id", "changes"."organization_id", "changes"."public", "changes"."was_public", "changes"."payload_json" FROM "changes" WHERE ("changes"."id" > '0') ORDER BY "changes"."id" LIMIT '51';
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
