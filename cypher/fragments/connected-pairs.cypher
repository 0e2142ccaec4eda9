// fragment: connected-pairs
// The body of a subquery, `CALL () { {{connected-pairs}} }`: two people joined by a
// connection, as `one` and `two`, once each way round, with each `connection` between them
// (seen on any date: a rule filters by first_seen). With $people, only the pairs one of whom
// is among them, found by their index: the UNWIND of an empty list skips the scan of every
// connection; and with $pairs too ([one, other] lists), each of those pairs, unless one of
// its people is among $people (found already). Used by the four contact rules.
  UNWIND CASE WHEN $people IS NULL THEN [true] ELSE [] END AS everyone
  MATCH (one)-[connection:CONNECTS_WITH]-(two)
  RETURN one, two, connection
  UNION ALL
  UNWIND coalesce($people, []) AS person_id
  MATCH (one:Person {person_id: person_id})-[:CONNECTS_WITH]-(two:Person)
  UNWIND [[one, two], [two, one]] AS pair
  WITH DISTINCT pair[0] AS one, pair[1] AS two
  MATCH (one)-[connection:CONNECTS_WITH]-(two)
  RETURN one, two, connection
  UNION ALL
  UNWIND CASE WHEN $people IS NULL THEN [] ELSE coalesce($pairs, []) END AS pair
  WITH pair
  WHERE pair[0] <> pair[1] AND NOT pair[0] IN $people AND NOT pair[1] IN $people
  UNWIND [[pair[0], pair[1]], [pair[1], pair[0]]] AS ordered
  WITH DISTINCT ordered
  MATCH (one:Person {person_id: ordered[0]})-[connection:CONNECTS_WITH]-(two:Person {person_id: ordered[1]})
  RETURN one, two, connection
