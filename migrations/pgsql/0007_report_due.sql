-- accreditations.report_due: the date the next periodic report is due, kept by the
-- database from the accreditation and its body's rules (docs/domain.md), NULL when none
-- is owed (no reporting rule, an exempt status, withdrawn, or no date to count from).
--
-- The calendar (reports due between two dates), ?overdue= and the pipeline's overdue
-- counts read it through accreditations_report_due instead of computing the rule for
-- every accreditation (12 s for a month's calendar at 2,000,000 accreditations before).
-- C computes the same date for the record's report_due_on (src/domain/ledger.c
-- ledger_report_due); tests/api/ledger.test.mjs checks that the two agree.
ALTER TABLE accreditations ADD COLUMN report_due TEXT;

CREATE VIEW accreditation_report_due AS
SELECT a.id AS id,
       (SELECT lpad((
                      coalesce(a.last_report_period_end, CAST(substr(a.granted_on, 1, 4) AS BIGINT))
                          + b.report_interval_years + 1)::text, 4, '0') || '-' || b.report_due
          FROM bodies b
         WHERE b.code = a.body
           AND b.report_interval_years IS NOT NULL
           AND b.report_due IS NOT NULL
           AND a.state IN ('active', 'suspended')
           AND (a.last_report_period_end IS NOT NULL OR a.granted_on IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM json_array_elements_text(coalesce(b.report_exempt, '[]')::json)
                            WHERE value = a.status)) AS due
  FROM accreditations a;

UPDATE accreditations
   SET report_due = (SELECT due FROM accreditation_report_due d WHERE d.id = accreditations.id);

CREATE INDEX accreditations_report_due ON accreditations (report_due, body)
    WHERE report_due IS NOT NULL;

CREATE FUNCTION accreditations_report_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accreditations
       SET report_due = (SELECT due FROM accreditation_report_due WHERE id = NEW.id)
     WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER accreditations_report_due_insert AFTER INSERT ON accreditations
FOR EACH ROW EXECUTE FUNCTION accreditations_report_due();
CREATE TRIGGER accreditations_report_due_update
AFTER UPDATE OF body, status, state, granted_on, last_report_period_end ON accreditations
FOR EACH ROW EXECUTE FUNCTION accreditations_report_due();

CREATE FUNCTION bodies_report_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accreditations
       SET report_due = (SELECT due FROM accreditation_report_due d WHERE d.id = accreditations.id)
     WHERE body IN (OLD.code, NEW.code);
    RETURN NULL;
END $$;
CREATE TRIGGER bodies_report_due
AFTER UPDATE OF code, report_interval_years, report_due, report_exempt ON bodies
FOR EACH ROW EXECUTE FUNCTION bodies_report_due();
