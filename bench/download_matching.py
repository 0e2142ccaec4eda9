"""Precision and recall of the matches `relreg check-download` reports, on labelled
synthetic downloads: how often a "likely" match is right, how many of the pupils, ex-pupils
and parents in a download are found as likely, and how often each band is right.

    python3 bench/download_matching.py [--people N] [--seed N] [--per-person N]

A trust is seeded with seed/generator.py; a handful of the people of one teacher's school
are renamed to the names issue 26 was filed about (Jacob Smith, Lisa Wood, An Nguyen, James
Thomas, Anne-Marie Kovacs, Mary Jane O'Brien, Alexander Campbell-Reid, Jacob Benjamin
Jones, Melissa Price). Downloads are built in the platforms' own shapes (the builders of
tests/download_world.py: a Facebook zip and a LinkedIn Connections.csv of names, an
Instagram zip and a TikTok user_data.json of usernames) and read and checked as a teacher's
would be, through `read_download` and `check_download`. Every entry is labelled with the
person it was written for, or none:

- the school's people written as people write names: family name first (with and without
  a comma), in capitals, a middle name dropped, unrecorded or as an initial, a middle name
  used as the first, a short form, one part of a double surname, with credentials, a
  suffix, pronouns, emoji or a title; usernames with separators, digits, camel case, names
  run together, family name first, middle names, initials run together with the family
  name, short forms, filler words;
- strangers built to be hard: a school person's family name with another given name, their
  given name with another family name, their whole name with a third name or a credential
  ("Jacob Smith Yang, SPHR"), a given name that contains theirs ("Melissa" for "Lisa") with
  a double surname containing theirs ("Bachman-Wood"), a family name that contains theirs,
  a similar given name, the two names swapped where the family name is a given name too
  ("Thomas James" for James Thomas), a username that spells their given name and another
  family name, or one initial and their family name;
- strangers with common invented names, none of them a way of writing a school person's
  name (a stranger called Tom Smith where the school has a Thomas Smith cannot be told
  apart by a name, and is left out).

A match is one (entry, person) pair the check reports; it is right when the entry was
written for that person. Recall counts the entries written for someone that the check
reports as a likely match with that person.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.download_check import LIKELY, POSSIBLE, band_of, candidates, check_download  # noqa: E402
from graph.intake.downloads import read_download  # noqa: E402
from graph.intake.exchange import read_folder  # noqa: E402
from graph.matching import short_forms  # noqa: E402
from graph.model import Role  # noqa: E402
from graph.names import fold  # noqa: E402
from graph.store.embedded import EmbeddedStore  # noqa: E402
from seed.generator import generate_trust  # noqa: E402
from seed.names import ADULT_FEMALE, ADULT_MALE, FAMILY, YOUNG_FEMALE, YOUNG_MALE  # noqa: E402
from tests.download_world import (  # noqa: E402
    facebook_friends,
    instagram_followers,
    linkedin_connections,
    tiktok_user_data,
    zipped,
)

AS_OF = dt.date(2026, 11, 22)
GIVEN = YOUNG_FEMALE + YOUNG_MALE + ADULT_FEMALE + ADULT_MALE
ISSUE_PEOPLE = [("Jacob", "Smith"), ("Lisa", "Wood"), ("An", "Nguyen"), ("James", "Thomas"),
                ("Anne-Marie", "Kovacs"), ("Mary Jane", "O'Brien"),
                ("Alexander", "Campbell-Reid"), ("Jacob Benjamin", "Jones"), ("Melissa", "Price")]
# (kind, name or handle, written, whom: an ISSUE_PEOPLE index or None for a stranger)
ISSUE_ENTRIES = [
    ("issue: third name and credential", "name", "Jacob Smith Yang, SPHR", None),
    ("issue: a name containing theirs", "name", "Melissa Bachman-Wood", None),
    ("issue: a name containing theirs", "name", "Melissa Wood", None),
    ("issue: swapped given names", "name", "Thomas James", None),
    ("issue: family name first", "name", "Nguyen Van An", 2),
    ("issue: family name first", "name", "Kovacs Anne-Marie", 4),
    ("issue: middle name in a username", "handle", "jacob_benjamin_jones", 7),
    ("issue: initials and surname", "handle", "jbjones", 7),
    ("issue: compound given name as one word", "handle", "annemariekovacs", 4),
    ("issue: compound given name as one word", "handle", "maryjane.obrien", 5),
    ("issue: short form", "name", "Lisa Price", 8),
    ("issue: pronouns", "name", "Lisa Wood (she/her) 🌿", 1),
]
CREDENTIALS = [", MBA", ", SPHR", " PhD", " Jr", ", CIPD", " (he/him)", " (she/her)", " ✨",
               " 🇬🇧"]


def letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


class Writer:
    """Labelled entries for the school's people, and strangers, from one random source."""

    def __init__(self, rng: random.Random, people: list[tuple[str, str, str]]):
        self.rng = rng
        self.people = people
        self.by_family: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for person in people:
            self.by_family[letters(person[2])].append(person)
            for part in re.split(r"[\s-]+", person[2]):
                self.by_family[letters(part)].append(person)
        self.entries: list[tuple[str, str, str, str | None]] = []  # kind, how, written, whom
        self.seen: set[tuple[str, str]] = set()

    def add(self, kind: str, how: str, written: str, whom: str | None) -> None:
        key = (how, written.strip())
        if key not in self.seen and written.strip():
            self.seen.add(key)
            self.entries.append((kind, how, written.strip(), whom))

    def writes_someone(self, given: str, family: str) -> bool:
        """Whether 'given family' is a way of writing a school person's name: a stranger so
        named cannot be told apart from them by a name."""
        for _, their_given, their_family in self.by_family.get(letters(family), ()):
            names = [letters(g) for g in their_given.split()]
            if letters(given) in names or letters(given) in short_forms(names[0]):
                return True
        return False

    def person(self, person_id: str, given: str, family: str) -> None:
        rng, first = self.rng, given.split()[0]
        middles = given.split()[1:]
        shorts = sorted(s for s in short_forms(fold(first)) if len(s) > 2)
        names = [("exact", f"{given} {family}"), ("capitals", f"{given} {family}".upper()),
                 ("family name first", f"{family} {given}"),
                 ("family name first, capitals", f"{family.upper()} {first}"),
                 ("family name first, comma", f"{family}, {given}"),
                 ("unrecorded middle name", f"{first} {rng.choice(GIVEN)} {family}"),
                 ("credential, suffix, pronouns or emoji",
                  f"{given} {family}{rng.choice(CREDENTIALS)}"),
                 ("title", f"{rng.choice(['Mrs', 'Mr', 'Dr', 'Ms'])} {first} {family}")]
        if fold(given + family) != (given + family).lower():
            names.append(("accents dropped", fold(f"{given} {family}").title()))
        if middles:
            names += [("middle name dropped", f"{first} {family}"),
                      ("middle name as first", f"{middles[0]} {family}"),
                      ("middle initial", f"{first} {middles[0][0]}. {family}")]
        if shorts:
            names.append(("short form", f"{rng.choice(shorts).title()} {family}"))
        if "-" in family:
            part = rng.choice(family.split("-"))
            names.append(("one part of a double surname", f"{first} {part}"))
        g, f = letters(first), letters(family)
        n = rng.choice(["", str(rng.randint(1, 99)), str(rng.randint(2005, 2015))])
        camel = re.sub(r"[\s'-]", "", f"{first.title()}{family.title()}")
        handles = [("username given.family", f"{g}.{f}{n}"),
                   ("username family_given", f"{f}_{g}{n}"), ("username camel case", camel),
                   ("username run together", f"{g}{f}{n}"),
                   ("username with filler words", f"the.real.{g}{f}")]
        if middles:
            handles += [("username given_middle_family", f"{g}_{letters(middles[0])}_{f}"),
                        ("username initials and family", f"{g[0]}{letters(middles[0])[0]}{f}{n}"),
                        ("username all given names run together", f"{letters(given)}{f}")]
        if shorts:
            handles.append(("username short form", f"{rng.choice(shorts)}_{f}{n}"))
        for kind, written in rng.sample(names, 2):
            self.add(kind, "name", written, person_id)
        kind, written = rng.choice(handles)
        self.add(kind, "handle", written, person_id)

    def strangers_near(self, given: str, family: str) -> None:
        rng, first = self.rng, given.split()[0]
        other_family = rng.choice([x for x in FAMILY if letters(x) != letters(family)])
        other_given = rng.choice([x for x in GIVEN if letters(x) != letters(first)])
        similar = [x for x in GIVEN if letters(x)[:2] == letters(first)[:2]
                   and letters(x) != letters(first)]
        containing = [x for x in GIVEN
                      if letters(first) in letters(x) and letters(x) != letters(first)]
        containing_family = [x for x in FAMILY if letters(family) in letters(x)
                             and letters(x) != letters(family)] or [family + "son", family + "s"]
        near = [("stranger: their family name, another given name", f"{other_given} {family}"),
                ("stranger: their given name, another family name", f"{first} {other_family}"),
                ("stranger: their name and a third name", f"{first} {family} {other_family}"
                                                         f"{rng.choice(['', ', SPHR', ', MBA'])}"),
                ("stranger: their name in a double surname",
                 f"{first} {rng.choice([f'{family}-{other_family}', f'{other_family}-{family}'])}"),
                ("stranger: a family name containing theirs",
                 f"{first} {rng.choice(containing_family)}")]
        if similar:
            near.append(("stranger: a similar given name", f"{rng.choice(similar)} {family}"))
        if containing:
            near.append(("stranger: a given name containing theirs",
                         f"{rng.choice(containing)} "
                         f"{rng.choice([family, other_family + '-' + family])}"))
        if letters(family) in {letters(x) for x in GIVEN}:
            near.append(("stranger: the two names swapped, both given names", f"{family} {first}"))
        handles = [("stranger: username of their given and another family name",
                    f"{letters(first)}.{letters(other_family)}{rng.randint(1, 99)}")]
        if self.writes_someone(first, other_family):
            handles = []
        handles += [
                   ("stranger: username of their name and a third",
                    f"{letters(first)}{letters(family)}{letters(other_family)}")]
        if containing:
            longer = rng.choice(containing)
            if not self.writes_someone(longer, family):
                handles.append(("stranger: username of a given name containing theirs",
                                f"{letters(longer)}{letters(family)}"))
        if any(letters(x)[0] == letters(first)[0] and letters(x) != letters(first) for x in GIVEN):
            handles.append(("stranger: username of one initial and their family name",
                            f"{letters(first)[0]}{letters(family)}"))
        for kind, written in rng.sample(near, 2):
            words = written.split(",")[0].split()
            if len(words) == 2 and self.writes_someone(words[0], words[1]):
                continue
            self.add(kind, "name", written, None)
        kind, written = rng.choice(handles)
        self.add(kind, "handle", written, None)

    def common_strangers(self, count: int) -> None:
        while count > 0:
            given, family = self.rng.choice(GIVEN), self.rng.choice(FAMILY)
            if self.writes_someone(given, family):
                continue
            count -= 1
            self.add("stranger: a common invented name", "name", f"{given} {family}", None)


