-- GET /api/v1/cycles/@CYCLE@/ratings (auditor): the same, auditor; the first request, every cache cold
-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.
SELECT "users"."id", "users"."username", "users"."password_hash", "users"."role", "users"."region_id", "users"."organization_id", "users"."active", "users"."version", "users"."created_at", "users"."updated_at", "users"."credentials_changed_at" FROM "users" WHERE ("users"."id" = '1') LIMIT '1';
SELECT "cycles"."id", "cycles"."region_id", "cycles"."year", "cycles"."sector", "cycles"."methodology_id", "cycles"."settings_json", "cycles"."operator_name", "cycles"."operator_contract_number", "cycles"."operator_contract_date", "cycles"."council_decision_number", "cycles"."council_decision_date", "cycles"."status", "cycles"."version", "cycles"."created_at", "cycles"."updated_at", "cycles"."latest_approval_id", "cycles"."published_approval_id", "cycles"."published_at" FROM "cycles" WHERE ("cycles"."id" = '1') LIMIT '1';
SELECT COUNT(*) FROM "cycle_operators" WHERE (("cycle_operators"."cycle_id" = '1') AND ("cycle_operators"."user_id" = '1'));
SELECT "approvals"."id", "approvals"."cycle_id", "approvals"."number", "approvals"."decision_number", "approvals"."decision_date", "approvals"."approved_by", "approvals"."approved_at", "approvals"."meeting_id" FROM "approvals" WHERE ("approvals"."id" = '1') LIMIT '1';
SELECT "approvals"."content_json" FROM "approvals" WHERE ("approvals"."id" = '1') LIMIT '1';
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SET TIME ZONE 'UTC';
SET CLIENT_ENCODING TO 'UTF8';
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
SELECT "data_versions"."name", "data_versions"."version" FROM "data_versions";
