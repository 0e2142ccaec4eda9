// query: family-circle
// parameters: $person_ids, $degree
// returns: person_ids, account_ids
// Everyone within $degree family edges of one of $person_ids, whatever the edges' dates
// (the people themselves included), and the school accounts they administer: whose
// findings a change to $person_ids can touch, as kinship and recusal run along family
// paths (graph.store.embedded's _family_circle). A family is small: the search walks the
// family, not the database.

UNWIND $person_ids AS person_id
MATCH (person:Person {person_id: person_id})
MATCH path = ANY SHORTEST (person)(()-[:IS_RELATIVE_OF]-())*(near:Person)
WHERE length(path) <= $degree
WITH collect(DISTINCT near) AS circle
RETURN [near IN circle | near.person_id] AS person_ids,
       COLLECT {
         UNWIND circle AS near
         MATCH (near)-[:ADMINISTERS]->(account:SchoolAccount)
         RETURN DISTINCT account.account_id
       } AS account_ids