def seeded_school(folder: Path, people: int, seed: int):
    """The seeded trust's world with a teacher chosen and some of the people of the
    teacher's school renamed to the issue's names."""
    generate_trust(folder, people=people, seed=seed, as_of=AS_OF)
    world = read_folder(folder)
    staff = sorted((m for m in world.memberships if m.role is Role.STAFF and m.position is None
                   and m.active_on(AS_OF)), key=lambda m: (m.person_id, m.school_id))
    teacher = staff[0]
    pupils = sorted({m.person_id for m in world.memberships if m.school_id == teacher.school_id
                     and m.role is Role.PUPIL and m.active_on(AS_OF)})
    parents = sorted({link.person_id for link in world.family_links
                      if link.relative_id in pupils and link.person_id not in pupils})
    rng = random.Random(seed)
    for person_id in pupils + parents:  # middle names and double surnames, as schools hold them
        person = world.people[person_id]
        given, family = person.given_name, person.family_name
        if rng.random() < 0.2:
            given += " " + rng.choice(GIVEN)
        if rng.random() < 0.07:
            family = rng.choice(FAMILY) + "-" + family
        world.people[person_id] = type(person)(person_id, given, family, person.date_of_birth)
    renamed = {}
    for i, (given, family) in enumerate(ISSUE_PEOPLE):
        person_id = (parents if family in ("Wood", "Price") else pupils)[10 * i + 3]
        person = world.people[person_id]
        world.people[person_id] = type(person)(person_id, given, family, person.date_of_birth)
        renamed[i] = person_id
    return world, teacher.person_id, renamed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=3000, help="people in the seeded trust")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=600,
                        help="school people written into the downloads")
    parser.add_argument("--common", type=int, default=1500,
                        help="strangers with common invented names")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as data:
        world, teacher, renamed = seeded_school(Path(folder) / "trust", args.people, args.seed)
        with EmbeddedStore(data) as store:
            store.import_world(world)
            school = candidates(store, teacher, AS_OF)
            people = sorted((p, c.person.given_name, c.person.family_name)
                            for p, c in school.items())
            writer = Writer(rng, people)
            for kind, how, written, whom in ISSUE_ENTRIES:
                writer.add(kind, how, written, None if whom is None else renamed[whom])
            for person_id in renamed.values():
                person = world.people[person_id]
                writer.person(person_id, person.given_name, person.family_name)
            for person_id, given, family in rng.sample(people, min(args.sample, len(people))):
                writer.person(person_id, given, family)
                writer.strangers_near(given, family)
            writer.common_strangers(args.common)
            counts, pairs, entries = check(store, teacher, writer.entries, rng)
    report(counts, pairs, entries, len(people), args, time.perf_counter() - started)


