// fragment: connected-pairs
// The body of a subquery, `CALL () { {{connected-pairs}} }`: two people joined by a
// connection, as `one` and `two`, once each way round, with each `connection` between them
// (seen on any date: a rule filters by first_seen). With $people, only the pairs one of whom
// is among them, found by their index: the UNWIND of an empty list skips the scan of every
// connection. Used by the four contact rules.
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
