DROP TABLE organizations;
DROP TABLE regions;
