// query: remove-connection
// parameters: $connection_id
// returns: removed, person_ids
// Forget one connection; `removed` says whether there was one, `person_ids` whom it joined.

OPTIONAL MATCH (person:Person)-[connection:CONNECTS_WITH {connection_id: $connection_id}]->(other:Person)
WITH connection, [id IN [person.person_id, other.person_id] WHERE id IS NOT NULL] AS person_ids
DELETE connection
RETURN connection IS NOT NULL AS removed, person_ids
