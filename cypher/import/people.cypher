// query: import-people
// parameters: $rows
// returns: none
// Add or replace people (rows of people.csv). A date of birth stays text: it may be partial.

UNWIND $rows AS row
MERGE (person:Person {person_id: row.person_id})
SET person.given_name = row.given_name,
    person.family_name = row.family_name,
    person.date_of_birth = row.date_of_birth
