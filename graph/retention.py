"""The retention schedule: how long the register keeps each kind of record, and who is due
for erasure on a given day (`relreg retention`, `relreg retention --apply`).

Shipped defaults live in `graph/retention.toml`, each with the source it comes from; a trust
sets its own periods in `retention.toml` in its data folder:

    [trusts.TRUST-ID]
    adult = 7        # years, replacing the shipped value for that trust's people

A person is due when every record kind they hold has run its course: a pupil when the
pupil period since their birth has passed and they are on no roll, an adult when the adult
period since their last role ended has passed, anyone who was a party to an escalated case
not before the safeguarding period since it has passed, and a relative once everyone they
are linked to is gone or due. A person on an active roll is never due.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graph.model import Role, World

SHIPPED_FILE = Path(__file__).parent / "retention.toml"
TRUST_FILE_NAME = "retention.toml"
KINDS = ("pupil", "adult", "safeguarding", "relative")


class RetentionError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str
    years: int
    counted_from: str
    source: str


@cache
def shipped() -> dict[str, Period]:
    with open(SHIPPED_FILE, "rb") as handle:
        table = tomllib.load(handle)
    return {kind: Period(kind, table[kind]["years"], table[kind]["counted_from"],
                         table[kind]["source"]) for kind in KINDS}


def schedule(data_dir: str | os.PathLike | None, trust_id: str | None) -> dict[str, Period]:
    """The periods that hold for `trust_id`: the shipped ones with the trust's own over them."""
    periods = dict(shipped())
    path = Path(data_dir) / TRUST_FILE_NAME if data_dir is not None else None
    if path is None or not path.exists() or trust_id is None:
        return periods
    try:
        with open(path, "rb") as handle:
            own = tomllib.load(handle).get("trusts", {}).get(trust_id, {})
    except tomllib.TOMLDecodeError as error:
        raise RetentionError(f"{path} is not valid TOML ({error}): fix it, then run again") from None
    for kind, years in own.items():
        if kind not in KINDS or not isinstance(years, int) or years < 0:
            raise RetentionError(f"{path}: trust {trust_id}: {kind} = {years!r} is not a "
                                 f"number of years for one of {', '.join(KINDS)}")
        periods[kind] = Period(kind, years, periods[kind].counted_from,
                               f"set by the trust in {TRUST_FILE_NAME}")
    return periods


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Due:
    person_id: str
    kind: str
    due_on: dt.date
    why: str


def due_for_erasure(world: World, as_of: dt.date, data_dir, *,
                    escalated: dict[str, dt.date] | None = None) -> list[Due]:
    """Everyone due on `as_of`, with why. `escalated` gives, for each party to a case
    escalated to the DSL or the LADO, the latest day one was escalated."""
    escalated = escalated or {}
    schools = world.schools
    memberships: dict[str, list] = {}
    for m in world.memberships:
        memberships.setdefault(m.person_id, []).append(m)
    linked: dict[str, set[str]] = {}
    for link in world.family_links:
        linked.setdefault(link.person_id, set()).add(link.relative_id)
        linked.setdefault(link.relative_id, set()).add(link.person_id)

    def periods_of(person_id: str) -> dict[str, Period]:
        trusts = sorted({schools[m.school_id].trust_id for m in memberships.get(person_id, ())
                         if m.school_id in schools and schools[m.school_id].trust_id})
        return schedule(data_dir, trusts[0] if trusts else None)

    found: dict[str, Due] = {}
    for person_id, person in world.people.items():
        held = memberships.get(person_id)
        if not held:
            continue
        if any(m.end_date is None or m.end_date >= as_of for m in held):
            continue  # on a roll today
        periods = periods_of(person_id)
        reasons = []
        if any(m.role is Role.PUPIL for m in held):
            if person.date_of_birth is None:
                continue  # no date to count from: a person decides
            birth = dt.date(*person.date_of_birth.latest_possible())
            reasons.append((_plus_years(birth, periods["pupil"].years), "pupil",
                            f"born {person.date_of_birth}; {periods['pupil'].source}"))
        if any(m.role is not Role.PUPIL for m in held):
            ended = max(m.end_date for m in held if m.role is not Role.PUPIL)
            reasons.append((_plus_years(ended, periods["adult"].years), "adult",
                            f"last role ended {ended}; {periods['adult'].source}"))
        if person_id in escalated:
            reasons.append((_plus_years(escalated[person_id], periods["safeguarding"].years),
                            "safeguarding", f"escalated {escalated[person_id]}; "
                            f"{periods['safeguarding'].source}"))
        due_on, kind, why = max(reasons)
        if due_on <= as_of:
            found[person_id] = Due(person_id, kind, due_on, why)
    for person_id in world.people:
        if person_id in memberships or person_id in found or person_id in escalated:
            continue
        others = linked.get(person_id, set())
        if others and all(o in found or o not in world.people for o in others):
            latest = max(found[o].due_on for o in others if o in found) if any(
                o in found for o in others) else as_of
            found[person_id] = Due(person_id, "relative", latest,
                                   "everyone they are linked to is due; "
                                   + shipped()["relative"].source)
    return sorted(found.values(), key=lambda d: (d.due_on, d.person_id))
