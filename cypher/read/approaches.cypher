// query: read-approaches
// parameters: $person_ids, $report_ids
// returns: report_id, adult_id, from_id, channel, occurred_on, reported_on, summary, status, reviewed_on, reviewed_by
// The approach reports the people of $person_ids made or are the pupil of, and those of
// $report_ids, as the columns of approaches.csv.

CALL () {
  UNWIND $person_ids AS person_id
  MATCH (:Person {person_id: person_id})-[:REPORTS|FROM]-(report:ApproachReport)
  RETURN report
  UNION
  UNWIND $report_ids AS report_id
  MATCH (report:ApproachReport {report_id: report_id})
  RETURN report
}
MATCH (adult:Person)-[:REPORTS]->(report)-[:FROM]->(pupil:Person)
RETURN report.report_id AS report_id, adult.person_id AS adult_id, pupil.person_id AS from_id,
       report.channel AS channel, toString(report.occurred_on) AS occurred_on,
       toString(report.reported_on) AS reported_on, report.summary AS summary,
       report.status AS status, toString(report.reviewed_on) AS reviewed_on,
       report.reviewed_by AS reviewed_by
