// query: export-memberships
// parameters: none
// returns: person_id, school_id, role, position, start_date, end_date
// Every membership, as the columns of memberships.csv.

MATCH (person:Person)-[:HOLDS]->(membership:Membership)-[:AT]->(school:School)
RETURN person.person_id AS person_id, school.school_id AS school_id, membership.role AS role,
       membership.position AS position, toString(membership.start_date) AS start_date,
       toString(membership.end_date) AS end_date
