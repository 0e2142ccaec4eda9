// query: read-connections
// parameters: $person_ids, $connection_ids
// returns: connection_id, person_id, other_id, channel, direction, first_seen, source
// The connections of the people of $person_ids, and those of $connection_ids, as the
// columns of connections.csv.

CALL () {
  UNWIND $person_ids AS person_id
  MATCH (:Person {person_id: person_id})-[connection:CONNECTS_WITH]-(:Person)
  RETURN connection
  UNION
  UNWIND $connection_ids AS connection_id
  MATCH ()-[connection:CONNECTS_WITH {connection_id: connection_id}]->()
  RETURN connection
}
MATCH (person:Person)-[connection]->(other:Person)
RETURN connection.connection_id AS connection_id, person.person_id AS person_id,
       other.person_id AS other_id, connection.channel AS channel,
       connection.direction AS direction, toString(connection.first_seen) AS first_seen,
       connection.source AS source
