// query: export-approaches
// parameters: none
// returns: report_id, adult_id, from_id, channel, occurred_on, reported_on, summary, status, reviewed_on, reviewed_by
// Every approach report, as the columns of approaches.csv.

MATCH (adult:Person)-[:REPORTS]->(report:ApproachReport)-[:FROM]->(pupil:Person)
RETURN report.report_id AS report_id, adult.person_id AS adult_id, pupil.person_id AS from_id,
       report.channel AS channel, toString(report.occurred_on) AS occurred_on,
       toString(report.reported_on) AS reported_on, report.summary AS summary,
       report.status AS status, toString(report.reviewed_on) AS reviewed_on,
       report.reviewed_by AS reviewed_by
