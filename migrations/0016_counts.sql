-- Counts kept as the data changes, for the dashboard's figures (issue 21, target 2): the
-- pipeline, and the totals of ?count=true lists filtered by these keys only.
--
-- GET /api/v1/stats/pipeline counted applications by (body, state), accreditations by
-- (body, status, state) and overdue reports by body with a scan per load: 2.3 s at
-- 1,000,000 organisations and 2,000,000 accreditations. These tables hold the same
-- counts, kept by the triggers below in the transaction of every insert, update and
-- delete (the API, imports, the generator, migrations alike), so a load reads a few
-- dozen rows. Overdue depends on today: count_report_due holds accreditations by (body,
-- report_due) — one row per body and due date, a few per year — and the pipeline sums
-- the rows before today.
--
-- Each trigger adds +1 for its NEW image and -1 for its OLD one, as an upsert, and drops a
-- row that reaches zero: the changes commute, so the result does not depend on the order
-- triggers fire in (migration 0007's triggers set report_due with a nested UPDATE, whose
-- own images then move the count). After each statement the tables hold exactly what a
-- GROUP BY would return. Plain statements only (INSERT … ON CONFLICT DO UPDATE, DELETE),
-- so that the PostgreSQL store can carry them over as they are.
-- `civdesk check` compares each table with a recount (src/store/counts.c).

-- Rows of a table that lists count whole (?count=true without a filter): organisations.
CREATE TABLE count_rows (
    tbl TEXT PRIMARY KEY,
    n   INTEGER NOT NULL
);

CREATE TABLE count_applications (
    body  TEXT NOT NULL,
    state TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (body, state)
);

CREATE TABLE count_accreditations (
    body   TEXT NOT NULL,
    status TEXT NOT NULL,
    state  TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (body, status, state)
);

CREATE TABLE count_report_due (
    body       TEXT NOT NULL,
    report_due TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (body, report_due)
);

INSERT INTO count_rows (tbl, n) SELECT 'organisations', count(*) FROM organisations;

INSERT INTO count_applications (body, state, n)
SELECT body, state, count(*) FROM applications GROUP BY body, state;

INSERT INTO count_accreditations (body, status, state, n)
SELECT body, status, state, count(*) FROM accreditations GROUP BY body, status, state;

INSERT INTO count_report_due (body, report_due, n)
SELECT body, report_due, count(*) FROM accreditations WHERE report_due IS NOT NULL
 GROUP BY body, report_due;

-- organisations (the row is always there, 0 included) -----------------------------------

CREATE TRIGGER count_organisations_insert AFTER INSERT ON organisations
BEGIN
    UPDATE count_rows SET n = n + 1 WHERE tbl = 'organisations';
END;

CREATE TRIGGER count_organisations_delete AFTER DELETE ON organisations
BEGIN
    UPDATE count_rows SET n = n - 1 WHERE tbl = 'organisations';
END;

-- applications ------------------------------------------------------------------------

CREATE TRIGGER count_applications_insert AFTER INSERT ON applications
BEGIN
    INSERT INTO count_applications (body, state, n) VALUES (NEW.body, NEW.state, 1)
        ON CONFLICT (body, state) DO UPDATE SET n = n + 1;
    DELETE FROM count_applications WHERE body = NEW.body AND state = NEW.state AND n = 0;
END;

CREATE TRIGGER count_applications_delete AFTER DELETE ON applications
BEGIN
    INSERT INTO count_applications (body, state, n) VALUES (OLD.body, OLD.state, -1)
        ON CONFLICT (body, state) DO UPDATE SET n = n - 1;
    DELETE FROM count_applications WHERE body = OLD.body AND state = OLD.state AND n = 0;
END;

CREATE TRIGGER count_applications_update AFTER UPDATE OF body, state ON applications
WHEN OLD.body IS NOT NEW.body OR OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO count_applications (body, state, n) VALUES (OLD.body, OLD.state, -1)
        ON CONFLICT (body, state) DO UPDATE SET n = n - 1;
    DELETE FROM count_applications WHERE body = OLD.body AND state = OLD.state AND n = 0;
    INSERT INTO count_applications (body, state, n) VALUES (NEW.body, NEW.state, 1)
        ON CONFLICT (body, state) DO UPDATE SET n = n + 1;
    DELETE FROM count_applications WHERE body = NEW.body AND state = NEW.state AND n = 0;
