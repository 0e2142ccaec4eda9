"""A plain-SQL baseline for the two child-contact rules, side by side with the register.

    python3 bench/sql_baseline.py                     # 10k and 100k people
    python3 bench/sql_baseline.py --sizes 10000 100000 1000000
    python3 bench/sql_baseline.py --scenarios   # check it on every scenario of the suite

The seeded trusts exercise few of the rules' corners (no 29 February birthdays among the
protected, no trust-wide scope that changes a finding, ...), so `--scenarios` also checks
the SQL against the register on every world of tests/scenarios.py, each on its own date.

For each size it seeds (or reuses) the exchange folder of bench/run.py, then:

1. loads the folder's CSV files as they are into an in-memory SQLite database (typed
   columns, ISO dates as text, a few indexes) and answers `pupil-contact` and
   `ex-pupil-contact` with one SQL statement;
2. loads the same folder into the register (`read_folder` and a `FactGraph`) and runs its
   full detection (`Evaluation(...).run()`);
3. checks that the SQL's findings, as (adult, counterpart, school, rule), are exactly the
   register's findings of those two rules, and stops with the difference if they are not;
4. only then prints both load times, both detection times (each the best of three runs)
   and their ratio.

What the SQL does, as docs/rules.md reads the two rules on the date D:
- connections count from `first_seen` (always when it is empty), on any channel;
- the adult is bound at a school where one of their covered memberships (not a pupil's,
  a role the membership's school's profile covers) is active on D;
- "have, or have had": some covered membership of the adult and some pupil membership of
  the other, both at a school of the binding school's scope (that school, or every school
  of its trust where the profile's scope is `trust`), were active on a common day up to D;
- a current pupil is on roll anywhere on D; otherwise an ex-pupil, protected where the
  profile has an ex-pupil clause and the ex-pupil is under its age limit on D: age in whole
  years the UK way (29 February falls on 1 March in a common year), a partial date of birth
  taking its latest possible day, an unknown one counting as under 18;
- not family: a recursive CTE walks family links (always) and `family_member` declarations
  (made by D and not rejected by D) up to the profile's `family_degree`;
- no friendship: no `family_friend` or `prior_friendship` declaration between the adult and
  the other or anyone of their family, made by D and not rejected by D.

What it leaves out, and why the comparison is still fair to it:
- The profile values (covered roles, scope, degree, age limit, which rules a profile cites)
  come from graph.profiles into a small table: they are configuration, not data.
- It does not route findings (no reviewers, recusal, escalation), write explanations or
  cite clauses, and it evaluates two of the seven rules; the register's time covers all
  seven rules with routing. So the ratio overstates what the register spends on these two
  rules; it is the figure issue 13 sets a target for (full detection within 3x the SQL).
- A pupil or ex-pupil who is family or a friend gives `declaration-required` in the
  register, not one of these two rules; the SQL leaves such pairs out, as it should.

The machine is shared (2 cores, other work running), so the times are noisy: compare the
ratio of one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import AS_OF, REPEATS, best_of, seeded  # noqa: E402

RULES = ("pupil-contact", "ex-pupil-contact")

SCHEMA = """
CREATE TABLE schools (school_id TEXT PRIMARY KEY, name TEXT, trust_id TEXT, profile TEXT);
CREATE TABLE people (person_id TEXT PRIMARY KEY, given_name TEXT, family_name TEXT,
                     date_of_birth TEXT);
CREATE TABLE memberships (person_id TEXT, school_id TEXT, role TEXT, position TEXT,
                          start_date TEXT, end_date TEXT);
CREATE TABLE family_links (person_id TEXT, relative_id TEXT, kind TEXT, source TEXT);
CREATE TABLE connections (connection_id TEXT PRIMARY KEY, person_id TEXT, other_id TEXT,
                          channel TEXT, direction TEXT, first_seen TEXT, source TEXT);
CREATE TABLE declarations (declaration_id TEXT PRIMARY KEY, declarer_id TEXT,
                           counterpart_id TEXT, basis TEXT, details TEXT, declared_on TEXT,
                           status TEXT, decided_by TEXT, decided_on TEXT);
