// query: export-declarations
// parameters: none
// returns: declaration_id, declarer_id, counterpart_id, basis, details, declared_on, status, decided_by, decided_on
// Every declaration, as the columns of declarations.csv.

MATCH (declarer:Person)-[:DECLARES]->(declaration:Declaration)-[:ABOUT]->(counterpart:Person)
RETURN declaration.declaration_id AS declaration_id, declarer.person_id AS declarer_id,
       counterpart.person_id AS counterpart_id, declaration.basis AS basis,
       declaration.details AS details, toString(declaration.declared_on) AS declared_on,
       declaration.status AS status, declaration.decided_by AS decided_by,
       toString(declaration.decided_on) AS decided_on
