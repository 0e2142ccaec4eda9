// query: export-people
// parameters: none
// returns: person_id, given_name, family_name, date_of_birth
// Every person, as the columns of people.csv.

MATCH (person:Person)
RETURN person.person_id AS person_id, person.given_name AS given_name,
       person.family_name AS family_name, person.date_of_birth AS date_of_birth
