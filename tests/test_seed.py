"""The seed generator writes a well-formed, realistic, deterministic exchange folder.

The expected headers are copied from docs/exchange.md on purpose (not imported from the
generator), so a change to the generator's columns fails here.
"""

from __future__ import annotations

import csv
import doctest
import re
from collections import Counter, defaultdict, deque
from datetime import date
from pathlib import Path

import pytest

import seed.generator
from seed import generate_trust
from seed.__main__ import main

AS_OF = date(2026, 11, 22)

HEADERS = {
    "schools.csv": "school_id,name,trust_id,profile",
    "people.csv": "person_id,given_name,family_name,date_of_birth",
    "memberships.csv": "person_id,school_id,role,position,start_date,end_date",
    "family_links.csv": "person_id,relative_id,kind,source",
    "connections.csv": "connection_id,person_id,other_id,channel,direction,first_seen,source",
    "declarations.csv": ("declaration_id,declarer_id,counterpart_id,basis,details,declared_on,"
                         "status,decided_by,decided_on"),
    "approaches.csv": ("report_id,adult_id,from_id,channel,occurred_on,reported_on,summary,"
                       "status"),
    "school_accounts.csv": "account_id,school_id,channel,handle",
    "account_admins.csv": "account_id,person_id,authorised_by,authorised_on",
}
ENUMS = {
    ("schools.csv", "profile"): {"ninestiles", "millfields", "aspire", "great-chart", "mowbray"},
    ("memberships.csv", "role"): {"staff", "governor", "volunteer", "contractor", "visitor",
                                  "pupil"},
    ("memberships.csv", "position"): {"", "headteacher", "senior_leader", "dsl",
                                      "chair_of_governors", "trust_ceo"},
    ("family_links.csv", "kind"): {"parent", "step_parent", "foster_parent", "carer",
                                   "grandparent", "sibling", "spouse", "partner",
                                   "other_relative"},
    ("family_links.csv", "source"): {"records", "declared"},
    ("connections.csv", "direction"): {"outbound", "inbound", "mutual"},
    ("connections.csv", "source"): {"declared", "reported", "platform_export", "monitoring"},
    ("declarations.csv", "basis"): {"family_member", "family_friend", "prior_friendship",
                                    "other"},
    ("declarations.csv", "status"): {"pending", "accepted", "rejected"},
    ("approaches.csv", "status"): {"open", "reviewed"},
}
PARENT_KINDS = {"parent", "step_parent", "foster_parent", "carer"}
DOB = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")


# --------------------------------------------------------------------------- helpers

def load(folder: Path) -> dict[str, list[dict[str, str]]]:
    return {name: list(csv.DictReader(open(folder / name, encoding="utf-8", newline="")))
            for name in HEADERS}


def age_on(dob: str, on: date = AS_OF) -> int | None:
    if len(dob) != 10:
        return None
    d = date.fromisoformat(dob)
    return on.year - d.year - ((on.month, on.day) < (d.month, d.day))


def active(m: dict[str, str], on: date = AS_OF) -> bool:
    day = on.isoformat()
    return m["start_date"] <= day and (not m["end_date"] or m["end_date"] >= day)


