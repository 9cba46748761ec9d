-- GET /api/v1/audit-events?limit=50 (auditor): auditor GET /audit-events?limit=50; a request in steady state (caches warm, 1.1 s after the first)
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
