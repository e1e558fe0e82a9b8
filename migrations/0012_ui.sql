-- 0012: case-insensitive substring search in the organisations list (issue 17).
-- An FTS5 index of trigrams over what a person types to find an organisation — its
-- names, acronym, city and registration number — case-folded in every script, so a
-- list's q= finds "открыт" inside "Открытый", "памят" inside "Памяти" and "Самара" in
-- the city, by prefix or inside a word, from the index rather than a scan of the table
-- (src/store/sqlite.c uses it for queries of three characters or more). External
-- content: the text stays in organisations; the triggers keep the index exact in the
-- transaction of every write.
CREATE VIRTUAL TABLE organisations_trigram USING fts5(
    name, name_en, name_ru, acronym, city, registration_no,
    content='organisations', content_rowid='id', tokenize='trigram case_sensitive 0'
);
INSERT INTO organisations_trigram(organisations_trigram) VALUES ('rebuild');

CREATE TRIGGER organisations_trigram_insert AFTER INSERT ON organisations BEGIN
    INSERT INTO organisations_trigram(rowid, name, name_en, name_ru, acronym, city, registration_no)
    VALUES (new.id, new.name, new.name_en, new.name_ru, new.acronym, new.city, new.registration_no);
END;

CREATE TRIGGER organisations_trigram_delete AFTER DELETE ON organisations BEGIN
    INSERT INTO organisations_trigram(organisations_trigram, rowid, name, name_en, name_ru, acronym, city, registration_no)
    VALUES ('delete', old.id, old.name, old.name_en, old.name_ru, old.acronym, old.city, old.registration_no);
END;

CREATE TRIGGER organisations_trigram_update
AFTER UPDATE OF name, name_en, name_ru, acronym, city, registration_no ON organisations BEGIN
    INSERT INTO organisations_trigram(organisations_trigram, rowid, name, name_en, name_ru, acronym, city, registration_no)
    VALUES ('delete', old.id, old.name, old.name_en, old.name_ru, old.acronym, old.city, old.registration_no);
    INSERT INTO organisations_trigram(rowid, name, name_en, name_ru, acronym, city, registration_no)
    VALUES (new.id, new.name, new.name_en, new.name_ru, new.acronym, new.city, new.registration_no);
END;
