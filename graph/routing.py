"""Who reviews a finding: the school's senior leaders, less anyone recused, up the chain
(chair of governors, then the trust's chief executive) when none is left; the DSL is
notified of high-severity findings about a child, with the same recusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from graph.facts import FactGraph
from graph.model import FRIEND_BASES, DeclarationStatus, Position, Recusal

REVIEWER_POSITIONS = (Position.HEADTEACHER, Position.SENIOR_LEADER)


def recusal_reason(facts: FactGraph, reviewer: str, parties: Sequence[str], degree: int,
                   as_of: dt.date) -> str | None:
    """Why `reviewer` may not review a finding about `parties`, or None if they may."""
    if reviewer in parties:
        return "party to the finding"
    family = facts.family_distances(reviewer, degree)
    for party in parties:
        if party in family:
            return f"family of {party}"
    for party in parties:
        for declaration in facts.declarations_between(reviewer, [party]):
            if declaration.basis in FRIEND_BASES and declaration.status is not DeclarationStatus.REJECTED:
                return f"friend of {party}"
    for party in parties:
        if facts.connected(reviewer, party, as_of):
            return f"connected to {party}"
    return None


def route(facts: FactGraph, school_id: str, parties: Sequence[str], as_of: dt.date,
          notify_dsl: bool) -> tuple[tuple[str, ...], tuple[Recusal, ...]]:
    """(route_to, recused) for a finding about `parties` at `school_id`."""
    degree = facts.profile_of(school_id).family_degree
    route_to: list[str] = []
    recused: list[Recusal] = []

    def consider(candidates: list[str]) -> bool:
        taken = False
        for person_id in candidates:
            if person_id in route_to or any(r.person_id == person_id for r in recused):
                taken = taken or person_id in route_to
                continue
            reason = recusal_reason(facts, person_id, parties, degree, as_of)
            if reason is None:
                route_to.append(person_id)
                taken = True
            else:
                recused.append(Recusal(person_id, reason))
        return taken

    chain = [
        facts.holders_of(school_id, REVIEWER_POSITIONS, as_of),
        facts.holders_of(school_id, [Position.CHAIR_OF_GOVERNORS], as_of),
        trust_ceos(facts, school_id, as_of),
    ]
    for candidates in chain:
        if consider(candidates):
            break
    if notify_dsl:
        consider(facts.holders_of(school_id, [Position.DSL], as_of))
    return tuple(route_to), tuple(recused)


def trust_ceos(facts: FactGraph, school_id: str, as_of: dt.date) -> list[str]:
    trust_id = facts.world.schools[school_id].trust_id
    if not trust_id:
        return []
    return sorted({
        person_id
        for school in facts.schools_in_trust[trust_id]
        for person_id in facts.holders_of(school, [Position.TRUST_CEO], as_of)
    })
