// query: note-reach
// parameters: $reach
// returns: none
// After a write that refreshed its findings in its own transaction: whose findings it
// reached (people, accounts and pairs, as JSON), kept until the next write clears it
// (next-version.cypher). A service killed after this write and before it brought its
// cases in line takes up the cases' findings at the start and re-evaluates only these
// (Neo4jStore.adopt_findings), instead of every finding.

MATCH (mark:FactsVersion {id: 0})
SET mark.last_reach = $reach