class Facts:
    """What the rules would derive on AS_OF, computed straight from the rows."""

    def __init__(self, data: dict[str, list[dict[str, str]]]):
        self.data = data
        self.dob = {p["person_id"]: p["date_of_birth"] for p in data["people.csv"]}
        self.members = defaultdict(list)
        for m in data["memberships.csv"]:
            self.members[m["person_id"]].append(m)
        self.family = defaultdict(set)
        self.parents_of = defaultdict(set)
        for link in data["family_links.csv"]:
            a, b = link["person_id"], link["relative_id"]
            self.family[a].add(b)
            self.family[b].add(a)
            if link["kind"] in PARENT_KINDS:
                self.parents_of[b].add(a)
        self.declared = defaultdict(list)  # frozenset({declarer, counterpart}) -> rows
        for d in data["declarations.csv"]:
            self.declared[frozenset((d["declarer_id"], d["counterpart_id"]))].append(d)

    def roles_at(self, pid: str, role: str, when_active: bool = True) -> set[str]:
        return {m["school_id"] for m in self.members[pid]
                if m["role"] == role and (active(m) or not when_active)}

    def current_pupil_at(self, pid: str) -> set[str]:
        return self.roles_at(pid, "pupil")

    def is_ex_pupil(self, pid: str) -> bool:
        stints = [m for m in self.members[pid] if m["role"] == "pupil"]
        return bool(stints) and not any(active(m) for m in stints) and all(
            m["end_date"] and m["end_date"] < AS_OF.isoformat() for m in stints)

    def distance(self, a: str, b: str, limit: int = 3) -> int | None:
        seen, queue = {a: 0}, deque([a])
        while queue:
            x = queue.popleft()
            if x == b:
                return seen[x]
            if seen[x] < limit:
                for y in self.family[x]:
                    if y not in seen:
                        seen[y] = seen[x] + 1
                        queue.append(y)
        return None

    def family_within(self, pid: str, limit: int = 3) -> set[str]:
        seen, frontier = {pid}, {pid}
        for _ in range(limit):
            frontier = {y for x in frontier for y in self.family[x]} - seen
            seen |= frontier
        return seen

    def declarations(self, adult: str, other: str) -> list[dict[str, str]]:
        """Declarations between the adult and the other person or anyone of their family."""
        return [d for member in sorted(self.family_within(other))
                for d in self.declared.get(frozenset((adult, member)), [])]

    def overlapped(self, adult: str, pupil: str, school: str) -> bool:
        return any(a["school_id"] == school and p["school_id"] == school
                   and a["start_date"] <= (p["end_date"] or "9999")
                   and p["start_date"] <= (a["end_date"] or "9999")
                   for a in self.members[adult] if a["role"] == "staff"
                   for p in self.members[pupil] if p["role"] == "pupil")

    def parent_at(self, pid: str) -> set[str]:
        """Schools where pid is a parent of a current pupil."""
        return {s for child in self.children(pid) for s in self.current_pupil_at(child)}

    def children(self, pid: str) -> list[str]:
        return [c for c in sorted(self.family[pid]) if pid in self.parents_of[c]]

    def kinds(self, row: dict[str, str]) -> set[str]:
        """The situations a connection is an example of, seen from the staff side."""
        found = set()
        for adult, other, flip in ((row["person_id"], row["other_id"], False),
                                   (row["other_id"], row["person_id"], True)):
            schools = self.roles_at(adult, "staff")
            if not schools:
                continue
            direction = row["direction"]
            if flip and direction != "mutual":
                direction = "inbound" if direction == "outbound" else "outbound"
            dist = self.distance(adult, other)
            decls = self.declarations(adult, other)
            statuses = {(d["basis"], d["status"]) for d in decls}
            clean = dist is None and not decls
            if schools & self.current_pupil_at(other):
                if clean and direction == "inbound":
                    found.add("inbound-only")
                elif clean:
                    found.add("pupil-contact")
                if dist is not None and any(s == "accepted" for _, s in statuses):
                    found.add("family-declared")
                if dist is not None and dist >= 2 and not decls:
                    found.add("family-path-undeclared")
                if dist is None and ("family_friend", "pending") in statuses:
                    found.add("family-friend-pending")
                if dist is None and decls and {s for _, s in statuses} == {"rejected"}:
                    found.add("rejected-declaration")
            if self.is_ex_pupil(other) and any(self.overlapped(adult, other, s)
                                               for s in self.roles_at(other, "pupil", False)):
                age = age_on(self.dob[other])
                if clean and age is not None and age < 18:
                    found.add("ex-pupil-contact")
                if age is not None and age >= 18:
                    found.add("adult-ex-pupil")
            adult_roles = {m["role"] for m in self.members[other]} - {"pupil"}
            if schools & self.parent_at(other) and not adult_roles and clean:
                if schools & self.parent_at(adult):
                    found.add("complex-parent")
                else:
                    found.add("parent-contact")
            if schools & self.roles_at(other, "staff"):
                found.add("colleague")
            if not self.members[other] and dist is None:
                found.add("unrelated")
        return found


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("seed2000")
    return folder, generate_trust(folder, people=2000, seed=1)


@pytest.fixture(scope="module")
def small_facts(small) -> Facts:
    return Facts(load(small[0]))


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> tuple[Path, dict[str, int], list[int]]:
    folder = tmp_path_factory.mktemp("seed20000")
    calls: list[int] = []
    counts = generate_trust(folder, people=20_000, seed=7, progress=calls.append)
    return folder, counts, calls


@pytest.fixture(scope="module")
def large_data(large) -> dict[str, list[dict[str, str]]]:
    return load(large[0])


