// query: note-reach
// parameters: $reach
// returns: none
// After a write that refreshed its findings in its own transaction: whose findings it
// reached (people, accounts and pairs, as JSON), kept until the next write clears it
// (next-version.cypher). A service killed after this write and before it brought its
// cases in line takes up the cases' findings at the start and re-evaluates only these
// (Neo4jStore.adopt_findings), instead of every finding. An empty $reach notes nothing:
// the write path runs this as the first part of its rules query (one round trip less),
// and the same query re-evaluates at the start without noting. A write that reaches no
// one runs no rules, and notes so as the last part of its own query.

MATCH (mark:FactsVersion {id: 0})
WHERE $reach <> ''
SET mark.last_reach = $reach