-- The profile of each school's values the two rules read (configuration, not data).
CREATE TABLE profiles (profile TEXT PRIMARY KEY, scope TEXT, family_degree INTEGER,
                       ex_pupil_age_limit INTEGER, pupil_rule INTEGER, ex_pupil_rule INTEGER);
CREATE TABLE covered_roles (profile TEXT, role TEXT, PRIMARY KEY (profile, role));
"""

INDEXES = """
CREATE INDEX memberships_person ON memberships (person_id);
CREATE INDEX family_person ON family_links (person_id);
CREATE INDEX family_relative ON family_links (relative_id);
CREATE INDEX declarations_declarer ON declarations (declarer_id);
CREATE INDEX declarations_counterpart ON declarations (counterpart_id);
"""

# Every (adult, counterpart, school, rule) of pupil-contact and ex-pupil-contact on :d.
QUERY = """
WITH RECURSIVE
-- Whether a declaration stands on :d: made by then, and not rejected by then.
live_declarations AS (
  SELECT * FROM declarations
  WHERE declared_on <= :d AND NOT (status = 'rejected' AND decided_on <> '' AND decided_on <= :d)
),
pairs AS (  -- each connection seen by :d, both ways round
  SELECT DISTINCT person_id AS adult, other_id AS other FROM connections
  WHERE (first_seen = '' OR first_seen <= :d) AND person_id <> other_id
  UNION
  SELECT other_id, person_id FROM connections
  WHERE (first_seen = '' OR first_seen <= :d) AND person_id <> other_id
),
adults AS (SELECT DISTINCT adult FROM pairs),
covered AS (  -- every covered membership of a connected person, held now or in the past
  SELECT m.* FROM adults a
  JOIN memberships m ON m.person_id = a.adult
  JOIN schools s ON s.school_id = m.school_id
  JOIN covered_roles c ON c.profile = s.profile AND c.role = m.role
  WHERE m.role <> 'pupil'
),
bound AS (  -- where the policy binds each adult on :d
  SELECT DISTINCT person_id AS adult, school_id FROM covered
  WHERE start_date <= :d AND (end_date = '' OR end_date >= :d)
),
scope AS (  -- the schools whose pupils count for an adult bound at school_id
  SELECT s.school_id, t.school_id AS in_scope
  FROM schools s JOIN profiles p ON p.profile = s.profile
  JOIN schools t ON t.school_id = s.school_id
                 OR (p.scope = 'trust' AND s.trust_id <> '' AND t.trust_id = s.trust_id)
),
taught AS (  -- have, or have had, a staff/pupil relationship, as the binding school reads it
  SELECT DISTINCT pr.adult, pr.other, b.school_id
  FROM pairs pr
  JOIN bound b ON b.adult = pr.adult
  JOIN covered m ON m.person_id = pr.adult
  JOIN scope sm ON sm.school_id = b.school_id AND sm.in_scope = m.school_id
  JOIN memberships p ON p.person_id = pr.other AND p.role = 'pupil'
  JOIN scope sp ON sp.school_id = b.school_id AND sp.in_scope = p.school_id
  WHERE max(m.start_date, p.start_date)
        <= min(CASE WHEN m.end_date = '' THEN :d ELSE m.end_date END,
               CASE WHEN p.end_date = '' THEN :d ELSE p.end_date END, :d)
),
candidates AS (  -- which rule would apply to each taught pair, before family and friends
  SELECT t.adult, t.other, t.school_id, pf.family_degree,
         CASE WHEN EXISTS (SELECT 1 FROM memberships c
                           WHERE c.person_id = t.other AND c.role = 'pupil'
                             AND c.start_date <= :d AND (c.end_date = '' OR c.end_date >= :d))
              THEN 'pupil-contact' ELSE 'ex-pupil-contact' END AS rule,
         pf.pupil_rule, pf.ex_pupil_rule, pf.ex_pupil_age_limit AS age_limit,
         pe.date_of_birth
  FROM taught t
  JOIN schools s ON s.school_id = t.school_id
  JOIN profiles pf ON pf.profile = s.profile
  JOIN people pe ON pe.person_id = t.other
),
-- The age on :d (NULL when the date of birth is unknown), from the birthday's latest
-- possible month-day: the birthday has not come yet while it is later than :d's month-day.
-- Compared as 'MM-DD' text, '02-29' is later than '02-28' and not later than '03-01': in a
-- common year a 29 February birthday falls on 1 March, the UK way, with no special case.
aged AS (
  SELECT *, CASE WHEN date_of_birth = '' THEN NULL
                 ELSE :year - CAST(substr(date_of_birth, 1, 4) AS INTEGER)
                      - (CASE length(date_of_birth)
                           WHEN 10 THEN substr(date_of_birth, 6, 5)
                           WHEN 7 THEN strftime('%m-%d', date_of_birth || '-01', '+1 month',
                                                '-1 day')
                           ELSE '12-31' END > :monthday) END AS age
  FROM candidates
),
protected AS (
  SELECT * FROM aged
  WHERE (rule = 'pupil-contact' AND pupil_rule)
     OR (rule = 'ex-pupil-contact' AND ex_pupil_rule
         AND (age_limit IS NULL OR age IS NULL OR age < age_limit))
),
friendships (a, b) AS (  -- standing friendship declarations, both ways round
  SELECT declarer_id, counterpart_id FROM live_declarations
  WHERE basis IN ('family_friend', 'prior_friendship')
  UNION SELECT counterpart_id, declarer_id FROM live_declarations
  WHERE basis IN ('family_friend', 'prior_friendship')
),
origins AS (SELECT DISTINCT other, family_degree FROM protected),
-- Each protected person's family within the degree: family links always hold (either way
-- round), a family_member declaration while it stands.
kin (origin, degree, person, depth) AS (
  SELECT other, family_degree, other, 0 FROM origins
  UNION
  SELECT k.origin, k.degree, f.relative_id, k.depth + 1
  FROM kin k JOIN family_links f ON f.person_id = k.person WHERE k.depth < k.degree
  UNION
  SELECT k.origin, k.degree, f.person_id, k.depth + 1
  FROM kin k JOIN family_links f ON f.relative_id = k.person WHERE k.depth < k.degree
  UNION
  SELECT k.origin, k.degree, d.counterpart_id, k.depth + 1
  FROM kin k JOIN live_declarations d ON d.declarer_id = k.person
  WHERE k.depth < k.degree AND d.basis = 'family_member'
  UNION
  SELECT k.origin, k.degree, d.declarer_id, k.depth + 1
  FROM kin k JOIN live_declarations d ON d.counterpart_id = k.person
  WHERE k.depth < k.degree AND d.basis = 'family_member'
)
SELECT pr.adult, pr.other, pr.school_id, pr.rule FROM protected pr
WHERE NOT EXISTS (  -- family
    SELECT 1 FROM kin k
    WHERE k.origin = pr.other AND k.degree = pr.family_degree AND k.person = pr.adult)
  AND NOT EXISTS (  -- a friend of theirs, or of anyone of their family
    SELECT 1 FROM kin k JOIN friendships f ON f.a = pr.adult AND f.b = k.person
    WHERE k.origin = pr.other AND k.degree = pr.family_degree)
