-- 0005: full-text search (src/store/search_index.c, docs/search.md).
-- One contentless FTS5 table: the text stays in the records' own tables (a content-storing
-- table would duplicate all of it, DESIGN §9). The "civdesk" tokenizer is registered on
-- every connection. The index is filled when the store opens and finds no fingerprint
-- (search_meta), then kept exact in every write transaction. A rebuild (civdesk reindex,
-- or a changed fingerprint) drops and creates these tables again with the same statements
-- (search_index.c SCHEMA): change both together.

-- title, body: the record's text. tags: what filters match on (who may see it, its type,
-- its language) as tokens, so filters are doclist operations, not a lookup per match.
CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, content='', tokenize='civdesk');

-- One row per top-level record that has searchable text itself or through its sub-records
-- (a document through its translations): what decides who may see what it anchors.
CREATE TABLE search_anchor (
    id        INTEGER PRIMARY KEY,
    resource  TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    public    INTEGER NOT NULL,      -- its public flag is set: anyone may see it
    shared    INTEGER NOT NULL,      -- reference data: every signed-in user may see it
    UNIQUE (resource, record_id)
);
CREATE TABLE search_anchor_org (     -- the organisations owning an anchor
    anchor INTEGER NOT NULL,
    org    INTEGER NOT NULL,
    PRIMARY KEY (anchor, org)
) WITHOUT ROWID;

-- One row per indexed record. id = search_fts rowid = anchor id * 65536 + slot (0: the
-- anchor's own record, 1..65535: its sub-records), so results group by anchor unjoined.
CREATE TABLE search_entry (
    id        INTEGER PRIMARY KEY,
    resource  TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    lang      TEXT,                  -- ISO 639-1 of the record's text, if it has one
    text_hash INTEGER NOT NULL,      -- of the title and body indexed
    tags      TEXT NOT NULL          -- the tags column as indexed
);
CREATE INDEX search_entry_record ON search_entry (resource, record_id);

CREATE TABLE search_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
