// query: read-declarations
// parameters: $person_ids, $declaration_ids
// returns: declaration_id, declarer_id, counterpart_id, basis, details, declared_on, status, decided_by, decided_on
// The declarations the people of $person_ids made or are the counterpart of, and those of
// $declaration_ids, as the columns of declarations.csv.

CALL () {
  UNWIND $person_ids AS person_id
  MATCH (:Person {person_id: person_id})-[:DECLARES|ABOUT]-(declaration:Declaration)
  RETURN declaration
  UNION
  UNWIND $declaration_ids AS declaration_id
  MATCH (declaration:Declaration {declaration_id: declaration_id})
  RETURN declaration
}
MATCH (declarer:Person)-[:DECLARES]->(declaration)-[:ABOUT]->(counterpart:Person)
RETURN declaration.declaration_id AS declaration_id, declarer.person_id AS declarer_id,
       counterpart.person_id AS counterpart_id, declaration.basis AS basis,
       declaration.details AS details, toString(declaration.declared_on) AS declared_on,
       declaration.status AS status, declaration.decided_by AS decided_by,
       toString(declaration.decided_on) AS decided_on
