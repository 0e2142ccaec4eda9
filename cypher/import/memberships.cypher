// query: import-memberships
// parameters: $rows
// returns: none
// Add or replace memberships (rows of memberships.csv):
// (:Person)-[:HOLDS]->(:Membership)-[:AT]->(:School).

UNWIND $rows AS row
MATCH (person:Person {person_id: row.person_id})
MATCH (school:School {school_id: row.school_id})
MERGE (membership:Membership {
  person_id: row.person_id, school_id: row.school_id, role: row.role, start_date: row.start_date
})
SET membership.position = row.position, membership.end_date = row.end_date
MERGE (person)-[:HOLDS]->(membership)
MERGE (membership)-[:AT]->(school)
