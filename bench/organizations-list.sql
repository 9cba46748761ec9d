-- The statement diesel issues for GET /api/v1/organizations?limit=50 (first page, no filters):
-- src/db/organizations.rs `list` selects every OrganizationRow column WHERE id > after_id
-- ORDER BY id LIMIT limit + 1, both bound as parameters. Used by bench/list.sh with pgbench -M prepared.
\set after_id 0
\set page_rows 51
SELECT "organizations"."id", "organizations"."region_id", "organizations"."full_name",
       "organizations"."short_name", "organizations"."inn", "organizations"."ogrn",
       "organizations"."kpp", "organizations"."ownership", "organizations"."founder",
       "organizations"."serves_stationary", "organizations"."serves_semi_stationary",
       "organizations"."serves_home_based", "organizations"."address", "organizations"."website",
       "organizations"."bus_gov_id", "organizations"."head_full_name",
       "organizations"."head_position", "organizations"."active", "organizations"."version",
       "organizations"."created_at", "organizations"."updated_at"
  FROM "organizations"
 WHERE ("organizations"."id" > :after_id)
 ORDER BY "organizations"."id"
 LIMIT :page_rows;