# --------------------------------------------------------------------------- format

def test_same_arguments_give_identical_bytes(tmp_path):
    for run in ("a", "b"):
        generate_trust(tmp_path / run, people=1500, schools=5, seed=3)
    for name in HEADERS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    generate_trust(tmp_path / "c", people=1500, schools=5, seed=4)
    other_seed = (tmp_path / "c" / "people.csv").read_bytes()
    assert (tmp_path / "a" / "people.csv").read_bytes() != other_seed


@pytest.mark.parametrize("people,schools,seed", [(1000, 4, 2), (2000, 4, 1), (5000, 6, 5),
                                                (20_000, 4, 7)])
def test_size_is_within_five_percent(tmp_path, people, schools, seed):
    counts = generate_trust(tmp_path, people=people, schools=schools, seed=seed)
    rows = sum(1 for _ in open(tmp_path / "people.csv", encoding="utf-8")) - 1
    assert rows == counts["people.csv"]
    assert abs(rows - people) <= 0.05 * people
    assert counts["schools.csv"] >= schools


def test_too_few_people_for_the_schools_is_refused(tmp_path):
    with pytest.raises(ValueError, match="too few"):
        generate_trust(tmp_path, people=200, schools=4)
    assert not any(tmp_path.iterdir())


def test_every_file_has_exactly_the_exchange_header(small):
    folder, counts = small
    assert set(counts) == set(HEADERS)
    for name, header in HEADERS.items():
        with open(folder / name, encoding="utf-8", newline="") as f:
            assert f.readline() == header + "\n", name
            assert sum(1 for _ in f) == counts[name], name


def test_values_are_well_formed_and_ids_unique(large_data):
    data = large_data
    for (name, column), allowed in ENUMS.items():
        assert {row[column] for row in data[name]} <= allowed, (name, column)
    for name, key in (("schools.csv", "school_id"), ("people.csv", "person_id"),
                      ("connections.csv", "connection_id"), ("declarations.csv", "declaration_id"),
                      ("approaches.csv", "report_id"), ("school_accounts.csv", "account_id")):
        ids = [row[key] for row in data[name]]
        assert len(ids) == len(set(ids)), name
    for p in data["people.csv"]:
        assert DOB.match(p["date_of_birth"]), p
        if len(p["date_of_birth"]) == 10:
            date.fromisoformat(p["date_of_birth"])
        assert p["given_name"] and p["family_name"]
    dated = {"people.csv": ["date_of_birth"], "connections.csv": ["first_seen"],
             "declarations.csv": ["declared_on", "decided_on"],
             "approaches.csv": ["occurred_on", "reported_on"],
             "account_admins.csv": ["authorised_on"], "memberships.csv": ["end_date"]}
    for name, columns in dated.items():
        for row in data[name]:
            for column in columns:
                if len(row[column]) == 10:
                    assert date.fromisoformat(row[column]) <= AS_OF, (name, row)
    for m in data["memberships.csv"]:
        assert date.fromisoformat(m["start_date"])
        assert not m["end_date"] or m["end_date"] > m["start_date"] or (
            m["role"] == "visitor" and m["end_date"] == m["start_date"]), m
    future = [m for m in data["memberships.csv"] if m["start_date"] > AS_OF.isoformat()]
    assert future and len(future) < 0.01 * len(data["memberships.csv"])


def test_every_reference_resolves(large_data):
    data = large_data
    people = {p["person_id"] for p in data["people.csv"]}
    schools = {s["school_id"] for s in data["schools.csv"]}
    accounts = {a["account_id"] for a in data["school_accounts.csv"]}
    refs = [("memberships.csv", "person_id", people), ("memberships.csv", "school_id", schools),
            ("family_links.csv", "person_id", people), ("family_links.csv", "relative_id", people),
            ("connections.csv", "person_id", people), ("connections.csv", "other_id", people),
            ("declarations.csv", "declarer_id", people),
            ("declarations.csv", "counterpart_id", people),
            ("approaches.csv", "adult_id", people), ("approaches.csv", "from_id", people),
            ("school_accounts.csv", "school_id", schools),
            ("account_admins.csv", "account_id", accounts),
            ("account_admins.csv", "person_id", people),
            ("account_admins.csv", "authorised_by", people)]
    for name, column, known in refs:
        missing = {row[column] for row in data[name]} - known
        assert not missing, (name, column, sorted(missing)[:5])
    decided = {d["decided_by"] for d in data["declarations.csv"]} - {""}
    assert decided <= people
    for c in data["connections.csv"]:
        assert c["person_id"] != c["other_id"]


