-- 0005: full-text search (src/store/search_index.c, docs/search.md).
-- One contentless FTS5 table: the text stays in the records' own tables (a content-storing
-- table would duplicate all of it, DESIGN §9). The "civdesk" tokenizer is registered on
-- every connection (src/store/search_index.c). The index is filled when the store opens
-- and finds no fingerprint (search_meta), then kept exact in every write transaction.

CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='', tokenize='civdesk');

-- Who may see what is found: one row per top-level record that has searchable text itself
-- or through its sub-records (a document through its translations).
CREATE TABLE search_anchor (
    id        INTEGER PRIMARY KEY,
    resource  TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    public    INTEGER NOT NULL,      -- its public flag is set: anyone may see it
    shared    INTEGER NOT NULL,      -- reference data: every signed-in user may see it
    UNIQUE (resource, record_id)
);

-- The organisations owning an anchor (owner field: a reference or a list of them).
CREATE TABLE search_anchor_org (
    anchor INTEGER NOT NULL,
    org    INTEGER NOT NULL,
    PRIMARY KEY (anchor, org)
) WITHOUT ROWID;

-- One row per indexed record; its id is the search_fts rowid.
CREATE TABLE search_entry (
    id        INTEGER PRIMARY KEY,
    resource  TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    anchor    INTEGER NOT NULL,
    lang      TEXT,                  -- ISO 639-1 of the record's text, if it has one
    public    INTEGER NOT NULL,      -- the record's own public flag
    text_hash INTEGER NOT NULL       -- of the text indexed: removal needs that very text
);
CREATE INDEX search_entry_record ON search_entry (resource, record_id);

CREATE TABLE search_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
