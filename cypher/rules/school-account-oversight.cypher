// rule: school-account-oversight
// severity: medium
// clauses: ninestiles 5.1; great-chart accounts; mowbray 5.2.4; mowbray 6.2.1
// parameters: $as_of, $profiles, $people
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, handle, channel, admins, not_employed, unauthorised, authorisers
// An official school account has fewer administrators authorised by $as_of who are on the
// school's staff that day (authorised personnel are employees) than the profile's
// account_admins_required (two, or none where the policy sets no number), or
// one authorised by someone who held none of the profile's account_admin_authorisers
// positions at the school on the day (on $as_of when the day is not known). A finding
// about an account names no person; with $people, only the accounts one of them administers
// are looked at (their authorisers count by position, and the store evaluates everything
// again after a change of position). The networkx twin is Evaluation._account_findings in
// graph/rules.py.

CALL () {
  UNWIND CASE WHEN $people IS NULL THEN [true] ELSE [] END AS everyone
  MATCH (account:SchoolAccount)
  RETURN account
  UNION
  UNWIND coalesce($people, []) AS person_id
  MATCH (:Person {person_id: person_id})-[:ADMINISTERS]->(account:SchoolAccount)
  RETURN account
}
MATCH (account)-[:OF]->(school:School)
WITH account, school, $profiles[school.profile] AS profile
WHERE 'school-account-oversight' IN profile.rules
WITH account, school, profile, COLLECT {
  MATCH (admin:Person)-[administers:ADMINISTERS]->(account)
  WHERE administers.authorised_on IS NULL OR administers.authorised_on <= $as_of
  WITH admin, administers, coalesce(administers.authorised_on, $as_of) AS day
  RETURN {
    person_id: admin.person_id,
    authorised_by: administers.authorised_by,
    // authorised personnel are employees: on the school's staff on $as_of (on the staff of
    // any school of its trust, where the profile's scope is the trust: mowbray 1); where the
    // profile asks for no number of them, no one is counted
    employee: profile.account_admins_required = 0 OR EXISTS {
      MATCH (admin)-[:HOLDS]->(job:Membership {role: 'staff'})-[:AT]->(job_school:School)
      WHERE job.start_date <= $as_of AND (job.end_date IS NULL OR job.end_date >= $as_of)
        AND (job_school = school OR (profile.scope = 'trust'
             AND EXISTS { (school)-[:PART_OF]->(:Trust)<-[:PART_OF]-(job_school) }))
    },
    // no one authorises themself
    authorised: coalesce(administers.authorised_by <> admin.person_id, true) AND EXISTS {
      MATCH (:Person {person_id: administers.authorised_by})-[:HOLDS]->(held:Membership)
            -[:AT]->(school)
      WHERE held.position IN profile.account_admin_authorisers
        AND held.start_date <= day AND (held.end_date IS NULL OR held.end_date >= day)
    }
  } AS entry
  ORDER BY entry.person_id
} AS admins
WITH account, school, profile, admins,
     [entry IN admins WHERE NOT entry.employee | entry.person_id] AS not_employed,
     [entry IN admins WHERE NOT entry.authorised | [entry.person_id, entry.authorised_by]]
       AS unauthorised
WITH account, school, profile, not_employed, unauthorised,
     size(admins) - size(not_employed) AS counted
WHERE counted < profile.account_admins_required OR size(unauthorised) > 0
RETURN 'school-account-oversight' AS rule, school.school_id AS school_id, null AS adult_id,
       null AS counterpart_id, account.account_id AS account_id, [] AS connection_ids,
       false AS advisory, false AS notify_dsl,
       account.handle AS handle, account.channel AS channel, counted AS admins, not_employed,
       unauthorised, profile.account_admin_authorisers AS authorisers
