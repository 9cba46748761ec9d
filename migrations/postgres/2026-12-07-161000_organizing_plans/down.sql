DROP TABLE organizing_measures;
DROP TABLE organizing_targets;
DROP TABLE organizing_plans;
