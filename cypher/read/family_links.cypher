// query: read-family-links
// parameters: $person_ids
// returns: person_id, relative_id, kind, source, parental_responsibility
// The family links that name someone of $person_ids, as the columns of family_links.csv
// (the family edges drawn by declarations are the declarations' own and are left out).

UNWIND $person_ids AS person_id
MATCH (:Person {person_id: person_id})-[link:IS_RELATIVE_OF]-(:Person)
WHERE link.declaration_id IS NULL
WITH DISTINCT link
MATCH (person:Person)-[link]->(relative:Person)
RETURN person.person_id AS person_id, relative.person_id AS relative_id, link.kind AS kind,
       link.source AS source, link.parental_responsibility AS parental_responsibility
