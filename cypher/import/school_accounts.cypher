// query: import-school-accounts
// parameters: $rows
// returns: none
// Add or replace official school accounts (rows of school_accounts.csv):
// (:SchoolAccount)-[:OF]->(:School).

UNWIND $rows AS row
MATCH (school:School {school_id: row.school_id})
MERGE (account:SchoolAccount {account_id: row.account_id})
SET account.channel = row.channel, account.handle = row.handle
WITH school, account
CALL (account) {
  MATCH (account)-[old:OF]->(:School)
  DELETE old
}
CREATE (account)-[:OF]->(school)
