-- 0002: the international status ledger — bodies and their rules, accreditations,
-- applications with deferral questions, and imported listings for representation figures.
-- Rules: docs/domain.md. The bodies table is the source of truth for every body's rules.

CREATE TABLE bodies (
    id                    INTEGER PRIMARY KEY,
    code                  TEXT NOT NULL UNIQUE,  -- ECOSOC, UNESCO, ...; referenced by code
    name                  TEXT NOT NULL,
    statuses              TEXT,                  -- JSON array: the status kinds it grants
    national_statuses     TEXT,                  -- JSON array: those open to national NGOs
    report_interval_years INTEGER,               -- years a periodic report covers; NULL: none
    report_due            TEXT,                  -- 'MM-DD' the report is due, the year after
    report_exempt         TEXT,                  -- JSON array: statuses that do not report
    filing_deadline       TEXT,                  -- 'MM-DD': filed by it → considered next year
    decision_expected     TEXT,                  -- 'MM-DD' the body usually decides
    min_years_registered  INTEGER,               -- years registered before filing; NULL: none
    rules_source          TEXT,                  -- where the rules come from
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);

INSERT INTO bodies (code, name, statuses, national_statuses, report_interval_years, report_due,
                    report_exempt, filing_deadline, decision_expected, min_years_registered,
                    rules_source, created_at, updated_at)
VALUES
    ('ECOSOC', 'United Nations Economic and Social Council',
     '["general","special","roster"]', '["general","special","roster"]',
     4, '06-01', '["roster"]', '06-01', '07-01', 2,
     'ECOSOC resolution 1996/31 (categories, two years registered, consultation of the member ' ||
     'state); decision 2008/4 (quadrennial reports, suspension, withdrawal); Committee on NGOs ' ||
     'rules: applications received by 1 June are considered the following year',
     strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('UNESCO', 'United Nations Educational, Scientific and Cultural Organization',
     '["consultative","associate"]', '["consultative"]',
     NULL, NULL, NULL, '11-30', NULL, NULL,
     'Directives concerning UNESCO''s partnership with NGOs (2011): associate status for ' ||
     'international or regional NGOs after two years in consultative status; requests by ' ||
     '30 November, decided by the Executive Board the next year',
     strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('COE', 'Council of Europe',
     '["participatory"]', '[]',
     NULL, NULL, NULL, NULL, NULL, NULL,
     'Council of Europe Committee of Ministers resolution CM/Res(2016)3: participatory status ' ||
     'for international NGOs only',
     strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('OSCE_ODIHR', 'OSCE Office for Democratic Institutions and Human Rights',
     '[]', '[]',
     NULL, NULL, NULL, NULL, NULL, NULL,
     'Human-dimension events: registration per event and side events; no standing status',
     strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('UNHRC', 'United Nations Human Rights Council',
     '[]', '[]',
     NULL, NULL, NULL, NULL, NULL, NULL,
     'ECOSOC resolution 1996/31 and HRC resolution 5/1: only NGOs in ECOSOC consultative ' ||
     'status take part; no status of its own',
     strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

CREATE TABLE applications (
    id                INTEGER PRIMARY KEY,
    organisation_id   INTEGER NOT NULL REFERENCES organisations (id),
    body              TEXT NOT NULL REFERENCES bodies (code),
    requested_status  TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'endorsed', 'filed',
                          'under_review', 'deferred', 'recommended', 'granted', 'rejected',
                          'closed', 'withdrawn')),
    committee_session TEXT,
    filed_on          TEXT,
    decided_on        TEXT,
    notes             TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX applications_body_state ON applications (body, state, id);
CREATE INDEX applications_organisation ON applications (organisation_id, id);
CREATE INDEX applications_state ON applications (state, id);

-- Questions the body asks when it defers an application, and the answers given.
CREATE TABLE application_questions (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    question       TEXT NOT NULL,
    asked_on       TEXT NOT NULL,
    answer         TEXT,
    answered_on    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX application_questions_application ON application_questions (application_id, id);

CREATE TABLE accreditations (
    id                     INTEGER PRIMARY KEY,
    organisation_id        INTEGER NOT NULL REFERENCES organisations (id),
    body                   TEXT NOT NULL REFERENCES bodies (code),
    status                 TEXT NOT NULL,
    granted_on             TEXT,
    state                  TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'withdrawn')),
    last_report_period_end INTEGER,              -- year the last report submitted covers to
    application_id         INTEGER REFERENCES applications (id),
    notes                  TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    version                INTEGER NOT NULL DEFAULT 1
);
-- One status per organisation and body at a time (a withdrawn one is history).
CREATE UNIQUE INDEX accreditations_current ON accreditations (organisation_id, body)
    WHERE state <> 'withdrawn';
CREATE INDEX accreditations_organisation ON accreditations (organisation_id, id);
CREATE INDEX accreditations_body ON accreditations (body, status, state, id);
CREATE INDEX accreditations_state ON accreditations (state, id);

-- Reference lists of every organisation in a status at a body on a date (imported).
CREATE TABLE listings (
    id         INTEGER PRIMARY KEY,
    body       TEXT NOT NULL REFERENCES bodies (code),
    status     TEXT NOT NULL,
    as_of      TEXT NOT NULL,
    name       TEXT NOT NULL,
    country    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX listings_body_as_of ON listings (body, as_of, country, status);
CREATE INDEX listings_country ON listings (country, id);
