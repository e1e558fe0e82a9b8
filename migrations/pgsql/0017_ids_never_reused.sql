-- 0017: ids are never reused (the PostgreSQL dialect of the migration of that number).
--
-- On SQLite this migration declares the tables AUTOINCREMENT and seeds sqlite_sequence
-- with each table's high-water mark. Here every id column is an identity column from its
-- first migration, and an identity's sequence never hands a number back: a deleted
-- newest record's id is not given again. What is left is the same high-water mark, for
-- a database whose rows were written with explicit ids (a copy from SQLite, issue 20,
-- which inserts ids as they are and so does not move the sequences): each sequence is
-- set to the largest of where it stands, max(id), and the highest id the audit trail
-- names for the table — as SQLite's 0017 computes it. setval only ever moves a sequence
-- forward here, so running this on a database whose sequences are ahead changes nothing.

DO $$
DECLARE
    t   record;
    hi  bigint;
    seq text;
    cur bigint;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('organisations',                'organisations'),
        ('people',                       'people'),
        ('users',                        'users'),
        ('tokens',                       'tokens'),
        ('sessions',                     'sessions'),
        ('transitions',                  'transitions'),
        ('bodies',                       'bodies'),
        ('applications',                 'applications'),
        ('application_questions',        'application_questions'),
        ('accreditations',               'accreditations'),
        ('accreditation_status_history', 'accreditation_status_history'),
        ('accreditation_reports',        'accreditation_reports'),
        ('report_questions',             'report_questions'),
        ('listings',                     'listings'),
        ('meetings',                     'meetings'),
        ('meeting_participants',         'meeting_participants'),
        ('meeting_actions',              'meeting_actions'),
        ('proposals',                    'proposals'),
        ('delegations',                  'delegations'),
        ('delegation_members',           'delegation_members'),
        ('reports',                      'reports'),
        ('report_recommendations',       'report_recommendations'),
        ('incidents',                    'incidents'),
        ('working_groups',               'working-groups'),
        ('working_group_members',        'working_group_members'),
        ('working_group_sites',          'working_group_sites'),
        ('documents',                    'documents'),
        ('document_translations',        'document_translations'),
        ('document_attachments',         'document_attachments'),
        ('notifications',                'notifications'),
        ('outbox',                       'outbox'),
        ('comments',                     'comments')) AS v(tbl, resource)
    LOOP
        seq := pg_get_serial_sequence(t.tbl, 'id');
        EXECUTE format('SELECT coalesce(max(id), 0) FROM %I', t.tbl) INTO hi;
        hi := greatest(hi,
            coalesce((SELECT a.record_id FROM audit a
                       WHERE a.resource = t.resource
                         AND a.action IN ('create', 'update', 'transition', 'disable', 'delete')
                       ORDER BY a.record_id DESC LIMIT 1), 0),
            coalesce((SELECT max((a.after::json ->> 'last_id')::bigint) FROM audit a
                       WHERE a.resource = t.resource AND a.record_id = 0
                         AND a.action = 'import' AND a.after LIKE '{%'), 0));
        IF t.tbl = 'tokens' THEN
            hi := greatest(hi,
                coalesce((SELECT max((a.after::json ->> 'token_id')::bigint) FROM audit a
                           WHERE a.resource = 'users' AND a.action = 'token_create'
                             AND a.after LIKE '{%'), 0));
        END IF;
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s',
                       seq) INTO cur;
        IF hi > cur THEN
            PERFORM setval(seq, hi, true);
        END IF;
    END LOOP;
END
$$;
