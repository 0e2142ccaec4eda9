"""Deterministic seed data in the register exchange format (docs/exchange.md).

`generate_trust` writes a folder of CSV files describing one or more trusts of invented
schools: staff with positions, governors, volunteers, contractors and visitors; pupils on
roll and ex-pupils of every age; their parents and wider family; and the connections,
declarations, approach reports and school accounts the register's rules look at.

Most of what it writes is ordinary and compliant. On top of that it plants, school by
school, a small number of each situation the rules distinguish (a member of staff connected
to a pupil they teach, a teacher who is the aunt of a pupil, a pending family-friend
declaration...). Each plant is built from people chosen so that the situation is exactly what
it claims to be: a "prohibited" connection is only ever made between a member of staff and a
pupil or parent with whom they have no family link, friendship or declaration at all.

Everything is drawn from `random.Random` instances seeded from the arguments, rows are
streamed to the CSV writers as they are made, and only one trust is held in memory at a
time, so a million people take well under a minute and little memory.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import functools
import math
import os
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from . import names as N

# Column order as listed in docs/exchange.md.
COLUMNS: dict[str, tuple[str, ...]] = {
    "schools.csv": ("school_id", "name", "trust_id", "profile"),
    "people.csv": ("person_id", "given_name", "family_name", "date_of_birth"),
    "memberships.csv": ("person_id", "school_id", "role", "position", "start_date", "end_date"),
    "family_links.csv": ("person_id", "relative_id", "kind", "source"),
    "connections.csv": (
        "connection_id", "person_id", "other_id", "channel", "direction", "first_seen", "source",
    ),
    "declarations.csv": (
        "declaration_id", "declarer_id", "counterpart_id", "basis", "details", "declared_on",
        "status", "decided_by", "decided_on",
    ),
    "approaches.csv": (
        "report_id", "adult_id", "from_id", "channel", "occurred_on", "reported_on", "summary",
        "status",
    ),
    "school_accounts.csv": ("account_id", "school_id", "channel", "handle"),
    "account_admins.csv": ("account_id", "person_id", "authorised_by", "authorised_on"),
}

PROGRESS_EVERY = 10_000

# Profiles: multi-academy-trust policies go to trusts, single-school policies to the
# stand-alone schools (Great Chart is a primary, Millfields an LA-maintained school that
# counts pupils over 18 as pupils, so it gets a secondary with a sixth form).
TRUST_PROFILES = ("ninestiles", "mowbray", "aspire")
STANDALONE = (("great-chart", "primary"), ("millfields", "secondary"))

# Full-size schools: pupils on roll, adults per member of staff.
PRIMARY_ROLLS = (210, 210, 240, 280, 280, 315, 350, 420)  # mean ~290
SECONDARY_ROLLS = (750, 900, 1000, 1050, 1100, 1200, 1350)  # mean 1050
PUPILS_PER_STAFF = {"primary": 8, "secondary": 11}
MIN_STAFF = {"primary": 10, "secondary": 14}
MIN_ROLL = {"primary": 14, "secondary": 28}
YEARS = {"primary": range(0, 7), "secondary": range(7, 14)}  # 0 = Reception
# share of the roll in each year group: seven equal primary years; a secondary's sixth form
# (years 12 and 13) is smaller than its main school
YEAR_WEIGHT = ({n: 1 / 7 for n in range(7)}
               | {n: 0.17 for n in range(7, 12)} | {12: 0.075, 13: 0.075})
EX_PUPIL_SHARE = 0.55  # ex-pupils kept in the records, per pupil on roll
# People per pupil on roll brought in as parents, carers and grandparents (calibrated on
# full-size runs; used only to size the schools so the total lands on `people`).
KIN_PER_PUPIL = {"primary": 1.48, "secondary": 1.29}
COMMUNITY_SHARE = 0.05  # adults with no school role at all (friends, partners, neighbours)

PUPIL_CHANNELS = ("instagram", "snapchat", "tiktok", "whatsapp", "x", "youtube", "xbox_live",
                  "personal_phone")
ADULT_CHANNELS = ("facebook", "whatsapp", "instagram", "linkedin", "x", "personal_phone",
                  "personal_email")
FAMILY_CHANNELS = ("whatsapp", "facebook", "instagram", "snapchat", "personal_phone")
FOLLOW_CHANNELS = ("instagram", "tiktok", "x", "youtube")
ACCOUNT_CHANNELS = {"primary": ("facebook", "x", "instagram"),
                    "secondary": ("x", "instagram", "facebook", "youtube", "tiktok", "linkedin")}
FOUND_BY = ("monitoring", "reported", "platform_export")

YEAR_DAYS = 365.2425


# --------------------------------------------------------------------------- dates

def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


@functools.lru_cache(maxsize=None)
def _autumn_start(year: int) -> int:
    """First weekday on or after 2 September: the usual first day of the school year."""
    d = date(year, 9, 2)
    return d.toordinal() + (7 - d.weekday() if d.weekday() >= 5 else 0)


@functools.lru_cache(maxsize=None)
def _spring_start(year: int) -> int:
    d = date(year, 1, 5)
    return d.toordinal() + (7 - d.weekday()) % 7


@functools.lru_cache(maxsize=None)
def _summer_start(year: int) -> int:
    d = date(year, 4, 15)
    return d.toordinal() + (7 - d.weekday()) % 7


@functools.lru_cache(maxsize=None)
def _summer_end(year: int) -> int:
    """Last weekday on or before 21 July: the end of the school year."""
    d = date(year, 7, 21)
    return d.toordinal() - max(0, d.weekday() - 4)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def age_on(dob: date, on: date) -> int:
    """Whole years, the UK way (a 29 February birthday falls on 1 March in a common year).

    >>> age_on(date(2008, 2, 29), date(2026, 2, 28))
    17
    >>> age_on(date(2008, 2, 29), date(2026, 3, 1))
    18
    """
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# --------------------------------------------------------------------------- records

@dataclass(slots=True)
class _Adult:
    pid: str
    family_name: str
    dob: int
    start: int
    position: str = ""
    school: int = 0  # index of the school within its trust


@dataclass(slots=True)
class _Pupil:
    pid: str
    female: bool
    dob: int  # the true date; what is written may be partial or blank
    dob_text: str
    cohort: int  # calendar year of the September that opens the birth year group
    given: str
    stints: list  # (school index in trust, start ordinal, end ordinal or None)
    status: str  # current | future | ex
    home: int  # school index of the current (or last) stint
    family: int = -1


@dataclass(slots=True)
class _Family:
    kind: str  # two | single | step | foster | carer
    children: list
    surname: str = ""
    staff_parent: _Adult | None = None
    involved: bool = False  # a member of staff is its family or friend: never used for a plant
    parents: list = field(default_factory=list)  # (pid, kind, dob)
    grandparent: str = ""


@dataclass(slots=True)
class _School:
    sid: str
    name: str
    trust_id: str
    profile: str
    phase: str
    roll_full: int
    index: int  # global school number, 0-based
    staff: list = field(default_factory=list)  # current staff (_Adult)
    head: _Adult | None = None
    seniors: list = field(default_factory=list)
    ordinary: list = field(default_factory=list)  # current staff without a position
    governors: list = field(default_factory=list)  # pids
    others: list = field(default_factory=list)  # volunteers, contractors, visitors (pids)
    current: list = field(default_factory=list)  # pupil indices on roll
    ex: list = field(default_factory=list)  # pupil indices of ex-pupils (no active stint)
    families: list = field(default_factory=list)  # family indices with a child on roll here
    plain_parents: list = field(default_factory=list)  # (pid, family index)


def school_sizes(phase: str, roll_full: int, scale: float) -> dict[str, int]:
    """How many of each kind of person a school of this phase and full size has at `scale`.

    >>> school_sizes("secondary", 1050, 1.0)["staff"]
    95
    """
    roll = max(MIN_ROLL[phase], round(roll_full * scale))
    staff = max(MIN_STAFF[phase], round(roll / PUPILS_PER_STAFF[phase]))
    root = math.sqrt(scale)
    governors = max(5, round(10 * root) + roll_full % 3 - 1)
    return {
        "roll": roll,
        "staff": staff,
        "seniors": 2 if staff < 30 else 3 if staff < 70 else 4,
        "ex_staff": round(0.3 * staff),
        "ex_pupils": round(EX_PUPIL_SHARE * roll),
        "governors": governors,
        "past_governors": round(0.3 * governors),
        "volunteers": max(2, round((6 if phase == "primary" else 4) * root)),
        "contractors": max(1, round(3 * root)),
        "visitors": max(1, round(4 * root)),
    }


def _estimated_people(phase: str, roll_full: int, scale: float) -> float:
    z = school_sizes(phase, roll_full, scale)
    new_governors = z["governors"] - 3 + z["past_governors"]  # 2 parents and 1 member of staff
    return (z["roll"] + z["ex_pupils"] + z["staff"] + z["ex_staff"] + new_governors
            + 0.7 * z["volunteers"] + z["contractors"] + z["visitors"]
            + KIN_PER_PUPIL[phase] * z["roll"] + 4)  # 4: future starters and their kin


# --------------------------------------------------------------------------- layout

def _group_sizes(n: int, rng: random.Random) -> list[int]:
    """Sizes of the trusts; `_layout` adds the two stand-alone schools when n >= 4."""
    if n <= 3:
        return [n]
    if n == 4:
        return [2]  # one small trust (a secondary and its feeder primary) and two stand-alones
    rest = n - 2
    sizes = []
    left = rest
    while left:
        size = rng.choice((3, 4, 4, 5, 5, 6, 6, 7, 8, 10, 12, 15))
        if left - size < 3:
            size = left
        sizes.append(size)
        left -= size
    if len(sizes) < 3:  # at least three trusts, largest first (single-academy trusts if < 6)
        sizes = [rest // 3 + (1 if i < rest % 3 else 0) for i in range(3)]
    return sizes


def _layout(n: int, rng: random.Random) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """[(trust_id or "", profile, [(phase, full roll)...])...] for n schools."""

    def roll(phase: str) -> int:
        return rng.choice(PRIMARY_ROLLS if phase == "primary" else SECONDARY_ROLLS)

    groups = []
    for t, size in enumerate(_group_sizes(n, rng)):
        secondaries = 1 if size <= 4 else round(size / 4.5)
        phases = ["secondary"] * secondaries + ["primary"] * (size - secondaries)
        groups.append((f"T{t + 1}", TRUST_PROFILES[t % len(TRUST_PROFILES)],
                       [(p, roll(p)) for p in phases]))
    if n >= 4:
        for profile, phase in STANDALONE:
            groups.append(("", profile, [(phase, roll(phase))]))
    return groups


class TooFewPeople(ValueError):
    """The trust asked for cannot be made that small."""


def _plan(schools: int, people: int, rng: random.Random):
    """Choose the number of schools and the scale so the total lands near `people`."""
    target = people * (1 - COMMUNITY_SHARE)
    n = max(1, schools)
    while True:
        layout = _layout(n, rng)
        full = sum(_estimated_people(p, r, 1.0) for _, _, g in layout for p, r in g)
        if full >= target:
            break
        n = max(n + 1, math.ceil(n * target / full))
    smallest = sum(_estimated_people(p, r, 0.0) for _, _, g in layout for p, r in g)
    if smallest > people:
        raise TooFewPeople(f"{people} people are too few for {n} schools: ask for at least "
                           f"{math.ceil(smallest * 1.05 / 100) * 100} people, or fewer schools")
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        est = sum(_estimated_people(p, r, mid) for _, _, g in layout for p, r in g)
        lo, hi = (mid, hi) if est < target else (lo, mid)
    return layout, hi


def _school_names(rng: random.Random, phases: list[str]) -> list[str]:
    """Distinct invented school names, one per phase given."""
    used: set[str] = set()
    out = []
    for phase in phases:
        kinds = N.PRIMARY_KINDS if phase == "primary" else N.SECONDARY_KINDS
        while True:
            head = rng.choice(N.PLACE_HEAD)
            place = head + rng.choice(N.PLACE_TAIL) + rng.choice(N.PLACE_AREA)
            name = rng.choice(kinds).format(place)
            if name not in used and not any(w in name for w in N.RESERVED_WORDS):
                break
        used.add(name)
        out.append(name)
    return out


# --------------------------------------------------------------------------- output

class _Out:
    """The nine CSV files, open together; rows are written as soon as they are made."""

    def __init__(self, out_dir: str, people: int, progress: Callable[[int], None] | None):
        os.makedirs(out_dir, exist_ok=True)
        self.counts = dict.fromkeys(COLUMNS, 0)
        self._handles = []
        self._rows = {}
        for name, columns in COLUMNS.items():
            handle = open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self._handles.append(handle)
            self._rows[name] = writer.writerow
        width = max(6, len(str(people)))
        self._pfmt = f"P%0{width}d"
        self._cfmt = f"C%0{width}d"
        self._dfmt = f"D%0{max(5, len(str(people // 50)))}d"
        self._progress = progress
        self._reported = 0
        self._person_row = self._rows["people.csv"]

    def close(self) -> None:
        if self._progress and self._reported != self.counts["people.csv"]:
            self._progress(self.counts["people.csv"])
        for handle in self._handles:
            handle.close()

    def _write(self, name: str, row: tuple) -> None:
        self._rows[name](row)
        self.counts[name] += 1

    def person(self, given: str, family: str, dob: str) -> str:
        n = self.counts["people.csv"] + 1
        self.counts["people.csv"] = n
        pid = self._pfmt % n
        self._person_row((pid, given, family, dob))
        if self._progress and n % PROGRESS_EVERY == 0:
            self._progress(n)
            self._reported = n
        return pid

    def school(self, s: _School) -> None:
        self._write("schools.csv", (s.sid, s.name, s.trust_id, s.profile))

    def membership(self, pid: str, sid: str, role: str, position: str, start: int,
                   end: int | None) -> None:
        self._write("memberships.csv",
                    (pid, sid, role, position, _iso(start), "" if end is None else _iso(end)))

    def link(self, pid: str, relative: str, kind: str, source: str = "records") -> None:
        self._write("family_links.csv", (pid, relative, kind, source))

    def connection(self, pid: str, other: str, channel: str, direction: str, first_seen: int,
                   source: str) -> str:
        cid = self._cfmt % (self.counts["connections.csv"] + 1)
        self._write("connections.csv",
                    (cid, pid, other, channel, direction, _iso(first_seen), source))
        return cid

    def declaration(self, declarer: str, counterpart: str, basis: str, details: str,
                    declared_on: int, status: str, decided_by: str = "",
                    decided_on: int | None = None) -> None:
        did = self._dfmt % (self.counts["declarations.csv"] + 1)
        self._write("declarations.csv",
                    (did, declarer, counterpart, basis, details, _iso(declared_on), status,
                     decided_by, "" if decided_on is None else _iso(decided_on)))

    def approach(self, adult: str, pupil: str, channel: str, occurred: int, reported: int,
                 summary: str, status: str) -> None:
        rid = "R%04d" % (self.counts["approaches.csv"] + 1)
        self._write("approaches.csv",
                    (rid, adult, pupil, channel, _iso(occurred), _iso(reported), summary, status))

    def account(self, sid: str, channel: str, handle: str) -> str:
        aid = "A%04d" % (self.counts["school_accounts.csv"] + 1)
        self._write("school_accounts.csv", (aid, sid, channel, handle))
        return aid

    def admin(self, aid: str, pid: str, authorised_by: str, on: int) -> None:
        self._write("account_admins.csv", (aid, pid, authorised_by, _iso(on)))


# --------------------------------------------------------------------------- one trust

class _Trust:
    """Builds one trust (or one stand-alone school) and writes it out."""

    def __init__(self, out: _Out, rng: random.Random, as_of: date, schools: list[_School],
                 scale: float, forced: int):
        self.out = out
        self.rng = rng
        self.r = rng.random
        self.as_of = as_of.toordinal()
        self.as_of_date = as_of
        # the school year under way (during the summer holiday, the one that just ended)
        self.year = as_of.year - (self.as_of < _autumn_start(as_of.year))
        self.schools = schools
        self.forced = forced  # schools with a global index below this get every plant
        self.pupils: list[_Pupil] = []
        self.families: list[_Family] = []
        self.entangled: set[str] = set()  # staff who are family or friends of a family here
        self.covered: set[str] = set()  # parents who also hold an adult role
        self.seen: set[tuple[str, str]] = set()  # connected pairs, one connection per pair
        self.sizes = [school_sizes(s.phase, s.roll_full, scale) for s in schools]

    # ---- small helpers
    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def count(self, expected: float, school: _School, minimum: int = 1) -> int:
        """Stochastic rounding, with a floor for the first schools so small seeds have a few."""
        n = int(expected) + (self.r() < expected - int(expected))
        return max(n, minimum) if school.index < self.forced else n

    def date_between(self, lo: int, hi: int) -> int:
        return lo + int(self.r() * (hi - lo + 1)) if hi > lo else hi

    def adult_dob(self, low: float, high: float) -> int:
        return self.as_of - int((low + self.r() * (high - low)) * YEAR_DAYS)

    def new_adult(self, dob: int, family_name: str | None = None, female: bool | None = None,
                  blank_dob: float = 0.0) -> tuple[str, str]:
        """Write an adult's person row; return their id and family name."""
        if female is None:
            female = self.r() < 0.5
        given = self.pick(N.ADULT_FEMALE if female else N.ADULT_MALE)
        family = self.pick(N.FAMILY)
        family = family_name or family
        text = "" if self.r() < blank_dob else _iso(dob)
        return self.out.person(given, family, text), family

    def connect(self, a: str, b: str, channel: str, direction: str, first_seen: int,
                source: str) -> bool:
        key = (a, b) if a < b else (b, a)
        if a == b or key in self.seen:
            return False
        self.seen.add(key)
        self.out.connection(a, b, channel, direction, min(first_seen, self.as_of), source)
        return True

    def recent(self, since: int, years: float = 3.0) -> int:
        """A date between `since` (or `years` ago, if later) and the evaluation date."""
        return self.date_between(max(since, self.as_of - int(years * YEAR_DAYS)), self.as_of)

    def decide(self, school: _School, declarer: str, declared_on: int) -> tuple[str, int]:
        deciders = [a.pid for a in [school.head, *school.seniors] if a.pid != declarer]
        decided = min(self.as_of, declared_on + 1 + int(self.r() * 20))
        return self.pick(deciders), decided

    # ---- run
    def build(self) -> None:
        for s in self.schools:
            self.out.school(s)
        for s, z in zip(self.schools, self.sizes):
            self.make_adults(s, z)
        if self.schools[0].trust_id:
            self.make_ceo(self.schools[0])
        for s, z in zip(self.schools, self.sizes):
            self.make_pupils(s, z)
        self.make_families()
        for s in self.schools:
            self.assign_staff_parents(s)
        self.write_pupils()
        self.write_parents()
        for s, z in zip(self.schools, self.sizes):
            self.parent_roles(s, z)
        for s in self.schools:
            self.plant(s)
            self.ordinary_connections(s)
            self.approaches(s)
            self.accounts(s)

    # ---- adults with a role at a school
    def staff_start(self, dob: int, tenure_mean: float, max_years: float) -> int:
        earliest = dob + int(21 * YEAR_DAYS)
        years = min(max_years, self.rng.expovariate(1 / tenure_mean))
        y = self.year - int(years)
        term = self.r()
        start = (_spring_start(y + 1) if term < 0.15 else _summer_start(y + 1) if term < 0.25
                 else _autumn_start(y))
        if start > self.as_of:
            start = _autumn_start(self.year)
        if start < earliest:
            start = _autumn_start(date.fromordinal(earliest).year + 1)
        return min(start, self.as_of)

    def add_staff(self, s: _School, position: str, low: float, high: float,
                  tenure_mean: float, max_years: float = 30) -> _Adult:
        dob = self.adult_dob(low, high)
        start = self.staff_start(dob, tenure_mean, max_years)
        pid, family = self.new_adult(dob)
        self.out.membership(pid, s.sid, "staff", position, start, None)
        adult = _Adult(pid, family, dob, start, position, self.schools.index(s))
        s.staff.append(adult)
        if position == "headteacher":
            s.head = adult
        elif position == "senior_leader":
            s.seniors.append(adult)
        elif not position:
            s.ordinary.append(adult)
        return adult

    def make_adults(self, s: _School, z: dict) -> None:
        out, r = self.out, self.r
        self.add_staff(s, "headteacher", 38, 61, 5, 12)
        for _ in range(z["seniors"]):
            self.add_staff(s, "senior_leader", 31, 60, 7)
        self.add_staff(s, "dsl", 30, 60, 6)
        for _ in range(z["staff"] - z["seniors"] - 2):
            self.add_staff(s, "", 21, 66, 6)
        # future starters: appointed, starting next term
        for _ in range(self.count(0.01 * z["staff"], s)):
            dob = self.adult_dob(22, 55)
            pid, _ = self.new_adult(dob)
            out.membership(pid, s.sid, "staff", "", _spring_start(self.year + 1), None)
        # staff who have left
        for _ in range(z["ex_staff"]):
            left = int(self.rng.expovariate(1 / 3)) % 12  # years ago
            end = (_summer_end(self.year - left) + 40 if r() < 0.8  # 31 August, mostly
                   else _spring_start(self.year - left) - 10)  # or at Christmas
            if end >= self.as_of:
                end = self.date_between(_autumn_start(self.year) + 20, self.as_of - 1)
            years = 1 + int(self.rng.expovariate(1 / 5))
            start = _autumn_start(date.fromordinal(end).year - years)
            dob = start - int((21 + r() * 30) * YEAR_DAYS)
            pid, _ = self.new_adult(dob)
            out.membership(pid, s.sid, "staff", "", start, end)
        # governors: one chair, the rest ordinary; two parent governors and one staff
        # governor are appointed from those people later (parent_roles)
        for i in range(z["governors"] - 3):
            dob = self.adult_dob(30, 75)
            pid, _ = self.new_adult(dob)
            start = self.date_between(self.as_of - int(8 * YEAR_DAYS), self.as_of - 30)
            out.membership(pid, s.sid, "governor", "chair_of_governors" if i == 0 else "",
                           start, None)
            s.governors.append(pid)
        for _ in range(z["past_governors"]):
            dob = self.adult_dob(35, 80)
            pid, _ = self.new_adult(dob)
            end = self.date_between(self.as_of - int(10 * YEAR_DAYS), self.as_of - 60)
            out.membership(pid, s.sid, "governor", "", end - int(4 * YEAR_DAYS), end)
        # volunteers (some more are parents and grandparents: parent_roles), contractors
        # (coaches, technicians, music tutors) and visitors (speakers, peripatetic staff)
        volunteers = z["volunteers"] - round(0.3 * z["volunteers"])
        for role, n, low, high in (("volunteer", volunteers, 18, 75),
                                   ("contractor", z["contractors"], 20, 65),
                                   ("visitor", z["visitors"], 25, 70)):
            for _ in range(n):
                dob = self.adult_dob(low, high)
                pid, _ = self.new_adult(dob)
                if role == "visitor" and r() < 0.6:  # a day or a week
                    start = self.date_between(self.as_of - 400, self.as_of - 1)
                    end = min(self.as_of - 1, start + int(r() * 5))
                else:
                    start = self.date_between(self.as_of - int(5 * YEAR_DAYS), self.as_of - 7)
                    end = (self.date_between(start + 30, self.as_of - 1)
                           if r() < 0.25 and start + 30 < self.as_of else None)
                out.membership(pid, s.sid, role, "", start, end)
                if end is None or end >= self.as_of:
                    s.others.append(pid)

    def make_ceo(self, s: _School) -> None:
        dob = self.adult_dob(45, 63)
        pid, _ = self.new_adult(dob)
        start = _autumn_start(self.year - int(self.r() * 10))
        self.out.membership(pid, s.sid, "staff", "trust_ceo", start, None)

    # ---- pupils
    def cohort_dob(self, cohort: int) -> int:
        lo = date(cohort, 9, 1).toordinal()
        return lo + int(self.r() * (date(cohort + 1, 9, 1).toordinal() - lo))

    def new_pupil(self, s_idx: int, cohort: int, stints: list, status: str) -> _Pupil:
        r = self.r
        dob = self.cohort_dob(cohort)
        if _is_leap(cohort + 1) and r() < 0.008:
            dob = date(cohort + 1, 2, 29).toordinal()
        text = _iso(dob)
        odd = r()
        if odd < 0.006:  # blank, year only, year and month: about 0.2% each
            text = "" if odd < 0.002 else text[:4] if odd < 0.004 else text[:7]
        female = r() < 0.5
        given = self.pick(N.YOUNG_FEMALE if female else N.YOUNG_MALE)
        if cohort < 1997:
            given = self.pick(N.ADULT_FEMALE if female else N.ADULT_MALE)
        # the id is given when the row is written (write_pupils), after families are formed
        pupil = _Pupil("", female, dob, text, cohort, given, stints, status, s_idx)
        self.pupils.append(pupil)
        return pupil

    def make_pupils(self, s: _School, z: dict) -> None:
        r, A = self.r, self.year
        s_idx = self.schools.index(s)
        primaries = [i for i, x in enumerate(self.schools) if x.phase == "primary"]
        feed = 0.0
        if s.phase == "secondary" and primaries:
            leavers = sum(self.sizes[i]["roll"] for i in primaries) / 7
            intake = sum(self.sizes[i]["roll"] * 0.17 for i, x in enumerate(self.schools)
                         if x.phase == "secondary")
            feed = min(0.6, 0.75 * leavers / intake)

        def entry(cohort: int, joiner_rate: float) -> tuple[int, list]:
            """Normal start on roll here, plus an earlier stint at a trust primary."""
            if s.phase == "primary":
                return _autumn_start(cohort + 5), []
            if r() < joiner_rate:
                return _autumn_start(cohort + 17), []
            earlier = []
            if r() < feed:
                p = self.pick(primaries)
                earlier = [(p, _autumn_start(cohort + 5), _summer_end(cohort + 12))]
            return _autumn_start(cohort + 12), earlier

        # on roll now
        for n in YEARS[s.phase]:
            k = z["roll"] * YEAR_WEIGHT[n] * (0.9 + 0.2 * r())
            for _ in range(int(k) + (r() < k - int(k))):
                cohort = A - 5 - n
                if n == 13 and r() < 0.02:
                    cohort -= 1  # repeating the year: 18 or 19
                start, earlier = entry(cohort, 0.25 if n >= 12 else 0.0)
                if r() < 0.06:  # in-year admission
                    start = self.date_between(start + 20, self.as_of - 1)
                    earlier = []
                self.new_pupil(s_idx, cohort, earlier + [(s_idx, start, None)], "current")
                s.current.append(len(self.pupils) - 1)
        # joining next term
        for _ in range(self.count(0.002 * z["roll"], s)):
            n = self.pick(YEARS[s.phase])
            self.new_pupil(s_idx, A - 5 - n, [(s_idx, _spring_start(A + 1), None)], "future")
        # ex-pupils: completed the phase in a past year, or moved away part way through
        back_weights = list(_cumulative([0.82 ** b for b in range(15)]))
        for _ in range(z["ex_pupils"]):
            b = bisect.bisect(back_weights, r() * back_weights[-1])
            kind = r()
            if s.phase == "primary" and kind < 0.8:
                left = A - 1 - b
                cohort = left - 11
                stints = [(s_idx, _autumn_start(cohort + 5), _summer_end(left + 1))]
            elif s.phase == "secondary" and kind < 0.85:
                left = A - 1 - b
                cohort = left - (16 if kind < 0.5 else 18)
                start, earlier = entry(cohort, 0.0 if kind < 0.5 else 0.25)
                stints = earlier + [(s_idx, start, _summer_end(left + 1))]
            else:  # moved school during the year `left`, possibly this term
                left = A - b
                n = self.pick(YEARS[s.phase])
                cohort = left - 5 - n
                start = _autumn_start(cohort + (5 if s.phase == "primary" else 12))
                if n >= 12:
                    start = _autumn_start(cohort + 17)
                lo = max(_autumn_start(left) + 20, start + 20)
                end = min(self.date_between(lo, _summer_end(left + 1)), self.as_of - 1)
                stints = [(s_idx, start, end)]
            self.new_pupil(s_idx, cohort, stints, "ex")
            s.ex.append(len(self.pupils) - 1)

    # ---- families
    def make_families(self) -> None:
        """Group pupils who need parents (on roll, joining, or ex-pupils under 18) into
        families of one to four children a few years apart, mostly at the same school."""
        r = self.r
        adult_cutoff = self.as_of_date.replace(year=self.as_of_date.year - 18, day=1).toordinal()
        needs = [i for i, p in enumerate(self.pupils)
                 if p.status != "ex" or p.dob > adult_cutoff]
        buckets: dict[tuple[int, int], list[int]] = {}
        for i in needs:
            p = self.pupils[i]
            buckets.setdefault((p.home, p.cohort), []).append(i)
        taken = bytearray(len(self.pupils))
        order = needs[:]
        self.rng.shuffle(order)
        n_schools = len(self.schools)

        def take(home: int, cohort: int, children: list[int], twin: bool) -> int:
            """A free pupil of `cohort`, born at least ten months from the other children."""
            starts = [home] if r() < 0.7 else []
            offset = int(r() * n_schools)
            starts += [(offset + k) % n_schools for k in range(n_schools)]
            births = [self.pupils[c].dob for c in children]
            for s in starts:
                bucket = buckets.get((s, cohort))
                tries = 0
                while bucket and tries < 8:
                    j = int(r() * len(bucket))
                    i = bucket[j]
                    if taken[i]:
                        bucket[j] = bucket[-1]
                        bucket.pop()
                        continue
                    tries += 1
                    if twin or all(abs(self.pupils[i].dob - b) >= 300 for b in births):
                        bucket[j] = bucket[-1]
                        bucket.pop()
                        return i
            return -1

        for i in order:
            if taken[i]:
                continue
            taken[i] = 1
            u = r()
            size = 1 if u < 0.42 else 2 if u < 0.80 else 3 if u < 0.94 else 4
            children = [i]
            cohort = self.pupils[i].cohort
            for _ in range(size - 1):
                g = r()
                gap = 0 if g < 0.03 else 1 if g < 0.23 else 2 if g < 0.58 else 3 if g < 0.83 else 4
                cohort += gap if r() < 0.5 else -gap
                j = take(self.pupils[i].home, cohort, children, gap == 0)
                if j < 0:
                    break
                if gap == 0:  # twins share a birthday (and how well it is recorded)
                    twin, other = self.pupils[j], self.pupils[children[-1]]
                    twin.dob, twin.dob_text = other.dob, other.dob_text
                taken[j] = 1
                children.append(j)
            u = r()
            kind = ("two" if u < 0.64 else "single" if u < 0.84 else "step" if u < 0.93
                    else "foster" if u < 0.96 else "carer")
            if kind == "foster":  # foster placements here are of one or two children
                for j in children[2:]:
                    taken[j] = 0
                children = children[:2]
            f = len(self.families)
            fam = _Family(kind, children, self.pick(N.FAMILY))
            self.families.append(fam)
            for j in children:
                self.pupils[j].family = f
        # pupils split off a foster family above start families of their own
        for i in order:
            if self.pupils[i].family < 0:
                self.families.append(_Family("single", [i], self.pick(N.FAMILY)))
                self.pupils[i].family = len(self.families) - 1
        for f, fam in enumerate(self.families):
            fam.children.sort(key=lambda j: self.pupils[j].dob)
            homes = []
            for j in fam.children:
                p = self.pupils[j]
                if p.status == "current" and p.home not in homes:
                    homes.append(p.home)
                    self.schools[p.home].families.append(f)

    def assign_staff_parents(self, s: _School) -> None:
        """Some staff are parents of pupils at their own school (the complex case)."""
        pool = [a for a in s.ordinary + s.seniors if a.pid not in self.entangled]
        for _ in range(self.count(0.06 * len(s.staff), s)):
            if not pool or not s.families:
                return
            adult = pool.pop(int(self.r() * len(pool)))
            for _try in range(30):
                fam = self.families[self.pick(s.families)]
                eldest = self.pupils[fam.children[0]].dob
                if (fam.kind in ("two", "single", "step") and fam.staff_parent is None
                        and adult.dob + 20 * YEAR_DAYS < eldest < adult.dob + 47 * YEAR_DAYS):
                    fam.staff_parent = adult
                    fam.involved = True
                    if self.r() < 0.75:
                        fam.surname = adult.family_name
                    self.entangled.add(adult.pid)
                    break

    def write_pupils(self) -> None:
        out = self.out
        for p in self.pupils:
            surname = self.families[p.family].surname if p.family >= 0 else self.pick(N.FAMILY)
            p.pid = out.person(p.given, surname, p.dob_text)
            for s_idx, start, end in p.stints:
                out.membership(p.pid, self.schools[s_idx].sid, "pupil", "", start, end)

    def write_parents(self) -> None:
        out, r = self.out, self.r
        for f, fam in enumerate(self.families):
            kids = [self.pupils[j] for j in fam.children]
            eldest = kids[0].dob
            first_female = r() < 0.8

            def parent(kind: str, female: bool, low: float, high: float, surname: str) -> None:
                dob = eldest - int((low + r() * (high - low)) * YEAR_DAYS)
                pid, _ = self.new_adult(dob, surname, female, blank_dob=0.02)
                fam.parents.append((pid, kind, dob))

            other = self.pick(N.FAMILY)
            if fam.kind in ("two", "single", "step"):
                if fam.staff_parent:
                    a = fam.staff_parent
                    fam.parents.append((a.pid, "parent", a.dob))
                else:
                    parent("parent", first_female, 20, 41, fam.surname if r() < 0.85 else other)
                if fam.kind == "two":
                    parent("parent", not first_female if r() < 0.93 else first_female, 21, 46,
                           fam.surname if r() < 0.6 else self.pick(N.FAMILY))
                elif fam.kind == "step":
                    parent("step_parent", not first_female, 18, 40, self.pick(N.FAMILY))
            elif fam.kind == "foster":
                for _ in range(1 if r() < 0.4 else 2):
                    parent("foster_parent", r() < 0.5, 30, 55, other)
            else:  # kinship carer: usually a grandparent
                parent("carer", r() < 0.7, 42, 60, fam.surname if r() < 0.6 else other)
            for pid, kind, _ in fam.parents:
                for k in kids:
                    out.link(pid, k.pid, kind)
            if len(fam.parents) == 2 and r() < 0.45:
                out.link(fam.parents[0][0], fam.parents[1][0],
                         "spouse" if r() < 0.6 else "partner")
            if len(kids) > 1 and r() < 0.3:
                for a, b in zip(kids, kids[1:]):
                    out.link(a.pid, b.pid, "sibling")
            if r() < 0.06 and fam.kind != "carer":
                dob = eldest - int((45 + r() * 25) * YEAR_DAYS)
                if dob > self.as_of - 95 * YEAR_DAYS:
                    fam.grandparent, _ = self.new_adult(dob, fam.surname if r() < 0.5 else None)
                    for k in kids:
                        out.link(fam.grandparent, k.pid, "grandparent")
            seen_here = []
            for k in kids:
                if k.status == "current" and k.home not in seen_here:
                    seen_here.append(k.home)
                    for pid, kind, _ in fam.parents:
                        if fam.staff_parent is None or pid != fam.staff_parent.pid:
                            self.schools[k.home].plain_parents.append((pid, f))

    def parent_roles(self, s: _School, z: dict) -> None:
        """Parent governors, a staff governor, and parent or grandparent volunteers."""
        out, r = self.out, self.r
        for _ in range(2):
            pid, f = self.plain_parent(s)
            if pid:
                self.covered.add(pid)
                start = self.date_between(self.as_of - int(4 * YEAR_DAYS), self.as_of - 30)
                out.membership(pid, s.sid, "governor", "", start, None)
                s.governors.append(pid)
        if s.ordinary:
            a = self.pick(s.ordinary)
            out.membership(a.pid, s.sid, "governor", "", max(a.start, self.as_of - 1000), None)
            s.governors.append(a.pid)
        for _ in range(round(0.3 * z["volunteers"])):
            fam = self.families[self.pick(s.families)] if s.families else None
            if fam and fam.grandparent and fam.grandparent not in self.covered and r() < 0.5:
                pid = fam.grandparent
            else:
                pid, _ = self.plain_parent(s)
            if pid:
                self.covered.add(pid)
                start = self.date_between(self.as_of - int(3 * YEAR_DAYS), self.as_of - 14)
                out.membership(pid, s.sid, "volunteer", "", start, None)
                if fam and pid == fam.grandparent and r() < 0.6:  # on Facebook with a grandchild
                    child = self.current_child(fam, self.schools.index(s))
                    if child:
                        self.connect(pid, child.pid, self.pick(FAMILY_CHANNELS), "mutual",
                                     self.recent(child.stints[-1][1], 4), "declared")

    def plain_parent(self, s: _School, free_family: bool = False) -> tuple[str, int]:
        """A parent of a pupil on roll here who holds no adult role anywhere."""
        for _ in range(30):
            if not s.plain_parents:
                break
            pid, f = self.pick(s.plain_parents)
            if pid not in self.covered and not (free_family and self.families[f].involved):
                return pid, f
        return "", -1

    # ---- planted situations
    def clean_staff(self, s: _School, overlap_before: int | None = None) -> _Adult | None:
        """An ordinary member of staff with no family or declared friend among the families."""
        for _ in range(30):
            a = self.pick(s.ordinary)
            if a.pid not in self.entangled and (overlap_before is None
                                                or a.start < overlap_before):
                return a
        return None

    def free_pupil(self, s: _School) -> _Pupil | None:
        """A pupil on roll here whose family no member of staff is part of or friends with."""
        for _ in range(30):
            p = self.pupils[self.pick(s.current)]
            if p.family < 0 or not self.families[p.family].involved:
                return p
        return None

    def current_child(self, fam: _Family, s_idx: int) -> _Pupil | None:
        for j in fam.children:
            p = self.pupils[j]
            if p.status == "current" and p.home == s_idx:
                return p
        return None

    def befriend(self, s: _School) -> tuple[_Adult, str, _Family, _Pupil] | None:
        """A free member of staff and a parent (with a child on roll here) of a free family."""
        s_idx = self.schools.index(s)
        for _ in range(30):
            pid, f = self.plain_parent(s, free_family=True)
            a = self.clean_staff(s)
            if pid and a:
                fam = self.families[f]
                child = self.current_child(fam, s_idx)
                if child:
                    fam.involved = True
                    self.entangled.add(a.pid)
                    return a, pid, fam, child
        return None

    def plant(self, s: _School) -> None:
        out, r, pick = self.out, self.r, self.pick
        s_idx = self.schools.index(s)
        n_staff = len(s.staff)
        if not s.ordinary:
            return

        # Staff who are parents here: connected to their own child, mostly declared.
        for f in s.families:
            fam = self.families[f]
            a = fam.staff_parent
            if a is None or a.school != s_idx:
                continue
            child = self.current_child(fam, s_idx)
            if child and (r() < 0.65 or s.index < self.forced):
                start = max(a.start, child.stints[-1][1])
                self.connect(a.pid, child.pid, pick(FAMILY_CHANNELS), "mutual",
                             self.recent(start), "declared" if r() < 0.6 else "platform_export")
                u = r()
                if u < 0.7 or s.index < self.forced:
                    on = self.date_between(start, self.as_of - 40)
                    status = "accepted" if u < 0.55 or s.index < self.forced else "pending"
                    by, when = self.decide(s, a.pid, on) if status == "accepted" else ("", None)
                    out.declaration(a.pid, child.pid, "family_member",
                                    pick(N.DETAILS["own_child"]), on, status, by, when)
            # the complex case: a parent at the school, connected to another parent here
            if r() < 0.3 or s.index < self.forced:
                other, _ = self.plain_parent(s, free_family=True)
                if other:
                    self.connect(a.pid, other, pick(ADULT_CHANNELS), "mutual",
                                 self.recent(a.start), "platform_export")

        # Aunts and uncles: a member of staff recorded as the sibling of a pupil's parent,
        # connected to the pupil with no declaration.
        for i in range(self.count(0.02 * n_staff, s)):
            for _try in range(30):
                a = self.clean_staff(s)
                pid, f = self.plain_parent(s, free_family=True)
                if not (a and pid):
                    continue
                fam = self.families[f]
                dob = next(d for p, _, d in fam.parents if p == pid)
                child = self.current_child(fam, s_idx)
                if child and abs(dob - a.dob) < 12 * YEAR_DAYS:
                    fam.involved = True
                    self.entangled.add(a.pid)
                    # the first one in a small seed stays undeclared
                    declared = r() < 0.25 and (i > 0 or s.index >= self.forced)
                    out.link(a.pid, pid, "sibling", "declared" if declared else "records")
                    if declared:
                        on = self.date_between(a.start, self.as_of - 40)
                        by, when = self.decide(s, a.pid, on)
                        out.declaration(a.pid, pid, "family_member",
                                        pick(N.DETAILS["sibling_link"]), on, "accepted", by, when)
                    if r() < 0.8 or s.index < self.forced:
                        self.connect(a.pid, child.pid, pick(FAMILY_CHANNELS), "mutual",
                                     self.recent(child.stints[-1][1]), "platform_export")
                    break

        # Family friends: pending declarations (recent), and some accepted ones.
        for status, rate in (("pending", 0.015), ("accepted", 0.01)):
            for _ in range(self.count(rate * n_staff, s)):
                got = self.befriend(s)
                if not got:
                    break
                a, parent, fam, child = got
                if status == "pending":
                    on = self.date_between(self.as_of - 60, self.as_of - 1)
                    by, when = "", None
                else:
                    on = self.date_between(max(a.start, self.as_of - 1500), self.as_of - 40)
                    by, when = self.decide(s, a.pid, on)
                out.declaration(a.pid, parent, "family_friend", pick(N.DETAILS["family_friend"]),
                                on, status, by, when)
                self.connect(a.pid, child.pid, pick(FAMILY_CHANNELS), "mutual",
                             self.recent(a.start, 2), pick(("declared", "platform_export")))
                if r() < 0.5:
                    self.connect(a.pid, parent, pick(ADULT_CHANNELS), "mutual",
                                 self.recent(a.start), "declared")

        # Prior friendships with a parent, declared and mostly accepted.
        for _ in range(self.count(0.02 * n_staff, s, 0)):
            got = self.befriend(s)
            if not got:
                break
            a, parent, _, _ = got
            on = self.date_between(max(a.start, self.as_of - 1500), self.as_of - 40)
            status = "accepted" if r() < 0.8 else "pending"
            by, when = self.decide(s, a.pid, on) if status == "accepted" else ("", None)
            out.declaration(a.pid, parent, "prior_friendship",
                            pick(N.DETAILS["prior_friendship"]), on, status, by, when)
            self.connect(a.pid, parent, pick(ADULT_CHANNELS), "mutual", self.recent(a.start, 6),
                         "declared")

        # Prohibited: staff and a pupil they teach, with nothing else between them.
        for _ in range(self.count(0.005 * n_staff, s)):
            a, p = self.clean_staff(s), self.free_pupil(s)
            if a and p:
                first = self.recent(max(a.start, p.stints[-1][1]), 2)
                channel, source = pick(PUPIL_CHANNELS), pick(FOUND_BY)
                if r() < 0.65:
                    if r() < 0.3:  # written from the pupil's side
                        self.connect(p.pid, a.pid, channel, "mutual", first, source)
                    else:
                        self.connect(a.pid, p.pid, channel, "mutual", first, source)
                else:
                    self.connect(a.pid, p.pid, channel, "outbound", first, source)

        # Prohibited: staff and an ex-pupil they taught who is still under 18.
        young = [i for i in s.ex if self.is_young_ex(self.pupils[i])]
        for _ in range(self.count(0.003 * n_staff, s)):
            if not young:
                break
            p = self.pupils[pick(young)]
            if p.family >= 0 and self.families[p.family].involved:
                continue
            end = p.stints[-1][2]
            a = self.clean_staff(s, overlap_before=end - 30)
            if a:
                self.connect(a.pid, p.pid, pick(PUPIL_CHANNELS), pick(("mutual", "outbound")),
                             self.date_between(end, self.as_of), pick(FOUND_BY))

        # Prohibited: staff and a parent, with only the staff/parent relationship.
        for _ in range(self.count(0.006 * n_staff, s)):
            a = self.clean_staff(s)
            parent, _ = self.plain_parent(s, free_family=True)
            if a and parent:
                self.connect(a.pid, parent, pick(ADULT_CHANNELS), "mutual", self.recent(a.start),
                             pick(FOUND_BY))

        # Inbound only: a pupil follows a member of staff who has not followed back.
        for _ in range(self.count(0.01 * n_staff, s)):
            a, p = self.clean_staff(s), self.free_pupil(s)
            if a and p:
                self.connect(a.pid, p.pid, pick(FOLLOW_CHANNELS), "inbound",
                             self.recent(p.stints[-1][1], 1), pick(("platform_export",
                                                                     "monitoring")))

        # A declaration that was rejected gives no basis: the connection stays prohibited.
        for _ in range(self.count(0.0015 * n_staff, s)):
            a, p = self.clean_staff(s), self.free_pupil(s)
            if a and p:
                on = self.date_between(max(a.start, p.stints[-1][1]), self.as_of - 30)
                by, when = self.decide(s, a.pid, on)
                out.declaration(a.pid, p.pid, "other", pick(N.DETAILS["rejected_other"]), on,
                                "rejected", by, when)
                self.connect(a.pid, p.pid, pick(PUPIL_CHANNELS), "mutual",
                             max(on - 20, a.start, p.stints[-1][1]), "declared")

        # Other covered adults (volunteers, contractors, visitors) and a pupil.
        if s.others:
            for _ in range(self.count(0.3, s)):
                p = self.free_pupil(s)
                if p:
                    self.connect(pick(s.others), p.pid, pick(PUPIL_CHANNELS), "mutual",
                                 self.recent(p.stints[-1][1], 1), pick(FOUND_BY))

    def is_young_ex(self, p: _Pupil) -> bool:
        if len(p.dob_text) != 10:
            return False
        return age_on(date.fromordinal(p.dob), self.as_of_date) < 18

    # ---- everyday connections
    def ordinary_connections(self, s: _School) -> None:
        r, pick = self.r, self.pick
        staff = s.staff
        n_staff = len(staff)
        for _ in range(self.count(0.5 * n_staff, s)):  # colleagues
            a = pick(staff)
            if len(self.schools) > 1 and r() < 0.15:
                b = pick(pick(self.schools).staff)
            else:
                b = pick(staff)
            self.connect(a.pid, b.pid, pick(ADULT_CHANNELS),
                         "mutual" if r() < 0.85 else pick(("outbound", "inbound")),
                         self.recent(max(a.start, b.start), 6),
                         pick(("platform_export", "declared")))
        adults = [i for i in s.ex if len(self.pupils[i].dob_text) == 10
                  and age_on(date.fromordinal(self.pupils[i].dob), self.as_of_date) >= 19]
        for _ in range(self.count(0.05 * n_staff, s)):  # adult ex-pupils, taught by the adult
            if not adults:
                break
            p = self.pupils[pick(adults)]
            end = p.stints[-1][2]
            taught = [a for a in staff if a.start < end - 30]
            if taught:
                a = pick(taught)
                self.connect(a.pid, p.pid, pick(("facebook", "linkedin", "instagram", "x")),
                             "mutual", self.date_between(end, self.as_of), "platform_export")
        for _ in range(self.count(0.2 * len(s.governors), s, 0)):  # governors and staff
            self.connect(pick(s.governors), pick(staff).pid, pick(("facebook", "linkedin")),
                         "mutual", self.recent(self.as_of - 2000), "declared")
        for _ in range(self.count(0.25 * len(s.families), s, 0)):  # parents with each other
            a, _ = self.plain_parent(s)
            b, _ = self.plain_parent(s)
            if a and b:
                self.connect(a, b, pick(("whatsapp", "facebook", "instagram")), "mutual",
                             self.recent(self.as_of - 3000), "platform_export")

    # ---- approach reports and school accounts
    def approaches(self, s: _School) -> None:
        out, r, pick = self.out, self.r, self.pick
        if not s.current or not s.ordinary:
            return
        recent_ex = [i for i in s.ex if self.pupils[i].stints[-1][2] > self.as_of - 1100]
        for _ in range(1 + self.count(0.02 * len(s.staff), s, 0)):
            a = pick(s.ordinary)
            from_ex = recent_ex and r() < 0.3
            p = self.pupils[pick(recent_ex if from_ex else s.current)]
            occurred = self.date_between(self.as_of - 300, self.as_of - 1)
            reported = min(self.as_of, occurred + int(r() * 4))
            status = "open" if reported > self.as_of - 21 or r() < 0.15 else "reviewed"
            channel, summary = pick(N.EX_PUPIL_APPROACHES if from_ex else N.APPROACHES)
            out.approach(a.pid, p.pid, channel, occurred, reported, summary, status)
        if s.index % 25 == 0:  # one pupil who keeps trying: three approaches in 30 days
            p = self.pupils[pick(s.current)]
            first = self.as_of - 35
            for k, gap in enumerate((0, 9, 24)):
                channel, summary = pick(N.APPROACHES)
                occurred = first + gap
                out.approach(pick(s.ordinary).pid, p.pid, channel, occurred, occurred + 1,
                             summary, "reviewed" if k == 0 else "open")

    def accounts(self, s: _School) -> None:
        out, r, pick = self.out, self.r, self.pick
        handle = "".join(w for w in s.name.replace("'", "").split()
                         if w not in ("School", "Primary", "Academy", "of", "and", "England"))
        handle = handle.replace("Church", "CE")
        channels = list(ACCOUNT_CHANNELS[s.phase])
        self.rng.shuffle(channels)
        n = 3 if s.index < self.forced else 1 + int(r() * 3)
        admins = [a for a in s.staff if a.position != "headteacher"]
        for k, channel in enumerate(channels[:n]):
            suffix = "" if k == 0 else pick(N.ACCOUNT_SUFFIXES)
            aid = out.account(s.sid, channel, "@" + handle + suffix)
            # shape 0: two admins authorised by the head; 1: a single admin; 2: one of the two
            # authorised by a senior leader. The first schools get at least one odd account.
            u = r()
            shape = 0 if u < 0.78 else 1 if u < 0.9 else 2
            if s.index < self.forced:
                shape = (0, 1, 2)[k] if s.index == 0 else (0, 0, 1 + s.index % 2)[k]
            for i, a in enumerate(self.rng.sample(admins, 1 if shape == 1 else 2)):
                by = s.head
                if shape == 2 and i == 1:
                    by = pick(s.seniors)
                on = self.date_between(max(a.start, by.start), self.as_of - 1)
                out.admin(aid, a.pid, by.pid, on)

    # ---- adults with no role at any school
    def community(self, n: int) -> None:
        out, r, pick = self.out, self.r, self.pick
        staff = [a for s in self.schools for a in s.staff]
        parents = [pid for s in self.schools for pid, _ in s.plain_parents]
        for _ in range(n):
            dob = self.adult_dob(20, 78)
            pid, _ = self.new_adult(dob, blank_dob=0.05)
            u = r()
            if u < 0.65:
                a = pick(staff)
                if r() < 0.12 and a.pid not in self.entangled:  # a partner outside school
                    self.entangled.add(a.pid)
                    out.link(pid, a.pid, "spouse" if r() < 0.6 else "partner")
                    self.connect(a.pid, pid, pick(FAMILY_CHANNELS), "mutual",
                                 self.recent(self.as_of - 4000, 10), "declared")
                else:
                    self.connect(a.pid, pid, pick(ADULT_CHANNELS),
                                 "mutual" if r() < 0.8 else pick(("outbound", "inbound")),
                                 self.recent(self.as_of - 4000, 8), pick(("platform_export",
                                                                          "declared")))
            elif u < 0.9 and parents:
                self.connect(pick(parents), pid, pick(ADULT_CHANNELS), "mutual",
                             self.recent(self.as_of - 4000, 8), "platform_export")


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


