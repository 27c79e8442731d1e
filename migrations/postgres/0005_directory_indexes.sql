-- Covering indexes for the firm directory's filters (measured on 100,000 firms with
-- scripts/bench-directory.sh): region prefix and name / credit-code search scan the
-- index instead of fetching every row.
-- Keep migrations/sqlite/0005_directory_indexes.sql in step.
DROP INDEX firms_name;
CREATE INDEX firms_name ON firms(status, name, credit_code);
CREATE INDEX firms_status_region ON firms(status, region_code);
