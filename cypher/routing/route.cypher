// query: route
// parameters: $findings, $as_of, $profiles, $reviewer_positions, $friend_bases
// returns: key, route_to, recused
// Who reviews each finding of $findings (maps of key, school_id, parties, notify_dsl): the
// school's headteacher and senior leaders less anyone recused; where none is left, the
// chair of governors; then the trust's chief executive. With notify_dsl the school's DSL
// is told too, with the same recusal. A reviewer is recused, with the first reason that
// applies, as a party to the finding, as family of a party (within the profile's degree),
// as a declared friend of one (pending or accepted), or as connected to one by $as_of;
// each person is considered once. The networkx twin is graph/routing.py.

UNWIND $findings AS finding
MATCH (school:School {school_id: finding.school_id})
OPTIONAL MATCH (school)-[:PART_OF]->(trust:Trust)
// Candidates by level: 0 leaders, 1 chair of governors, 2 trust chief executive, 3 DSL.
// (A membership's school_id is part of its key, and indexed with its position.)
OPTIONAL CALL (finding, school, trust) {
  MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
  WHERE held.position IN $reviewer_positions
    AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
  RETURN 0 AS level, reviewer
  UNION
  MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
  WHERE held.position = 'chair_of_governors'
    AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
  RETURN 1 AS level, reviewer
  UNION
  MATCH (trust)<-[:PART_OF]-(in_trust:School)
  MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: in_trust.school_id})
  WHERE held.position = 'trust_ceo'
    AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
  RETURN 2 AS level, reviewer
  UNION
  MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
  WHERE finding.notify_dsl AND held.position = 'dsl'
    AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
  RETURN 3 AS level, reviewer
}
WITH finding, school, level, reviewer, $profiles[school.school_id].family_degree AS degree
// Why the reviewer may not review, or null.
WITH finding, level, reviewer,
     CASE
       WHEN reviewer IS NULL THEN null
       WHEN reviewer.person_id IN finding.parties THEN 'party to the finding'
       ELSE coalesce(
         head([party IN finding.parties WHERE EXISTS {
           MATCH (party_node:Person {person_id: party})
           MATCH path = SHORTEST 1 (reviewer)-[:IS_RELATIVE_OF]-*(party_node)
           WHERE length(path) <= degree
         } | 'family of ' + party]),
         head([party IN finding.parties WHERE EXISTS {
           MATCH (reviewer)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-
                 (:Person {person_id: party})
           WHERE declaration.basis IN $friend_bases AND declaration.status <> 'rejected'
         } | 'friend of ' + party]),
         head([party IN finding.parties WHERE EXISTS {
           MATCH (reviewer)-[connection:CONNECTS_WITH]-(:Person {person_id: party})
           WHERE connection.first_seen IS NULL OR connection.first_seen <= $as_of
         } | 'connected to ' + party]))
     END AS reason
ORDER BY level, reviewer.person_id
WITH finding,
     collect(CASE WHEN reviewer IS NOT NULL
                  THEN {level: level, person_id: reviewer.person_id, reason: reason} END)
       AS candidates
// Level by level, each person once: the first level where someone may review ends the
// chain; the DSL (level 3) is considered whatever happened before.
WITH finding, reduce(
  routing = {route_to: [], recused: [], taken: false}, level IN range(0, 3) |
  CASE WHEN level < 3 AND routing.taken THEN routing
  ELSE reduce(state = routing{.*, taken: false},
              candidate IN [c IN candidates WHERE c.level = level] |
    CASE
      WHEN candidate.person_id IN state.route_to THEN state{.*, taken: true}
      WHEN candidate.person_id IN [r IN state.recused | r.person_id] THEN state
      WHEN candidate.reason IS NULL
        THEN state{.*, route_to: state.route_to + candidate.person_id, taken: true}
      ELSE state{.*, recused: state.recused
                              + [{person_id: candidate.person_id, reason: candidate.reason}]}
    END)
  END) AS routing
RETURN finding.key AS key, routing.route_to AS route_to, routing.recused AS recused
