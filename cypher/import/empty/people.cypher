// query: import-people-into-empty
// parameters: $rows
// returns: none
// People (rows of people.csv) into a database that holds no facts: nothing to replace, so
// each is created without first looking for it (import/people.cypher merges).
// Each row is a list of the file's columns in order: person_id, given_name, family_name,
// date_of_birth.

UNWIND $rows AS row
CREATE (:Person {
  person_id: row[0], given_name: row[1], family_name: row[2],
  date_of_birth: row[3]
})
