"""A small world built fact by fact, for tests that name every person they use."""

from __future__ import annotations

import datetime as dt
import itertools

from graph.model import (
    AccountAdmin,
    ApproachReport,
    ApproachStatus,
    Basis,
    BirthDate,
    Connection,
    ConnectionSource,
    Declaration,
    DeclarationStatus,
    Direction,
    FamilyKind,
    FamilyLink,
    LinkSource,
    Membership,
    Person,
    Position,
    Role,
    School,
    SchoolAccount,
    World,
)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class WorldBuilder:
    def __init__(self):
        self.world = World()
        self._ids = itertools.count(1)

    def school(self, school_id: str, profile: str = "ninestiles", trust: str | None = None,
               name: str | None = None) -> WorldBuilder:
        self.world.schools[school_id] = School(school_id, name or f"School {school_id}", trust, profile)
        return self

    def person(self, person_id: str, born: str | None = "1980-01-01") -> WorldBuilder:
        birth = BirthDate.parse(born) if born else None
        self.world.people[person_id] = Person(person_id, "Given", f"Family{person_id}", birth)
        return self

    def member(self, person_id: str, school_id: str, role: str = "staff", *, position: str | None = None,
               start: str = "2020-09-01", end: str | None = None, born: str | None = "1980-01-01") -> WorldBuilder:
        if person_id not in self.world.people:
            self.person(person_id, born)
        self.world.memberships.append(Membership(
            person_id, school_id, Role(role), Position(position) if position else None,
            d(start), d(end) if end else None,
        ))
        return self

    def staff(self, person_id: str, school_id: str = "S1", **kwargs) -> WorldBuilder:
        return self.member(person_id, school_id, "staff", **kwargs)

    def pupil(self, person_id: str, school_id: str = "S1", born: str | None = "2015-03-03",
              **kwargs) -> WorldBuilder:
        return self.member(person_id, school_id, "pupil", born=born, **kwargs)

    def family(self, person_id: str, kind: str, relative_id: str, source: str = "records") -> WorldBuilder:
        """`person_id` is the KIND of `relative_id`."""
        for p in (person_id, relative_id):
            if p not in self.world.people:
                self.person(p)
        self.world.family_links.append(FamilyLink(person_id, relative_id, FamilyKind(kind), LinkSource(source)))
        return self

    def connect(self, person_id: str, other_id: str, direction: str = "mutual", channel: str = "facebook",
                first_seen: str | None = "2026-01-10", connection_id: str | None = None) -> WorldBuilder:
        connection_id = connection_id or f"C{next(self._ids)}"
        self.world.connections[connection_id] = Connection(
            connection_id, person_id, other_id, channel, Direction(direction),
            d(first_seen) if first_seen else None, ConnectionSource.MONITORING,
        )
        return self

    def declare(self, declarer: str, counterpart: str, basis: str, status: str = "pending",
                decided_by: str | None = None, declaration_id: str | None = None,
                declared_on: str = "2026-02-01", decided_on: str = "2026-02-10") -> WorldBuilder:
        declaration_id = declaration_id or f"D{next(self._ids)}"
        decided = status != "pending"
        self.world.declarations[declaration_id] = Declaration(
            declaration_id, declarer, counterpart, Basis(basis), "", d(declared_on),
            DeclarationStatus(status), decided_by if decided else None,
            d(decided_on) if decided else None,
        )
        return self

    def approach(self, adult: str, pupil: str, occurred: str = "2026-11-01", status: str = "open",
                 report_id: str | None = None, reported: str | None = None,
                 reviewed: str | None = "on the day reported",
                 reviewed_by: str | None = None) -> WorldBuilder:
        """A report; one whose status is reviewed was reviewed on the day it was reported
        unless `reviewed` gives the day (None: no day recorded)."""
        report_id = report_id or f"R{next(self._ids)}"
        reported_on = d(reported or occurred)
        reviewed_on = None
        if status == "reviewed" and reviewed is not None:
            reviewed_on = reported_on if reviewed == "on the day reported" else d(reviewed)
        self.world.approaches[report_id] = ApproachReport(
            report_id, adult, pupil, "instagram", d(occurred), reported_on, "asked to follow",
            ApproachStatus(status), reviewed_on, reviewed_by,
        )
        return self

    def account(self, account_id: str, school_id: str = "S1") -> WorldBuilder:
        self.world.school_accounts[account_id] = SchoolAccount(account_id, school_id, "x", f"@{account_id}")
        return self

    def admin(self, account_id: str, person_id: str, authorised_by: str | None,
              on: str | None = "2025-01-01") -> WorldBuilder:
        self.world.account_admins.append(AccountAdmin(account_id, person_id, authorised_by, d(on) if on else None))
        return self

    def build(self) -> World:
        return self.world


def school_with_leaders(profile: str = "ninestiles", school_id: str = "S1", trust: str | None = None,
                        prefix: str = "") -> WorldBuilder:
    """A school with a headteacher H1, a senior leader L1, a DSL D1, a chair of governors
    G1 and a teacher T1, all in post since before 2020."""
    return add_leaders(WorldBuilder().school(school_id, profile, trust), school_id, prefix)


def add_leaders(builder: WorldBuilder, school_id: str, prefix: str = "") -> WorldBuilder:
    return (
        builder
        .staff(f"{prefix}H1", school_id, position="headteacher", start="2010-09-01")
        .staff(f"{prefix}L1", school_id, position="senior_leader", start="2012-09-01")
        .staff(f"{prefix}D1", school_id, position="dsl", start="2014-09-01")
        .member(f"{prefix}G1", school_id, "governor", position="chair_of_governors", start="2015-09-01")
        .staff(f"{prefix}T1", school_id, start="2018-09-01")
    )
