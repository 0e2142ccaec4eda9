"""Who reviews a finding: the school's senior leaders, less anyone recused; where none is
left, up the chain (the trust's leaders, then the chair of governors, then the DSL), saying
why; where no one at all is left, the register's administrators, who keep its records and
can record who holds the school's positions. The DSL is notified of high-severity findings
about a child, with the same recusal. No finding is routed to no one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from graph.facts import FactGraph
from graph.model import FRIEND_BASES, DeclarationStatus, Position, Recusal

REVIEWER_POSITIONS = (Position.HEADTEACHER, Position.SENIOR_LEADER)
# Where a finding goes when no one before is free to review it, and how that is said.
CHAIN = ("the school's senior leaders", "the trust's leaders", "the chair of governors",
         "the designated safeguarding lead", "the register's administrators")
# The chain's last step, in `route_to` where no person is left: the register's trust admins
# (service accounts, not people of the facts). Words, not an id, so that anyone reading the
# findings JSON sees what it means; no person id of the register has a space in it.
ADMINISTRATORS = "register administrators"


def recusal_reason(facts: FactGraph, reviewer: str, parties: Sequence[str], as_of: dt.date,
                   circles: dict[str, dict[str, int]]) -> str | None:
    """Why `reviewer` may not review a finding about `parties` as of `as_of`, or None if
    they may: a party, family of a party, a friend (declared, pending or accepted) of a party
    or of a party's family, or connected with a party. `circles` is each party's family
    within the school's degree (family_circles)."""
    if reviewer in parties:
        return "party to the finding"
    for party in parties:
        if reviewer in circles[party]:
            return f"family of {party}"
    for party in parties:
        friends = {
            d.counterpart_id if d.declarer_id == reviewer else d.declarer_id
            for d in facts.declarations_between(reviewer, circles[party], as_of)
            if d.basis in FRIEND_BASES and d.status_on(as_of) is not DeclarationStatus.REJECTED
        }
        if party in friends:
            return f"friend of {party}"
        if friends:
            return f"friend of the family of {party}"
    for party in parties:
        if facts.connected(reviewer, party, as_of):
            return f"connected to {party}"
    return None


def family_circles(facts: FactGraph, parties: Sequence[str], degree: int,
                   as_of: dt.date) -> dict[str, dict[str, int]]:
    return {party: facts.family_distances(party, degree, as_of) for party in parties}


class Reviewers:
    """Who stands at each level of the chain, school by school, on one date: looked up once
    per school (and the trust's leaders once per trust) instead of for every finding. The
    facts may change; `forget` drops what was looked up, as an evaluation does before it
    refreshes."""

    def __init__(self, facts: FactGraph, as_of: dt.date):
        self.facts = facts
        self.as_of = as_of
        self._chains: dict[str, tuple[list[str], ...]] = {}
        self._trust_leaders: dict[str, list[str]] = {}

    def forget(self) -> None:
        self._chains.clear()
        self._trust_leaders.clear()

    def chain(self, school_id: str) -> tuple[list[str], ...]:
        """The school's senior leaders, the trust's leaders, the chair of governors and the
        DSL, as CHAIN names them."""
        chain = self._chains.get(school_id)
        if chain is None:
            facts, on = self.facts, self.as_of
            chain = self._chains[school_id] = (
                facts.holders_of(school_id, REVIEWER_POSITIONS, on),
                self.trust_leaders(school_id),
                facts.holders_of(school_id, [Position.CHAIR_OF_GOVERNORS], on),
                facts.holders_of(school_id, [Position.DSL], on),
            )
        return chain

    def trust_leaders(self, school_id: str) -> list[str]:
        trust_id = self.facts.world.schools[school_id].trust_id
        if not trust_id:
            return []
        leaders = self._trust_leaders.get(trust_id)
        if leaders is None:
            leaders = self._trust_leaders[trust_id] = trust_leaders(self.facts, school_id, self.as_of)
        return leaders


def route(facts: FactGraph, school_id: str, parties: Sequence[str], as_of: dt.date,
          notify_dsl: bool, reviewers: Reviewers,
          ) -> tuple[tuple[str, ...], tuple[Recusal, ...], str | None]:
    """(route_to, recused, why it went up the chain or None) for a finding about `parties`
    at `school_id`. `reviewers`, the chain looked up for `as_of`, is shared by the findings
    of one evaluation."""
    degree = facts.profile_of(school_id).family_degree
    circles = family_circles(facts, parties, degree, as_of)
    route_to: list[str] = []
    recused: list[Recusal] = []

    def consider(candidates: list[str]) -> bool:
        taken = False
        for person_id in candidates:
            # Each person once: someone on two levels (a headteacher who is also the DSL)
            # was taken or recused on the first, and the chain stops at a level taken.
            if person_id in route_to or any(r.person_id == person_id for r in recused):
                continue
            reason = recusal_reason(facts, person_id, parties, as_of, circles)
            if reason is None:
                route_to.append(person_id)
                taken = True
            else:
                recused.append(Recusal(person_id, reason))
        return taken

    chain = reviewers.chain(school_id)
    why = None
    for level, candidates in enumerate(chain):
        if consider(candidates):
            if level > 0:
                why = escalation([len(c) for c in chain], level)
            break
    else:
        why = escalation([len(c) for c in chain], len(chain))
    if notify_dsl:
        consider(chain[3])
    return tuple(route_to) or (ADMINISTRATORS,), tuple(recused), why


def escalation(sizes: list[int], level: int) -> str:
    """Why a finding went to `CHAIN[level]` (the last, the register's administrators, once
    every level with people, levels 0-3, is passed), given how many people each of those
    levels had."""
    goes = f"It goes to {CHAIN[level]}"
    passed = "; ".join(f"{CHAIN[i]}: {'all recused' if sizes[i] else 'none in post'}"
                       for i in range(level))
    return f"{goes} ({passed})."


def trust_leaders(facts: FactGraph, school_id: str, as_of: dt.date) -> list[str]:
    trust_id = facts.world.schools[school_id].trust_id
    if not trust_id:
        return []
    return sorted({
        person_id
        for school in facts.schools_in_trust[trust_id]
        for person_id in facts.holders_of(school, [Position.TRUST_CEO], as_of)
    })