# --------------------------------------------------------------------------- schools

def test_schools_trusts_and_profiles(large_data, small):
    data = large_data
    by_trust = defaultdict(set)
    for s in data["schools.csv"]:
        by_trust[s["trust_id"]].add(s["profile"])
    assert len(data["schools.csv"]) > 4  # 20,000 people need more than four schools
    assert {s["profile"] for s in data["schools.csv"]} == ENUMS[("schools.csv", "profile")]
    assert 1 <= sum(1 for s in data["schools.csv"] if not s["trust_id"]) <= 2
    assert all(len(profiles) == 1 for trust, profiles in by_trust.items() if trust)
    small_schools = load(small[0])["schools.csv"]
    assert len(small_schools) == 4 and sum(not s["trust_id"] for s in small_schools) in (1, 2)


def test_every_school_has_one_headteacher_dsl_and_chair(large_data):
    data = large_data
    positions = Counter((m["school_id"], m["position"]) for m in data["memberships.csv"]
                        if m["position"] and active(m))
    for s in data["schools.csv"]:
        sid = s["school_id"]
        assert positions[(sid, "headteacher")] == 1, sid
        assert positions[(sid, "dsl")] == 1, sid
        assert positions[(sid, "chair_of_governors")] == 1, sid
        assert 2 <= positions[(sid, "senior_leader")] <= 4, sid
    trust_of = {s["school_id"]: s["trust_id"] for s in data["schools.csv"]}
    ceos = Counter(trust_of[m["school_id"]] for m in data["memberships.csv"]
                   if m["position"] == "trust_ceo")
    assert ceos == Counter({t: 1 for t in set(trust_of.values()) if t})


def test_staff_ratio_and_other_adults(large_data):
    data = large_data
    roll = Counter(m["school_id"] for m in data["memberships.csv"]
                   if m["role"] == "pupil" and active(m))
    staff = Counter(m["school_id"] for m in data["memberships.csv"]
                    if m["role"] == "staff" and active(m))
    phase = {s["school_id"]: "primary" if "Primary" in s["name"] or "Junior" in s["name"]
             else "secondary" for s in data["schools.csv"]}
    for sid, pupils in roll.items():
        ratio = pupils / staff[sid]
        assert (6 <= ratio <= 10) if phase[sid] == "primary" else (9 <= ratio <= 13), sid
    roles = Counter(m["role"] for m in data["memberships.csv"])
    assert all(roles[r] for r in ("governor", "volunteer", "contractor", "visitor"))
    left = [m for m in data["memberships.csv"] if m["role"] == "staff" and m["end_date"]]
    assert len(left) > 0.15 * sum(staff.values())


# --------------------------------------------------------------------------- pupils

def test_pupil_ages_fit_their_school(large_data):
    data = large_data
    facts = Facts(data)
    phase = {s["school_id"]: "primary" if "Primary" in s["name"] or "Junior" in s["name"]
             else "secondary" for s in data["schools.csv"]}
    ages = defaultdict(Counter)
    for m in data["memberships.csv"]:
        if m["role"] == "pupil" and active(m):
            age = age_on(facts.dob[m["person_id"]])
            if age is not None:
                ages[phase[m["school_id"]]][age] += 1
    assert min(ages["primary"]) == 4 and max(ages["primary"]) == 11
    assert min(ages["secondary"]) == 11 and max(ages["secondary"]) in (18, 19)
    assert ages["secondary"][18] > 0  # sixth-formers who have turned 18


def test_ex_pupils_of_all_ages_and_trust_transfers(large_data):
    facts = Facts(large_data)
    ex_ages = Counter(age_on(facts.dob[pid]) for pid in facts.members if facts.is_ex_pupil(pid))
    for age in (11, 14, 16, 17, 18, 19, 25):
        assert ex_ages[age] > 0, age
    trust_of = {s["school_id"]: s["trust_id"] for s in large_data["schools.csv"]}
    moved_on = [pid for pid, ms in facts.members.items()
                if sum(m["role"] == "pupil" for m in ms) >= 2
                and any(m["role"] == "pupil" and m["end_date"] for m in ms)
                and any(m["role"] == "pupil" and active(m) for m in ms)
                and len({trust_of[m["school_id"]] for m in ms if m["role"] == "pupil"}) == 1]
    assert moved_on


