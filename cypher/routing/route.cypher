// query: route
// parameters: $findings, $as_of, $profiles, $reviewer_positions, $friend_bases
// returns: key, route_to, recused, level, sizes
// Who reviews each finding of $findings (maps of key, school_id, parties, notify_dsl), level
// by level: 0 the school's headteacher and senior leaders, 1 the trust's leaders (its chief
// executive), 2 the chair of governors, 3 the school's DSL; the first level where someone
// may review ends the chain. With notify_dsl the school's DSL is told too (level 4). A
// reviewer is recused, with the first reason that applies, as a party to the finding, as
// family of a party (within the profile's degree, by family edges that hold on $as_of), as
// a friend (declared by $as_of, pending or accepted) of a party or of a party's family, or
// as connected to one by $as_of; each person is considered once. `level` is where the chain
// ended (4 when no one could review) and `sizes` how many people each of levels 0-3 had,
// which graph.routing.escalation turns into the reason it went up. The networkx twin is
// graph/routing.py.

// Each school's chain is looked up once, whatever the number of its findings, as
// graph.routing.Reviewers does: the findings are taken school by school.
UNWIND $findings AS finding
WITH finding.school_id AS school_id, collect(finding) AS at_school
MATCH (school:School {school_id: school_id})
OPTIONAL MATCH (school)-[:PART_OF]->(trust:Trust)
CALL (school, trust) {
  // (A membership's school_id is part of its key, and indexed with its position.)
  OPTIONAL CALL (school, trust) {
    MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
    WHERE held.position IN $reviewer_positions
      AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
    RETURN 0 AS level, reviewer
    UNION
    MATCH (trust)<-[:PART_OF]-(in_trust:School)
    MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: in_trust.school_id})
    WHERE held.position = 'trust_ceo'
      AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
    RETURN 1 AS level, reviewer
    UNION
    MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
    WHERE held.position = 'chair_of_governors'
      AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
    RETURN 2 AS level, reviewer
    UNION
    MATCH (reviewer:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
    WHERE held.position = 'dsl'
      AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
    RETURN 3 AS level, reviewer
  }
  // Whom each reviewer may not judge apart from family, looked up once per school and
  // reviewer, not for each finding: their live friendships (declared by $as_of, pending or
  // accepted) and their connections by $as_of, as person ids.
  WITH level, reviewer,
       COLLECT {
         MATCH (reviewer)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(friend:Person)
         WHERE declaration.basis IN $friend_bases AND {{live-declaration}}
         RETURN DISTINCT friend.person_id
       } AS friends,
       COLLECT {
         MATCH (reviewer)-[connection:CONNECTS_WITH]-(connected:Person)
         WHERE connection.first_seen IS NULL OR connection.first_seen <= $as_of
         RETURN DISTINCT connected.person_id
       } AS connected
  RETURN collect(CASE WHEN reviewer IS NOT NULL
                      THEN {level: level, person_id: reviewer.person_id, friends: friends,
                            connected: connected} END) AS chain
}
UNWIND at_school AS finding
WITH finding, $profiles[school.profile].family_degree AS degree,
     // The DSL's notice (level 4) is the DSL of level 3 told again.
     chain + [c IN chain WHERE finding.notify_dsl AND c.level = 3 | c{.*, level: 4}] AS chain
// Each party's family within the profile's degree, by family edges that hold on $as_of
// (the party themself included), walked once per finding, not once per reviewer. One
// circle for each party, in their order (an empty one for a party not in the database).
CALL (finding, degree) {
  UNWIND range(0, size(finding.parties) - 1) AS at
  OPTIONAL MATCH (party:Person {person_id: finding.parties[at]})
  WITH at, COLLECT {
    MATCH path = ANY SHORTEST (party)(()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*(near:Person)
    WHERE length(path) <= degree
    RETURN near.person_id
  } AS circle
  ORDER BY at
  RETURN collect(circle) AS circles
}
// A finding whose school has no one at any level still gives a row, with no reviewer.
UNWIND CASE WHEN size(chain) = 0 THEN [null] ELSE chain END AS candidate
WITH finding, circles, candidate, range(0, size(finding.parties) - 1) AS at
// Why the reviewer may not review, or null.
WITH finding, candidate.level AS level, candidate.person_id AS reviewer,
     CASE
       WHEN candidate IS NULL THEN null
       WHEN candidate.person_id IN finding.parties THEN 'party to the finding'
       ELSE coalesce(
         head([i IN at WHERE candidate.person_id IN circles[i] | 'family of ' + finding.parties[i]]),
         // a friend of the party themself, or of anyone of their family
         head([i IN at WHERE any(friend IN candidate.friends WHERE friend IN circles[i])
               | CASE WHEN finding.parties[i] IN candidate.friends
                      THEN 'friend of ' + finding.parties[i]
                      ELSE 'friend of the family of ' + finding.parties[i] END]),
         head([party IN finding.parties WHERE party IN candidate.connected
               | 'connected to ' + party]))
     END AS reason
ORDER BY level, reviewer
WITH finding,
     collect(CASE WHEN reviewer IS NOT NULL
                  THEN {level: level, person_id: reviewer, reason: reason} END)
       AS candidates
// Level by level, each person once: the first of levels 0-3 where someone may review ends
// the chain; the DSL's notice (level 4) is considered whatever happened before.
WITH finding, candidates, reduce(
  routing = {route_to: [], recused: [], taken: false, level: 4}, level IN range(0, 4) |
  CASE WHEN level < 4 AND routing.taken THEN routing
  ELSE head([state IN [reduce(state = routing{.*, taken: false},
              candidate IN [c IN candidates WHERE c.level = level] |
    CASE
      WHEN candidate.person_id IN state.route_to THEN state{.*, taken: true}
      WHEN candidate.person_id IN [r IN state.recused | r.person_id] THEN state
      WHEN candidate.reason IS NULL
        THEN state{.*, route_to: state.route_to + candidate.person_id, taken: true}
      ELSE state{.*, recused: state.recused
                              + [{person_id: candidate.person_id, reason: candidate.reason}]}
    END)] | CASE WHEN level < 4 AND state.taken THEN state{.*, level: level} ELSE state END])
  END) AS routing
RETURN finding.key AS key, routing.route_to AS route_to, routing.recused AS recused,
       routing.level AS level,
       [level IN range(0, 3) | size([c IN candidates WHERE c.level = level])] AS sizes
