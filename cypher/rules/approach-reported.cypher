// rule: approach-reported
// severity: medium
// clauses: ninestiles 8.3.2; millfields report and record; mowbray 6.5.5
// parameters: $as_of, $profiles, $people
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, open_reports, recent, window_days
// An adult reported approaches from a pupil or ex-pupil (by $as_of) and no one had reviewed
// them by $as_of (ApproachReport.open_on in graph/model.py):
// one finding at each school where the adult holds an active covered membership and the
// person who approached them is a pupil or ex-pupil (ninestiles 8.3.2, mowbray 6.5.5). Three or
// more approaches from the same pupil within the profile's window (by any adult, reviewed
// or not, reported by $as_of) also tell the DSL. The networkx twin is Evaluation._approach_findings in
// graph/rules.py.

// With $people, only the reports one of whose two people is among them, found by index.
CALL () {
  UNWIND CASE WHEN $people IS NULL THEN [true] ELSE [] END AS everyone
  MATCH (adult:Person)-[:REPORTS]->(:ApproachReport)-[:FROM]->(pupil:Person)
  RETURN adult, pupil
  UNION
  UNWIND coalesce($people, []) AS person_id
  MATCH (:Person {person_id: person_id})-[:REPORTS|FROM]-(report:ApproachReport)
  MATCH (adult:Person)-[:REPORTS]->(report)-[:FROM]->(pupil:Person)
  RETURN adult, pupil
}
WITH adult, pupil
// graph/facts.py files a report under both its people, so a report someone made about
// themself lists every report from them among their own.
WITH adult, pupil, COUNT {
  MATCH (report:ApproachReport)-[:FROM]->(pupil)
  WHERE (adult = pupil OR EXISTS { MATCH (adult)-[:REPORTS]->(report) })
    AND report.reported_on <= $as_of
    // unreviewed on $as_of: a report marked reviewed counts from its reviewed_on, if any
    AND NOT coalesce(report.status = 'reviewed' AND report.reviewed_on <= $as_of, false)
} AS open_reports
WHERE open_reports > 0

MATCH (adult)-[:HOLDS]->(held:Membership)-[:AT]->(school:School)
WHERE held.role <> 'pupil' AND held.role IN $profiles[school.profile].covered_roles
  AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
  AND 'approach-reported' IN $profiles[school.profile].rules
  // from a pupil or ex-pupil of the school (of any school of its trust, where the profile's
  // scope is the trust), taught by the adult or not; anyone else's approach raises nothing
  AND EXISTS {
    MATCH (pupil)-[:HOLDS]->(pupil_at:Membership {role: 'pupil'})-[:AT]->(pupil_school:School)
    WHERE pupil_at.start_date <= $as_of
      AND (pupil_school = school OR ($profiles[school.profile].scope = 'trust'
           AND EXISTS { (school)-[:PART_OF]->(:Trust)<-[:PART_OF]-(pupil_school) }))
  }
WITH DISTINCT adult, pupil, open_reports, school,
     $profiles[school.profile].approach_window_days AS window_days
WITH adult, pupil, open_reports, school, window_days, COUNT {
  MATCH (report:ApproachReport)-[:FROM]->(pupil)
  WHERE $as_of - duration({days: window_days}) < report.occurred_on <= $as_of
    AND report.reported_on <= $as_of
} AS recent
RETURN 'approach-reported' AS rule, school.school_id AS school_id, adult.person_id AS adult_id,
       pupil.person_id AS counterpart_id, null AS account_id, [] AS connection_ids,
       false AS advisory, recent >= 3 AS notify_dsl,
       open_reports, recent, window_days
