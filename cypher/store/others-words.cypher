// query: others-words
// parameters: $person_id
// returns: declaration_id, details, report_id, summary
// The free text of the declarations and approach reports made by and about people other
// than $person_id (a declaration's details, a report's summary): where an erasure of the
// person looks for their name. Cypher cannot compare names as graph/mentions.py does
// (accents, case, JSON escapes), so the store does it; each row holds one declaration or
// one report, the other's columns null.

MATCH (declaration:Declaration)
WHERE declaration.details <> ''
  AND NOT EXISTS { (declaration)-[:DECLARES|ABOUT]-(:Person {person_id: $person_id}) }
RETURN declaration.declaration_id AS declaration_id, declaration.details AS details,
       null AS report_id, null AS summary
UNION ALL
MATCH (report:ApproachReport)
WHERE report.summary <> ''
  AND NOT EXISTS { (report)-[:REPORTS|FROM]-(:Person {person_id: $person_id}) }
RETURN null AS declaration_id, null AS details, report.report_id AS report_id,
       report.summary AS summary
