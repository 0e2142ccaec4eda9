"""How long the import preview takes to count the findings an import would open.

    python3 bench/import_preview.py                      # 10k and 100k people
    python3 bench/import_preview.py --sizes 1000000 --repeats 1

For each size it seeds (or reuses) bench/run.py's trust, then previews a school's import
of 1,000 new pupils: an MIS roll with each pupil's contacts (a sixth of them brothers or
sisters of pupils already there, sharing their parents), the 5% of the roll it no longer
lists ended, and 60 connections between the school's staff and the new pupils (issue 28's
flood of cases). It times `findings_it_would_open` (graph/intake/importing.py):
- old: the whole register evaluated before and after, as the preview was first built;
- new, findings at hand: the findings before handed over, as the service's store keeps
  them current and a store that saved them for the day reads them back;
- new, evaluating before: no findings at hand, so the register before is evaluated whole
  here and only what the import reaches after it.
Each is the best of `--repeats` runs (wall and processor time), with the garbage collector
held off as `relreg import` holds it; the findings of all three are checked equal before
any time is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import AS_OF, seeded  # noqa: E402
from graph.facts import FactGraph  # noqa: E402
from graph.intake.exchange import collector_held_off, read_folder  # noqa: E402
from graph.intake.importing import findings_it_would_open, only_changed  # noqa: E402
from graph.model import (  # noqa: E402
    PARENTAL_KINDS,
    BirthDate,
    Connection,
    ConnectionSource,
    Direction,
    FamilyKind,
    FamilyLink,
    LinkSource,
    Membership,
    Person,
    Role,
    World,
)
from graph.rules import evaluate  # noqa: E402

NEW_PUPILS = 1_000
CONNECTIONS = 60
INTAKE = dt.date(2026, 9, 1)


def whole_evaluation(existing: World, facts: World, as_of: dt.date) -> list:
    """The preview as it was first built: every finding before and after the import."""
    firing = {f.id for f in evaluate(FactGraph(existing), as_of)}
    return [f for f in evaluate(FactGraph(existing.merged(facts)), as_of) if f.id not in firing]


def school_import(world: World, rng: random.Random) -> tuple[str, World]:
    """(the school, the new or changed facts of its import), as described above."""
    pupils_at = Counter(m.school_id for m in world.memberships
                        if m.role is Role.PUPIL and m.active_on(AS_OF))
    school_id = pupils_at.most_common(1)[0][0]
    on_roll = sorted((m for m in world.memberships if m.school_id == school_id
                      and m.role is Role.PUPIL and m.active_on(AS_OF)), key=lambda m: m.key)
    staff = sorted({m.person_id for m in world.memberships if m.school_id == school_id
                    and m.role is Role.STAFF and m.active_on(AS_OF)})
    parents_of: dict[str, list[str]] = {}
    for link in world.family_links:
        if link.kind in PARENTAL_KINDS:
            parents_of.setdefault(link.relative_id, []).append(link.person_id)
    with_parents = [m.person_id for m in on_roll if m.person_id in parents_of]
    incoming = World()
    for n in range(NEW_PUPILS):
        pupil = f"MIS-P{n:04}"
        born = None if rng.random() < 0.03 else BirthDate(rng.randint(2010, 2020),
                                                          rng.randint(1, 12), rng.randint(1, 28))
        incoming.people[pupil] = Person(pupil, "New", f"Pupil {n}", born)
        incoming.memberships.append(Membership(pupil, school_id, Role.PUPIL, None, INTAKE, None))
        if with_parents and rng.random() < 1 / 6:
            sibling = rng.choice(with_parents)
            incoming.family_links.append(FamilyLink(sibling, pupil, FamilyKind.SIBLING,
                                                    LinkSource.RECORDS))
            parents = parents_of[sibling]
        else:
            parents = [f"MIS-C{n:04}-{k}" for k in range(rng.choice((1, 2, 2)))]
            for parent in parents:
                incoming.people[parent] = Person(parent, "New", f"Parent {parent}",
                                                 BirthDate(rng.randint(1970, 1995)))
        for parent in parents:
            incoming.family_links.append(FamilyLink(parent, pupil, FamilyKind.PARENT,
                                                    LinkSource.RECORDS, True))
    for m in rng.sample(on_roll, len(on_roll) // 20):
        incoming.memberships.append(dataclasses.replace(m, end_date=dt.date(2026, 7, 20)))
    for n in range(CONNECTIONS):
        connection_id = f"MIS-X{n:02}"
        incoming.connections[connection_id] = Connection(
            connection_id, rng.choice(staff), f"MIS-P{rng.randrange(NEW_PUPILS):04}", "instagram",
            Direction.MUTUAL, AS_OF - dt.timedelta(days=7), ConnectionSource.MONITORING)
    return school_id, only_changed(world, incoming)


def timed(repeats: int, work) -> tuple[list, float, float]:
    """The result of `work` and its best wall and processor seconds of `repeats` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        with collector_held_off():
            result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'people':>10} {'facts':>7} {'opened':>6}  {'old (s)':>14}  "
          f"{'new, at hand (s)':>16}  {'new, evaluating (s)':>19}  (wall / processor)")
    for people in args.sizes:
        with collector_held_off():
            world = read_folder(seeded(people))
            school_id, facts = school_import(world, random.Random(people))
            firing = evaluate(FactGraph(world), AS_OF)  # what a store keeps
        old, old_wall, old_cpu = timed(args.repeats,
                                       lambda: whole_evaluation(world, facts, AS_OF))
        at_hand, hand_wall, hand_cpu = timed(
            args.repeats, lambda: findings_it_would_open(world, facts, AS_OF, firing))
        alone, alone_wall, alone_cpu = timed(
            args.repeats, lambda: findings_it_would_open(world, facts, AS_OF))
        if not old == at_hand == alone:
            sys.exit(f"{people:,} people: the previews differ: {len(old)} findings opened by the "
                     f"whole evaluation, {len(at_hand)} and {len(alone)} by the new one")
        size = sum(facts.counts().values())
        print(f"{people:>10,} {size:>7,} {len(old):>6}  {old_wall:>6.2f} / {old_cpu:>5.2f}  "
              f"{hand_wall:>7.2f} / {hand_cpu:>5.2f}  {alone_wall:>10.2f} / {alone_cpu:>5.2f}",
              flush=True)
    print("the same findings opened by all three at every size")


if __name__ == "__main__":
    main()
