"""What every store does, whatever holds the facts: the embedded default or Neo4j.

The scenario suite runs against each implementation and expects the same findings."""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from graph.model import (
    ApproachReport,
    Connection,
    Declaration,
    Finding,
    Membership,
    Person,
    School,
    World,
)
from graph.profiles import profile_source

if TYPE_CHECKING:  # (graph.mentions folds as the identity table does, which needs Store)
    from graph.mentions import Mentions

Progress = Callable[[int], None]


class StoreError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class FindingsSince:
    """What `Store.findings_since` answers: either every finding (`touched` None), or the
    ids of the findings that may have been added, changed or taken away since the mark
    given (`touched`) with those of them that are there now (`findings`, sorted)."""

    findings: list[Finding]
    touched: set[str] | None
    mark: object  # to give back on the next call
    # The count of writes of the facts they were found in, where the store knows it
    # without asking again (Store.facts_version otherwise).
    facts_version: int | None = None

    @classmethod
    def of_touched(cls, touched, present: dict[str, Finding], mark: object) -> FindingsSince | None:
        """The findings a store's TouchedLog (graph/rules.py) says were touched since
        `mark`, of those `present`; None where the log cannot tell (every finding, then)."""
        next_mark, ids = touched.since(mark)
        if ids is None:
            return None
        return cls(sorted((present[i] for i in ids if i in present), key=Finding.sort_key),
                   ids, next_mark)


