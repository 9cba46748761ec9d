-- One counter per cached collection, bumped in the transaction of every write to it: a cached
-- list page is current while the counter it was built at is, on every instance alike.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('organizations', 1), ('regions', 1);
