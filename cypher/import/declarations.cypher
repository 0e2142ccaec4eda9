// query: import-declarations
// parameters: $rows
// returns: none
// Add or replace declarations (rows of declarations.csv):
// (:Person)-[:DECLARES]->(:Declaration)-[:ABOUT]->(:Person).
// A declaration of a family member also draws a family edge between the two people, as a
// family link would (graph/facts.py), marked with its declaration_id so that it follows the
// declaration when that is replaced, and with the days it holds from (declared_on) and, if
// it was rejected, until (rejected_on): a rule asks which edges hold on its date. A
// rejection by the person it names never takes effect (Declaration.self_decided).

UNWIND $rows AS row
MATCH (declarer:Person {person_id: row.declarer_id})
MATCH (counterpart:Person {person_id: row.counterpart_id})
MERGE (declaration:Declaration {declaration_id: row.declaration_id})
SET declaration.basis = row.basis,
    declaration.details = row.details,
    declaration.declared_on = row.declared_on,
    declaration.status = row.status,
    declaration.decided_by = row.decided_by,
    declaration.decided_on = row.decided_on
WITH row, declarer, counterpart, declaration
CALL (declaration) {
  MATCH (declaration)-[old:DECLARES|ABOUT]-(:Person)
  DELETE old
}
CALL (row) {
  MATCH ()-[old:IS_RELATIVE_OF {declaration_id: row.declaration_id}]->()
  DELETE old
}
CREATE (declarer)-[:DECLARES]->(declaration)-[:ABOUT]->(counterpart)
WITH row, declarer, counterpart
WHERE row.basis = 'family_member' AND declarer <> counterpart
CREATE (declarer)-[:IS_RELATIVE_OF {
  declaration_id: row.declaration_id, declared_on: row.declared_on,
  rejected_on: CASE WHEN row.status = 'rejected'
                    AND NOT coalesce(row.decided_by = row.counterpart_id, false)
                   THEN row.decided_on END
}]->(counterpart)
