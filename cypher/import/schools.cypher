// query: import-schools
// parameters: $rows
// returns: none
// Add or replace schools (rows of schools.csv); a school's trust is a Trust node it is PART_OF.

UNWIND $rows AS row
MERGE (school:School {school_id: row.school_id})
SET school.name = row.name, school.profile = row.profile
WITH school, row
CALL (school) {
  MATCH (school)-[old:PART_OF]->(:Trust)
  DELETE old
}
CALL (school, row) {
  WITH school, row
  WHERE row.trust_id IS NOT NULL
  MERGE (trust:Trust {trust_id: row.trust_id})
  MERGE (school)-[:PART_OF]->(trust)
}
