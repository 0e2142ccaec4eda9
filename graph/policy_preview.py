"""What a change to one school's policy profile would do to today's findings, before it is
made: the facts evaluated twice, under the school's profile and under the changed one,
and the findings at that school compared. Nothing is written."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from graph.facts import FactGraph
from graph.model import Finding, World
from graph.profiles import Profile
from graph.rules import Evaluation

APPEARS, DISAPPEARS, CHANGES = "appears", "disappears", "changes"


@dataclass(frozen=True)
class Change:
    """One finding that would appear or disappear, or the finding about the same parties
    that would change severity (under another rule, or advisory where it was not)."""

    kind: str  # APPEARS, DISAPPEARS or CHANGES
    before: Finding | None
    after: Finding | None

    @property
    def finding(self) -> Finding:
        """The finding as it is today, or the one that would appear."""
        return self.before if self.before is not None else self.after


@dataclass(frozen=True)
class PolicyEffect:
    school_id: str
    before: int  # findings at the school today
    after: int  # findings there under the changed profile
    changes: tuple[Change, ...]
    seconds: float  # how long the two evaluations took

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def _parties(finding: Finding) -> tuple:
    return (finding.adult_id, finding.counterpart_id, finding.account_id)


def _weight(finding: Finding) -> tuple:
    return (finding.severity, finding.advisory)


def preview_policy(world: World, school_id: str, profile: Profile, as_of: dt.date) -> PolicyEffect:
    """The findings at `school_id` as of `as_of` under its profile and under `profile`."""
    started = time.perf_counter()
    facts = FactGraph(world)
    before = {f.id: f for f in Evaluation(facts, as_of).run().sorted() if f.school_id == school_id}
    facts.profiles[school_id] = profile
    after = {f.id: f for f in Evaluation(facts, as_of).run().sorted() if f.school_id == school_id}
    changes = [Change(CHANGES, before[i], after[i]) for i in before.keys() & after.keys()
               if _weight(before[i]) != _weight(after[i])]
    gone = [before[i] for i in sorted(before.keys() - after.keys())]
    new: dict[tuple, list[Finding]] = {}
    for i in sorted(after.keys() - before.keys()):
        new.setdefault(_parties(after[i]), []).append(after[i])
    for old in gone:  # the same parties under another rule: the finding changes severity
        same = [f for f in new.get(_parties(old), []) if _weight(f) != _weight(old)]
        if same:
            new[_parties(old)].remove(same[0])
            changes.append(Change(CHANGES, old, same[0]))
        else:
            changes.append(Change(DISAPPEARS, old, None))
    changes += [Change(APPEARS, None, f) for found in new.values() for f in found]
    changes.sort(key=lambda c: (c.finding.rule, c.kind, c.finding.sort_key()))
    return PolicyEffect(school_id, len(before), len(after), tuple(changes),
                        time.perf_counter() - started)
