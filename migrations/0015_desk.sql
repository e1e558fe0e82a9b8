-- Issue 17: the desk's own working data on an organisation, set one by one or in bulk
-- from a list (POST /api/v1/organisations/bulk), and comments on records.
--
-- officer: the e-mail of the officer (or administrator) who handles the organisation;
-- tags: the desk's labels, a JSON array of strings. Both are the ministry's: never shown
-- to an NGO nor to the public (F_STAFF_READS, src/domain/registry.c).
ALTER TABLE organisations ADD COLUMN officer TEXT;
ALTER TABLE organisations ADD COLUMN tags TEXT;
CREATE INDEX organisations_officer ON organisations (officer, id) WHERE officer IS NOT NULL;

-- Comments on records (src/domain/comments.c): about + record_id name the record;
-- organisation_ids (JSON array) are its organisations, copied by the server, which decide
-- who besides the ministry sees the comment; internal: the ministry's only.
CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,
    about            TEXT NOT NULL,
    record_id        INTEGER NOT NULL,
    organisation_ids TEXT,
    text             TEXT NOT NULL,
    internal         INTEGER NOT NULL DEFAULT 0,
    author           TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX comments_record ON comments (about, record_id, id);
