// query: read-memberships
// parameters: $person_ids
// returns: person_id, school_id, role, position, start_date, end_date
// The memberships of the people of $person_ids, as the columns of memberships.csv.

UNWIND $person_ids AS person_id
MATCH (person:Person {person_id: person_id})-[:HOLDS]->(membership:Membership)-[:AT]->(school:School)
RETURN person.person_id AS person_id, school.school_id AS school_id, membership.role AS role,
       membership.position AS position, toString(membership.start_date) AS start_date,
       toString(membership.end_date) AS end_date
