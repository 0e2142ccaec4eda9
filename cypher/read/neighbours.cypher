// query: read-neighbours
// parameters: $person_ids
// returns: person_id, neighbours
// Everyone a family link (from the records or declared as a link) or a connection joins to
// each of $person_ids: the steps of Store.network.

UNWIND $person_ids AS person_id
MATCH (:Person {person_id: person_id})-[edge:IS_RELATIVE_OF|CONNECTS_WITH]-(other:Person)
WHERE edge.declaration_id IS NULL
RETURN person_id, collect(DISTINCT other.person_id) AS neighbours