def check(store, teacher: str, entries, rng: random.Random):
    """Read the labelled entries as four downloads and check each; tally every reported
    (entry, person) pair against the labels."""
    names = [e for e in entries if e[1] == "name"]
    handles = [e for e in entries if e[1] == "handle"]
    rng.shuffle(names)
    rng.shuffle(handles)
    plain = [e for e in names if "," not in e[2] and len(e[2].split()) > 1]
    linkedin = plain[: len(plain) // 4]
    facebook = [e for e in names if e not in set(linkedin)]
    instagram, tiktok = handles[: len(handles) // 2], handles[len(handles) // 2:]
    downloads = [
        ("facebook", "facebook.zip", zipped({
            "connections/friends/your_friends.json": facebook_friends([e[2] for e in facebook])}),
         facebook),
        ("linkedin", "Connections.csv", linkedin_connections(
            [(e[2].split()[0], " ".join(e[2].split()[1:]), "") for e in linkedin]), linkedin),
        ("instagram", "instagram.zip", zipped({
            "connections/followers_and_following/followers_1.json":
                instagram_followers([e[2] for e in instagram])}), instagram),
        ("tiktok", "user_data.json", tiktok_user_data([e[2] for e in tiktok], []), tiktok),
    ]
    counts: dict[str, Counter] = defaultdict(Counter)
    pairs: Counter = Counter()
    read = 0
    for platform, file_name, data, labelled in downloads:
        truth = {e[2]: e for e in labelled}
        download = read_download(data, file_name=file_name)
        read += len(download.entries)
        result = check_download(store, teacher, download, AS_OF)
        found = defaultdict(dict)  # written -> person -> band
        for match in result.matches:
            for entry in match.entries:
                found[entry.name or entry.handle][match.person_id] = band_of(match.confidence)
        for written, (kind, _, _, whom) in truth.items():
            tally = counts[kind]
            tally["entries"] += 1
            for person_id, band in found.get(written, {}).items():
                right = person_id == whom
                pairs[(band, right)] += 1
                tally[f"{band} {'right' if right else 'wrong'}"] += 1
            if whom is not None and found.get(written, {}).get(whom) != LIKELY:
                tally["missed as likely"] += 1
    return counts, pairs, read


def report(counts, pairs, entries: int, people: int, args, took: float) -> None:
    print(f"{entries:,} labelled download entries (seed {args.seed}, a trust of {args.people:,}; "
          f"{people:,} pupils, ex-pupils and family of the teacher's schools to match against), "
          f"checked in {took:.1f} s, {dt.date.today().isoformat()}")
    print(f"{'kind of entry':<58} {'entries':>7} {'likely ok':>9} {'likely X':>8} "
          f"{'possib ok':>9} {'possib X':>8} {'missed':>6}")
    for kind in sorted(counts, key=lambda k: ("stranger" in k, k)):
        c = counts[kind]
        print(f"{kind:<58} {c['entries']:>7} {c['likely right']:>9} {c['likely wrong']:>8} "
              f"{c['possible right']:>9} {c['possible wrong']:>8} {c['missed as likely']:>6}")
    written_for_someone = sum(c["likely right"] + c["missed as likely"] for c in counts.values())
    likely_right = sum(c["likely right"] for c in counts.values())
    print()
    for band in (LIKELY, POSSIBLE):
        right, wrong = pairs[(band, True)], pairs[(band, False)]
        print(f"{band:>8}: precision {right / max(right + wrong, 1):.3f} ({right} right, {wrong} "
              f"wrong)")
    print(f"likely recall {likely_right / max(written_for_someone, 1):.3f} ({likely_right} of "
          f"{written_for_someone} entries written for a school person found as likely)")


if __name__ == "__main__":
    main()
