// rule: data-quality
// severity: low
// clauses: ninestiles 8.3; mowbray 6.5.3
// parameters: $as_of, $profiles, $people, $reviewer_positions
// returns: rule, school_id, adult_id, counterpart_id, account_id, connection_ids, advisory, notify_dsl, detail, role, start_date, end_date, school_name
// A fact a rule needs is missing or contradictory: a pupil or ex-pupil with no date of
// birth (one finding, at the school of their latest pupil membership started by $as_of),
// or a membership that ends before it starts (one finding each). The person is the
// counterpart; `detail` tells the findings of one person and school apart. A school where
// no one holds a senior leader's position on $as_of has no one to review its findings (one
// finding about the school, naming no person, so none when $people asks for some: only a
// school or a position changes it, and the store evaluates everything again after those).
// Each check cites its own source (graph/profiles.py Profile.citation): the clause that
// needs the fact, or the register's default; the clauses above are the only ones the
// shipped profiles cite. The networkx twin is Evaluation._data_quality_findings in
// graph/rules.py.

// (With $people, only those among them, found by index: see the contact rules.)
CALL () {
  UNWIND CASE WHEN $people IS NULL THEN [true] ELSE [] END AS everyone
  MATCH (person:Person)
  WHERE person.date_of_birth IS NULL
  RETURN person
  UNION
  UNWIND coalesce($people, []) AS person_id
  MATCH (person:Person {person_id: person_id})
  WHERE person.date_of_birth IS NULL
  RETURN person
}
MATCH (person)-[:HOLDS]->(membership:Membership {role: 'pupil'})-[:AT]->(school:School)
WHERE membership.start_date <= $as_of
WITH person, membership, school
ORDER BY membership.start_date DESC, school.school_id DESC
WITH person, head(collect(school)) AS school
WHERE 'data-quality' IN $profiles[school.profile].rules
RETURN 'data-quality' AS rule, school.school_id AS school_id, null AS adult_id,
       person.person_id AS counterpart_id, null AS account_id, [] AS connection_ids,
       false AS advisory, false AS notify_dsl, 'date_of_birth' AS detail,
       null AS role, null AS start_date, null AS end_date, school.name AS school_name

UNION ALL

CALL () {
  UNWIND CASE WHEN $people IS NULL THEN [true] ELSE [] END AS everyone
  MATCH (person:Person)-[:HOLDS]->(membership:Membership)
  WHERE membership.end_date < membership.start_date
  RETURN person, membership
  UNION
  UNWIND coalesce($people, []) AS person_id
  MATCH (person:Person {person_id: person_id})-[:HOLDS]->(membership:Membership)
  WHERE membership.end_date < membership.start_date
  RETURN person, membership
}
MATCH (membership)-[:AT]->(school:School)
WHERE 'data-quality' IN $profiles[school.profile].rules
RETURN 'data-quality' AS rule, school.school_id AS school_id, null AS adult_id,
       person.person_id AS counterpart_id, null AS account_id, [] AS connection_ids,
       false AS advisory, false AS notify_dsl,
       'membership|' + membership.role + '|' + toString(membership.start_date) AS detail,
       membership.role AS role, membership.start_date AS start_date,
       membership.end_date AS end_date, school.name AS school_name

UNION ALL

MATCH (school:School)
WHERE $people IS NULL AND 'data-quality' IN $profiles[school.profile].rules
  AND NOT EXISTS {
    MATCH (:Person)-[:HOLDS]->(held:Membership {school_id: school.school_id})
    WHERE held.position IN $reviewer_positions
      AND held.start_date <= $as_of AND (held.end_date IS NULL OR held.end_date >= $as_of)
  }
RETURN 'data-quality' AS rule, school.school_id AS school_id, null AS adult_id,
       null AS counterpart_id, null AS account_id, [] AS connection_ids,
       false AS advisory, false AS notify_dsl, 'no_leaders' AS detail,
       null AS role, null AS start_date, null AS end_date, school.name AS school_name
