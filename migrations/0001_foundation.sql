-- 0001: organisations, people, users, tokens, audit trail.
-- Every record: id, created_at, updated_at (RFC 3339 UTC), version (+1 per change).

CREATE TABLE organisations (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    name_en         TEXT,
    name_ru         TEXT,
    acronym         TEXT,
    country         TEXT NOT NULL,
    city            TEXT,
    legal_form      TEXT,
    registration_no TEXT,
    founded_on      TEXT,
    website         TEXT,
    email           TEXT,
    phone           TEXT,
    areas           TEXT,            -- JSON array of strings
    description     TEXT,
    public          INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX organisations_registration
    ON organisations (country, registration_no) WHERE registration_no IS NOT NULL;
CREATE INDEX organisations_country ON organisations (country, id);
CREATE INDEX organisations_name ON organisations (name, id);

CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    full_name       TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    position        TEXT,
    email           TEXT,
    phone           TEXT,
    languages       TEXT,            -- JSON array of ISO 639-1 codes
    notes           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX people_organisation ON people (organisation_id, id);
CREATE INDEX people_name ON people (full_name, id);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'ngo')),
    organisation_id INTEGER REFERENCES organisations (id),
    password_hash   TEXT,
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (role <> 'ngo' OR organisation_id IS NOT NULL)
);

-- API tokens: only the SHA-256 of the token is kept.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       BLOB NOT NULL UNIQUE,
    label      TEXT,
    created_at TEXT NOT NULL
);

-- The audit trail: append-only, each entry chained to the previous by SHA-256.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER,               -- users.id; NULL for the system
    actor     TEXT NOT NULL,         -- e-mail or 'cli', as it was then
    org_id    INTEGER,
    action    TEXT NOT NULL,         -- create, update, delete, transition, login, ...
    resource  TEXT NOT NULL,
    record_id INTEGER,
    before    TEXT,                  -- JSON image before the change
    after     TEXT,                  -- JSON image after the change
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_record ON audit (resource, record_id, id);
CREATE INDEX audit_actor ON audit (actor_id, id);

-- History of every state-machine move (applications, proposals, reports, ...).
CREATE TABLE transitions (
    id         INTEGER PRIMARY KEY,
    resource   TEXT NOT NULL,
    record_id  INTEGER NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor_id   INTEGER,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX transitions_record ON transitions (resource, record_id, id);
