// rule: declaration-required
// severity: low
// clauses: ninestiles 4.2.1; ninestiles 8.3.1; ninestiles 8.4.1; millfields open and transparent; millfields own family; aspire c; mowbray 6.1.4; mowbray 6.5.4
// parameters: $as_of, $profiles, $people, $pairs, $friend_bases, $parental_kinds
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, channels, school_name
// A relationship permits the connection but it is not yet open and transparent. Either
// (pupil side) the adult and a pupil or ex-pupil whom pupil-contact or ex-pupil-contact
// would protect are family or friends, or (parent side, for someone who is no such pupil
// or ex-pupil) the adult and the parent of a current pupil have a basis the profile's
// parent_contact accepts; and no declaration accepted by an approver the profile names
// covers it (a family path in the school's own records covers itself where
// the profile says so). One finding for each adult, counterpart and school, over the
// connections of both sides. The networkx twin is Evaluation._adult_findings and
// Evaluation._parent_rule in graph/rules.py.

// Two people joined by connections, once each way round: either may be the adult.
CALL () {
  {{connected-pairs}}
}
WITH one AS adult, two AS other, connection
// Cheap necessary conditions first (counts of edges, no properties), before the
// connections of a pair are collected: the adult holds some membership, and the other
// holds one too or has a family link.
WHERE adult <> other AND EXISTS { (adult)-[:HOLDS]->() } AND (EXISTS { (other)-[:HOLDS]->() } OR EXISTS { (other)-[:IS_RELATIVE_OF]->() })
  AND (connection.first_seen IS NULL OR connection.first_seen <= $as_of)
WITH adult, other, collect(connection) AS connections
WHERE EXISTS { MATCH (other)-[:HOLDS]->(:Membership {role: 'pupil'}) }
   OR EXISTS { MATCH (other)-[link:IS_RELATIVE_OF]->(:Person) WHERE link.kind IN $parental_kinds }

// The adult's memberships that the school's profile binds, active on $as_of, school by school.
MATCH (adult)-[:HOLDS]->(bound:Membership)-[:AT]->(school:School)
WITH adult, other, connections, school, bound, $profiles[school.profile] AS profile
WHERE 'declaration-required' IN profile.rules
  AND bound.role <> 'pupil' AND bound.role IN profile.covered_roles
  AND bound.start_date <= $as_of AND (bound.end_date IS NULL OR bound.end_date >= $as_of)
WITH DISTINCT adult, other, connections, school, profile

// The schools whose pupils and parents count: the school itself, or every school of its trust.
OPTIONAL MATCH (school)-[:PART_OF]->(trust:Trust)
WITH adult, other, connections, school, profile,
     CASE WHEN profile.scope = 'trust' AND trust IS NOT NULL
          THEN COLLECT { MATCH (trust)<-[:PART_OF]-(in_trust:School) RETURN in_trust }
          ELSE [school] END AS scope
// Every covered membership the adult holds or has held in scope: "have, or have had".
WITH adult, other, connections, school, profile, scope,
     COLLECT {
       MATCH (adult)-[:HOLDS]->(held:Membership)-[:AT]->(held_at:School)
       WHERE held_at IN scope AND held.role <> 'pupil'
         AND held.role IN $profiles[held_at.profile].covered_roles
       RETURN held
     } AS covered

// What the pupil side needs: a staff/pupil relationship (a pupil membership in scope that
// overlapped a covered one on some day up to $as_of), and whether the other is a pupil
// anywhere on $as_of.
WITH adult, other, connections, school, profile, scope,
     EXISTS {
       MATCH (other)-[:HOLDS]->(taught:Membership {role: 'pupil'})-[:AT]->(taught_at:School)
       WHERE taught_at IN scope
         AND {{staff-pupil-overlap}}
     } AS taught,
     EXISTS {
       MATCH (other)-[:HOLDS]->(current:Membership {role: 'pupil'})
       WHERE current.start_date <= $as_of AND (current.end_date IS NULL OR current.end_date >= $as_of)
     } AS current_pupil,
// What the parent side needs: the parent of a current pupil in scope, on a channel that counts.
     'parent-contact' IN profile.rules AND EXISTS {
       MATCH (other)-[link:IS_RELATIVE_OF]->(:Person)-[:HOLDS]->(child:Membership {role: 'pupil'})
             -[:AT]->(child_school:School)
       WHERE link.kind IN $parental_kinds AND child_school IN scope
         AND child.start_date <= $as_of AND (child.end_date IS NULL OR child.end_date >= $as_of)
     } AS parent_here,
     [c IN connections WHERE profile.parent_contact_channels IS NULL
                             OR c.channel IN profile.parent_contact_channels] AS relevant
WHERE taught OR (parent_here AND size(relevant) > 0)

// Age on $as_of, the UK way.
OPTIONAL CALL (other) {
  WITH other AS person
  {{age-on}}
}