class Store(abc.ABC):
    @abc.abstractmethod
    def import_world(self, world: World, progress: Progress | None = None) -> None:
        """Add or replace every fact of `world`, all or nothing."""

    @abc.abstractmethod
    def replace_world(self, world: World, progress: Progress | None = None) -> None:
        """Make the store hold exactly `world`, all or nothing."""

    @abc.abstractmethod
    def export_world(self) -> World:
        """Every fact the store holds."""

    @abc.abstractmethod
    def is_empty(self) -> bool: ...

    @abc.abstractmethod
    def findings(self, as_of: dt.date) -> list[Finding]:
        """Every finding as of `as_of`, in the order of docs/exchange.md."""

    def findings_since(self, as_of: dt.date, mark: object) -> FindingsSince:
        """The findings as of `as_of` that changes may have touched since the call that
        answered `mark`, so that a caller keeping its own copy (the cases) need not read
        them all after every change; every finding whenever the store cannot tell."""
        return FindingsSince(self.findings(as_of), None, None)

    def load(self) -> None:
        """Bring into memory whatever evaluating needs, so that the findings that follow
        are quick; a store that reads on demand does nothing."""

    def findings_at_hand(self, as_of: dt.date) -> bool:
        """Whether findings(as_of) answers at once, with neither loading nor evaluating
        (they were saved for these facts and rules)."""
        return False

    def rules_fingerprint(self) -> str | None:
        """A digest of everything besides the facts that findings are made from (the rules'
        code and the schools' profiles: `rules_digest`); None when the store cannot tell."""
        return None

    def adopt_findings(self, findings: Iterable[Finding], as_of: dt.date, version: int) -> bool:
        """Take `findings`, a copy kept elsewhere (the cases), as the findings as of `as_of`
        of facts version `version` and of the rules `rules_fingerprint` names now, to use
        while the facts stay at that version: the next change then re-evaluates only what
        it touches instead of every finding first. Whether they were taken."""
        return False

    def facts_version(self) -> int | None:
        """How many writes the facts have had: findings worked out at one version hold as
        long as it stays the same. None when the store cannot tell."""
        return None

    @abc.abstractmethod
    def upsert(self, world: World) -> None:
        """Add or replace the facts of a small world durably (a declaration decided, a
        connection reported, a membership ended); findings follow on the next read."""

    @abc.abstractmethod
    def remove_connection(self, connection_id: str) -> None:
        """Forget a connection (withdrawn by the adult who declared it, or a mistake)."""

    @abc.abstractmethod
    def add_connection(self, connection: Connection, as_of: dt.date) -> list[Finding]:
        """Record one connection durably and return the findings, as of `as_of`, about
        either of its two people."""

    # -- reading by person and school ---------------------------------------------------
    # Correct for any store, built on export_world() and so slow; a store overrides them
    # with its own indexes.

    def person(self, person_id: str) -> Person | None:
        return self.export_world().people.get(person_id)

    def schools(self) -> list[School]:
        return sorted(self.export_world().schools.values(), key=lambda s: s.school_id)

    def memberships_of(self, person_id: str) -> list[Membership]:
        return sorted((m for m in self.export_world().memberships if m.person_id == person_id),
                      key=lambda m: m.key)

    def memberships_of_all(self, person_ids: Iterable[str]) -> list[Membership]:
        """The memberships of each of `person_ids`, in one read where the store can."""
        wanted = set(person_ids)
        return sorted((m for m in self.export_world().memberships if m.person_id in wanted),
                      key=lambda m: m.key)

    def people_at(self, school_id: str, name: str = "") -> list[Person]:
        """Everyone who holds or held a membership at `school_id`, whose name contains
        `name` (any case), sorted by family name, given name and id."""
        return _people_at(self.export_world(), school_id, name)

    def declaration(self, declaration_id: str) -> Declaration | None:
        return self.export_world().declarations.get(declaration_id)

    def declarations_of(self, person_id: str) -> list[Declaration]:
        """Declarations `person_id` made or is the counterpart of."""
        return sorted((d for d in self.export_world().declarations.values()
                       if person_id in (d.declarer_id, d.counterpart_id)),
                      key=lambda d: d.declaration_id)

    def declarations_at(self, school_id: str) -> list[Declaration]:
        """Declarations made by someone who holds or held a membership at `school_id`."""
        world = self.export_world()
        members = {m.person_id for m in world.memberships if m.school_id == school_id}
        return sorted((d for d in world.declarations.values() if d.declarer_id in members),
                      key=lambda d: d.declaration_id)

    def connection(self, connection_id: str) -> Connection | None:
        return self.export_world().connections.get(connection_id)

    def connections_of(self, person_id: str) -> list[Connection]:
        return sorted((c for c in self.export_world().connections.values()
                       if person_id in (c.person_id, c.other_id)),
                      key=lambda c: c.connection_id)

    def approach(self, report_id: str) -> ApproachReport | None:
        return self.export_world().approaches.get(report_id)

    def approaches_of(self, person_id: str) -> list[ApproachReport]:
        """Approach reports `person_id` made or is the pupil of."""
        return sorted((r for r in self.export_world().approaches.values()
                       if person_id in (r.adult_id, r.from_id)),
                      key=lambda r: r.report_id)

    def network(self, person_id: str, depth: int, max_people: int = 300) -> World:
        """The small world around `person_id`: everyone within `depth` family links or
        connections of them (at most `max_people`, nearest first), with their schools,
        memberships, and the family links, connections and declarations among them."""
        return network_of(self.export_world(), person_id, depth, max_people)

    def replace_facts(self, remove: World, add: World) -> None:
        """Forget the facts of `remove` (matched by key) and add or replace those of `add`,
        all or nothing: how people are merged and a merge undone. This generic version
        rewrites the whole store; a store may do better."""
        self.replace_world(self.export_world().without(remove).merged(add))

    # -- erasure (UK GDPR Art. 17) ------------------------------------------------------

    def facts_about(self, person_id: str) -> World:
        """Every fact that is about `person_id` or names them: what their erasure removes."""
        return facts_about(self.export_world(), person_id)

    def others_words_naming(self, person_id: str, names: Iterable[str]) -> World:
        """The declarations and approach reports between other people whose details or
        summary name `person_id` by one of `names` (graph/mentions.py), each with those
        words as an erasure of the person leaves them: the name replaced by "[erased]"."""
        from graph.mentions import Mentions

        return words_without(self.export_world(), person_id, Mentions(names))

    def erase_person(self, person_id: str, names: Iterable[str] = ()) -> World:
        """Remove the person and every fact naming them, all or nothing; return what went.
        No link, connection, declaration or report is left pointing at nobody: a decision
        they made for others (a declaration decided, a report reviewed, an administrator
        authorised) stays, with who made it blank. Where someone else's declaration details
        or report summary name them by one of `names`, the name is replaced by "[erased]"."""
        from graph.mentions import Mentions

        world = self.export_world()
        about = facts_about(world, person_id)
        self.replace_facts(about, left_without(world, person_id, Mentions(names)))
        return about

    # -- audit intents (graph/audit.py): a change and its entry, together or not at all -----

    @contextlib.contextmanager
    def marking(self, intent: int):
        """Within it, each write also records, in its own transaction, that the change of
        audit intent `intent` was made. A store that cannot does nothing here."""
        yield

    def applied(self, intent: int) -> bool | None:
        """Whether a write marked with `intent` was made; None when the store cannot tell."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def rules_digest(code: tuple[Path, ...], profiles: Iterable[str]) -> str:
    """A store's rules_fingerprint: a digest of the files of the rules' `code` and of the
    text of each of the recorded `profiles` the schools name."""
    digest = hashlib.sha256(_code_digest(code).encode())
    for profile in sorted(set(profiles)):
        digest.update(profile.encode() + b"\0" + profile_source(profile))
    return digest.hexdigest()


@functools.cache
def _code_digest(code: tuple[Path, ...]) -> str:
    """Read once a process: the code does not change under it."""
    digest = hashlib.sha256()
    for path in code:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def facts_about(world: World, person_id: str) -> World:
    """The facts of `world` about `person_id` or that name them."""
    return World(
        people={person_id: world.people[person_id]} if person_id in world.people else {},
        memberships=[m for m in world.memberships if m.person_id == person_id],
        family_links=[f for f in world.family_links if person_id in (f.person_id, f.relative_id)],
        connections={i: c for i, c in world.connections.items()
                     if person_id in (c.person_id, c.other_id)},
        declarations={i: d for i, d in world.declarations.items()
                      if person_id in (d.declarer_id, d.counterpart_id)},
        approaches={i: r for i, r in world.approaches.items()
                    if person_id in (r.adult_id, r.from_id)},
        account_admins=[a for a in world.account_admins if a.person_id == person_id],
    )


def left_without(world: World, person_id: str, mentions: Mentions) -> World:
    """The facts of `world` that stay when `person_id` is erased but still name them,
    changed as the erasure leaves them: who decided, reviewed or authorised them blank, and
    the person's name in others' words replaced (`words_without`). Its Cypher twin is
    cypher/store/erase-person.cypher."""
    words = words_without(world, person_id, mentions)
    declarations = {**world.declarations, **words.declarations}
    approaches = {**world.approaches, **words.approaches}
    return World(
        declarations={i: dataclasses.replace(d, decided_by=None) if d.decided_by == person_id
                      else d for i, d in declarations.items()
                      if (d.decided_by == person_id or i in words.declarations)
                      and person_id not in (d.declarer_id, d.counterpart_id)},
        approaches={i: dataclasses.replace(r, reviewed_by=None) if r.reviewed_by == person_id
                    else r for i, r in approaches.items()
                    if (r.reviewed_by == person_id or i in words.approaches)
                    and person_id not in (r.adult_id, r.from_id)},
        account_admins=[dataclasses.replace(a, authorised_by=None) for a in world.account_admins
                        if a.authorised_by == person_id and a.person_id != person_id],
    )


def words_without(world: World, person_id: str, mentions: Mentions) -> World:
    """The declarations and approach reports of `world` made by and about others whose
    free text (a declaration's details, a report's summary: the model's only free text)
    names the person, with each mention replaced by "[erased]"."""
    return World(
        declarations={i: dataclasses.replace(d, details=mentions.removed_from(d.details))
                      for i, d in world.declarations.items()
                      if person_id not in (d.declarer_id, d.counterpart_id)
                      and mentions.found_in(d.details)},
        approaches={i: dataclasses.replace(r, summary=mentions.removed_from(r.summary))
                    for i, r in world.approaches.items()
                    if person_id not in (r.adult_id, r.from_id) and mentions.found_in(r.summary)},
    )


def _people_at(world: World, school_id: str, name: str) -> list[Person]:
    members = {m.person_id for m in world.memberships if m.school_id == school_id}
    return sort_people(
        world.people[p] for p in members
        if p in world.people and name.casefold() in world.people[p].name.casefold()
    )


def sort_people(people) -> list[Person]:
    return sorted(people, key=lambda p: (p.family_name.casefold(), p.given_name.casefold(),
                                         p.person_id))


def network_of(world: World, person_id: str, depth: int, max_people: int) -> World:
    """`Store.network` on a whole world: a breadth-first walk along family links and
    connections."""
    neighbours: dict[str, set[str]] = {}
    for link in world.family_links:
        neighbours.setdefault(link.person_id, set()).add(link.relative_id)
        neighbours.setdefault(link.relative_id, set()).add(link.person_id)
    for c in world.connections.values():
        neighbours.setdefault(c.person_id, set()).add(c.other_id)
        neighbours.setdefault(c.other_id, set()).add(c.person_id)
    reached = walk(person_id, depth, max_people, lambda p: neighbours.get(p, ()))
    return world_among(world, reached)


def walk(start: str, depth: int, max_people: int, neighbours) -> list[str]:
    """People reached from `start` in at most `depth` steps, nearest first, at most
    `max_people` of them."""
    reached = [start]
    seen = {start}
    frontier = [start]
    for _ in range(depth):
        nxt = []
        for person_id in frontier:
            for other in sorted(neighbours(person_id)):
                if other not in seen:
                    if len(reached) >= max_people:
                        return reached
                    seen.add(other)
                    reached.append(other)
                    nxt.append(other)
        frontier = nxt
    return reached


def world_among(world: World, people: list[str]) -> World:
    """The facts of `world` about `people` only: a link or connection is kept when both of
    its people are among them."""
    among = set(people)
    memberships = [m for m in world.memberships if m.person_id in among]
    return World(
        schools={m.school_id: world.schools[m.school_id] for m in memberships
                 if m.school_id in world.schools},
        people={p: world.people[p] for p in people if p in world.people},
        memberships=memberships,
        family_links=[f for f in world.family_links
                      if f.person_id in among and f.relative_id in among],
        connections={i: c for i, c in world.connections.items()
                     if c.person_id in among and c.other_id in among},
        declarations={i: d for i, d in world.declarations.items()
                      if d.declarer_id in among and d.counterpart_id in among},
    )
