// query: export-account-admins
// parameters: none
// returns: account_id, person_id, authorised_by, authorised_on
// Every account administrator, as the columns of account_admins.csv.

MATCH (person:Person)-[admin:ADMINISTERS]->(account:SchoolAccount)
RETURN account.account_id AS account_id, person.person_id AS person_id,
       admin.authorised_by AS authorised_by, toString(admin.authorised_on) AS authorised_on
