// query: import-connections
// parameters: $rows
// returns: none
// Add or replace connections (rows of connections.csv). A connection replaced may join
// other people than before, so the old edge goes and a new one is drawn.

UNWIND $rows AS row
CALL (row) {
  MATCH ()-[old:CONNECTS_WITH {connection_id: row.connection_id}]->()
  DELETE old
}
WITH row
MATCH (person:Person {person_id: row.person_id})
MATCH (other:Person {person_id: row.other_id})
CREATE (person)-[:CONNECTS_WITH {
  connection_id: row.connection_id, channel: row.channel, direction: row.direction,
  first_seen: row.first_seen, source: row.source
}]->(other)
