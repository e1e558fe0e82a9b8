-- 0009: obligations done right (issue 14). Rules and sources: docs/domain.md.
--
-- 1. The first quadrennial report covers the year of grant: granted in Y → Y..Y+3, due
--    1 June Y+4 (the NGO Branch: "the reporting cycle begins in the year the organization
--    was granted status"); after a report for the period ending E (E >= Y) → E+1..E+4, due
--    1 June E+5. A report ending before Y (under the status held before a
--    reclassification granted in Y) does not move the new cycle. The view below is the SQL
--    twin of ledger_report_due() (src/domain/ledger.c); migration 0007's triggers read it
--    by name, so replacing it and recomputing every kept date is the whole fix.
DROP VIEW accreditation_report_due;
CREATE VIEW accreditation_report_due AS
SELECT a.id AS id,
       (SELECT printf('%04d-%s',
                      CASE WHEN a.last_report_period_end IS NOT NULL
                                AND (a.granted_on IS NULL
                                     OR a.last_report_period_end
                                            >= CAST(substr(a.granted_on, 1, 4) AS INTEGER))
                           THEN a.last_report_period_end
                           ELSE CAST(substr(a.granted_on, 1, 4) AS INTEGER) - 1 END
                          + b.report_interval_years + 1,
                      b.report_due)
          FROM bodies b
         WHERE b.code = a.body
           AND b.report_interval_years IS NOT NULL
           AND b.report_due IS NOT NULL
           AND a.state IN ('active', 'suspended')
           AND (a.last_report_period_end IS NOT NULL OR a.granted_on IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM json_each(coalesce(b.report_exempt, '[]'))
                            WHERE value = a.status)) AS due
  FROM accreditations a;

UPDATE accreditations
   SET report_due = (SELECT due FROM accreditation_report_due d WHERE d.id = accreditations.id);

-- 7. Resolution 2008/4, not decision: ECOSOC resolution 2008/4 ("Measures to improve the
--    quadrennial reporting procedures") is the text on suspension and withdrawal.
UPDATE bodies
   SET rules_source = replace(rules_source, 'decision 2008/4', 'resolution 2008/4')
 WHERE rules_source LIKE '%decision 2008/4%';

-- 3. The ministry's support is optional: `filed` is reachable from draft, submitted and
--    endorsed, and the application records whether the ministry supported it (set by the
--    move to `endorsed`, or by an officer when consulted after filing). Applications that
--    were endorsed before this migration were supported.
ALTER TABLE applications ADD COLUMN ministry_supported INTEGER NOT NULL DEFAULT 0
    CHECK (ministry_supported IN (0, 1));
UPDATE applications
   SET ministry_supported = 1
 WHERE id IN (SELECT record_id FROM transitions
               WHERE resource = 'applications' AND to_state = 'endorsed');

-- 2. Reclassification changes the accreditation's status in place; each change of status
--    is kept: from, to, when, and the application that brought it. The grant that created
--    the accreditation is the first row (from_status NULL).
CREATE TABLE accreditation_status_history (
    id               INTEGER PRIMARY KEY,
    accreditation_id INTEGER NOT NULL REFERENCES accreditations (id) ON DELETE CASCADE,
    from_status      TEXT,
    to_status        TEXT NOT NULL,
    changed_on       TEXT NOT NULL,
    application_id   INTEGER REFERENCES applications (id),
    created_at       TEXT NOT NULL
);
CREATE INDEX accreditation_status_history_accreditation
    ON accreditation_status_history (accreditation_id, id);

-- 5. UNESCO: the 30 November deadline binds requests for associate status only
--    (consultative status may be requested at any time), and associate status needs two
--    years in consultative status. Both are rules of the body, as data.
ALTER TABLE bodies ADD COLUMN filing_deadline_statuses TEXT; -- JSON array; NULL: all
ALTER TABLE bodies ADD COLUMN status_prerequisites TEXT;     -- JSON array "status:needs:years"
UPDATE bodies
   SET filing_deadline_statuses = '["associate"]',
       status_prerequisites = '["associate:consultative:2"]'
 WHERE code = 'UNESCO';

-- 11. Settings: one row of the ministry's own settings, read by everyone signed in and
--     written by administrators (/api/v1/settings). national_country is the ISO 3166-1
--     code of the ministry's country, used by representation statistics and the
--     dashboard instead of a guess in the UI.
CREATE TABLE settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    national_country TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
INSERT INTO settings (id, national_country, created_at, updated_at)
VALUES (1, NULL, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
-- The row is the settings: never a second, never none.
CREATE TRIGGER settings_keep BEFORE DELETE ON settings
BEGIN
    SELECT RAISE(ABORT, 'the settings row cannot be deleted');
END;

-- 8. The quadrennial report as a record, under its accreditation
--    (/api/v1/accreditations/{id}/reports). Recording a submitted report moves the
--    accreditation's last_report_period_end (through the generic update, audited).
CREATE TABLE accreditation_reports (
    id               INTEGER PRIMARY KEY,
    accreditation_id INTEGER NOT NULL REFERENCES accreditations (id) ON DELETE CASCADE,
    period_start     INTEGER NOT NULL,
    period_end       INTEGER NOT NULL,
    submitted_on     TEXT,
    outcome          TEXT NOT NULL DEFAULT 'pending'
                         CHECK (outcome IN ('pending', 'taken_note', 'deferred')),
    notes            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX accreditation_reports_accreditation ON accreditation_reports (accreditation_id, id);

-- 10. Committee sessions as data: the session that asked each deferral question
--     ("2017 regular" / "2017 resumed"), so that questions unanswered over two consecutive
--     sessions show that closure is due. Questions kept before get the session of the day
--     they were asked (15 January and 1 May as the sessions' earliest starts).
ALTER TABLE application_questions ADD COLUMN asked_at_session TEXT;
UPDATE application_questions
   SET asked_at_session =
       CASE WHEN substr(asked_on, 6, 5) >= '05-01'
            THEN substr(asked_on, 1, 4) || ' resumed'
            WHEN substr(asked_on, 6, 5) >= '01-15'
            THEN substr(asked_on, 1, 4) || ' regular'
            ELSE (CAST(substr(asked_on, 1, 4) AS INTEGER) - 1) || ' resumed' END
 WHERE asked_on IS NOT NULL;
