// query: missing-references
// parameters: $person_ids, $school_ids, $account_ids
// returns: person_ids, school_ids, account_ids
// Which of the ids that an import refers to, and does not define itself, the database does
// not hold either.

RETURN [id IN $person_ids WHERE NOT EXISTS { MATCH (:Person {person_id: id}) }] AS person_ids,
       [id IN $school_ids WHERE NOT EXISTS { MATCH (:School {school_id: id}) }] AS school_ids,
       [id IN $account_ids WHERE NOT EXISTS { MATCH (:SchoolAccount {account_id: id}) }] AS account_ids
