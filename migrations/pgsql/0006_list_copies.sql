-- Copies of a referenced record's field, kept by the database, for list filters that
-- would otherwise look the reference up row by row (struct list_param .copy).
--
-- accreditations.org_country = the organisation's country: ?country= with ?status=,
-- ?body= or ?state= on millions of accreditations walks accreditations_country in id
-- order instead of reading an organisation for every accreditation it passes.
ALTER TABLE accreditations ADD COLUMN org_country TEXT;

UPDATE accreditations
   SET org_country = (SELECT country FROM organisations o WHERE o.id = accreditations.organisation_id);

CREATE INDEX accreditations_country ON accreditations (org_country, id);

CREATE FUNCTION accreditations_country() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accreditations
       SET org_country = (SELECT country FROM organisations WHERE id = NEW.organisation_id)
     WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER accreditations_country_insert AFTER INSERT ON accreditations
FOR EACH ROW EXECUTE FUNCTION accreditations_country();
CREATE TRIGGER accreditations_country_move AFTER UPDATE OF organisation_id ON accreditations
FOR EACH ROW EXECUTE FUNCTION accreditations_country();

CREATE FUNCTION organisations_country_accreditations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accreditations SET org_country = NEW.country WHERE organisation_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER organisations_country_accreditations AFTER UPDATE OF country ON organisations
FOR EACH ROW WHEN (NEW.country IS DISTINCT FROM OLD.country)
EXECUTE FUNCTION organisations_country_accreditations();
