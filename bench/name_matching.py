"""Precision and recall of the name matching behind `relreg check-download`, on labelled
synthetic pairs built from the seed generator's invented names.

    python3 bench/name_matching.py [--seed N] [--people N]

A roster of pupils and parents is made from seed/names.py (some with middle names, some
with double surnames, some with accents). Each pair is a name as someone might write it on
social media and the roster person it stands for, or no one. Kinds of pair:

- exact and near-exact (the goal: precision >= 0.95 at recall >= 0.9): the name itself,
  in other case, without its accents, with a middle name added or left out;
- short forms (Alex for Alexander), one part of a double surname, a middle name used as
  the first name, a username that spells the name;
- a family name misspelt by one letter (not matched: reported to show it);
- no one: the same first name with another family name, the same family name with another
  first name (or a similar one, Ella and Elena), a first name alone.

A pair counts as found when the right person is the best (or a joint best) match at or
above MIN_CONFIDENCE; any other match is a false one.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.names import fold  # noqa: E402
from graph.matching import MIN_CONFIDENCE, NameIndex, _forms  # noqa: E402
from seed.names import ADULT_FEMALE, ADULT_MALE, FAMILY, YOUNG_FEMALE, YOUNG_MALE  # noqa: E402

GIVEN = YOUNG_FEMALE + YOUNG_MALE + ADULT_FEMALE + ADULT_MALE
NEAR_EXACT = {"exact", "case", "accents", "middle added", "middle dropped"}


def strip_accents(text: str) -> str:
    folded = fold(text)
    return "".join(a if fold(a) == a.lower() else f for a, f in zip(text, folded)) \
        if len(folded) == len(text) else folded.title()


def roster(rng: random.Random, size: int) -> list[tuple[str, str, str]]:
    people, seen = [], set()
    while len(people) < size:
        given = rng.choice(GIVEN)
        if rng.random() < 0.25:
            given += " " + rng.choice(GIVEN)
        family = rng.choice(FAMILY)
        if rng.random() < 0.1:
            family += "-" + rng.choice(FAMILY)
        key = (fold(given.split()[0]), fold(family))
        if key in seen:
            continue
        seen.add(key)
        people.append((f"P{len(people) + 1}", given, family))
    return people


def pairs(rng: random.Random, people: list[tuple[str, str, str]]) -> list[tuple[str, str, str | None, str]]:
    """(kind, written, person_id or None, how it is written: name or handle)."""
    found = []
    first_names = {fold(g.split()[0]) for _, g, _ in people}
    family_names = {fold(f) for _, _, f in people}
    taken = {(fold(g.split()[0]), fold(f)) for _, g, f in people}
    for person_id, given, family in people:
        first = given.split()[0]
        kinds = [("exact", f"{given} {family}"), ("case", f"{given} {family}".upper()),
                 ("case", f"{given} {family}".lower())]
        if fold(given + family) != (given + family).lower():
            kinds.append(("accents", strip_accents(f"{given} {family}")))
        if " " in given:
            kinds.append(("middle dropped", f"{first} {family}"))
            kinds.append(("middle as first", f"{given.split()[1]} {family}"))
        else:
            kinds.append(("middle added", f"{first} {rng.choice(GIVEN)} {family}"))
        shorts = sorted(s for s in _forms(fold(first)) if s != fold(first) and len(s) > 1)
        if shorts:
            kinds.append(("short form", f"{rng.choice(shorts).title()} {family}"))
        if "-" in family:
            kinds.append(("one part of a double surname", f"{first} {rng.choice(family.split('-'))}"))
        kinds.append(("username", f"{fold(first)}.{fold(family).replace('-', '')}{rng.randint(1, 99)}"))
        for kind, written in kinds:
            found.append((kind, written, person_id, "handle" if kind == "username" else "name"))
        other = rng.choice([f for f in FAMILY if fold(f) not in family_names] or FAMILY)
        found.append(("no one: same first name", f"{first} {other}", None, "name"))
        other_first = rng.choice([g for g in GIVEN if fold(g) not in first_names
                                  and fold(g) not in _forms(fold(first))] or GIVEN)
        found.append(("no one: same family name", f"{other_first} {family}", None, "name"))
        found.append(("no one: first name alone", first, None, "name"))
        similar = [g for g in GIVEN if fold(g)[:2] == fold(first)[:2] and fold(g) != fold(first)
                   and fold(g) not in _forms(fold(first))
                   and (fold(g), fold(family)) not in taken]
        if similar:
            found.append(("no one: similar first name", f"{rng.choice(similar)} {family}", None,
                          "name"))
        if len(family) >= 6 and "-" not in family:
            cut = rng.randrange(1, len(family) - 1)
            found.append(("misspelt family name", f"{first} {family[:cut] + family[cut + 1:]}",
                          person_id, "name"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = roster(rng, args.people)
    index = NameIndex(people)
    labelled = pairs(rng, people)
    counts: dict[str, Counter] = defaultdict(Counter)
    for kind, written, truth, how in labelled:
        matches = index.match_handle(written) if how == "handle" else index.match_name(written)
        matches = [m for m in matches if m.confidence >= MIN_CONFIDENCE]
        best = {m.person_id for m in matches if m.confidence == max(x.confidence for x in matches)}
        tally = counts[kind]
        tally["pairs"] += 1
        if truth is not None and truth in best:
            tally["tp"] += 1
            tally["fp"] += len(matches) - 1
        else:
            tally["fp"] += len(matches)
            tally["fn"] += truth is not None
    print(f"{len(labelled)} labelled pairs from {len(people)} invented people "
          f"(seed {args.seed}); reported at confidence >= {MIN_CONFIDENCE}")
    print(f"{'kind of pair':<32} {'pairs':>6} {'found':>6} {'false':>6} {'missed':>6}")
    for kind in sorted(counts, key=lambda k: (k.startswith("no one"), k)):
        c = counts[kind]
        print(f"{kind:<32} {c['pairs']:>6} {c['tp']:>6} {c['fp']:>6} {c['fn']:>6}")

    def summary(label: str, kinds) -> None:
        total = Counter()
        for kind in kinds:
            total.update(counts[kind])
        precision = total["tp"] / max(total["tp"] + total["fp"], 1)
        recall = total["tp"] / max(total["tp"] + total["fn"], 1)
        print(f"{label}: precision {precision:.3f}, recall {recall:.3f} "
              f"({total['pairs']} pairs)")

    negatives = [k for k in counts if k.startswith("no one")]
    summary("exact and near-exact names (goal: precision >= 0.95 at recall >= 0.9)",
            [k for k in counts if k in NEAR_EXACT] + negatives)
    summary("every kind of pair", list(counts))


if __name__ == "__main__":
    main()
