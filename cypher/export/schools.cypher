// query: export-schools
// parameters: none
// returns: school_id, name, trust_id, profile
// Every school, as the columns of schools.csv.

MATCH (school:School)
OPTIONAL MATCH (school)-[:PART_OF]->(trust:Trust)
RETURN school.school_id AS school_id, school.name AS name, trust.trust_id AS trust_id,
       school.profile AS profile