# --------------------------------------------------------------------------- entry point

def generate_trust(out_dir: str | os.PathLike, *, schools: int = 4, people: int = 5000,
                   seed: int = 1, as_of: datetime.date = date(2026, 11, 22),
                   progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write an exchange folder for invented schools and return the rows written per file.

    `people` is the approximate number of person rows; `schools` the number of schools, or
    a minimum when `people` is too large for that many realistically sized schools. The
    output depends only on the arguments: the same arguments give byte-identical files.
    `progress(n)` is called with the number of people written every 10,000 people and at
    the end. Raises ValueError when `people` is too few for that many schools (about 100
    people per school is the least that still gives every school its staff and governors).
    """
    layout_rng = random.Random(seed)
    layout, scale = _plan(schools, people, layout_rng)
    n_schools = sum(len(g) for _, _, g in layout)
    width = max(2, len(str(n_schools)))
    names = _school_names(layout_rng, [p for _, _, g in layout for p, _ in g])
    expected = [sum(_estimated_people(p, r, scale) for p, r in g) for _, _, g in layout]
    total_expected = sum(expected)

    out = _Out(os.fspath(out_dir), people, progress)
    try:
        number, cumulative = 0, 0.0
        for t, (trust_id, profile, group) in enumerate(layout):
            group_schools = []
            for phase, roll_full in group:
                group_schools.append(_School(f"S{number + 1:0{width}d}", names[number], trust_id,
                                             profile, phase, roll_full, number))
                number += 1
            rng = random.Random(seed * 1_000_003 + t)
            trust = _Trust(out, rng, as_of, group_schools, scale, forced=4)
            trust.build()
            cumulative += expected[t]
            target = round(people * cumulative / total_expected)
            trust.community(max(1, target - out.counts["people.csv"]))
    finally:
        out.close()
    return dict(out.counts)
