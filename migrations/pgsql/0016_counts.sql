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
-- Each trigger adds +1 for its NEW image and -1 for its OLD one and drops a row that
-- reaches zero: the changes commute, so the result does not depend on the order triggers
-- fire in (migration 0007's triggers set report_due with a nested UPDATE, whose own images
-- then move the count).
--
-- PostgreSQL (unlike SQLite's 0016): the row triggers only add their +1 and -1 to the
-- transaction's pending changes (count_pending, a transaction-local setting), and a
-- deferred constraint trigger applies them once, at commit (count_flush). Updating one
-- count row once per inserted row made an import quadratic here: every update in a
-- transaction leaves a row version that the same transaction cannot prune, and the next
-- update walks them all — 100,000 organisations imported in one transaction took over ten
-- minutes, 87 % of it in that UPDATE. At every commit the tables hold exactly what a
-- GROUP BY would return; inside a writing transaction they lag its own changes (nothing
-- reads them there: the statistics and `civdesk check` read in transactions of their own).
-- `civdesk check` compares each table with a recount (src/store/counts.c).

-- Rows of a table that lists count whole (?count=true without a filter): organisations.
CREATE TABLE count_rows (
    tbl TEXT PRIMARY KEY,
    n   BIGINT NOT NULL
);

CREATE TABLE count_applications (
    body  TEXT NOT NULL,
    state TEXT NOT NULL,
    n     BIGINT NOT NULL,
    PRIMARY KEY (body, state)
);

CREATE TABLE count_accreditations (
    body   TEXT NOT NULL,
    status TEXT NOT NULL,
    state  TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (body, status, state)
);

CREATE TABLE count_report_due (
    body       TEXT NOT NULL,
    report_due TEXT NOT NULL,
    n          BIGINT NOT NULL,
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

-- The transaction's pending changes: a JSON object from [kind, key, key, key] to the sum
-- of its +1 and -1, in a setting local to the transaction (gone with a rollback).
CREATE FUNCTION count_pending(kind text, k1 text, k2 text, k3 text, d bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    pending jsonb := coalesce(nullif(current_setting('civdesk.counts', true), ''), '{}')::jsonb;
    slot text := jsonb_build_array(kind, k1, k2, k3)::text;
BEGIN
    PERFORM set_config('civdesk.counts',
        jsonb_set(pending, ARRAY[slot], to_jsonb(coalesce((pending->>slot)::bigint, 0) + d))::text,
        true);
END $$;

-- Applies the pending changes, once: the first of the deferred triggers to fire at commit
-- finds them and empties them; the others find nothing to do.
CREATE FUNCTION count_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('civdesk.counts', true);
    e record;
    k jsonb;
BEGIN
    IF pending IS NULL OR pending = '' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('civdesk.counts', '', true);
    FOR e IN SELECT c.key AS slot, c.value::bigint AS d FROM jsonb_each_text(pending::jsonb) c LOOP
        CONTINUE WHEN e.d = 0;
        k := e.slot::jsonb;
        CASE k->>0
        WHEN 'rows' THEN
            UPDATE count_rows SET n = n + e.d WHERE tbl = k->>1;
        WHEN 'applications' THEN
            INSERT INTO count_applications (body, state, n) VALUES (k->>1, k->>2, e.d)
                ON CONFLICT (body, state) DO UPDATE SET n = count_applications.n + e.d;
            DELETE FROM count_applications WHERE body = k->>1 AND state = k->>2 AND n = 0;
        WHEN 'accreditations' THEN
            INSERT INTO count_accreditations (body, status, state, n) VALUES (k->>1, k->>2, k->>3, e.d)
                ON CONFLICT (body, status, state) DO UPDATE SET n = count_accreditations.n + e.d;
            DELETE FROM count_accreditations
             WHERE body = k->>1 AND status = k->>2 AND state = k->>3 AND n = 0;
        WHEN 'report_due' THEN
            INSERT INTO count_report_due (body, report_due, n) VALUES (k->>1, k->>2, e.d)
                ON CONFLICT (body, report_due) DO UPDATE SET n = count_report_due.n + e.d;
            DELETE FROM count_report_due WHERE body = k->>1 AND report_due = k->>2 AND n = 0;
        END CASE;
    END LOOP;
    RETURN NULL;
END $$;

-- organisations (the row is always there, 0 included) -----------------------------------

CREATE FUNCTION count_organisations_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('rows', 'organisations', '', '', 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_organisations_insert AFTER INSERT ON organisations
FOR EACH ROW EXECUTE FUNCTION count_organisations_insert();

CREATE FUNCTION count_organisations_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('rows', 'organisations', '', '', -1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_organisations_delete AFTER DELETE ON organisations
FOR EACH ROW EXECUTE FUNCTION count_organisations_delete();

-- applications ------------------------------------------------------------------------

CREATE FUNCTION count_applications_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('applications', NEW.body, NEW.state, '', 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_applications_insert AFTER INSERT ON applications
FOR EACH ROW EXECUTE FUNCTION count_applications_insert();

CREATE FUNCTION count_applications_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('applications', OLD.body, OLD.state, '', -1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_applications_delete AFTER DELETE ON applications
FOR EACH ROW EXECUTE FUNCTION count_applications_delete();

CREATE FUNCTION count_applications_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('applications', OLD.body, OLD.state, '', -1);
    PERFORM count_pending('applications', NEW.body, NEW.state, '', 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_applications_update AFTER UPDATE OF body, state ON applications
FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION count_applications_update();

-- accreditations ----------------------------------------------------------------------

CREATE FUNCTION count_accreditations_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('accreditations', NEW.body, NEW.status, NEW.state, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_accreditations_insert AFTER INSERT ON accreditations
FOR EACH ROW EXECUTE FUNCTION count_accreditations_insert();

CREATE FUNCTION count_accreditations_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('accreditations', OLD.body, OLD.status, OLD.state, -1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_accreditations_delete AFTER DELETE ON accreditations
FOR EACH ROW EXECUTE FUNCTION count_accreditations_delete();

CREATE FUNCTION count_accreditations_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('accreditations', OLD.body, OLD.status, OLD.state, -1);
    PERFORM count_pending('accreditations', NEW.body, NEW.status, NEW.state, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_accreditations_update AFTER UPDATE OF body, status, state ON accreditations
FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.status IS DISTINCT FROM NEW.status OR OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION count_accreditations_update();

-- report_due is set by migration 0007's triggers with an UPDATE after the insert: an
-- insert counts what it carries (usually nothing) and that UPDATE moves the count.

CREATE FUNCTION count_report_due_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('report_due', NEW.body, NEW.report_due, '', 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_report_due_insert AFTER INSERT ON accreditations
FOR EACH ROW WHEN (NEW.report_due IS NOT NULL) EXECUTE FUNCTION count_report_due_insert();

CREATE FUNCTION count_report_due_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('report_due', OLD.body, OLD.report_due, '', -1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_report_due_delete AFTER DELETE ON accreditations
FOR EACH ROW WHEN (OLD.report_due IS NOT NULL) EXECUTE FUNCTION count_report_due_delete();

CREATE FUNCTION count_report_due_update_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('report_due', OLD.body, OLD.report_due, '', -1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_report_due_update_old AFTER UPDATE OF body, report_due ON accreditations
FOR EACH ROW WHEN (OLD.report_due IS NOT NULL AND (OLD.body IS DISTINCT FROM NEW.body OR OLD.report_due IS DISTINCT FROM NEW.report_due)) EXECUTE FUNCTION count_report_due_update_old();

CREATE FUNCTION count_report_due_update_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count_pending('report_due', NEW.body, NEW.report_due, '', 1);
    RETURN NULL;
END $$;
CREATE TRIGGER count_report_due_update_new AFTER UPDATE OF body, report_due ON accreditations
FOR EACH ROW WHEN (NEW.report_due IS NOT NULL AND (OLD.body IS DISTINCT FROM NEW.body OR OLD.report_due IS DISTINCT FROM NEW.report_due)) EXECUTE FUNCTION count_report_due_update_new();

-- The calendar pages its report items by (report_due, id) (src/store/calendar.c): a page
-- starts where the last ended, however many reports fall due on one day.
CREATE INDEX accreditations_due ON accreditations (report_due) WHERE report_due IS NOT NULL;

-- At commit, after every row trigger above: the pending changes applied once.
CREATE CONSTRAINT TRIGGER count_flush AFTER INSERT OR UPDATE OR DELETE ON organisations
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_flush();
CREATE CONSTRAINT TRIGGER count_flush AFTER INSERT OR UPDATE OR DELETE ON applications
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_flush();
CREATE CONSTRAINT TRIGGER count_flush AFTER INSERT OR UPDATE OR DELETE ON accreditations
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_flush();
