// query: import-account-admins
// parameters: $rows
// returns: none
// Add or replace account administrators (rows of account_admins.csv):
// (:Person)-[:ADMINISTERS {authorised_by, authorised_on}]->(:SchoolAccount).

UNWIND $rows AS row
MATCH (person:Person {person_id: row.person_id})
MATCH (account:SchoolAccount {account_id: row.account_id})
MERGE (person)-[admin:ADMINISTERS]->(account)
SET admin.authorised_by = row.authorised_by, admin.authorised_on = row.authorised_on
