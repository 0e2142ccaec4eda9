"""One person's chronology: every dated fact and case event about them, newest first.

Memberships (joined, left), family links, declarations (made, decided), connections (first
seen), approach reports (the approach, the report, its review), and the cases where they are
a party: the finding raised and every decision taken on it. The sentences name people and
schools by id, as the findings do; a page puts names in (graph/words.py `Names.text`) and
keeps only what its reader may see: each event carries the fact or case it comes from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.clock import school_time
from graph.model import (ApproachReport, Connection, Declaration, DeclarationStatus, FamilyLink,
                         Membership)
from graph.review import Case, CaseBook
from graph.store.base import Store



@dataclass(frozen=True)
class Event:
    """One line of a chronology."""

    on: dt.date | None  # the day, in the school's time zone; None where the records give none
    at: dt.datetime | None  # the moment, in the school's time zone, where it is known
    kind: str  # membership, family, declaration, connection, approach, finding, decision
    text: str  # with people and schools by id
    source: Membership | FamilyLink | Declaration | Connection | ApproachReport | Case
    others: tuple[str, ...] = ()  # the other people the line names
    reason: str = ""  # a reviewer's reason for a decision, kept apart from `text`
    actor: str = ""  # who took a decision: an account ("account:7") or "register"

    @property
    def order(self) -> tuple:
        """Newest first, this sorted in reverse: within a day, what has a time (latest
        first) before what has none."""
        return (self.on or dt.date.min, self.at is not None,
                self.at.time() if self.at else dt.time.min)


def chronology(store: Store, cases: CaseBook, person_id: str) -> list[Event]:
    """Everything about `person_id`, newest first; their family links, which the records
    give no date, last."""
    events: list[Event] = []
    for m in store.memberships_of(person_id):
        events.append(Event(m.start_date, None, "membership",
                            f"Joined {m.school_id} as {_role(m)}", m))
        if m.end_date is not None:
            events.append(Event(m.end_date, None, "membership",
                                f"Left {m.school_id} ({_role(m)})", m))
    # The records give a family link no date: it is listed, undated, after the rest.
    for link in _family_links(store, person_id):
        other = link.relative_id if link.person_id == person_id else link.person_id
        words = link.kind.replace("_", " ")
        events.append(Event(None, None, "family",
                            f"{link.person_id} is the {words} of {link.relative_id}", link,
                            (other,)))
    for d in store.declarations_of(person_id):
        other = d.counterpart_id if d.declarer_id == person_id else d.declarer_id
        basis = d.basis.replace("_", " ")
        events.append(Event(d.declared_on, None, "declaration",
                            f"{d.declarer_id} declared: {basis} of {d.counterpart_id}", d,
                            (other,)))
        if d.decided_on is not None and d.status is not DeclarationStatus.PENDING:
            withdrawn = d.status is DeclarationStatus.REJECTED and d.decided_by == d.declarer_id
            outcome = "withdrawn" if withdrawn else str(d.status)
            events.append(Event(d.decided_on, None, "declaration",
                                f"Declaration between {d.declarer_id} and {d.counterpart_id} "
                                f"{outcome}", d, (other,)))
    for c in store.connections_of(person_id):
        if c.first_seen is None:
            continue
        other = c.other_party(person_id)
        events.append(Event(c.first_seen, None, "connection",
                            f"Connection on {c.channel} between {c.person_id} and "
                            f"{c.other_id} first seen", c, (other,)))
    for r in store.approaches_of(person_id):
        other = r.from_id if r.adult_id == person_id else r.adult_id
        events.append(Event(r.reported_on, None, "approach",
                            f"{r.adult_id} reported an approach by {r.from_id} on {r.channel} "
                            f"(it happened on {r.occurred_on.isoformat()})", r, (other,)))
        if r.reviewed_on is not None:
            events.append(Event(r.reviewed_on, None, "approach",
                                f"Approach report by {r.adult_id} reviewed", r, (other,)))
    for finding_id in cases.of_party(person_id):
        case = cases.get(finding_id, with_history=True)
        others = tuple(p for p in case.parties() if p != person_id)
        for event in case.history:
            at = school_time(event.at)
            if event.kind == "raised":
                events.append(Event(at.date(), at, "finding",
                                    f"Finding raised: {case.finding['explanation']}", case,
                                    others))
                continue
            moved = f" to {event.to_state.replace('_', ' ')}" \
                if event.kind == "moved" and event.to_state else ""
            events.append(Event(at.date(), at, "decision", f"Case {event.kind}{moved}", case,
                                others, reason=event.reason, actor=event.actor))
    dated = sorted((e for e in events if e.on is not None), key=lambda e: e.order,
                   reverse=True)
    return dated + [e for e in events if e.on is None]


def _role(m: Membership) -> str:
    return str(m.position or m.role).replace("_", " ")


def _family_links(store: Store, person_id: str) -> list[FamilyLink]:
    # One step out, uncapped in practice: a teacher followed by hundreds must not lose a
    # family link to the cap.
    world = store.network(person_id, 1, max_people=1_000_000)
    return [link for link in world.family_links if person_id in (link.person_id, link.relative_id)]
