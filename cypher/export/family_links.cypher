// query: export-family-links
// parameters: none
// returns: person_id, relative_id, kind, source, parental_responsibility
// Every family link, as the columns of family_links.csv; the family edges drawn by
// declarations are the declarations' own and are left out.

MATCH (person:Person)-[link:IS_RELATIVE_OF]->(relative:Person)
WHERE link.declaration_id IS NULL
RETURN person.person_id AS person_id, relative.person_id AS relative_id, link.kind AS kind,
       link.source AS source, link.parental_responsibility AS parental_responsibility
