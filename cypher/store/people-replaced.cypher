// query: people-replaced
// parameters: $connection_ids, $declaration_ids, $report_ids
// returns: person_ids
// Before a write: the people of the connections, declarations and approach reports the
// database already holds under these ids. The write may give a record other people, and
// the findings of those it leaves move too; graph.store.embedded's _people_replaced is the
// twin, which reads the same from memory.

RETURN COLLECT {
         UNWIND $connection_ids AS connection_id
         MATCH (person:Person)-[:CONNECTS_WITH {connection_id: connection_id}]-(:Person)
         RETURN person.person_id
       } + COLLECT {
         UNWIND $declaration_ids AS declaration_id
         MATCH (person:Person)-[:DECLARES|ABOUT]-(:Declaration {declaration_id: declaration_id})
         RETURN person.person_id
       } + COLLECT {
         UNWIND $report_ids AS report_id
         MATCH (person:Person)-[:REPORTS|FROM]-(:ApproachReport {report_id: report_id})
         RETURN person.person_id
       } AS person_ids
