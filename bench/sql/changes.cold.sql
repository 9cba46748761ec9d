-- GET /api/v1/changes (anonymous): GET /changes first page; the first request, every cache cold
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "changes"."id", "changes"."occurred_at", "changes"."resource_type", "changes"."resource_id", "changes"."action", "changes"."region_id", "changes"."organization_id", "changes"."public", "changes"."was_public", "changes"."payload_json" FROM "changes" WHERE (("changes"."id" > '0') AND ("changes"."public" OR "changes"."was_public")) ORDER BY "changes"."id" LIMIT '51';
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
