"""Every rule of docs/rules.md, evaluated on the indexed facts (graph/facts.py) as of a date.

Each rule id here has a Cypher twin in `cypher/rules/<rule-id>.cypher`; the clauses a
finding cites come from the profile of the school where it arises, so a rule a profile
does not cite does not apply there.

An `Evaluation` holds the findings of one date and can refresh only the findings that
involve some people, which is how a store stays current after one change without
re-scanning the graph.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from graph.facts import FactGraph
from graph.model import (
    Basis,
    Connection,
    DeclarationStatus,
    Finding,
    Membership,
    Role,
    SchoolAccount,
    Severity,
)
from graph.profiles import ParentContact, Profile
from graph.routing import Reviewers, route

SEVERITY = {
    "pupil-contact": Severity.HIGH,
    "ex-pupil-contact": Severity.HIGH,
    "parent-contact": Severity.MEDIUM,
    "declaration-required": Severity.LOW,
    "approach-reported": Severity.MEDIUM,
    "school-account-oversight": Severity.MEDIUM,
    "data-quality": Severity.LOW,
}
# Findings of these rules are about a child, so the DSL is notified when they are high.
ABOUT_A_CHILD = {"pupil-contact", "ex-pupil-contact"}
# The rules whose findings are about the connections between a pair of people.
# The rules that protect a pupil or ex-pupil, whose findings show a reviewer the
# relationships recorded between the two that the policy does not accept as a basis.
PUPIL_RULES = {"pupil-contact", "ex-pupil-contact"}
CONNECTION_RULES = {"pupil-contact", "ex-pupil-contact", "parent-contact", "declaration-required"}
_LOGS = itertools.count(1)  # tells one TouchedLog's marks from another's


def finding_id(rule: str, school_id: str, adult_id: str | None, counterpart_id: str | None,
               account_id: str | None, detail: str = "") -> str:
    """The same rule, parties and school give the same id, whatever the date or run."""
    key = "|".join([rule, school_id, adult_id or "", counterpart_id or "", account_id or "", detail])
    return "F-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Ties:
    """What joins an adult to a person on a date, apart from the connection itself."""

    # the bases of the relationships between them, pending or accepted: family_member for a
    # path of family links within the profile's degree, a friendship with the person or their
    # family, another basis declared with the person
    bases: frozenset[Basis]
    family_in_records: bool  # a family path made of the school's own records
    accepted: frozenset[Basis]  # the bases declared and accepted by someone the profile names
    # the declarations behind `bases`: (id, basis, status on the date), in id order
    declared: tuple[tuple[str, str, str], ...]

    @property
    def family(self) -> bool:
        return Basis.FAMILY_MEMBER in self.bases

    def permit(self, exempting: frozenset[Basis]) -> bool:
        """Whether a relationship of a basis the profile accepts (its exemptions for the
        rule) joins them, pending or accepted."""
        return bool(self.bases & exempting)

    def open_and_transparent(self, profile: Profile, exempting: frozenset[Basis]) -> bool:
        return bool(self.accepted & exempting) or (
            self.family_in_records and Basis.FAMILY_MEMBER in exempting
            and not profile.family_link_from_records_needs_declaration
        )

    def not_exempting(self, exempting: frozenset[Basis]) -> list[str]:
        """The relationships between them that the profile does not accept for the rule, as a
        finding shows them to its reviewer."""
        return describe_unexcused(self.family and Basis.FAMILY_MEMBER not in exempting,
                                  [d for d in self.declared if d[1] not in exempting])


def ties_between(facts: FactGraph, adult: str, other: str, school_id: str, as_of: dt.date) -> Ties:
    """The ties between `adult` and `other` as of `as_of`, as the profile of `school_id` reads
    them: declarations count from the day they were made, and a decision from its day; an
    acceptance counts only when it was decided by someone who held one of the profile's
    `declaration_approvers` positions at the school on that day."""
    profile = facts.profile_of(school_id)
    circle = facts.family_distances(other, profile.family_degree, as_of)
    # a declaration of "other" is about the two people it names, not their families
    declarations = [d for d in facts.declarations_between(adult, circle, as_of)
                    if d.basis is not Basis.OTHER or other in (d.declarer_id, d.counterpart_id)]
    live = [d for d in declarations if d.status_on(as_of) is not DeclarationStatus.REJECTED]

    def accepted_by_approver(d) -> bool:
        return d.status_on(as_of) is DeclarationStatus.ACCEPTED and d.decided_by in \
            facts.holders_of(school_id, profile.declaration_approvers, d.decided_on)

    bases = {d.basis for d in live if d.basis is not Basis.FAMILY_MEMBER}
    if adult in circle:
        bases.add(Basis.FAMILY_MEMBER)
    return Ties(
        bases=frozenset(bases),
        # (a path of records holds whatever the date: only declarations come and go)
        family_in_records=adult in circle and adult in facts.family_distances(
            other, profile.family_degree, records_only=True),
        accepted=frozenset(d.basis for d in live if accepted_by_approver(d)),
        declared=tuple(sorted((d.declaration_id, str(d.basis), str(d.status_on(as_of)))
                              for d in live)),
    )


def describe_unexcused(family: bool, declared: Iterable[tuple[str, str, str]]) -> list[str]:
    """Relationships a finding shows its reviewer though they permit nothing under the
    policy: `family` for a family path, and each declaration as "ID (basis, status)"."""
    return (["family"] if family else []) + [f"{i} ({basis}, {status})" for i, basis, status in declared]


class TouchedLog:
    """The ids of the findings that refreshes added, changed or took away, handed over in
    turns (Store.findings_since): whoever keeps a copy of the findings reads only these
    after a change. A mark says which turn its holder saw last."""

    def __init__(self):
        self.restart()

    def restart(self) -> None:
        """Every finding may have changed: no mark handed out before holds."""
        self._serial = next(_LOGS)
        self._taken = 0
        self._ids: set[str] = set()

    def note(self, ids: Iterable[str]) -> None:
        self._ids.update(ids)

    def since(self, mark: object) -> tuple[tuple[int, int], set[str] | None]:
        """(a mark for the next turn, the ids noted since `mark` was handed out), or None
        for the ids when `mark` is not the latest: its holder must read every finding."""
        ids = self._ids if mark == (self._serial, self._taken) else None
        self._ids = set()
        self._taken += 1
        return (self._serial, self._taken), ids


class Evaluation:
    """The findings of the facts as of one date."""

    def __init__(self, facts: FactGraph, as_of: dt.date):
        self.facts = facts
        self.as_of = as_of
        self.findings: dict[str, Finding] = {}
        self._involving: dict[str, set[str]] = defaultdict(set)  # person or account -> ids
        self.reviewers = Reviewers(facts, as_of)
        self.touched = TouchedLog()  # what each refresh added, changed or took away

    def run(self) -> Evaluation:
        facts = self.facts
        self.findings.clear()
        self._involving.clear()
        self.touched.restart()  # marks handed out before no longer hold
        self.reviewers.forget()
        # Each pair's connections seen by the date, grouped in one pass over the records.
        seen: dict[tuple[str, str], list[Connection]] = defaultdict(list)
        for c in facts.world.connections.values():
            if c.first_seen is None or c.first_seen <= self.as_of:
                pair = (c.person_id, c.other_id) if c.person_id < c.other_id else (c.other_id, c.person_id)
                seen[pair].append(c)
        for (a, b), connections in seen.items():
            connections.sort(key=lambda c: c.connection_id)
            self._add(self._connection_findings(a, b, connections))
        # Only people without a date of birth or with a membership that ends before it
        # starts can have a data-quality finding of their own: look at no one else.
        suspects = {p.person_id for p in facts.world.people.values() if p.date_of_birth is None}
        suspects.update(m.person_id for m in facts.world.memberships
                        if m.end_date is not None and m.end_date < m.start_date)
        for person_id in suspects:
            self._add(self._data_quality_findings(person_id))
        for pair in sorted({(r.adult_id, r.from_id) for r in facts.world.approaches.values()}):
            self._add(self._approach_findings(*pair))
        for account_id in facts.world.school_accounts:
            self._add(self._account_findings(account_id))
        for school_id in facts.world.schools:
            self._add(self._school_findings(school_id))
        return self

    def restore(self, findings: Iterable[Finding]) -> Evaluation:
        """Take the findings of an earlier full run on the same facts and date (saved by a
        store) instead of running again."""
        self.findings.clear()
        self._involving.clear()
        self.touched.restart()
        self._add(findings)
        return self

    def refresh(self, people: Iterable[str], accounts: Iterable[str] = (),
                pairs: Iterable[tuple[str, str]] = ()) -> None:
        """Recompute every finding that involves one of `people` or `accounts`, and the
        connection findings of each of `pairs`."""
        people, accounts = set(people), set(accounts)
        pairs = {frozenset(pair) for pair in pairs if pair[0] != pair[1]}
        self.reviewers.forget()  # a change may have given or taken a position
        for person_id in people:
            accounts.update(self.facts.accounts_of.get(person_id, ()))
        schools = {m.school_id for p in people for m in self.facts.memberships_of.get(p, ())}
        stale = set().union(*(self._involving.get(key, ()) for key in people | accounts | schools))
        for a, b in pairs:
            of_a, of_b = self._involving.get(a, set()), self._involving.get(b, set())
            stale.update(i for i in (of_a if len(of_a) < len(of_b) else of_b)
                         if i in of_a and i in of_b and self.findings[i].rule in CONNECTION_RULES)
        for stale_id in stale:
            finding = self.findings.pop(stale_id)
            for key in _keys(finding):
                self._involving[key].discard(stale_id)
        self.touched.note(stale)
        pairs |= {
            frozenset((p, q))
            for p in people if p in self.facts.connections
            for q in self.facts.connections.neighbors(p)
        }
        refreshed = []
        for a, b in pairs:
            refreshed += self._connection_findings(a, b)
        for person_id in people:
            refreshed += self._data_quality_findings(person_id)
        approach_pairs = {
            (r.adult_id, r.from_id) for p in people for r in self.facts.approaches_of.get(p, ())
        }
        for pair in sorted(approach_pairs):
            refreshed += self._approach_findings(*pair)
        for account_id in accounts:
            if account_id in self.facts.world.school_accounts:
                refreshed += self._account_findings(account_id)
        for school_id in schools:
            refreshed += self._school_findings(school_id)
        self._add(refreshed)
        self.touched.note(f.id for f in refreshed)

    def sorted(self) -> list[Finding]:
        return sorted(self.findings.values(), key=Finding.sort_key)

    def sorted_involving(self, people: Iterable[str]) -> list[Finding]:
        ids = set().union(*(self._involving.get(p, ()) for p in people))
        return sorted((self.findings[i] for i in ids), key=Finding.sort_key)

    def _add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.findings[finding.id] = finding
            for key in _keys(finding):
                self._involving[key].add(finding.id)

    # -- building findings -----------------------------------------------------------

    def _finding(self, rule: str, school_id: str, *, adult: str | None = None,
                 counterpart: str | None = None, account: str | None = None,
                 connections: Iterable[Connection] = (), advisory: bool = False,
                 explanation: str, detail: str = "", notify_dsl: bool = False) -> Finding:
        severity = SEVERITY[rule]
        parties = [p for p in (adult, counterpart) if p is not None]
        notify = notify_dsl or (severity is Severity.HIGH and rule in ABOUT_A_CHILD)
        route_to, recused, why = route(self.facts, school_id, parties, self.as_of, notify,
                                       self.reviewers)
        return Finding(
            id=finding_id(rule, school_id, adult, counterpart, account, detail),
            rule=rule,
            severity=severity,
            advisory=advisory,
            school_id=school_id,
            adult_id=adult,
            counterpart_id=counterpart,
            account_id=account,
            connection_ids=tuple(sorted({c.connection_id for c in connections})),
            clauses=self.facts.profile_of(school_id).citation(rule, detail, notify_dsl),
            route_to=route_to,
            recused=recused,
            explanation=explanation if why is None else f"{explanation} {why}",
        )

    # -- pupil-contact, ex-pupil-contact, parent-contact, declaration-required ------------

    def _connection_findings(self, a: str, b: str,
                             connections: list[Connection] | None = None) -> list[Finding]:
        """The findings about the pair's connections seen by the date (`connections`, in
        connection id order, when the caller has them already)."""
        if connections is None:
            connections = self.facts.connections_between(a, b, self.as_of)
        if not connections or a == b:
            return []
        return self._adult_findings(a, b, connections) + self._adult_findings(b, a, connections)

    def _adult_findings(self, adult: str, other: str, connections: list[Connection]) -> list[Finding]:
        facts, as_of = self.facts, self.as_of
        # Every covered membership the adult holds or has held: "have, or have had".
        covered = [
            m for m in facts.memberships_of.get(adult, ())
            if m.role is not Role.PUPIL and m.role in facts.profile_of(m.school_id).covered_roles
        ]
        # The policy binds the adult where they are covered on the day.
        bound_at = sorted({m.school_id for m in covered if m.active_on(as_of)})
        if not bound_at:
            return []
        pupil_memberships = facts.pupil_memberships(other)
        if not pupil_memberships and other not in facts.children_of:
            return []
        # (rule, school) -> connections; one finding each
        found: dict[tuple[str, str], list[Connection]] = {}
        ties_at: dict[str, Ties] = {}
        for school_id in bound_at:
            profile = facts.profile_of(school_id)
            ties = ties_at[school_id] = ties_between(facts, adult, other, school_id, as_of)
            scope = facts.schools_in_scope(school_id)
            taught_in_scope = [m for m in covered if m.school_id in scope]
            rule = self._pupil_rule(taught_in_scope, pupil_memberships, scope, other, profile)
            if rule is not None:
                # A pupil or ex-pupil of theirs is never "solely" a parent to them.
                exempting = profile.exemptions[rule]
                if not ties.permit(exempting):
                    found[(rule, school_id)] = connections
                elif not ties.open_and_transparent(profile, exempting) \
                        and profile.applies("declaration-required"):
                    found[("declaration-required", school_id)] = connections
            elif profile.applies("parent-contact") and facts.is_parent_at(other, scope, as_of):
                channels = profile.parent_contact_channels
                relevant = [c for c in connections if channels is None or c.channel in channels]
                if relevant:
                    rule = self._parent_rule(adult, other, scope, profile, ties)
                    if rule is not None:
                        found[(rule, school_id)] = relevant
        return [
            self._contact_finding(rule, school_id, adult, other, used, ties_at[school_id])
            for (rule, school_id), used in sorted(found.items())
        ]

    def _pupil_rule(self, adult_memberships: list[Membership], pupil_memberships: list[Membership],
                    scope: list[str], pupil: str, profile: Profile) -> str | None:
        """pupil-contact or ex-pupil-contact if the adult has, or has had, a staff/pupil
        relationship with `pupil` (any of their covered memberships in scope overlapped one of
        the pupil's in scope on some day up to the evaluation date) that the profile forbids
        without another basis; else None."""
        as_of = self.as_of
        taught = any(
            p.school_id in scope and m.overlaps(p, as_of)
            for p in pupil_memberships for m in adult_memberships
        )
        if not taught:
            return None
        if self.facts.is_current_pupil(pupil, as_of):
            return "pupil-contact" if profile.applies("pupil-contact") else None
        if not profile.applies("ex-pupil-contact"):
            return None
        limit = profile.ex_pupil_age_limit
        birth = self.facts.world.people[pupil].date_of_birth
        # An unknown date of birth counts as under 18: missing data never clears a connection.
        if limit is None or birth is None or birth.age_on(as_of) < limit:
            return "ex-pupil-contact"
        return None

    def _parent_rule(self, adult: str, parent: str, scope: list[str], profile: Profile,
                     ties: Ties) -> str | None:
        """parent-contact, declaration-required or None for an adult and the parent of a
        current pupil in scope, as the profile's `parent_contact` says."""
        facts, as_of = self.facts, self.as_of
        adult_roles = {
            m.role for m in facts.memberships_of.get(parent, ())
            if m.school_id in scope and m.active_on(as_of) and m.role is not Role.PUPIL
        }
        known_to_school = bool(adult_roles & (profile.covered_roles | {Role.GOVERNOR}))
        co_parent = facts.is_parent_at(adult, scope, as_of)
        exempting = profile.exemptions["parent-contact"]
        personal = ties.permit(exempting)
        if profile.parent_contact is ParentContact.APPROVAL:
            has_basis = personal or known_to_school or co_parent
            if not has_basis:
                return "parent-contact"
            return None if ties.accepted & exempting else self._declaration_rule(profile)
        if profile.parent_contact is ParentContact.PRIOR_RELATIONSHIP_ONLY:
            co_parent = False  # being a parent at the same school is no prior relationship
        if not (personal or known_to_school or co_parent):
            return "parent-contact"
        if not (personal or co_parent):
            return None  # a colleague or fellow governor: the school knows the relationship
        return None if ties.open_and_transparent(profile, exempting) \
            else self._declaration_rule(profile)

    @staticmethod
    def _declaration_rule(profile: Profile) -> str | None:
        return "declaration-required" if profile.applies("declaration-required") else None

    def _contact_finding(self, rule: str, school_id: str, adult: str, other: str,
                         connections: list[Connection], ties: Ties) -> Finding:
        profile = self.facts.profile_of(school_id)
        advisory = profile.inbound_only_is_advisory and all(
            c.only_followed_by_other(adult) for c in connections
        )
        channels = sorted({c.channel for c in connections})
        school = self.facts.world.schools[school_id].name
        unexcused = ties.not_exempting(profile.exemptions[rule]) if rule in PUPIL_RULES else []
        explanation = explain_contact(rule, adult, other, channels, school, advisory,
                                      approval_needed(profile), unexcused)
        return self._finding(rule, school_id, adult=adult, counterpart=other,
                             connections=connections, advisory=advisory, explanation=explanation)

    # -- data-quality ------------------------------------------------------------------

    def _data_quality_findings(self, person_id: str) -> list[Finding]:
        facts, as_of = self.facts, self.as_of
        findings = []
        memberships = facts.memberships_of.get(person_id, ())
        started = [m for m in memberships if m.role is Role.PUPIL and m.start_date <= as_of]
        person = facts.world.people.get(person_id)
        if started and person is not None and person.date_of_birth is None:
            latest = max(started, key=lambda m: (m.start_date, m.school_id))
            if facts.profile_of(latest.school_id).applies("data-quality"):
                findings.append(self._finding(
                    "data-quality", latest.school_id, counterpart=person_id, detail="date_of_birth",
                    explanation=explain_missing_birth_date(person_id),
                ))
        for m in memberships:
            if m.end_date is not None and m.end_date < m.start_date \
                    and facts.profile_of(m.school_id).applies("data-quality"):
                findings.append(self._finding(
                    "data-quality", m.school_id, counterpart=person_id,
                    detail=f"membership|{m.role}|{m.start_date}",
                    explanation=explain_membership_dates(person_id, m),
                ))
        return findings

    def _school_findings(self, school_id: str) -> list[Finding]:
        """A school where no one holds a senior leader's position has no one to review its
        findings: they go up the chain, and the gap is a finding of its own."""
        facts = self.facts
        if self.reviewers.chain(school_id)[0] \
                or not facts.profile_of(school_id).applies("data-quality"):
            return []
        school = facts.world.schools[school_id].name
        return [self._finding("data-quality", school_id, detail="no_leaders",
                              explanation=explain_no_leaders(school))]

    # -- approach-reported --------------------------------------------------------------

    def _approach_findings(self, adult: str, pupil: str) -> list[Finding]:
        facts, as_of = self.facts, self.as_of
        open_reports = [
            r for r in facts.approaches_of.get(adult, ())
            if r.from_id == pupil and r.open_on(as_of)
        ]
        if not open_reports:
            return []
        # The pupils whose approaches count: pupils and ex-pupils of a school where the adult is
        # bound (of any school of the trust under a trust-wide profile), whether or not the adult
        # taught them. An approach from anyone else is kept but raises nothing.
        pupil_of = {m.school_id for m in facts.pupil_memberships(pupil) if m.start_date <= as_of}
        schools = sorted({
            m.school_id for m in facts.memberships_of.get(adult, ())
            if m.role is not Role.PUPIL and m.active_on(as_of)
            and m.role in facts.profile_of(m.school_id).covered_roles
            and facts.profile_of(m.school_id).applies("approach-reported")
            and pupil_of.intersection(facts.schools_in_scope(m.school_id))
        })
        findings = []
        for school_id in schools:
            window = facts.profile_of(school_id).approach_window_days
            since = as_of - dt.timedelta(days=window)
            recent = [r for r in facts.approaches_from.get(pupil, ())
                      if since < r.occurred_on <= as_of and r.reported_on <= as_of]
            repeated = len(recent) >= 3
            findings.append(self._finding(
                "approach-reported", school_id, adult=adult, counterpart=pupil,
                explanation=explain_approaches(adult, pupil, len(open_reports), len(recent), window),
                notify_dsl=repeated,
            ))
        return findings

    # -- school-account-oversight --------------------------------------------------------

    def _account_findings(self, account_id: str) -> list[Finding]:
        facts, as_of = self.facts, self.as_of
        account = facts.world.school_accounts[account_id]
        profile = facts.profile_of(account.school_id)
        if not profile.applies("school-account-oversight"):
            return []
        admins = [
            a for a in facts.admins_of.get(account_id, ())
            if a.authorised_on is None or a.authorised_on <= as_of
        ]
        # "Authorised personnel" are employees: only current staff of the school count (of any
        # school of the trust, where the profile reads "school" trust-wide: mowbray 1).
        scope = facts.schools_in_scope(account.school_id)
        required = profile.account_admins_required
        not_employed = sorted(
            a.person_id for a in admins
            if not any(facts.is_employee(a.person_id, school_id, as_of) for school_id in scope)
        ) if required else []
        authorisers = profile.account_admin_authorisers
        # No one authorises themself: such an administrator is not authorised, whatever
        # position they hold.
        unauthorised = [
            (admin.person_id, admin.authorised_by)
            for admin in sorted(admins, key=lambda a: a.person_id)
            if admin.authorised_by == admin.person_id or admin.authorised_by not in
            facts.holders_of(account.school_id, authorisers, admin.authorised_on or as_of)
        ]
        counted = len(admins) - len(not_employed)
        if counted >= required and not unauthorised:
            return []
        return [self._finding(
            "school-account-oversight", account.school_id, account=account_id,
            explanation=explain_account(account, counted, not_employed, unauthorised, authorisers,
                                        required),
        )]


# -- explanations: one sentence a senior leader can read, shared by every store ---------------

def approval_needed(profile: Profile) -> str:
    """Who may accept a declaration under the profile, as a senior leader reads it."""
    return " or ".join(POSITION_NAMES[p] for p in profile.declaration_approvers)


POSITION_NAMES = {
    "headteacher": "the headteacher",
    "senior_leader": "a senior leader",
    "dsl": "the designated safeguarding lead",
    "chair_of_governors": "the chair of governors",
    "trust_ceo": "the trust's chief executive",
}


def explain_contact(rule: str, adult: str, other: str, channels: Iterable[str], school: str,
                    advisory: bool, approvers: str, unexcused: Iterable[str] = ()) -> str:
    on = ", ".join(sorted(channels))
    sentence = {
        "pupil-contact": f"{adult} is connected with {other} ({on}), a current pupil they have a "
                         f"staff/pupil relationship with at {school}, and no family or friend "
                         f"relationship gives a basis for it",
        "ex-pupil-contact": f"{adult} is connected with {other} ({on}), an ex-pupil of {school} "
                            f"whom they taught and whom the policy still protects, and no family "
                            f"or friend relationship gives a basis for it",
        "parent-contact": f"{adult} is connected with {other} ({on}), whose only relationship "
                          f"with them is as the parent of a pupil at {school}",
        "declaration-required": f"{adult} is connected with {other} ({on}) at {school} through a "
                                f"relationship that is not yet declared and accepted by "
                                f"{approvers} of {school}",
    }[rule]
    unexcused = list(unexcused)
    if unexcused:
        sentence += (f"; recorded between them, but no basis the policy accepts for it: "
                     f"{', '.join(unexcused)}")
    if rule == "parent-contact":
        sentence += (f"; only another relationship, declared and accepted by {approvers} of "
                     f"{school}, would permit it")
    if advisory:
        sentence += "; only the other person follows, so the adult should block them and may " \
                    "report an approach"
    return sentence + "."


def explain_missing_birth_date(person_id: str) -> str:
    return (f"{person_id}, a pupil or ex-pupil, has no date of birth, so they count as under 18 "
            f"until it is recorded.")


def explain_no_leaders(school: str) -> str:
    return (f"No one holds the headteacher's or a senior leader's position at {school} on this "
            f"date, so its findings go up the chain until one is recorded.")


def explain_membership_dates(person_id: str, membership: Membership) -> str:
    return (f"{person_id}'s {membership.role} membership ends on {membership.end_date}, before it "
            f"starts on {membership.start_date}.")


def explain_approaches(adult: str, pupil: str, open_reports: int, recent: int, window: int) -> str:
    sentence = f"{adult} reported {open_reports} approach(es) from {pupil} that no one has reviewed yet"
    if recent >= 3:
        sentence += f"; {pupil} made {recent} approaches in {window} days, so the DSL is told"
    return sentence + "."


def explain_account(account: SchoolAccount, admins: int, not_employed: Iterable[str],
                    unauthorised: list[tuple[str, str | None]], authorisers: Iterable[str],
                    required: int) -> str:
    problems = []
    if admins < required:
        fewer = "fewer than two" if required == 2 else f"fewer than {required}"
        problems.append(f"it has {admins} authorised administrator(s) on its staff, {fewer}")
    for person_id in not_employed:
        problems.append(f"{person_id} is not on the school's staff now, so does not count")
    who = " or ".join(POSITION_NAMES[p] for p in sorted(authorisers, key=list(POSITION_NAMES).index))
    for person_id, authorised_by in unauthorised:
        if authorised_by == person_id:
            problems.append(f"{person_id} authorised themself, and no one decides about "
                            f"themself")
            continue
        problems.append(f"{person_id} was authorised by {authorised_by or 'no one recorded'}, "
                        f"who was not {who}")
    return f"School account {account.handle} ({account.channel}): " + "; ".join(problems) + "."


def _keys(finding: Finding) -> list[str]:
    """What a finding is filed under for refreshing: its people and account, or its school
    when it names none."""
    keys = [k for k in (finding.adult_id, finding.counterpart_id, finding.account_id) if k is not None]
    return keys or [finding.school_id]


def evaluate(facts: FactGraph, as_of: dt.date) -> list[Finding]:
    """Every finding of the facts as of `as_of`, in the order of docs/exchange.md."""
    return Evaluation(facts, as_of).run().sorted()


def findings_json(findings: list[Finding], as_of: dt.date) -> dict:
    return {"as_of": as_of.isoformat(), "findings": [f.to_json() for f in findings]}
