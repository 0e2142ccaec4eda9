// query: export-school-accounts
// parameters: none
// returns: account_id, school_id, channel, handle
// Every official school account, as the columns of school_accounts.csv.

MATCH (account:SchoolAccount)-[:OF]->(school:School)
RETURN account.account_id AS account_id, school.school_id AS school_id,
       account.channel AS channel, account.handle AS handle