def test_dates_of_birth_include_leap_days_partial_and_blank(large_data):
    pupils = {m["person_id"] for m in large_data["memberships.csv"] if m["role"] == "pupil"}
    dobs = [p["date_of_birth"] for p in large_data["people.csv"] if p["person_id"] in pupils]
    shapes = Counter("blank" if not d else "year" if len(d) == 4 else "month" if len(d) == 7
                     else "leap" if d.endswith("-02-29") else "full" for d in dobs)
    for shape in ("blank", "year", "month", "leap"):
        assert 0 < shapes[shape] < 0.01 * len(dobs), shapes


def test_every_current_pupil_has_a_parent(large_data):
    facts = Facts(large_data)
    current = {m["person_id"] for m in large_data["memberships.csv"]
               if m["role"] == "pupil" and active(m)}
    assert current
    assert all(facts.parents_of[pid] for pid in current)
    kinds = Counter(link["kind"] for link in large_data["family_links.csv"])
    for kind in ("parent", "step_parent", "foster_parent", "carer", "grandparent", "sibling",
                 "spouse", "partner"):
        assert kinds[kind] > 0, kind
    sizes = Counter()
    for pid in sorted(current):
        parents = facts.parents_of[pid]
        assert 1 <= len(parents) <= 2
        siblings = {c for p in parents for c in facts.children(p)}
        sizes[len(siblings)] += 1
    assert sizes[1] and sizes[2] and sizes[3]


def test_siblings_are_twins_or_born_ten_months_apart(large_data):
    facts = Facts(large_data)
    gaps = Counter()
    for pid in sorted(facts.parents_of.keys() | facts.family.keys()):
        births = sorted(date.fromisoformat(facts.dob[c]) for c in facts.children(pid)
                        if len(facts.dob[c]) == 10)
        for a, b in zip(births, births[1:]):
            gaps["twins" if a == b else "apart" if (b - a).days >= 300 else "too close"] += 1
    assert gaps["twins"] and gaps["apart"] and not gaps["too close"], gaps


def test_some_staff_and_governors_are_parents(large_data):
    facts = Facts(large_data)
    for role in ("staff", "governor"):
        assert any(facts.roles_at(pid, role) & facts.parent_at(pid)
                   for pid in sorted(facts.members)), role
    assert any(link["kind"] == "sibling" and facts.roles_at(link["person_id"], "staff")
               and facts.children(link["relative_id"])
               for link in large_data["family_links.csv"])


# --------------------------------------------------------------------------- relationships

KINDS = ("pupil-contact", "ex-pupil-contact", "parent-contact", "inbound-only",
         "family-declared", "family-path-undeclared", "family-friend-pending",
         "rejected-declaration", "complex-parent", "colleague", "adult-ex-pupil", "unrelated")


def test_every_kind_of_connection_is_present(small_facts):
    found = Counter(k for row in small_facts.data["connections.csv"]
                    for k in small_facts.kinds(row))
    missing = [k for k in KINDS if not found[k]]
    assert not missing, found
    channels = {c["channel"] for c in small_facts.data["connections.csv"]}
    assert {"facebook", "instagram", "whatsapp", "snapchat"} <= channels


def test_prohibited_connections_are_a_small_minority(large_data):
    facts = Facts(large_data)
    prohibited = sum(1 for row in large_data["connections.csv"]
                     if facts.kinds(row) & {"pupil-contact", "ex-pupil-contact"})
    staff = sum(1 for m in large_data["memberships.csv"] if m["role"] == "staff" and active(m))
    pupils = sum(1 for m in large_data["memberships.csv"] if m["role"] == "pupil" and active(m))
    assert 0 < prohibited < 0.02 * staff
    assert prohibited < 0.01 * pupils
    assert len(large_data["connections.csv"]) > 0.5 * staff


