"""A member of staff checks their own social media download against their schools, in
private: who in it is probably a pupil, an ex-pupil or a parent there, and what the
school's policy says about being connected with them.

What the policy says is not written here: for each likely match the rules of
`graph.rules` are asked what a connection between the two would raise as of the date, on a
copy of the small world around the two people with that connection added. The copy is
thrown away; nothing of the download is stored, so the suggestions follow the rules and
profiles whenever they change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from graph.facts import FactGraph
from graph.intake.downloads import PLATFORM_NAMES, Download, Entry, FileCount, Relation
from graph.matching import MIN_CONFIDENCE, NameIndex, NameMatch, with_family_bonus
from graph.model import (
    Basis,
    Connection,
    ConnectionSource,
    DeclarationStatus,
    Direction,
    FamilyKind,
    Person,
    Role,
)
from graph.profiles import Scope, load_profile
from graph.rules import evaluate, ties_between
from graph.store.base import Store
from graph.words import BASIS_NAMES

DECLARE_FAMILY = "declare_family"
DECLARE_FRIEND = "declare_friend"
REMOVE = "remove"
NOTHING_NEEDED = "nothing_needed"
SUGGESTIONS = {
    DECLARE_FAMILY: "Declare them as family",
    DECLARE_FRIEND: "Declare the friendship (family friend, or a friendship from before)",
    REMOVE: "Remove the connection",
    NOTHING_NEEDED: "Nothing needed",
}
_KIN_WORDS = {
    FamilyKind.PARENT: "parent", FamilyKind.STEP_PARENT: "step-parent",
    FamilyKind.FOSTER_PARENT: "foster parent", FamilyKind.CARER: "carer",
    FamilyKind.GRANDPARENT: "grandparent", FamilyKind.SIBLING: "sibling",
    FamilyKind.SPOUSE: "spouse", FamilyKind.PARTNER: "partner",
    FamilyKind.OTHER_RELATIVE: "relative",
}
# How sure a match must be to be called likely; the rest reported (from MIN_CONFIDENCE) are
# possible: bench/download_matching.py measures each band's precision.
LIKELY_FROM = 0.85
LIKELY, POSSIBLE = "likely", "possible"
# What to do on the platform to end each kind of connection, most binding first.
ACTIONS = {
    Relation.FRIEND: "remove them as a friend",
    Relation.CLOSE_FRIEND: "take them off your close friends list",
    Relation.FOLLOWING: "unfollow them",
    Relation.REQUEST_SENT: "withdraw the request you sent them",
    Relation.REQUEST_RECEIVED: "decline or ignore the request they sent you",
    Relation.FOLLOWER: "remove them as a follower, or block them",
}
_CONNECTION_WORD = {"linkedin": "remove the connection"}
_SEVERITY_ORDER = ("pupil-contact", "ex-pupil-contact", "parent-contact", "declaration-required")


class CheckError(Exception):
    """The check cannot be made; the message says why and what to do."""


@dataclass
class Candidate:
    person: Person
    roles: list[str] = field(default_factory=list)  # "pupil at Oakfield Academy"
    relations: dict[str, list[str]] = field(default_factory=dict)  # "parent" -> pupils' names
    family: set[str] = field(default_factory=set)  # candidates in their family

    @property
    def known_as(self) -> str:
        """'pupil at Oakfield Academy; parent of Ella Morgan and Jack Morgan'."""
        return "; ".join(self.roles + [f"{kind} of {' and '.join(names)}"
                                       for kind, names in self.relations.items()])


@dataclass(frozen=True)
class Policy:
    suggested: str
    rule: str | None
    clauses: tuple[str, ...]
    school_id: str | None
    says: str  # one sentence


@dataclass(frozen=True)
class Match:
    person_id: str
    name: str
    known_as: str
    entries: tuple[Entry, ...]  # what in the download it was matched from
    confidence: float
    reasons: tuple[str, ...]
    policy: Policy
    actions: tuple[str, ...] = ()  # what to do on each platform: "On Facebook: unfollow them"

    @property
    def band(self) -> str:
        """'likely' (act on it) or 'possible' (check who it is before doing anything)."""
        return band_of(self.confidence)

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(sorted({e.platform for e in self.entries}))

    def to_json(self) -> dict:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "known_as": self.known_as,
            "matched": [{"platform": e.platform, "relation": str(e.relation), "as": e.label}
                        for e in self.entries],
            "what_to_do": list(self.actions),
            "confidence": self.confidence,
            "band": self.band,
            "why": list(self.reasons),
            "suggested": self.policy.suggested,
            "rule": self.policy.rule,
            "clause": "; ".join(self.policy.clauses) or None,
            "policy_says": self.policy.says,
        }


@dataclass(frozen=True)
class CheckResult:
    person_id: str
    as_of: dt.date
    platforms: tuple[str, ...]
    entries_read: int
    matches: list[Match]
    notes: tuple[str, ...]
    files: tuple[FileCount, ...] = ()  # per file: entries read, and skipped with why

    @property
    def entries_skipped(self) -> int:
        return sum(f.skipped_total for f in self.files)

    def to_json(self) -> dict:
        return {"person_id": self.person_id, "as_of": self.as_of.isoformat(),
                "platforms": list(self.platforms), "entries_read": self.entries_read,
                "entries_skipped": self.entries_skipped,
                "files": [f.to_json() for f in self.files],
                "matches": [m.to_json() for m in self.matches], "notes": list(self.notes)}


def band_of(confidence: float) -> str:
    return LIKELY if confidence >= LIKELY_FROM else POSSIBLE


# -- who the download is checked against ------------------------------------------------

def adult_schools(store: Store, person_id: str, as_of: dt.date) -> list[str]:
    """The schools where `person_id` holds an adult membership on `as_of`."""
    return sorted({m.school_id for m in store.memberships_of(person_id)
                   if m.role is not Role.PUPIL and m.active_on(as_of)})


def candidates(store: Store, person_id: str, as_of: dt.date) -> dict[str, Candidate]:
    """The pupils and ex-pupils of the person's schools (the trust's, where the profile's
    scope is the trust) and the family of each."""
    if store.person(person_id) is None:
        raise CheckError(f"There is no person {person_id} in the register: give the person "
                         f"id of the member of staff whose download it is.")
    schools = {s.school_id: s for s in store.schools()}
    own = adult_schools(store, person_id, as_of)
    if not own:
        raise CheckError(f"{person_id} holds no staff or other adult membership of a school on "
                         f"{as_of.isoformat()}, so there is no school to check the download "
                         f"against.")
    scope: set[str] = set()
    for school_id in own:
        school = schools[school_id]
        if load_profile(school.profile).scope is Scope.TRUST and school.trust_id:
            scope |= {s.school_id for s in schools.values() if s.trust_id == school.trust_id}
        else:
            scope.add(school_id)
    found: dict[str, Candidate] = {}
    pupils = []
    for school_id in sorted(scope):
        for person in store.people_at(school_id):
            if person.person_id == person_id:
                continue
            here = [m for m in store.memberships_of(person.person_id)
                    if m.school_id == school_id and m.role is Role.PUPIL]
            if not here:
                continue
            current = any(m.active_on(as_of) for m in here)
            words = f"{'pupil' if current else 'ex-pupil'} at {schools[school_id].name}"
            candidate = found.setdefault(person.person_id, Candidate(person))
            if words not in candidate.roles:
                candidate.roles.append(words)
                pupils.append(person)
    for pupil in {p.person_id: p for p in pupils}.values():
        world = store.network(pupil.person_id, 1, max_people=50)
        for link in world.family_links:
            if pupil.person_id not in (link.person_id, link.relative_id):
                continue
            other = link.relative_id if link.person_id == pupil.person_id else link.person_id
            if other == person_id or other not in world.people:
                continue
            relative = found.setdefault(other, Candidate(world.people[other]))
            relative.family.add(pupil.person_id)
            found[pupil.person_id].family.add(other)
            if link.relative_id == pupil.person_id or link.kind in (
                    FamilyKind.SIBLING, FamilyKind.SPOUSE, FamilyKind.PARTNER,
                    FamilyKind.OTHER_RELATIVE):
                kind = _KIN_WORDS[link.kind]
            else:
                kind = "family"
            names = relative.relations.setdefault(kind, [])
            if pupil.name not in names:
                names.append(pupil.name)
    return found


# -- what the policy says ---------------------------------------------------------------------

def _direction(relations: set[Relation]) -> Direction | None:
    """The connection the entries stand for, from the owner's side; None if removed."""
    outbound = relations & {Relation.FOLLOWING, Relation.REQUEST_SENT}
    inbound = relations & {Relation.FOLLOWER, Relation.REQUEST_RECEIVED}
    if relations & {Relation.FRIEND, Relation.CLOSE_FRIEND} or (outbound and inbound):
        return Direction.MUTUAL
    if outbound:
        return Direction.OUTBOUND
    if inbound:
        return Direction.INBOUND
    return None


