// fragment: age-on
// The body of a subquery, `OPTIONAL CALL (x) { WITH x AS person {{age-on}} }`: the age of
// `person` on $as_of as `age`, the UK way (BirthDate.age_on): a partial date of birth takes
// the latest possible birthday, and 29 February falls on 1 March in a common year. No row
// (so a null age) for someone whose date of birth is unknown.
  WITH split(person.date_of_birth, '-') AS parts
  WHERE parts IS NOT NULL
  WITH toInteger(parts[0]) AS year, coalesce(toInteger(parts[1]), 12) AS month,
       toInteger(parts[2]) AS day
  WITH year, month,
       coalesce(day, (date({year: year, month: month, day: 1}) + duration({months: 1})
                      - duration({days: 1})).day) AS day,
       ($as_of.year % 4 = 0 AND $as_of.year % 100 <> 0) OR $as_of.year % 400 = 0 AS leap_year
  WITH year,
       CASE WHEN month = 2 AND day = 29 AND NOT leap_year
            THEN date({year: $as_of.year, month: 3, day: 1})
            ELSE date({year: $as_of.year, month: month, day: day}) END AS birthday
  RETURN $as_of.year - year - CASE WHEN birthday > $as_of THEN 1 ELSE 0 END AS age
