// query: positions-held
// parameters: $rows
// returns: held
// Whether any of the memberships of $rows (maps of their columns) is held now with a
// position: replacing it may take the position away, which changes who reviews findings.

UNWIND $rows AS row
MATCH (membership:Membership {person_id: row.person_id, school_id: row.school_id,
                              role: row.role, start_date: row.start_date})
WHERE membership.position IS NOT NULL
RETURN count(membership) > 0 AS held
