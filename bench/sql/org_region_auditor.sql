-- GET /api/v1/organizations?region_id=@REGION@&limit=50 (auditor): the same, auditor; a request in steady state (caches warm, 1.1 s after the first)
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "users"."id", "users"."username", "users"."password_hash", "users"."role", "users"."region_id", "users"."organization_id", "users"."active", "users"."version", "users"."created_at", "users"."updated_at", "users"."credentials_changed_at" FROM "users" WHERE ("users"."id" = '1') LIMIT '1';
SELECT "data_versions"."version" FROM "data_versions" WHERE ("data_versions"."name" = 'organizations');