END;

-- accreditations ----------------------------------------------------------------------

CREATE TRIGGER count_accreditations_insert AFTER INSERT ON accreditations
BEGIN
    INSERT INTO count_accreditations (body, status, state, n) VALUES (NEW.body, NEW.status, NEW.state, 1)
        ON CONFLICT (body, status, state) DO UPDATE SET n = n + 1;
    DELETE FROM count_accreditations WHERE body = NEW.body AND status = NEW.status AND state = NEW.state AND n = 0;
END;

CREATE TRIGGER count_accreditations_delete AFTER DELETE ON accreditations
BEGIN
    INSERT INTO count_accreditations (body, status, state, n) VALUES (OLD.body, OLD.status, OLD.state, -1)
        ON CONFLICT (body, status, state) DO UPDATE SET n = n - 1;
    DELETE FROM count_accreditations WHERE body = OLD.body AND status = OLD.status AND state = OLD.state AND n = 0;
END;

CREATE TRIGGER count_accreditations_update AFTER UPDATE OF body, status, state ON accreditations
WHEN OLD.body IS NOT NEW.body OR OLD.status IS NOT NEW.status OR OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO count_accreditations (body, status, state, n) VALUES (OLD.body, OLD.status, OLD.state, -1)
        ON CONFLICT (body, status, state) DO UPDATE SET n = n - 1;
    DELETE FROM count_accreditations WHERE body = OLD.body AND status = OLD.status AND state = OLD.state AND n = 0;
    INSERT INTO count_accreditations (body, status, state, n) VALUES (NEW.body, NEW.status, NEW.state, 1)
        ON CONFLICT (body, status, state) DO UPDATE SET n = n + 1;
    DELETE FROM count_accreditations WHERE body = NEW.body AND status = NEW.status AND state = NEW.state AND n = 0;
END;

-- report_due is set by migration 0007's triggers with an UPDATE after the insert: an
-- insert counts what it carries (usually nothing) and that UPDATE moves the count.

CREATE TRIGGER count_report_due_insert AFTER INSERT ON accreditations
WHEN NEW.report_due IS NOT NULL
BEGIN
    INSERT INTO count_report_due (body, report_due, n) VALUES (NEW.body, NEW.report_due, 1)
        ON CONFLICT (body, report_due) DO UPDATE SET n = n + 1;
    DELETE FROM count_report_due WHERE body = NEW.body AND report_due = NEW.report_due AND n = 0;
END;

CREATE TRIGGER count_report_due_delete AFTER DELETE ON accreditations
WHEN OLD.report_due IS NOT NULL
BEGIN
    INSERT INTO count_report_due (body, report_due, n) VALUES (OLD.body, OLD.report_due, -1)
        ON CONFLICT (body, report_due) DO UPDATE SET n = n - 1;
    DELETE FROM count_report_due WHERE body = OLD.body AND report_due = OLD.report_due AND n = 0;
END;

CREATE TRIGGER count_report_due_update_old AFTER UPDATE OF body, report_due ON accreditations
WHEN OLD.report_due IS NOT NULL AND (OLD.body IS NOT NEW.body OR OLD.report_due IS NOT NEW.report_due)
BEGIN
    INSERT INTO count_report_due (body, report_due, n) VALUES (OLD.body, OLD.report_due, -1)
        ON CONFLICT (body, report_due) DO UPDATE SET n = n - 1;
    DELETE FROM count_report_due WHERE body = OLD.body AND report_due = OLD.report_due AND n = 0;
END;

CREATE TRIGGER count_report_due_update_new AFTER UPDATE OF body, report_due ON accreditations
WHEN NEW.report_due IS NOT NULL AND (OLD.body IS NOT NEW.body OR OLD.report_due IS NOT NEW.report_due)
BEGIN
    INSERT INTO count_report_due (body, report_due, n) VALUES (NEW.body, NEW.report_due, 1)
        ON CONFLICT (body, report_due) DO UPDATE SET n = n + 1;
    DELETE FROM count_report_due WHERE body = NEW.body AND report_due = NEW.report_due AND n = 0;
END;

-- The calendar pages its report items by (report_due, id) (src/store/calendar.c): a page
-- starts where the last ended, however many reports fall due on one day.
CREATE INDEX accreditations_due ON accreditations (report_due) WHERE report_due IS NOT NULL;
