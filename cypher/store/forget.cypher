// query: forget
// parameters: $schools, $people, $memberships, $family_links, $connections, $declarations, $approaches, $school_accounts, $account_admins
// returns: none
// Forget facts by their keys (the rows of each exchange file, as maps of its columns, of
// which only the key columns are read), the way World.without does: how a merge of people
// is made and undone without rewriting the database. A fact that is no longer there is no
// error. A person or school forgotten takes the memberships hanging from it along.

CALL () {
  UNWIND $declarations AS row
  MATCH (declaration:Declaration {declaration_id: row.declaration_id})
  OPTIONAL MATCH ()-[edge:IS_RELATIVE_OF {declaration_id: row.declaration_id}]->()
  DELETE edge
  DETACH DELETE declaration
}
CALL () {
  UNWIND $approaches AS row
  MATCH (report:ApproachReport {report_id: row.report_id})
  DETACH DELETE report
}
CALL () {
  UNWIND $connections AS row
  MATCH ()-[connection:CONNECTS_WITH {connection_id: row.connection_id}]->()
  DELETE connection
}
CALL () {
  UNWIND $family_links AS row
  MATCH (:Person {person_id: row.person_id})-[link:IS_RELATIVE_OF {kind: row.kind}]->
        (:Person {person_id: row.relative_id})
  DELETE link
}
CALL () {
  UNWIND $account_admins AS row
  MATCH (:Person {person_id: row.person_id})-[admin:ADMINISTERS]->
        (:SchoolAccount {account_id: row.account_id})
  DELETE admin
}
CALL () {
  UNWIND $memberships AS row
  MATCH (membership:Membership {person_id: row.person_id, school_id: row.school_id,
                                role: row.role, start_date: row.start_date})
  DETACH DELETE membership
}
CALL () {
  UNWIND $school_accounts AS row
  MATCH (account:SchoolAccount {account_id: row.account_id})
  DETACH DELETE account
}
CALL () {
  UNWIND $people AS row
  MATCH (person:Person {person_id: row.person_id})
  OPTIONAL MATCH (person)-[:HOLDS]->(membership:Membership)
  DETACH DELETE membership
  WITH DISTINCT person
  DETACH DELETE person
}
CALL () {
  UNWIND $schools AS row
  MATCH (school:School {school_id: row.school_id})
  OPTIONAL MATCH (membership:Membership)-[:AT]->(school)
  DETACH DELETE membership
  WITH DISTINCT school
  DETACH DELETE school
}