// The other and everyone of their family within the profile's degree, found once (the
// circle of graph.rules.ties_between): the adult's declarations count with those in it.
WITH adult, other, connections, school, profile, scope, relevant, parent_here, taught,
     current_pupil, age,
     COLLECT {
       MATCH path = SHORTEST 1 (other)(()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*(relative)
       WHERE length(path) <= profile.family_degree
       RETURN relative
     } AS family_of_other
// What joins the two apart from the connections (graph.rules.Ties).
WITH adult, other, connections, school, profile, scope, relevant, parent_here,
     // a pupil-contact or ex-pupil-contact case, were there no basis
     taught AND CASE WHEN current_pupil THEN 'pupil-contact' IN profile.rules
                     ELSE 'ex-pupil-contact' IN profile.rules
                          AND (profile.ex_pupil_age_limit IS NULL OR age IS NULL
                               OR age < profile.ex_pupil_age_limit) END AS protected_pupil,
     // family: a path of family edges within the profile's degree
     adult IN family_of_other AS family,
     // a family path made of the school's own records alone
     EXISTS {
       MATCH path = SHORTEST 1 (adult)(()-[:IS_RELATIVE_OF {source: 'records'}]-())*(other)
       WHERE length(path) <= profile.family_degree
     } AS family_in_records,
     // the bases of the live friendships declared with the other or anyone of their family
     COLLECT {
       MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(friend:Person)
       WHERE friend IN family_of_other AND declaration.basis IN $friend_bases
         AND {{live-declaration}}
       RETURN DISTINCT declaration.basis AS basis
     } AS friend_bases,
     // a live declaration of another basis between the two
     EXISTS {
       MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(other)
       WHERE declaration.basis = 'other' AND {{live-declaration}}
     } AS other_declared,
     // the bases of the declarations with the other, or of family or friendship with their
     // family, accepted by $as_of by someone who held one of the profile's
     // declaration_approvers positions at the school on the day they decided it
     COLLECT {
       MATCH (adult)-[:DECLARES|ABOUT]-(declaration:Declaration)-[:DECLARES|ABOUT]-(declared:Person)
       WHERE declared IN family_of_other
         AND declaration.status = 'accepted' AND declaration.declared_on <= $as_of
         AND declaration.decided_on <= $as_of
         AND (declared = other OR declaration.basis <> 'other')
         // (no one accepts what they declared or what names them)
         AND NOT EXISTS { (declaration)-[:DECLARES|ABOUT]-(:Person {person_id: declaration.decided_by}) }
         AND EXISTS {
           MATCH (:Person {person_id: declaration.decided_by})-[:HOLDS]->(approver:Membership)
                 -[:AT]->(school)
           WHERE approver.position IN profile.declaration_approvers
             AND approver.start_date <= declaration.decided_on
             AND (approver.end_date IS NULL OR approver.end_date >= declaration.decided_on)
         }
       RETURN DISTINCT declaration.basis AS basis
     } AS accepted_bases,
     // an active adult membership of the other in scope, in a covered role or as a governor
     EXISTS {
       MATCH (other)-[:HOLDS]->(held:Membership)-[:AT]->(held_at:School)
       WHERE held_at IN scope AND held.role <> 'pupil'
         AND (held.role IN profile.covered_roles OR held.role = 'governor')
         AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
     } AS known_to_school,
     // the adult is a parent at the school too (8.4.1), where the profile counts that
     profile.parent_contact <> 'prior-relationship-only' AND EXISTS {
       MATCH (adult)-[link:IS_RELATIVE_OF]->(:Person)-[:HOLDS]->(child:Membership {role: 'pupil'})
             -[:AT]->(child_school:School)
       WHERE link.kind IN $parental_kinds AND child_school IN scope
         AND child.start_date <= $as_of AND (child.end_date IS NULL OR child.end_date >= $as_of)
     } AS co_parent
// Which of those bases the profile accepts, for the pupil rules and for parent-contact (its
// exemptions; graph.rules.Ties.permit and open_and_transparent).
WITH adult, other, connections, school, profile, relevant, parent_here, protected_pupil,
     known_to_school, co_parent, family_in_records, accepted_bases,
     CASE WHEN family THEN ['family_member'] ELSE [] END + friend_bases
       + CASE WHEN other_declared THEN ['other'] ELSE [] END AS bases,
     profile.exemptions['pupil-contact'] AS pupil_exempting,
     profile.exemptions['parent-contact'] AS parent_exempting
WITH adult, other, connections, school, profile, relevant, parent_here, protected_pupil,
     known_to_school, co_parent,
     any(basis IN bases WHERE basis IN pupil_exempting) AS pupil_permitted,
     any(basis IN accepted_bases WHERE basis IN pupil_exempting)
       OR (family_in_records AND 'family_member' IN pupil_exempting
           AND NOT profile.family_link_from_records_needs_declaration) AS pupil_open,
     any(basis IN bases WHERE basis IN parent_exempting) AS personal,
     any(basis IN accepted_bases WHERE basis IN parent_exempting) AS accepted,
     any(basis IN accepted_bases WHERE basis IN parent_exempting)
       OR (family_in_records AND 'family_member' IN parent_exempting
           AND NOT profile.family_link_from_records_needs_declaration) AS parent_open
WITH adult, other, connections, school, profile, relevant,
     protected_pupil AND pupil_permitted AND NOT pupil_open AS pupil_side,
     // a pupil or ex-pupil of the adult is never "solely" a parent to them
     parent_here AND NOT protected_pupil AND size(relevant) > 0 AND
       CASE profile.parent_contact
         WHEN 'approval' THEN (personal OR known_to_school OR co_parent) AND NOT accepted
         ELSE (personal OR co_parent) AND NOT parent_open
       END AS parent_side
WHERE pupil_side OR parent_side
// The parent side's connections are among the pupil side's: all of them when that applies.
WITH adult, other, school, profile, CASE WHEN pupil_side THEN connections ELSE relevant END AS used

RETURN 'declaration-required' AS rule, school.school_id AS school_id, adult.person_id AS adult_id,
       other.person_id AS counterpart_id, null AS account_id,
       [c IN used | c.connection_id] AS connection_ids,
       // Advisory when, on every connection, only the other follows the adult.
       profile.inbound_only_is_advisory
         AND all(c IN used WHERE
                 c.direction = CASE WHEN startNode(c) = adult THEN 'inbound' ELSE 'outbound' END)
         AS advisory,
       false AS notify_dsl,
       [c IN used | c.channel] AS channels, school.name AS school_name
