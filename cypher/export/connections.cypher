// query: export-connections
// parameters: none
// returns: connection_id, person_id, other_id, channel, direction, first_seen, source
// Every connection, as the columns of connections.csv.

MATCH (person:Person)-[connection:CONNECTS_WITH]->(other:Person)
RETURN connection.connection_id AS connection_id, person.person_id AS person_id,
       other.person_id AS other_id, connection.channel AS channel,
       connection.direction AS direction, toString(connection.first_seen) AS first_seen,
       connection.source AS source
