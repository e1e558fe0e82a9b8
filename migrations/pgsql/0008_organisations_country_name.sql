-- Organisations of one country in name order (?country=FR&sort=name, a column sorted in
-- the UI after choosing a country): walked from this index instead of sorting every
-- organisation of the country (3.8 s for France's 108,000 of 1,000,000 before).
CREATE INDEX organisations_country_name ON organisations (country, name, id);
