// rule: pupil-contact
// severity: high
// clauses: ninestiles 8.3; millfields never friend a pupil; aspire c; great-chart staff; mowbray 6.5.3
// parameters: $as_of, $profiles, $people, $pairs
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, channels, school_name, shown_family, shown_declarations
// A covered adult is connected with a current pupil they have a staff/pupil relationship
// with, and no relationship of a basis the profile's exemptions accept for the rule joins
// them (under great-chart, none does); those that do not count are shown to the reviewer.
// One finding for each adult, pupil and school. The networkx twin is Evaluation._adult_findings in graph/rules.py.

// Two people joined by connections, once each way round: either may be the adult.
CALL () {
  {{connected-pairs}}
}
WITH one AS adult, two AS pupil, connection
// Cheap necessary conditions first (counts of edges, no properties), before the
// connections of a pair are collected: the adult holds some membership, and the pupil does too.
WHERE adult <> pupil AND EXISTS { (adult)-[:HOLDS]->() } AND EXISTS { (pupil)-[:HOLDS]->() }
  AND (connection.first_seen IS NULL OR connection.first_seen <= $as_of)
WITH adult, pupil, collect(connection) AS connections
// A current pupil, at any school.
WHERE EXISTS {
  MATCH (pupil)-[:HOLDS]->(current:Membership {role: 'pupil'})
  WHERE current.start_date <= $as_of AND (current.end_date IS NULL OR current.end_date >= $as_of)
}

// The adult's memberships that the school's profile binds, active on $as_of, school by school.
MATCH (adult)-[:HOLDS]->(bound:Membership)-[:AT]->(school:School)
WITH adult, pupil, connections, school, bound, $profiles[school.profile] AS profile
WHERE 'pupil-contact' IN profile.rules
  AND bound.role <> 'pupil' AND bound.role IN profile.covered_roles
  AND bound.start_date <= $as_of AND (bound.end_date IS NULL OR bound.end_date >= $as_of)
WITH DISTINCT adult, pupil, connections, school, profile

// The schools whose pupils count: the school itself, or every school of its trust.
OPTIONAL MATCH (school)-[:PART_OF]->(trust:Trust)
WITH adult, pupil, connections, school, profile,
     CASE WHEN profile.scope = 'trust' AND trust IS NOT NULL
          THEN COLLECT { MATCH (trust)<-[:PART_OF]-(in_trust:School) RETURN in_trust }
          ELSE [school] END AS scope
// Every covered membership the adult holds or has held in scope: "have, or have had".
WITH adult, pupil, connections, school, profile, scope,
     COLLECT {
       MATCH (adult)-[:HOLDS]->(held:Membership)-[:AT]->(held_at:School)
       WHERE held_at IN scope AND held.role <> 'pupil'
         AND held.role IN $profiles[held_at.profile].covered_roles
       RETURN held
     } AS covered

// A staff/pupil relationship: a pupil membership in scope that overlapped a covered one
// on some day up to $as_of (Membership.overlaps).
WHERE EXISTS {
  MATCH (pupil)-[:HOLDS]->(taught:Membership {role: 'pupil'})-[:AT]->(taught_at:School)
  WHERE taught_at IN scope
    AND {{staff-pupil-overlap}}
}
// Not permitted by a relationship the profile accepts for the rule (its exemptions,
// graph.rules.Ties.permit): a family path, a friendship with the pupil or their family, or
// another basis declared with the pupil, pending or accepted. The others are shown to the
// reviewer (Ties.not_exempting).
WITH adult, pupil, connections, school, profile, 'pupil-contact' AS rule
// The pupil and everyone of their family within the profile's degree, found once (the
// circle of graph.rules.ties_between): the adult's declarations count with those in it.
WITH adult, pupil, connections, school, profile, rule,
     COLLECT {
       MATCH path = SHORTEST 1 (pupil)(()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*(relative)
       WHERE length(path) <= profile.family_degree
       RETURN relative
     } AS family_of_pupil
WITH adult, pupil, connections, school, profile,
     // the relationships between them, pending or accepted (graph.rules.ties_between): a
     // family path, and each standing declaration with the pupil or their family (or of
     // another basis with the pupil) as [id, basis, status on $as_of], in id order
     profile.exemptions[rule] AS exempting,
     adult IN family_of_pupil AS family,
     COLLECT {
       MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(declared:Person)
       WHERE declared IN family_of_pupil AND {{live-declaration}}
         AND (declared = pupil OR declaration.basis <> 'other')
       WITH DISTINCT declaration
       RETURN [declaration.declaration_id, declaration.basis,
               CASE WHEN declaration.status = 'accepted' AND declaration.decided_on <= $as_of
                         AND NOT EXISTS { (declaration)-[:DECLARES|ABOUT]-(:Person {person_id: declaration.decided_by}) }
                    THEN 'accepted' ELSE 'pending' END] AS entry
       ORDER BY declaration.declaration_id
     } AS declared
WITH adult, pupil, connections, school, profile, exempting, declared,
     family AND NOT 'family_member' IN exempting AS shown_family,
     CASE WHEN family THEN ['family_member'] ELSE [] END
       + [entry IN declared WHERE entry[1] <> 'family_member' | entry[1]] AS bases
WHERE NOT any(basis IN bases WHERE basis IN exempting)

RETURN 'pupil-contact' AS rule, school.school_id AS school_id, adult.person_id AS adult_id,
       pupil.person_id AS counterpart_id, null AS account_id,
       [c IN connections | c.connection_id] AS connection_ids,
       // Advisory when, on every connection, only the pupil follows the adult.
       profile.inbound_only_is_advisory
         AND all(c IN connections WHERE
                 c.direction = CASE WHEN startNode(c) = adult THEN 'inbound' ELSE 'outbound' END)
         AS advisory,
       true AS notify_dsl,
       [c IN connections | c.channel] AS channels, school.name AS school_name,
       shown_family, [entry IN declared WHERE NOT entry[1] IN exempting] AS shown_declarations
