// query: read-members
// parameters: $school_id
// returns: person_id, given_name, family_name, date_of_birth
// Everyone who holds or held a membership at the school, as the columns of people.csv.

MATCH (:School {school_id: $school_id})<-[:AT]-(:Membership)<-[:HOLDS]-(person:Person)
WITH DISTINCT person
RETURN person.person_id AS person_id, person.given_name AS given_name,
       person.family_name AS family_name, person.date_of_birth AS date_of_birth
