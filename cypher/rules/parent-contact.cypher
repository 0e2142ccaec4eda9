// rule: parent-contact
// severity: medium
// clauses: ninestiles 8.4; millfields personal phone and e-mail; aspire c; great-chart parents; mowbray 6.5.6
// parameters: $as_of, $profiles, $people, $pairs, $friend_bases, $parental_kinds
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, channels, school_name
// A covered adult is connected, on a channel the profile's parent_contact_channels names,
// with the parent of a current pupil in scope, and nothing else joins them: no family,
// declared friendship or other basis that the profile's exemptions accept for the rule, the parent is no colleague or governor there, and
// (unless the profile asks for a prior relationship) the adult is no parent there either;
// and the parent is no pupil or ex-pupil of the adult whom another rule protects.
// The networkx twin is Evaluation._parent_rule in graph/rules.py.

// Two people joined by connections, once each way round: either may be the adult.
CALL () {
  {{connected-pairs}}
}
WITH one AS adult, two AS parent, connection
// Cheap necessary conditions first (counts of edges, no properties), before the
// connections of a pair are collected: the adult holds some membership, and the parent has a family link.
WHERE adult <> parent AND EXISTS { (adult)-[:HOLDS]->() } AND EXISTS { (parent)-[:IS_RELATIVE_OF]->() }
  AND (connection.first_seen IS NULL OR connection.first_seen <= $as_of)
WITH adult, parent, collect(connection) AS connections
WHERE EXISTS {
  MATCH (parent)-[link:IS_RELATIVE_OF]->(:Person)
  WHERE link.kind IN $parental_kinds
}

// The adult's memberships that the school's profile binds, active on $as_of, school by school.
MATCH (adult)-[:HOLDS]->(bound:Membership)-[:AT]->(school:School)
WITH adult, parent, connections, school, bound, $profiles[school.profile] AS profile
WHERE 'parent-contact' IN profile.rules
  AND bound.role <> 'pupil' AND bound.role IN profile.covered_roles
  AND bound.start_date <= $as_of AND (bound.end_date IS NULL OR bound.end_date >= $as_of)
WITH DISTINCT adult, parent, connections, school, profile

// The schools whose pupils count: the school itself, or every school of its trust.
OPTIONAL MATCH (school)-[:PART_OF]->(trust:Trust)
WITH adult, parent, connections, school, profile,
     CASE WHEN profile.scope = 'trust' AND trust IS NOT NULL
          THEN COLLECT { MATCH (trust)<-[:PART_OF]-(in_trust:School) RETURN in_trust }
          ELSE [school] END AS scope,
     [c IN connections WHERE profile.parent_contact_channels IS NULL
                             OR c.channel IN profile.parent_contact_channels] AS relevant
WHERE size(relevant) > 0
// Every covered membership the adult holds or has held in scope: "have, or have had".
WITH adult, parent, connections, school, profile, scope, relevant,
     COLLECT {
       MATCH (adult)-[:HOLDS]->(held:Membership)-[:AT]->(held_at:School)
       WHERE held_at IN scope AND held.role <> 'pupil'
         AND held.role IN $profiles[held_at.profile].covered_roles
       RETURN held
     } AS covered
// A pupil or ex-pupil of the adult is never "solely" a parent to them: where pupil-contact
// or ex-pupil-contact protects them, that rule speaks, not this one.
WITH adult, parent, connections, school, profile, scope, relevant,
     EXISTS {
       MATCH (parent)-[:HOLDS]->(taught:Membership {role: 'pupil'})-[:AT]->(taught_at:School)
       WHERE taught_at IN scope
         AND {{staff-pupil-overlap}}
     } AS taught,
     EXISTS {
       MATCH (parent)-[:HOLDS]->(current:Membership {role: 'pupil'})
       WHERE current.start_date <= $as_of AND (current.end_date IS NULL OR current.end_date >= $as_of)
     } AS current_pupil
// Age on $as_of, the UK way.
OPTIONAL CALL (parent) {
  WITH parent AS person
  {{age-on}}
}
WITH adult, parent, connections, school, profile, scope, relevant,
     taught AND CASE WHEN current_pupil THEN 'pupil-contact' IN profile.rules
                     ELSE 'ex-pupil-contact' IN profile.rules
                          AND (profile.ex_pupil_age_limit IS NULL OR age IS NULL
                               OR age < profile.ex_pupil_age_limit) END AS protected_pupil
WHERE NOT protected_pupil
// The parent of a current pupil in scope.
AND EXISTS {
  MATCH (parent)-[link:IS_RELATIVE_OF]->(:Person)-[:HOLDS]->(child:Membership {role: 'pupil'})
        -[:AT]->(child_school:School)
  WHERE link.kind IN $parental_kinds AND child_school IN scope
    AND child.start_date <= $as_of AND (child.end_date IS NULL OR child.end_date >= $as_of)
}
// Not known to the school another way: no active adult membership in scope in a role the
// profile covers, nor as a governor.
AND NOT EXISTS {
  MATCH (parent)-[:HOLDS]->(held:Membership)-[:AT]->(held_at:School)
  WHERE held_at IN scope AND held.role <> 'pupil'
    AND (held.role IN profile.covered_roles OR held.role = 'governor')
    AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
}
// The adult is no parent of a current pupil in scope (8.4.1), where that counts.
AND (profile.parent_contact = 'prior-relationship-only' OR NOT EXISTS {
  MATCH (adult)-[link:IS_RELATIVE_OF]->(:Person)-[:HOLDS]->(child:Membership {role: 'pupil'})
        -[:AT]->(child_school:School)
  WHERE link.kind IN $parental_kinds AND child_school IN scope
    AND child.start_date <= $as_of AND (child.end_date IS NULL OR child.end_date >= $as_of)
})
// The parent and everyone of their family within the profile's degree, found once (the
// circle of graph.rules.ties_between): the adult's declarations count with those in it.
WITH adult, parent, school, profile, relevant,
     COLLECT {
       MATCH path = SHORTEST 1 (parent)(()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*(relative)
       WHERE length(path) <= profile.family_degree
       RETURN relative
     } AS family_of_parent
// Not family, no live friendship declared with the parent or anyone of their family, and no
// live declaration of another basis between the two: none, that is, of the bases the
// profile's exemptions accept for parent-contact (graph.rules.Ties.permit).
WHERE NOT ('family_member' IN profile.exemptions['parent-contact'] AND adult IN family_of_parent)
AND NOT EXISTS {
  MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(friend:Person)
  WHERE friend IN family_of_parent
    AND declaration.basis IN $friend_bases AND declaration.basis IN profile.exemptions['parent-contact']
    AND {{live-declaration}}
}
AND NOT EXISTS {
  MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(parent)
  WHERE declaration.basis = 'other' AND 'other' IN profile.exemptions['parent-contact']
    AND {{live-declaration}}
}

RETURN 'parent-contact' AS rule, school.school_id AS school_id, adult.person_id AS adult_id,
       parent.person_id AS counterpart_id, null AS account_id,
       [c IN relevant | c.connection_id] AS connection_ids,
       // Advisory when, on every connection that counts, only the parent follows the adult.
       profile.inbound_only_is_advisory
         AND all(c IN relevant WHERE
                 c.direction = CASE WHEN startNode(c) = adult THEN 'inbound' ELSE 'outbound' END)
         AS advisory,
       false AS notify_dsl,
       [c IN relevant | c.channel] AS channels, school.name AS school_name
