// query: import-family-links
// parameters: $rows
// returns: none
// Add or replace family links (rows of family_links.csv): person IS_RELATIVE_OF relative,
// as their `kind` (the person is the KIND of the relative).

UNWIND $rows AS row
MATCH (person:Person {person_id: row.person_id})
MATCH (relative:Person {person_id: row.relative_id})
MERGE (person)-[link:IS_RELATIVE_OF {kind: row.kind}]->(relative)
SET link.source = row.source,
    link.parental_responsibility = row.parental_responsibility
