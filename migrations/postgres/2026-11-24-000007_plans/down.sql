DROP TABLE report_entries;
DROP TABLE reports;
DROP TABLE measures;
DROP TABLE plan_sections;
DROP TABLE plans;
