// query: read-people
// parameters: $person_ids
// returns: person_id, given_name, family_name, date_of_birth
// The people of $person_ids, as the columns of people.csv.

UNWIND $person_ids AS person_id
MATCH (person:Person {person_id: person_id})
RETURN person.person_id AS person_id, person.given_name AS given_name,
       person.family_name AS family_name, person.date_of_birth AS date_of_birth
