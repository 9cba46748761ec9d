DROP INDEX council_meetings_region;
DROP TABLE council_meetings;
