// query: tie-pairs
// parameters: $connection_ids, $declaration_ids, $person_ids
// returns: connections, declarations, family, unknown
// Before a write of connections and declarations: the pairs of people that the ones the
// database already holds under these ids join, as [one, other], and whether one of those
// declarations is of family (which moves family paths, so reaches further than its pair);
// the other half of graph.store.embedded's _ties_changed, which reads the same from memory.
// And which of $person_ids, the people the write names, the database does not hold (as
// missing-references.cypher tells, in the same round trip). A write of new connections and
// declarations runs it as the first part of its own query (Neo4jStore's _write_and_reach).

RETURN COLLECT {
         UNWIND $connection_ids AS connection_id
         MATCH (one:Person)-[:CONNECTS_WITH {connection_id: connection_id}]->(other:Person)
         RETURN [one.person_id, other.person_id]
       } AS connections,
       COLLECT {
         UNWIND $declaration_ids AS declaration_id
         MATCH (one:Person)-[:DECLARES]->(:Declaration {declaration_id: declaration_id})-[:ABOUT]->(other:Person)
         RETURN [one.person_id, other.person_id]
       } AS declarations,
       EXISTS {
         UNWIND $declaration_ids AS declaration_id
         MATCH (declaration:Declaration {declaration_id: declaration_id})
         WHERE declaration.basis = 'family_member'
       } AS family,
       [id IN $person_ids WHERE NOT EXISTS { MATCH (:Person {person_id: id}) }] AS unknown
