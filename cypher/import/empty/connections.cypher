// query: import-connections-into-empty
// parameters: $rows
// returns: none
// Connections (rows of connections.csv) into a database that holds none yet: created,
// with no old edge to look for and delete first.
// Each row is a list of the file's columns in order: connection_id, person_id, other_id,
// channel, direction, first_seen, source.

UNWIND $rows AS row
MATCH (person:Person {person_id: row[1]})
MATCH (other:Person {person_id: row[2]})
CREATE (person)-[:CONNECTS_WITH {
  connection_id: row[0], channel: row[3], direction: row[4],
  first_seen: row[5], source: row[6]
}]->(other)