"""


def load_sql(folder: Path) -> sqlite3.Connection:
    """The exchange folder's tables as they are, with the profiles' values beside them."""
    from graph.profiles import load_profile

    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    for table in ("schools", "people", "memberships", "family_links", "connections",
                  "declarations"):
        # By heading: the exchange format has optional columns the SQL does not read.
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        with open(folder / f"{table}.csv", newline="", encoding="utf-8") as f:
            rows = ([row.get(column, "") for column in columns] for row in csv.DictReader(f))
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", rows)
    for (name,) in db.execute("SELECT DISTINCT profile FROM schools").fetchall():
        profile = load_profile(name)
        db.execute("INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?)", (
            name, str(profile.scope), profile.family_degree, profile.ex_pupil_age_limit,
            profile.applies("pupil-contact"), profile.applies("ex-pupil-contact")))
        db.executemany("INSERT INTO covered_roles VALUES (?, ?)",
                       [(name, str(role)) for role in profile.covered_roles])
    db.executescript(INDEXES)
    db.commit()
    return db


def sql_findings(db: sqlite3.Connection, as_of: dt.date) -> set[tuple[str, str, str, str]]:
    rows = db.execute(QUERY, {"d": as_of.isoformat(), "year": as_of.year,
                              "monthday": as_of.strftime("%m-%d")})
    return {tuple(row) for row in rows}


def measure(people: int) -> dict:
    from graph.facts import FactGraph
    from graph.intake.exchange import read_folder
    from graph.rules import Evaluation

    folder = seeded(people)
    started = time.perf_counter()
    db = load_sql(folder)
    sql_load = time.perf_counter() - started
    found_by_sql, sql_detect = best_of(REPEATS, lambda: sql_findings(db, AS_OF))

    started = time.perf_counter()
    facts = FactGraph(read_folder(folder))
    register_load = time.perf_counter() - started
    evaluation, register_detect = best_of(REPEATS, lambda: Evaluation(facts, AS_OF).run())
    found_by_register = {
        (f.adult_id, f.counterpart_id, f.school_id, f.rule)
        for f in evaluation.findings.values() if f.rule in RULES
    }
    if found_by_sql != found_by_register:
        only_sql = sorted(found_by_sql - found_by_register)
        only_register = sorted(found_by_register - found_by_sql)
        raise SystemExit(f"{people} people: the SQL and the register disagree; only the SQL "
                         f"finds {only_sql[:10]} ({len(only_sql)}), only the register finds "
                         f"{only_register[:10]} ({len(only_register)})")
    return {"people": people, "findings": len(found_by_sql),
            "sql_load_s": sql_load, "sql_detect_s": sql_detect,
            "register_load_s": register_load, "register_detect_s": register_detect,
            "all_findings": len(evaluation.findings)}


def check_scenarios() -> int:
    """Check the SQL against the register on each scenario's world; the number checked."""
    import tempfile

    from graph.facts import FactGraph
    from graph.intake.exchange import write_folder
    from graph.rules import evaluate
    from tests.scenarios import SCENARIOS

    for scenario in SCENARIOS:
        world = scenario.build()
        with tempfile.TemporaryDirectory() as folder:
            write_folder(world, folder)
            found_by_sql = sql_findings(load_sql(Path(folder)), scenario.as_of)
        found_by_register = {(f.adult_id, f.counterpart_id, f.school_id, f.rule)
                             for f in evaluate(FactGraph(world), scenario.as_of) if f.rule in RULES}
        if found_by_sql != found_by_register:
            raise SystemExit(f"scenario {scenario.name}: the SQL finds {sorted(found_by_sql)}, "
                             f"the register {sorted(found_by_register)}")
    return len(SCENARIOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--scenarios", action="store_true",
                        help="check the SQL against the register on every scenario, then stop")
    args = parser.parse_args()
    if args.scenarios:
        print(f"The SQL and the register agree on all {check_scenarios()} scenarios.")
        return
    print(f"Detection: the best of {REPEATS} runs (the machine is shared, so times are noisy). "
          "The register's is all\nseven rules with routing; the SQL's is the two child-contact "
          "rules, its findings checked equal first.")
    print(f"{'people':>9} {'findings':>9} {'SQL load s':>11} {'SQL detect s':>13} "
          f"{'reg load s':>11} {'reg detect s':>13} {'detect ratio':>13}")
    for people in args.sizes:
        f = measure(people)
        print(f"{f['people']:>9} {f['findings']:>9} {f['sql_load_s']:>11.2f} "
              f"{f['sql_detect_s']:>13.3f} {f['register_load_s']:>11.2f} "
              f"{f['register_detect_s']:>13.3f} "
              f"{f['register_detect_s'] / f['sql_detect_s']:>12.1f}x", flush=True)


if __name__ == "__main__":
    main()
