-- 0003: engagement records — meetings (participants, action items), proposals,
-- delegations (members), reports (recommendations), incidents, working groups (members,
-- sites), documents (translations, attachments). Declarations: src/domain/engagement.c;
-- rules: docs/engagement.md. Lists of ids are JSON arrays; booleans INTEGER 0/1.

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    starts_at   TEXT NOT NULL,            -- RFC 3339 UTC
    ends_at     TEXT,
    location    TEXT,
    department  TEXT,
    chair       TEXT,
    agenda      TEXT,                     -- JSON array of strings
    summary     TEXT,
    published   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX meetings_starts ON meetings (starts_at, id);
CREATE INDEX meetings_kind ON meetings (kind, starts_at, id);

CREATE TABLE meeting_participants (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id),
    person_id       INTEGER REFERENCES people (id),
    organisation_id INTEGER REFERENCES organisations (id), -- the person's, when not given
    role            TEXT NOT NULL,
    attended        INTEGER NOT NULL DEFAULT 0,
    notes           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (person_id IS NOT NULL OR organisation_id IS NOT NULL)
);
CREATE INDEX meeting_participants_meeting ON meeting_participants (meeting_id, id);
CREATE INDEX meeting_participants_organisation ON meeting_participants (organisation_id, meeting_id);
CREATE INDEX meeting_participants_person ON meeting_participants (person_id, meeting_id);
-- A person takes part once; an organisation without a named person, once.
CREATE UNIQUE INDEX meeting_participants_person_once
    ON meeting_participants (meeting_id, person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX meeting_participants_organisation_once
    ON meeting_participants (meeting_id, organisation_id) WHERE person_id IS NULL;

CREATE TABLE meeting_actions (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id),
    text        TEXT NOT NULL,
    owner       TEXT,                     -- who is to do it (department, person)
    due_on      TEXT,
    done        INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX meeting_actions_meeting ON meeting_actions (meeting_id, id);
CREATE INDEX meeting_actions_due ON meeting_actions (due_on, done);

CREATE TABLE proposals (
    id               INTEGER PRIMARY KEY,
    title            TEXT NOT NULL,
    text             TEXT,
    organisation_ids TEXT,                -- JSON array: the authors (joint proposals)
    meeting_id       INTEGER REFERENCES meetings (id),
    area             TEXT,
    addressed_to     TEXT,
    state            TEXT NOT NULL CHECK (state IN ('received', 'under_review', 'accepted',
                         'partially_accepted', 'declined', 'implemented')),
    response         TEXT,
    answered_by      TEXT,
    answered_on      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX proposals_state ON proposals (state, id);
CREATE INDEX proposals_meeting ON proposals (meeting_id, id);

CREATE TABLE delegations (
    id          INTEGER PRIMARY KEY,
    forum       TEXT NOT NULL,            -- "UNGA 71"
    body        TEXT REFERENCES bodies (code),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    notes       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX delegations_forum ON delegations (forum, id);
CREATE INDEX delegations_dates ON delegations (starts_on, ends_on);

CREATE TABLE delegation_members (
    id              INTEGER PRIMARY KEY,
    delegation_id   INTEGER NOT NULL REFERENCES delegations (id),
    person_id       INTEGER NOT NULL REFERENCES people (id),
    role            TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id), -- the NGO the member came from
    notes           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX delegation_members_once ON delegation_members (delegation_id, person_id);
CREATE INDEX delegation_members_person ON delegation_members (person_id, delegation_id);

CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    organisation_ids TEXT,                -- JSON array: the authors
    target_body      TEXT REFERENCES bodies (code),
    subject_country  TEXT,
    deadline_on      TEXT,
    submitted_on     TEXT,
    state            TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'submitted',
                         'published', 'withdrawn')),
    summary          TEXT,
    text             TEXT,                -- the text counted against the target's word limit
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reports_state ON reports (state, id);
CREATE INDEX reports_deadline ON reports (deadline_on, state);

CREATE TABLE report_recommendations (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    text        TEXT NOT NULL,
    addressee   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX report_recommendations_report ON report_recommendations (report_id, id);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    country     TEXT NOT NULL,
    place       TEXT,
    description TEXT NOT NULL,
    sources     TEXT,                     -- JSON array of URLs
    report_ids  TEXT,                     -- JSON array of reports.id
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_occurred ON incidents (occurred_on, id);
CREATE INDEX incidents_country ON incidents (country, occurred_on);

CREATE TABLE working_groups (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    mandate         TEXT,
    established_on  TEXT,
    lead_department TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE working_group_members (
    id               INTEGER PRIMARY KEY,
    working_group_id INTEGER NOT NULL REFERENCES working_groups (id),
    person_id        INTEGER NOT NULL REFERENCES people (id),
    organisation_id  INTEGER REFERENCES organisations (id),
    role             TEXT NOT NULL,
    since            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX working_group_members_once ON working_group_members (working_group_id, person_id);

CREATE TABLE working_group_sites (
    id               INTEGER PRIMARY KEY,
    working_group_id INTEGER NOT NULL REFERENCES working_groups (id),
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    place            TEXT,
    country          TEXT NOT NULL,
    lat              REAL CHECK (lat BETWEEN -90 AND 90),
    lon              REAL CHECK (lon BETWEEN -180 AND 180),
    condition        TEXT,
    notes            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX working_group_sites_group ON working_group_sites (working_group_id, id);
CREATE INDEX working_group_sites_country ON working_group_sites (country, id);

CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    meeting_id      INTEGER REFERENCES meetings (id),
    report_id       INTEGER REFERENCES reports (id),
    published       INTEGER NOT NULL DEFAULT 0,
    published_at    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX documents_meeting ON documents (meeting_id, id);
CREATE INDEX documents_report ON documents (report_id, id);
CREATE INDEX documents_published ON documents (published, id);

-- One document, many languages: one row per language.
CREATE TABLE document_translations (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    lang        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX document_translations_lang ON document_translations (document_id, lang);

-- Uploaded files: the bytes, their SHA-256 (hex) and their media type from an allow-list.
CREATE TABLE document_attachments (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    -- Last, so that reading the metadata columns never walks the blob's overflow pages.
    content      BLOB NOT NULL DEFAULT x''
);
CREATE INDEX document_attachments_document ON document_attachments (document_id, id);

-- Delegations go to the General Assembly too: it joins the bodies as reference data.
INSERT OR IGNORE INTO bodies (code, name, statuses, national_statuses, rules_source,
                              created_at, updated_at)
VALUES ('UNGA', 'United Nations General Assembly', '[]', '[]',
        'Charter of the United Nations, Chapter IV; session N opens in September of year ' ||
        '1945+N (the 71st in 2016); NGO experts take part in national delegations',
        strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
