-- GET /api/v1/organizations?q=%D1%86%D0%B5%D0%BD%D1%82%D1%80&limit=50 (anonymous): GET /organizations?q=центр&limit=50; a request in steady state (caches warm, 1.1 s after the first)
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
