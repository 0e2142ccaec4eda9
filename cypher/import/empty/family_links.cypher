// query: import-family-links-into-empty
// parameters: $rows
// returns: none
// Family links (rows of family_links.csv) into a database that holds none yet: person
// IS_RELATIVE_OF relative, created, not merged.
// Each row is a list of the file's columns in order: person_id, relative_id, kind, source,
// parental_responsibility.

UNWIND $rows AS row
MATCH (person:Person {person_id: row[0]})
MATCH (relative:Person {person_id: row[1]})
CREATE (person)-[:IS_RELATIVE_OF {
  kind: row[2], source: row[3], parental_responsibility: row[4]
}]->(relative)
