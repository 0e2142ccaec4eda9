// query: import-memberships-into-empty
// parameters: $rows
// returns: none
// Memberships (rows of memberships.csv) into a database that holds no memberships yet:
// (:Person)-[:HOLDS]->(:Membership)-[:AT]->(:School), created, not merged.
// Each row is a list of the file's columns in order: person_id, school_id, role, position,
// start_date, end_date.

UNWIND $rows AS row
MATCH (person:Person {person_id: row[0]})
MATCH (school:School {school_id: row[1]})
CREATE (person)-[:HOLDS]->(:Membership {
  person_id: row[0], school_id: row[1], role: row[2],
  start_date: row[4], position: row[3], end_date: row[5]
})-[:AT]->(school)
