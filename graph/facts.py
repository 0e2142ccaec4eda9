"""The facts of a World, indexed for the rules: networkx graphs for the edges that paths
run along (family links, connections) and plain indexes for the records looked up by person.

It can be changed one fact at a time, so that a store re-evaluates only what a change
touches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, MutableMapping

import networkx as nx

from graph.model import (
    PARENTAL_KINDS,
    AccountAdmin,
    ApproachReport,
    Basis,
    Connection,
    Declaration,
    DeclarationStatus,
    FamilyLink,
    Finding,
    LinkSource,
    Membership,
    Person,
    Position,
    Role,
    School,
    SchoolAccount,
    World,
)
from graph.profiles import Profile, school_profile


class _NoNodeData(nx.Graph):
    """An nx.Graph whose nodes all share one empty attribute dict (networkx's documented
    `node_attr_dict_factory`): the facts keep nothing on a node, and a dict per person
    would cost about 64 MB at a million people. Never set node attributes on it."""

    _shared_node_data: dict = {}

    def _node_data(self) -> dict:
        return self._shared_node_data

    node_attr_dict_factory = _node_data


class _Records(MutableMapping):
    """The data of one family edge: the records joining the pair, as the keys of a
    mapping (networkx wants edge data dict-like; values are unused), held in a tuple.
    A dict per pair would cost about 110 MB more at a million people."""

    __slots__ = ("_held",)

    def __init__(self):
        self._held: tuple = ()

    def __getitem__(self, record):
        if record in self._held:
            return None
        raise KeyError(record)

    def __setitem__(self, record, value) -> None:
        if record not in self._held:
            self._held += (record,)

    def __delitem__(self, record) -> None:
        if record not in self._held:
            raise KeyError(record)
        self._held = tuple(r for r in self._held if r != record)

    def __iter__(self) -> Iterator:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)

    def update(self, records=()) -> None:  # what networkx calls for every edge it adds
        for record in records:
            if record not in self._held:
                self._held += (record,)


class _FamilyGraph(_NoNodeData):
    edge_attr_dict_factory = _Records


class FactGraph:
    def __init__(self, world: World | None = None):
        self.world = World()
        # Undirected, kinship runs both ways. Edge data: the FamilyLink records and
        # family_member declarations joining the pair, as its keys (values unused).
        self.family: nx.Graph = _FamilyGraph()
        # Undirected. Edge data: the connections between the pair, keyed by connection_id
        # (one dict per pair: an nx.MultiGraph would add a dict per connection).
        self.connections: nx.Graph = _NoNodeData()
        self.memberships_of: dict[str, list[Membership]] = defaultdict(list)
        self.memberships_at: dict[str, list[Membership]] = defaultdict(list)
        # The memberships that carry a position, by school: the few that holders_of reads.
        self.positions_at: dict[str, list[Membership]] = defaultdict(list)
        self.children_of: dict[str, set[str]] = defaultdict(set)  # parent -> pupils
        self.declarations_of: dict[str, list[Declaration]] = defaultdict(list)
        self.approaches_of: dict[str, list[ApproachReport]] = defaultdict(list)  # by both parties
        self.approaches_from: dict[str, list[ApproachReport]] = defaultdict(list)
        self.admins_of: dict[str, list[AccountAdmin]] = defaultdict(list)
        # person -> the accounts they administer or authorised someone to (a superset, once
        # an administrator's record is replaced: it only costs a refresh)
        self.accounts_of: dict[str, set[str]] = defaultdict(set)
        self.schools_in_trust: dict[str, list[str]] = defaultdict(list)
        self.profiles: dict[str, Profile] = {}
        if world is not None:
            self.add_world(world)

    # -- loading -----------------------------------------------------------------

    def add_world(self, world: World) -> None:
        """Add every fact of a world that holds none of these facts yet (a bulk load)."""
        self._take(world, replace=False)

    def put_facts(self, world: World) -> None:
        """Add or replace every fact of a (small) world, one at a time."""
        self._take(world, replace=True)

    def _take(self, world: World, replace: bool) -> None:
        for school in world.schools.values():
            self.put_school(school)
        self.world.people.update(world.people)
        if replace:
            for membership in world.memberships:
                self.put_membership(membership)
            for link in world.family_links:
                self.put_family_link(link)
        else:
            self._add_in_bulk(world.memberships, world.family_links)
        for connection in world.connections.values():
            self.put_connection(connection)
        for declaration in world.declarations.values():
            self.put_declaration(declaration)
        for report in world.approaches.values():
            self.put_approach(report)
        for account in world.school_accounts.values():
            self.put_school_account(account)
        for admin in world.account_admins:
            (self.put_account_admin if replace else self.add_account_admin)(admin)

    def _add_in_bulk(self, memberships: list[Membership], links: list[FamilyLink]) -> None:
        """add_membership and add_family_link for each, inlined: a million of each load."""
        self.world.memberships.extend(memberships)
        of, at, positions = self.memberships_of, self.memberships_at, self.positions_at
        for m in memberships:
            of[m.person_id].append(m)
            at[m.school_id].append(m)
            if m.position is not None:
                positions[m.school_id].append(m)
        self.world.family_links.extend(links)
        # networkx merges the data of links between the same pair into one edge's dict.
        self.family.add_edges_from(
            (link.person_id, link.relative_id, {link: None})
            for link in links if link.person_id != link.relative_id)
        children_of = self.children_of
        for link in links:
            if link.kind in PARENTAL_KINDS:
                children_of[link.person_id].add(link.relative_id)

    def put_school(self, school: School) -> None:
        old = self.world.schools.get(school.school_id)
        if old is not None and old.trust_id:
            self.schools_in_trust[old.trust_id].remove(old.school_id)
        self.world.schools[school.school_id] = school
        if school.trust_id:
            self.schools_in_trust[school.trust_id].append(school.school_id)
        self.profiles[school.school_id] = school_profile(school)

    def put_person(self, person: Person) -> None:
        self.world.people[person.person_id] = person

    def put_membership(self, membership: Membership) -> None:
        """Add a membership, or replace the one with the same key (an end date set later)."""
        for old in self.memberships_of.get(membership.person_id, ()):
            if old.key == membership.key:
                self.world.memberships.remove(old)
                self.memberships_of[old.person_id].remove(old)
                self.memberships_at[old.school_id].remove(old)
                if old.position is not None:
                    self.positions_at[old.school_id].remove(old)
                break
        self.add_membership(membership)

    def add_membership(self, membership: Membership) -> None:
        self.world.memberships.append(membership)
        self.memberships_of[membership.person_id].append(membership)
        self.memberships_at[membership.school_id].append(membership)
        if membership.position is not None:
            self.positions_at[membership.school_id].append(membership)

    def put_family_link(self, link: FamilyLink) -> None:
        """Add a family link, or replace the one with the same key (its source changed)."""
        for old in self.world.family_links:
            if old.key == link.key:
                self.world.family_links.remove(old)
                self._part_family(old.person_id, old.relative_id, old)
                break
        self.add_family_link(link)

    def add_family_link(self, link: FamilyLink) -> None:
        self.world.family_links.append(link)
        self._join_family(link.person_id, link.relative_id, link)
        if link.kind in PARENTAL_KINDS:
            self.children_of[link.person_id].add(link.relative_id)

    def put_connection(self, connection: Connection) -> None:
        old = self.world.connections.get(connection.connection_id)
        if old is not None:
            self._unlink(old)
        self.world.connections[connection.connection_id] = connection
        self.connections.add_edges_from(
            [(connection.person_id, connection.other_id, {connection.connection_id: connection})])

    def _unlink(self, connection: Connection) -> None:
        between = self.connections.get_edge_data(connection.person_id, connection.other_id)
        if between is not None:
            between.pop(connection.connection_id, None)
            if not between:
                self.connections.remove_edge(connection.person_id, connection.other_id)

    def put_declaration(self, declaration: Declaration) -> None:
        old = self.world.declarations.get(declaration.declaration_id)
        if old is not None:
            for person_id in (old.declarer_id, old.counterpart_id):
                self.declarations_of[person_id].remove(old)
            if old.basis is Basis.FAMILY_MEMBER:
                self._part_family(old.declarer_id, old.counterpart_id, old)
        self.world.declarations[declaration.declaration_id] = declaration
        for person_id in (declaration.declarer_id, declaration.counterpart_id):
            self.declarations_of[person_id].append(declaration)
        # A declaration of family gives a family basis, as a link would, from the day it is
        # made until the day it is rejected, if it is: family_distances asks which hold on a date.
        if declaration.basis is Basis.FAMILY_MEMBER:
            self._join_family(declaration.declarer_id, declaration.counterpart_id, declaration)

    def put_approach(self, report: ApproachReport) -> None:
        old = self.world.approaches.get(report.report_id)
        if old is not None:
            for person_id in {old.adult_id, old.from_id}:
                self.approaches_of[person_id].remove(old)
            self.approaches_from[old.from_id].remove(old)
        self.world.approaches[report.report_id] = report
        for person_id in {report.adult_id, report.from_id}:
            self.approaches_of[person_id].append(report)
        self.approaches_from[report.from_id].append(report)

    def put_school_account(self, account: SchoolAccount) -> None:
        self.world.school_accounts[account.account_id] = account

    def put_account_admin(self, admin: AccountAdmin) -> None:
        for old in self.admins_of.get(admin.account_id, ()):
            if old.key == admin.key:
                self.world.account_admins.remove(old)
                self.admins_of[admin.account_id].remove(old)
                break
        self.add_account_admin(admin)

    def add_account_admin(self, admin: AccountAdmin) -> None:
        self.world.account_admins.append(admin)
        self.admins_of[admin.account_id].append(admin)
        self.accounts_of[admin.person_id].add(admin.account_id)
        if admin.authorised_by is not None:
            self.accounts_of[admin.authorised_by].add(admin.account_id)

    def remove_connection(self, connection_id: str) -> Connection | None:
        old = self.world.connections.pop(connection_id, None)
        if old is not None:
            self._unlink(old)
        return old

    def _join_family(self, a: str, b: str, record: FamilyLink | Declaration) -> None:
        if a != b:
            self.family.add_edges_from([(a, b, {record: None})])

    def _part_family(self, a: str, b: str, record: FamilyLink | Declaration) -> None:
        links = self.family.get_edge_data(a, b)
        if links is None:
            return
        links.pop(record, None)
        if not links:
            self.family.remove_edge(a, b)

    # -- questions the rules ask ---------------------------------------------------

    def profile_of(self, school_id: str) -> Profile:
        return self.profiles[school_id]

    def schools_in_scope(self, school_id: str) -> list[str]:
        """The schools whose pupils and parents count for an adult of `school_id`."""
        school = self.world.schools[school_id]
        if self.profiles[school_id].scope == "trust" and school.trust_id:
            return self.schools_in_trust[school.trust_id]
        return [school_id]

    def family_distances(self, person_id: str, degree: int, as_of: dt.date | None = None,
                         records_only: bool = False) -> dict[str, int]:
        """Everyone joined to `person_id` by a path of at most `degree` family links that hold
        on `as_of` (every link ever recorded or declared when it is None), with the length of
        the shortest path (the person themself at 0)."""
        if person_id not in self.family:
            return {person_id: 0}
        if as_of is None and not records_only:
            return nx.single_source_shortest_path_length(self.family, person_id, cutoff=degree)
        # A breadth-first search by hand, testing each edge's records: networkx on a filtered
        # subgraph view counts every node of the whole graph on each call.
        distances = {person_id: 0}
        frontier = [person_id]
        for distance in range(1, degree + 1):
            reached = []
            for node in frontier:
                for neighbour, links in self.family.adj[node].items():
                    if neighbour not in distances and any(
                        _link_holds(link, as_of, records_only) for link in links
                    ):
                        distances[neighbour] = distance
                        reached.append(neighbour)
            frontier = reached
        return distances

    def family_circle(self, people: Iterable[str]) -> set[str]:
        """Everyone within the largest family degree of any school's profile of one of
        `people`, by every link ever recorded or declared: kinship and recusal run along
        family paths, so a change about `people` can move the findings of all of them."""
        degree = max((p.family_degree for p in self.profiles.values()), default=0)
        circle: set[str] = set()
        for person_id in people:
            circle.update(self.family_distances(person_id, degree))
        return circle

    def reach_of_positions(self, leaders: set[str], memberships: Iterable[Membership],
                           findings: Iterable[Finding]) -> tuple[set[str], set[str]]:
        """(people, accounts) whose findings a position given, kept or taken by `leaders`
        in `memberships` can move, among `findings` (those before the change): a position
        decides who accepts declarations and authorises account administrators at its
        school (at every school of its trust, for a trust's chief executive), so every
        finding of those schools, the parties of every declaration the leaders decided,
        and those schools' accounts."""
        schools: set[str] = set()
        for m in memberships:
            if m.person_id in leaders:
                trust = self.world.schools[m.school_id].trust_id
                schools.update(self.schools_in_trust[trust] if trust else [m.school_id])
        people = {p for f in findings if f.school_id in schools
                  for p in (f.adult_id, f.counterpart_id) if p}
        for d in self.world.declarations.values():
            if d.decided_by in leaders:
                people.update((d.declarer_id, d.counterpart_id))
        accounts = {a.account_id for a in self.world.school_accounts.values()
                    if a.school_id in schools}
        return people, accounts

    def connections_between(self, a: str, b: str, as_of: dt.date) -> list[Connection]:
        found = [
            c for c in (self.connections.get_edge_data(a, b) or {}).values()
            if c.first_seen is None or c.first_seen <= as_of
        ]
        return sorted(found, key=lambda c: c.connection_id)

    def connected(self, a: str, b: str, as_of: dt.date) -> bool:
        return bool(self.connections_between(a, b, as_of))

    def declarations_between(self, a: str, others: Iterable[str],
                             as_of: dt.date | None = None) -> list[Declaration]:
        """The declarations between `a` and any of `others` (made by `as_of`, if given)."""
        others = set(others)
        return [
            d for d in self.declarations_of.get(a, ())
            if (d.counterpart_id if d.declarer_id == a else d.declarer_id) in others
            and (as_of is None or d.declared_on <= as_of)
        ]

    def is_employee(self, person_id: str, school_id: str, on: dt.date) -> bool:
        """Whether `person_id` is on the staff of `school_id` on `on`."""
        return any(
            m.school_id == school_id and m.role is Role.STAFF and m.active_on(on)
            for m in self.memberships_of.get(person_id, ())
        )

    def holders_of(self, school_id: str, positions: Iterable[Position], on: dt.date) -> list[str]:
        positions = set(positions)
        return sorted({
            m.person_id for m in self.positions_at.get(school_id, ())
            if m.position in positions and m.active_on(on)
        })

    def pupil_memberships(self, person_id: str) -> list[Membership]:
        return [m for m in self.memberships_of.get(person_id, ()) if m.role is Role.PUPIL]

    def is_current_pupil(self, person_id: str, on: dt.date, schools: Iterable[str] | None = None) -> bool:
        schools = None if schools is None else set(schools)
        return any(
            m.active_on(on) and (schools is None or m.school_id in schools)
            for m in self.pupil_memberships(person_id)
        )

    def is_parent_at(self, person_id: str, schools: Iterable[str], on: dt.date) -> bool:
        """Whether `person_id` is, on `on`, the parent of a current pupil of one of `schools`."""
        schools = list(schools)
        return any(self.is_current_pupil(child, on, schools) for child in self.children_of.get(person_id, ()))


def _link_holds(link: FamilyLink | Declaration, as_of: dt.date | None, records_only: bool) -> bool:
    """Whether a family link or a declaration of family joins two people on `as_of`."""
    if isinstance(link, FamilyLink):
        return link.source is LinkSource.RECORDS or not records_only
    if records_only:
        return False
    if as_of is None:
        return True
    status = link.status_on(as_of)
    return status is not None and status is not DeclarationStatus.REJECTED
