-- 0012 (PostgreSQL): case-insensitive substring search in the organisations list (issue 17).
-- An FTS5 index of trigrams over what a person types to find an organisation — its
-- names, acronym, city and registration number — case-folded in every script, so a
-- list's q= finds "открыт" inside "Открытый", "памят" inside "Памяти" and "Самара" in
-- the city, by prefix or inside a word, from the index rather than a scan of the table
-- (src/store/sqlite.c uses it for queries of three characters or more). External
-- content: the text stays in organisations; the triggers keep the index exact in the
-- transaction of every write.
-- PostgreSQL: pg_trgm's GIN index over the same columns serves the substring match
-- (ILIKE '%…%') on them without a scan; no copy of the text is kept.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX organisations_trigram ON organisations USING gin (
    (coalesce(name, '') || ' ' || coalesce(name_en, '') || ' ' || coalesce(name_ru, '') || ' ' ||
     coalesce(acronym, '') || ' ' || coalesce(city, '') || ' ' || coalesce(registration_no, ''))
    gin_trgm_ops);