def test_declarations_are_decided_by_senior_leaders(large_data):
    facts = Facts(large_data)
    statuses = Counter(d["status"] for d in large_data["declarations.csv"])
    assert statuses["pending"] and statuses["accepted"] and statuses["rejected"]
    bases = {d["basis"] for d in large_data["declarations.csv"]}
    assert bases == ENUMS[("declarations.csv", "basis")]
    for d in large_data["declarations.csv"]:
        assert d["details"]
        if d["status"] == "pending":
            assert d["decided_by"] == "" and d["decided_on"] == ""
            continue
        assert d["declared_on"] < d["decided_on"] <= AS_OF.isoformat()
        schools = facts.roles_at(d["declarer_id"], "staff")
        leaders = {m["school_id"] for m in facts.members[d["decided_by"]]
                   if m["position"] in ("headteacher", "senior_leader") and active(m)}
        assert schools & leaders and d["decided_by"] != d["declarer_id"], d


def test_approaches_include_a_pupil_who_keeps_trying(small):
    rows = load(small[0])["approaches.csv"]
    assert {r["status"] for r in rows} == {"open", "reviewed"}
    by_pupil = defaultdict(list)
    for r in rows:
        assert r["occurred_on"] <= r["reported_on"]
        by_pupil[r["from_id"]].append(date.fromisoformat(r["occurred_on"]))
    assert any(len(days) >= 3 and (max(sorted(days)[:3]) - min(days)).days <= 30
               for days in by_pupil.values())


def test_school_accounts_mostly_have_two_admins_authorised_by_the_head(small):
    data = load(small[0])
    facts = Facts(data)
    per_school = Counter(a["school_id"] for a in data["school_accounts.csv"])
    assert all(1 <= per_school[s["school_id"]] <= 3 for s in data["schools.csv"])
    admins = defaultdict(list)
    for a in data["account_admins.csv"]:
        admins[a["account_id"]].append(a)
    school_of = {a["account_id"]: a["school_id"] for a in data["school_accounts.csv"]}
    shapes = Counter()
    for aid, rows in admins.items():
        by_head = all(any(m["position"] == "headteacher" and m["school_id"] == school_of[aid]
                          for m in facts.members[r["authorised_by"]]) for r in rows)
        shapes["two, by head" if len(rows) == 2 and by_head
               else "one admin" if len(rows) == 1 else "not by head"] += 1
    assert shapes["two, by head"] > shapes["one admin"] > 0
    assert shapes["not by head"] > 0


# --------------------------------------------------------------------------- interface

def test_progress_is_reported_every_ten_thousand_people_and_at_the_end(large):
    _, counts, calls = large
    assert calls == sorted(calls)
    assert calls[-1] == counts["people.csv"]
    assert calls[:2] == [10_000, 20_000] or calls == [10_000, counts["people.csv"]]


def test_command_line_prints_the_counts(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--people", "800", "--seed", "2"]) == 0
    printed = capsys.readouterr().out
    assert "people.csv" in printed and "connections.csv" in printed
    assert (tmp_path / "schools.csv").exists()


@pytest.mark.parametrize("as_of", [date(2027, 1, 15), date(2027, 8, 10), date(2027, 9, 1),
                                   date(2028, 2, 29)])
def test_other_evaluation_dates_stay_consistent(tmp_path, as_of):
    generate_trust(tmp_path, people=1200, seed=5, as_of=as_of)
    data = load(tmp_path)
    day = as_of.isoformat()
    for name, row in ((n, r) for n in HEADERS for r in data[n]):
        for column, value in row.items():
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and not (
                    name == "memberships.csv" and column == "start_date"):
                assert value <= day, (name, row)
    heads = Counter(m["school_id"] for m in data["memberships.csv"]
                    if m["position"] == "headteacher" and active(m, as_of))
    assert set(heads.values()) == {1} and len(heads) == len(data["schools.csv"])
    on_roll = [m for m in data["memberships.csv"] if m["role"] == "pupil" and active(m, as_of)]
    assert len(on_roll) > 0.25 * len(data["people.csv"])
    dob = {p["person_id"]: p["date_of_birth"] for p in data["people.csv"]}
    ages = {age_on(dob[m["person_id"]], as_of) for m in on_roll} - {None}
    assert min(ages) in (4, 5) and max(ages) in (18, 19)


def test_docstring_examples():
    result = doctest.testmod(seed.generator)
    assert result.attempted >= 3 and result.failed == 0


def test_too_few_people_for_the_schools_is_a_sentence_not_a_traceback(tmp_path):
    from click.testing import CliRunner

    from api.cli import main

    result = CliRunner().invoke(main, ["seed", "--out", str(tmp_path / "t"), "--people", "300"])
    assert result.exit_code == 2
    assert "300 people are too few for 4 schools: ask for at least 400 people, or fewer " \
        "schools" in result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