def policy_for(store: Store, person_id: str, other_id: str, channel: str,
               direction: Direction | None, as_of: dt.date) -> Policy:
    """What the rules would raise about a connection between the two as of `as_of`, and
    so what the member of staff should do. Asked of a throwaway copy of the world around
    the two people, with the connection added there only."""
    if direction is None:
        return Policy(NOTHING_NEEDED, None, (), None,
                      "You have already removed this connection.")
    degree = max((load_profile(s.profile).family_degree for s in store.schools()), default=1)
    world = store.network(other_id, degree + 1, max_people=2000).merged(
        store.network(person_id, 1, max_people=2000))
    for declaration in store.declarations_of(person_id):
        if declaration.counterpart_id in world.people and declaration.declarer_id in world.people:
            world.declarations[declaration.declaration_id] = declaration
    hypothetical = Connection(f"hypothetical-{uuid.uuid4().hex}", person_id, other_id, channel,
                              direction, None, ConnectionSource.PLATFORM_EXPORT)
    world.connections[hypothetical.connection_id] = hypothetical
    facts = FactGraph(world)
    findings = [f for f in evaluate(facts, as_of)
                if f.adult_id == person_id and f.counterpart_id == other_id
                and f.rule in _SEVERITY_ORDER]
    if not findings:
        return Policy(NOTHING_NEEDED, None, (), None,
                      "The policy raises nothing about this connection.")
    finding = min(findings, key=lambda f: (_SEVERITY_ORDER.index(f.rule), f.school_id))
    profile = facts.profile_of(finding.school_id)
    clauses = finding.clauses
    if finding.rule in ("pupil-contact", "ex-pupil-contact"):
        what = "a current pupil" if finding.rule == "pupil-contact" else \
            "an ex-pupil the policy still protects"
        says = _remove_unless_declared(f"a personal connection with {what}",
                                       profile.exemptions[finding.rule])
        if finding.advisory:
            says = ("Only they follow you: block or remove them, and report the approach if "
                    "they contacted you.")
        return Policy(REMOVE, finding.rule, clauses, finding.school_id, says)
    if finding.rule == "parent-contact":
        return Policy(REMOVE, finding.rule, clauses, finding.school_id, _remove_unless_declared(
            "a personal connection whose only basis is that they are a parent at the school",
            profile.exemptions[finding.rule]))
    ties = ties_between(facts, person_id, other_id, finding.school_id, as_of)
    # As of the check's date, as the rules read declarations (made by then, standing then).
    circle = facts.family_distances(other_id, profile.family_degree, as_of)
    declared = any(d.declarer_id == person_id and d.status_on(as_of) is not DeclarationStatus.REJECTED
                   for d in facts.declarations_between(person_id, circle, as_of))
    if declared:
        return Policy(NOTHING_NEEDED, finding.rule, clauses, finding.school_id,
                      "You have declared this relationship; it awaits a senior leader's "
                      "review.")
    if ties.family:
        return Policy(DECLARE_FAMILY, finding.rule, clauses, finding.school_id,
                      "The school's records show you are family: the policy asks you to "
                      "declare it.")
    return Policy(DECLARE_FRIEND, finding.rule, clauses, finding.school_id,
                  "The policy asks you to declare the relationship that explains this "
                  "connection.")


