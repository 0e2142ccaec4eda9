// query: reach-of-ties
// parameters: $connections, $declarations, $degree
// returns: people, pairs
// After a write of connections and of declarations other than of family, which leave every
// family path as it was: whose findings it can move (graph.store.embedded's _reach, the
// twin). `pairs` ([one, other]): the pairs whose connection findings may move. A connection
// decides its own pair's findings ($connections); a declaration between X and Y
// ($declarations) the ties of X with anyone connected to X whose family, within $degree
// edges, holds Y, and of Y likewise. `people`: everyone whose every finding may move.
// Recusal: a connected reviewer (someone who holds or has held a position) is recused from
// the other person's findings, a declared friend from those of the other's family.

WITH [pair IN $connections | [pair[0], pair[1]]] + [pair IN $connections | [pair[1], pair[0]]]
       AS connected,
     [pair IN $declarations | [pair[0], pair[1]]] + [pair IN $declarations | [pair[1], pair[0]]]
       AS declared
RETURN COLLECT {
         UNWIND connected AS ordered
         MATCH (one:Person {person_id: ordered[0]})
         WHERE EXISTS { (one)-[:HOLDS]->(held:Membership) WHERE held.position IS NOT NULL }
         RETURN ordered[1]
       } + COLLECT {
         UNWIND declared AS ordered
         MATCH (one:Person {person_id: ordered[0]})
         WHERE EXISTS { (one)-[:HOLDS]->(held:Membership) WHERE held.position IS NOT NULL }
         MATCH (other:Person {person_id: ordered[1]})
         MATCH path = ANY SHORTEST (other)(()-[:IS_RELATIVE_OF]-())*(near:Person)
         WHERE length(path) <= $degree
         RETURN near.person_id
       } AS people,
       connected + COLLECT {
         UNWIND declared AS ordered
         MATCH (one:Person {person_id: ordered[0]}), (other:Person {person_id: ordered[1]})
         MATCH path = ANY SHORTEST (other)(()-[:IS_RELATIVE_OF]-())*(near:Person)
         WHERE length(path) <= $degree AND EXISTS { (one)-[:CONNECTS_WITH]-(near) }
         RETURN [one.person_id, near.person_id]
       } AS pairs
