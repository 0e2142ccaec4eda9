// query: erase-person
// parameters: $person_id, $declarations_reworded, $reports_reworded
// returns: erased
// Erase a person (api/privacy.py): their memberships, the declarations and approach reports
// they made or that name them, and the person with every relationship attached to them
// (family links, connections, account administration, family edges of declarations).
// Nothing is left pointing at nobody: the decisions they made for others (declarations
// decided, reports reviewed, administrators authorised) stay, with who made them blank.
// Where others' words name them, the store has found it (store/others-words) and gives
// the words as the erasure leaves them, their name replaced by "[erased]":
// $declarations_reworded as {declaration_id, details}, $reports_reworded as {report_id,
// summary}. The embedded store's twin is left_without in graph/store/base.py.
// `erased` says whether there was such a person.

OPTIONAL MATCH (person:Person {person_id: $person_id})
CALL (person) {
  OPTIONAL MATCH (person)-[:HOLDS]->(membership:Membership)
  DETACH DELETE membership
}
CALL (person) {
  OPTIONAL MATCH (person)-[:DECLARES|ABOUT]-(declaration:Declaration)
  CALL (declaration) {
    OPTIONAL MATCH ()-[edge:IS_RELATIVE_OF {declaration_id: declaration.declaration_id}]->()
    DELETE edge
  }
  DETACH DELETE declaration
}
CALL (person) {
  OPTIONAL MATCH (person)-[:REPORTS|FROM]-(report:ApproachReport)
  DETACH DELETE report
}
CALL (person) {
  OPTIONAL MATCH (decided:Declaration {decided_by: $person_id})
  SET decided.decided_by = null
}
CALL (person) {
  OPTIONAL MATCH (reviewed:ApproachReport {reviewed_by: $person_id})
  SET reviewed.reviewed_by = null
}
CALL (person) {
  OPTIONAL MATCH ()-[authorised:ADMINISTERS {authorised_by: $person_id}]->()
  SET authorised.authorised_by = null
}
CALL () {
  UNWIND $declarations_reworded AS row
  MATCH (declaration:Declaration {declaration_id: row.declaration_id})
  SET declaration.details = row.details
}
CALL () {
  UNWIND $reports_reworded AS row
  MATCH (report:ApproachReport {report_id: row.report_id})
  SET report.summary = row.summary
}
DETACH DELETE person
RETURN person IS NOT NULL AS erased
