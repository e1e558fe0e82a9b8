-- Issue 17: the desk's own working data on an organisation, set one by one or in bulk
-- from a list (POST /api/v1/organisations/bulk), and comments on records.
--
-- officer: the e-mail of the officer (or administrator) who handles the organisation;
-- tags: the desk's labels, a JSON array of strings. Both are the ministry's: never shown
-- to an NGO nor to the public (F_STAFF_READS, src/domain/registry.c).
ALTER TABLE organisations ADD COLUMN officer TEXT;
ALTER TABLE organisations ADD COLUMN tags TEXT;
CREATE INDEX organisations_officer ON organisations (officer, id) WHERE officer IS NOT NULL;
