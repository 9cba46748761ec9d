-- GET /api/v1/organizations?region_id=@REGION@&limit=50 (auditor): the same, auditor; a request in steady state (caches warm, 1.1 s after the first)
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