def _remove_unless_declared(what: str, exempting: frozenset[Basis]) -> str:
    """The advice for a connection the policy forbids, offering a declaration only where
    the school's policy lets an accepted one make the connection open and transparent."""
    if not exempting:
        return (f"The policy does not allow {what}, whatever relationship you have with "
                f"them: remove it.")
    if Basis.OTHER in exempting:  # any relationship, once accepted
        return (f"The policy does not allow {what} unless you declare your relationship "
                f"with them: remove it, or declare the relationship if you have one.")
    bases = " or ".join(BASIS_NAMES[b].lower() for b in sorted(exempting))
    return (f"The policy does not allow {what} without a relationship it accepts ({bases}): "
            f"remove it, or declare the relationship if you have one.")


# -- the check --------------------------------------------------------------------------------

def check_download(store: Store, person_id: str, download: Download, as_of: dt.date, *,
                   emails: dict[str, str] | None = None,
                   progress: Callable[[int], None] | None = None) -> CheckResult:
    """Match every entry of `download` against the people of `person_id`'s schools and say
    what the policy says about each likely match. `emails` maps e-mail addresses the school
    holds (lower case) to people. Nothing is written anywhere."""
    people = candidates(store, person_id, as_of)
    index = NameIndex(((p, c.person.given_name, c.person.family_name) for p, c in people.items()),
                      emails={e: p for e, p in (emails or {}).items() if p in people})
    by_person: dict[str, list[tuple[Entry, NameMatch]]] = defaultdict(list)
    for number, entry in enumerate(download.entries, 1):
        matches = index.match_email(entry.email) if entry.email else []
        if not matches and entry.name:
            matches = index.match_name(entry.name)
        if not matches and entry.handle:
            matches = index.match_handle(entry.handle)
        for match in matches:
            by_person[match.person_id].append((entry, match))
        if progress is not None and number % 1000 == 0:
            progress(number)
    matched = set(by_person)
    results = []
    for other_id, found in by_person.items():
        best_alone = max((m for _, m in found), key=lambda m: m.confidence)
        best = with_family_bonus(best_alone, len(people[other_id].family & matched))
        if best.confidence < MIN_CONFIDENCE:
            continue
        # An entry only possibly theirs stays out of a match that other entries make likely.
        entries = tuple(e for e, m in found
                        if band_of(m.confidence) == band_of(best_alone.confidence))
        channel_policies = []
        for channel in sorted({e.platform for e in entries}):
            relations = {e.relation for e in entries if e.platform == channel}
            policy = policy_for(store, person_id, other_id, channel, _direction(relations), as_of)
            if relations == {Relation.REQUEST_RECEIVED} and policy.suggested == REMOVE:
                policy = dataclasses.replace(policy, says=(
                    "They asked to connect with you and the policy does not allow it: decline "
                    "the request (and report it as an approach if they are a pupil)."))
            if relations == {Relation.REQUEST_SENT} and policy.suggested == REMOVE:
                policy = dataclasses.replace(policy, says=(
                    "You asked to connect with them and the policy does not allow it: "
                    "withdraw the request."))
            channel_policies.append(policy)
        policy = min(channel_policies, key=_urgency)
        candidate = people[other_id]
        actions = what_to_do(entries) if policy.suggested == REMOVE else ()
        results.append(Match(other_id, candidate.person.name, candidate.known_as,
                             entries, best.confidence, best.reasons, policy, actions))
    results.sort(key=lambda m: (_urgency(m.policy), -m.confidence, m.name, m.person_id))
    notes = []
    if "x" in download.platforms:
        notes.append("An X archive holds account numbers only, no names: its entries were "
                     "counted but none can be matched by name.")
    return CheckResult(person_id, as_of, download.platforms, len(download.entries), results,
                       tuple(notes), download.counts)


