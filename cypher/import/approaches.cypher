// query: import-approaches
// parameters: $rows
// returns: none
// Add or replace approach reports (rows of approaches.csv):
// (:Person)-[:REPORTS]->(:ApproachReport)-[:FROM]->(:Person).

UNWIND $rows AS row
MATCH (adult:Person {person_id: row.adult_id})
MATCH (pupil:Person {person_id: row.from_id})
MERGE (report:ApproachReport {report_id: row.report_id})
SET report.channel = row.channel,
    report.occurred_on = row.occurred_on,
    report.reported_on = row.reported_on,
    report.summary = row.summary,
    report.status = row.status,
    report.reviewed_on = row.reviewed_on,
    report.reviewed_by = row.reviewed_by
WITH adult, pupil, report
CALL (report) {
  MATCH (report)-[old:REPORTS|FROM]-(:Person)
  DELETE old
}
CREATE (adult)-[:REPORTS]->(report)-[:FROM]->(pupil)
