// rule: parent-contact
// severity: medium
// clauses: ninestiles 8.4; millfields personal phone and e-mail; aspire c; great-chart parents; mowbray 6.5.6
// parameters: $as_of, $profiles, $people, $friend_bases, $parental_kinds
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, channels, school_name
// A covered adult is connected, on a channel the profile's parent_contact_channels names,
// with the parent of a current pupil in scope, and nothing else joins them: not family, no
// declared friendship or other basis, the parent is no colleague or governor there, and
// (unless the profile asks for a prior relationship) the adult is no parent there either;
// and the parent is no pupil or ex-pupil of the adult whom another rule protects.
// The networkx twin is Evaluation._parent_rule in graph/rules.py.

// Two people joined by connections seen by $as_of, once each way round: either may be the adult.
// With $people, only the pairs one of whom is among them, found by their index: the
// UNWIND of an empty list skips the scan of every connection.
CALL () {
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
         AND any(held IN covered WHERE
          held.start_date <= $as_of AND taught.start_date <= $as_of
          AND held.start_date <= coalesce(held.end_date, $as_of)
          AND held.start_date <= coalesce(taught.end_date, $as_of)
          AND taught.start_date <= coalesce(held.end_date, $as_of)
          AND taught.start_date <= coalesce(taught.end_date, $as_of))
     } AS taught,
     EXISTS {
       MATCH (parent)-[:HOLDS]->(current:Membership {role: 'pupil'})
       WHERE current.start_date <= $as_of AND (current.end_date IS NULL OR current.end_date >= $as_of)
     } AS current_pupil
// Age on $as_of the UK way (BirthDate.age_on): a partial date of birth takes the latest
// possible birthday, and 29 February falls on 1 March in a common year.
OPTIONAL CALL (parent) {
  WITH split(parent.date_of_birth, '-') AS parts
  WHERE parts IS NOT NULL
  WITH toInteger(parts[0]) AS year, coalesce(toInteger(parts[1]), 12) AS month,
       toInteger(parts[2]) AS day
  WITH year, month,
       coalesce(day, (date({year: year, month: month, day: 1}) + duration({months: 1})
                      - duration({days: 1})).day) AS day,
       ($as_of.year % 4 = 0 AND $as_of.year % 100 <> 0) OR $as_of.year % 400 = 0 AS leap_year
  WITH year,
       CASE WHEN month = 2 AND day = 29 AND NOT leap_year
            THEN date({year: $as_of.year, month: 3, day: 1})
            ELSE date({year: $as_of.year, month: month, day: day}) END AS birthday
  RETURN $as_of.year - year - CASE WHEN birthday > $as_of THEN 1 ELSE 0 END AS age
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
// Not family: no path of family edges within the profile's degree ...
AND NOT EXISTS {
  MATCH path = SHORTEST 1 (adult)(()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*(parent)
  WHERE length(path) <= profile.family_degree
}
// ... not friends: no live friendship declared with the parent or anyone of their family ...
AND NOT EXISTS {
  MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(friend:Person)
  WHERE declaration.basis IN $friend_bases AND declaration.declared_on <= $as_of
         AND NOT coalesce(declaration.status = 'rejected' AND declaration.decided_on <= $as_of, false)
    AND EXISTS {
      MATCH path = SHORTEST 1 (friend)(()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*(parent)
      WHERE length(path) <= profile.family_degree
    }
}
// ... and no live declaration of another basis between the two.
AND NOT EXISTS {
  MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(parent)
  WHERE declaration.basis = 'other' AND declaration.declared_on <= $as_of
         AND NOT coalesce(declaration.status = 'rejected' AND declaration.decided_on <= $as_of, false)
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
