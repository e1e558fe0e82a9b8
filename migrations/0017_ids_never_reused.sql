-- 0017: ids are never reused. A rowid table without AUTOINCREMENT gives a new row
-- max(rowid)+1, so after the newest record of a table was deleted the next one (API, CLI
-- or import) got the deleted record's id: links, bookmarks, e-mails, audit entries and
-- other systems' references to the deleted record then named a different one, and
-- `civdesk check` reported the deleted record "yet there". With AUTOINCREMENT SQLite
-- gives max(rowid, the table's row in sqlite_sequence)+1 and keeps the high-water mark.
--
-- How: AUTOINCREMENT changes nothing in a table's b-tree, only the declared SQL and how
-- an insert picks its rowid, so this edits each table's declaration in sqlite_schema
-- (the procedure lang_altertable.html gives for changes that "do not affect the on-disk
-- content in any way") instead of copying every row into a new table (the 12-step
-- rebuild). The rebuild would copy the whole database (5 GB at 1,000,000 organisations
-- and 200,000 documents), need foreign keys off outside the transaction, and recreate
-- some 90 indexes, triggers and the view on these tables by hand; this takes milliseconds
-- at any size, keeps every index and trigger as it is, and runs in the migration's
-- transaction like the others: a failure leaves the database as it was.
--
-- Which tables: every table whose ids users see or the audit trail names — the
-- resources, their sub-records, users, tokens, sessions, notifications, outbox,
-- comments, the status history and transitions. Not: audit (append-only, triggers
-- refuse deletes), the search index's own tables (their ids are computed), counters
-- and single-row tables.
--
-- The high-water mark of each table: the largest of max(id) and the highest id the
-- audit trail names for it (a create, update, transition, disable or delete entry; an
-- import's last_id; for tokens also token_create's token_id), so that ids of newest
-- records deleted before this migration are not given again either. Entries of refused
-- requests name ids a caller asked for, not ids given, and are not counted.

CREATE TEMP TABLE id_tables (
    tbl      TEXT PRIMARY KEY,
    resource TEXT NOT NULL,   -- the name audit entries give it
    hi       INTEGER          -- the highest id ever given
);

INSERT INTO temp.id_tables (tbl, resource, hi) VALUES
    ('organisations',                'organisations',                (SELECT max(id) FROM organisations)),
    ('people',                       'people',                       (SELECT max(id) FROM people)),
    ('users',                        'users',                        (SELECT max(id) FROM users)),
    ('tokens',                       'tokens',                       (SELECT max(id) FROM tokens)),
    ('sessions',                     'sessions',                     (SELECT max(id) FROM sessions)),
    ('transitions',                  'transitions',                  (SELECT max(id) FROM transitions)),
    ('bodies',                       'bodies',                       (SELECT max(id) FROM bodies)),
    ('applications',                 'applications',                 (SELECT max(id) FROM applications)),
    ('application_questions',        'application_questions',        (SELECT max(id) FROM application_questions)),
    ('accreditations',               'accreditations',               (SELECT max(id) FROM accreditations)),
    ('accreditation_status_history', 'accreditation_status_history', (SELECT max(id) FROM accreditation_status_history)),
    ('accreditation_reports',        'accreditation_reports',        (SELECT max(id) FROM accreditation_reports)),
    ('report_questions',             'report_questions',             (SELECT max(id) FROM report_questions)),
    ('listings',                     'listings',                     (SELECT max(id) FROM listings)),
    ('meetings',                     'meetings',                     (SELECT max(id) FROM meetings)),
    ('meeting_participants',         'meeting_participants',         (SELECT max(id) FROM meeting_participants)),
    ('meeting_actions',              'meeting_actions',              (SELECT max(id) FROM meeting_actions)),
    ('proposals',                    'proposals',                    (SELECT max(id) FROM proposals)),
    ('delegations',                  'delegations',                  (SELECT max(id) FROM delegations)),
    ('delegation_members',           'delegation_members',           (SELECT max(id) FROM delegation_members)),
    ('reports',                      'reports',                      (SELECT max(id) FROM reports)),
    ('report_recommendations',       'report_recommendations',       (SELECT max(id) FROM report_recommendations)),
    ('incidents',                    'incidents',                    (SELECT max(id) FROM incidents)),
    ('working_groups',               'working-groups',               (SELECT max(id) FROM working_groups)),
    ('working_group_members',        'working_group_members',        (SELECT max(id) FROM working_group_members)),
    ('working_group_sites',          'working_group_sites',          (SELECT max(id) FROM working_group_sites)),
    ('documents',                    'documents',                    (SELECT max(id) FROM documents)),
    ('document_translations',        'document_translations',        (SELECT max(id) FROM document_translations)),
    ('document_attachments',         'document_attachments',         (SELECT max(id) FROM document_attachments)),
    ('notifications',                'notifications',                (SELECT max(id) FROM notifications)),
    ('outbox',                       'outbox',                       (SELECT max(id) FROM outbox)),
    ('comments',                     'comments',                     (SELECT max(id) FROM comments));

-- The highest id an entry names: walked down the index audit_record (resource, record_id,
-- id) to the first entry of an action that gives or had an id, so it reads a few rows
-- however long the trail. Imports name their ids as a range in their one entry
-- (record_id 0, after: {"first_id", "last_id"}).
UPDATE temp.id_tables
   SET hi = max(coalesce(hi, 0),
                coalesce((SELECT a.record_id FROM audit a
                           WHERE a.resource = id_tables.resource
                             AND a.action IN ('create', 'update', 'transition', 'disable', 'delete')
                           ORDER BY a.record_id DESC LIMIT 1), 0),
                coalesce((SELECT max(CAST(json_extract(a.after, '$.last_id') AS INTEGER))
                            FROM audit a
                           WHERE a.resource = id_tables.resource AND a.record_id = 0
                             AND a.action = 'import' AND json_valid(a.after)), 0));

-- A token's creation is audited under its user, with the token's id in the image.
UPDATE temp.id_tables
   SET hi = max(hi, coalesce((SELECT max(CAST(json_extract(a.after, '$.token_id') AS INTEGER))
                                FROM audit a
                               WHERE a.resource = 'users' AND a.action = 'token_create'
                                 AND json_valid(a.after)), 0))
 WHERE tbl = 'tokens';

-- sqlite_sequence exists once a table with AUTOINCREMENT has been created.
CREATE TABLE ids_sequence_maker (id INTEGER PRIMARY KEY AUTOINCREMENT);
DROP TABLE ids_sequence_maker;

PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'INTEGER PRIMARY KEY,', 'INTEGER PRIMARY KEY AUTOINCREMENT,')
 WHERE type = 'table' AND name IN (SELECT tbl FROM temp.id_tables)
   AND sql NOT LIKE '%AUTOINCREMENT%';
-- Reread the edited declarations now: a declaration that does not parse fails here, in
-- the transaction, and this connection's inserts use the sequence from the next statement.
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;

-- Every table named above must now be declared with AUTOINCREMENT, exactly once.
CREATE TEMP TABLE ids_guard (ok INTEGER CHECK (ok = 1));
INSERT INTO temp.ids_guard (ok)
SELECT (SELECT count(*) FROM sqlite_schema s
         WHERE s.type = 'table' AND s.name IN (SELECT tbl FROM temp.id_tables)
           AND s.sql LIKE '%INTEGER PRIMARY KEY AUTOINCREMENT,%'
           AND s.sql NOT LIKE '%AUTOINCREMENT%AUTOINCREMENT%')
       = (SELECT count(*) FROM temp.id_tables);
DROP TABLE temp.ids_guard;

DELETE FROM sqlite_sequence WHERE name IN (SELECT tbl FROM temp.id_tables);
INSERT INTO sqlite_sequence (name, seq) SELECT tbl, hi FROM temp.id_tables WHERE hi > 0;

DROP TABLE temp.id_tables;