def what_to_do(entries) -> tuple[str, ...]:
    """For each platform, what ends the connections its entries show: 'On Facebook: withdraw
    the request you sent them', 'On Instagram: unfollow them; remove them as a follower, or
    block them'."""
    steps = []
    for platform in sorted({e.platform for e in entries}):
        kinds = {e.relation for e in entries if e.platform == platform}
        actions = [_CONNECTION_WORD.get(platform, text) if kind is Relation.FRIEND else text
                   for kind, text in ACTIONS.items() if kind in kinds]
        if actions:
            steps.append(f"On {PLATFORM_NAMES.get(platform, platform)}: {'; '.join(actions)}")
    return tuple(steps)


def _urgency(policy: Policy) -> tuple[int, str]:
    order = [REMOVE, DECLARE_FAMILY, DECLARE_FRIEND, NOTHING_NEEDED]
    return order.index(policy.suggested), policy.rule or ""


def platform_names(platforms) -> str:
    return " and ".join(PLATFORM_NAMES.get(p, p) for p in platforms)


def school_emails(data_dir) -> dict[str, str]:
    """The e-mail addresses the school's records gave (kept apart from the facts, for
    recognising people), each with its person; none if there is no identity database."""
    from pathlib import Path

    from graph.intake.identity import IDENTITY_DATABASE, IdentityTable, Kind

    if data_dir is None or not (Path(data_dir) / IDENTITY_DATABASE).exists():
        return {}
    with IdentityTable(data_dir) as table:
        return {value: person_id for person_id, kind, value in table.rows()
                if kind == Kind.EMAIL}
