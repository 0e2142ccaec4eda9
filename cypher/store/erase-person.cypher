// query: erase-person
// parameters: $person_id
// returns: erased
// Erase a person (api/privacy.py): their memberships, the declarations and approach reports
// they made or that name them, and the person with every relationship attached to them
// (family links, connections, account administration, family edges of declarations).
// Nothing is left pointing at nobody: the decisions they made for others (declarations
// decided, reports reviewed, administrators authorised) stay, with who made them blank.
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
DETACH DELETE person
RETURN person IS NOT NULL AS erased
