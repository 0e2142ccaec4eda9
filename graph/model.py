"""The register's domain model, declared once.

Every fact is a frozen record. A relationship that carries dates, a source or a review
state (a membership, a family link, a connection, a declaration, an approach report, an
account administrator) is a record of its own, drawn as an edge between two people:

    (:Person)-[:HOLDS]->(:Membership)-[:AT]->(:School)-[:PART_OF]->(:Trust)
    (:Person)-[:IS_RELATIVE_OF {kind}]->(:Person)      family link
    (:Person)-[:CONNECTS_WITH {channel}]->(:Person)    connection
    (:Person)-[:DECLARES]->(:Declaration)-[:ABOUT]->(:Person)
    (:Person)-[:REPORTS]->(:ApproachReport)-[:FROM]->(:Person)
    (:Person)-[:ADMINISTERS]->(:SchoolAccount)-[:OF]->(:School)
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    STAFF = "staff"
    GOVERNOR = "governor"
    VOLUNTEER = "volunteer"
    CONTRACTOR = "contractor"
    VISITOR = "visitor"
    PUPIL = "pupil"


ADULT_ROLES = frozenset(Role) - {Role.PUPIL}


class Position(enum.StrEnum):
    HEADTEACHER = "headteacher"
    SENIOR_LEADER = "senior_leader"
    DSL = "dsl"
    CHAIR_OF_GOVERNORS = "chair_of_governors"
    TRUST_CEO = "trust_ceo"


class FamilyKind(enum.StrEnum):
    """`person_id` is the KIND of `relative_id`."""

    PARENT = "parent"
    STEP_PARENT = "step_parent"
    FOSTER_PARENT = "foster_parent"
    CARER = "carer"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    SPOUSE = "spouse"
    PARTNER = "partner"
    OTHER_RELATIVE = "other_relative"


PARENTAL_KINDS = frozenset(
    {FamilyKind.PARENT, FamilyKind.STEP_PARENT, FamilyKind.FOSTER_PARENT, FamilyKind.CARER}
)


class LinkSource(enum.StrEnum):
    RECORDS = "records"
    DECLARED = "declared"


class Direction(enum.StrEnum):
    """Seen from the side of the connection's `person_id`."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"
    MUTUAL = "mutual"


class ConnectionSource(enum.StrEnum):
    DECLARED = "declared"
    REPORTED = "reported"
    PLATFORM_EXPORT = "platform_export"
    MONITORING = "monitoring"


class Basis(enum.StrEnum):
    FAMILY_MEMBER = "family_member"
    FAMILY_FRIEND = "family_friend"
    PRIOR_FRIENDSHIP = "prior_friendship"
    OTHER = "other"


FRIEND_BASES = frozenset({Basis.FAMILY_FRIEND, Basis.PRIOR_FRIENDSHIP})


class DeclarationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ApproachStatus(enum.StrEnum):
    OPEN = "open"
    REVIEWED = "reviewed"


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


BIRTH_DATE_FORMS = ("write it as YYYY-MM-DD (2012-02-15), or as YYYY-MM (2012-02) or YYYY (2012) "
                    "when only the month or the year is known")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth that may be partial: a year, a year and month, or a full date."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> BirthDate:
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValueError otherwise.

        >>> BirthDate.parse("2012-02")
        BirthDate(year=2012, month=2, day=None)
        """
        parts = text.split("-")
        if (not 1 <= len(parts) <= 3 or len(parts[0]) != 4
                or any(len(p) != 2 for p in parts[1:]) or not all(p.isdigit() for p in parts)):
            raise ValueError(f"{text!r} is not a date of birth: {BIRTH_DATE_FORMS}")
        numbers = [int(p) for p in parts]
        try:
            dt.date(numbers[0], *(numbers[1:] + [1, 1])[:2])
        except ValueError:
            raise ValueError(f"{text!r} is not a date that exists: {BIRTH_DATE_FORMS}") from None
        return cls(*numbers)

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def latest_possible(self) -> tuple[int, int, int]:
        """The latest (year, month, day) this partial date may stand for."""
        if self.day is not None:
            return self.year, self.month, self.day  # type: ignore[return-value]
        month = self.month if self.month is not None else 12
        return self.year, month, calendar.monthrange(self.year, month)[1]

    def birthday_in(self, year: int) -> dt.date:
        """The (latest possible) birthday in `year`, the UK way: 29 February is 1 March
        in a common year."""
        _, month, day = self.latest_possible()
        if month == 2 and day == 29 and not calendar.isleap(year):
            return dt.date(year, 3, 1)
        return dt.date(year, month, day)

    def age_on(self, on: dt.date) -> int:
        """Whole years of age on `on`.

        >>> BirthDate(2008, 2, 29).age_on(dt.date(2026, 2, 28))
        17
        >>> BirthDate(2008, 2, 29).age_on(dt.date(2026, 3, 1))
        18
        >>> BirthDate(2008).age_on(dt.date(2026, 12, 30))
        17
        """
        age = on.year - self.year
        if self.birthday_in(on.year) > on:
            age -= 1
        return age


@dataclass(frozen=True, slots=True)
class School:
    school_id: str
    name: str
    trust_id: str | None
    profile: str


@dataclass(frozen=True, slots=True)
class Person:
    person_id: str
    given_name: str
    family_name: str
    date_of_birth: BirthDate | None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True, slots=True)
class Membership:
    person_id: str
    school_id: str
    role: Role
    position: Position | None
    start_date: dt.date
    end_date: dt.date | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies a membership: it has no id of its own in the exchange format."""
        return (self.person_id, self.school_id, self.role, self.start_date.isoformat())

    def active_on(self, on: dt.date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

    def ended_before(self, on: dt.date) -> bool:
        return self.end_date is not None and self.end_date < on

    def overlaps(self, other: Membership, until: dt.date) -> bool:
        """Whether the two memberships were both active on some day up to `until`."""
        start = max(self.start_date, other.start_date)
        end = min(self.end_date or until, other.end_date or until, until)
        return start <= end

    def last_day(self, until: dt.date) -> dt.date:
        return min(self.end_date or until, until)


@dataclass(frozen=True, slots=True)
class FamilyLink:
    person_id: str
    relative_id: str
    kind: FamilyKind
    source: LinkSource
    # Whether `person_id` has parental responsibility for `relative_id`, as the school's
    # records say (a CTF contact's Responsibility, an MIS export); None where not known.
    parental_responsibility: bool | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.person_id, self.relative_id, self.kind)


@dataclass(frozen=True, slots=True)
class Connection:
    connection_id: str
    person_id: str
    other_id: str
    channel: str
    direction: Direction
    first_seen: dt.date | None
    source: ConnectionSource

    def other_party(self, person_id: str) -> str:
        return self.other_id if person_id == self.person_id else self.person_id

    def only_followed_by_other(self, person_id: str) -> bool:
        """True when only the other party follows `person_id` (inbound from their side)."""
        if self.direction is Direction.MUTUAL:
            return False
        inbound_for_person_id = self.direction is Direction.INBOUND
        return inbound_for_person_id if person_id == self.person_id else not inbound_for_person_id


@dataclass(frozen=True, slots=True)
class Declaration:
    declaration_id: str
    declarer_id: str
    counterpart_id: str
    basis: Basis
    details: str
    declared_on: dt.date
    status: DeclarationStatus
    decided_by: str | None
    decided_on: dt.date | None

    @property
    def self_decided(self) -> bool:
        """Whether one of the declaration's own parties decided it: no one decides about
        themselves, so such a decision never takes effect. The declarer's own rejection is
        their withdrawal of it, which does: it takes a basis away, never gives one."""
        if self.status is DeclarationStatus.REJECTED and self.decided_by == self.declarer_id:
            return False
        return self.decided_by is not None and self.decided_by in (self.declarer_id,
                                                                   self.counterpart_id)

    def status_on(self, on: dt.date) -> DeclarationStatus | None:
        """What the declaration is on `on`: None before it was made, pending until the day
        it was decided (or for good, when no decision date is recorded, or when one of its
        own parties decided it), then its decision."""
        if self.declared_on > on:
            return None
        if self.decided_on is None or self.decided_on > on or self.self_decided:
            return DeclarationStatus.PENDING
        return self.status


@dataclass(frozen=True, slots=True)
class ApproachReport:
    report_id: str
    adult_id: str
    from_id: str
    channel: str
    occurred_on: dt.date
    reported_on: dt.date
    summary: str
    status: ApproachStatus
    reviewed_on: dt.date | None = None
    reviewed_by: str | None = None  # the person who reviewed it, where recorded

    def open_on(self, on: dt.date) -> bool:
        """Whether the report waits for review on `on`: reported by then, and not reviewed
        by then. A report marked reviewed with no date counts as unreviewed: missing data
        never clears a finding."""
        reviewed = (self.status is ApproachStatus.REVIEWED and self.reviewed_on is not None
                    and self.reviewed_on <= on)
        return self.reported_on <= on and not reviewed


@dataclass(frozen=True, slots=True)
class SchoolAccount:
    account_id: str
    school_id: str
    channel: str
    handle: str


@dataclass(frozen=True, slots=True)
class AccountAdmin:
    account_id: str
    person_id: str
    authorised_by: str | None
    authorised_on: dt.date | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.account_id, self.person_id)


@dataclass(frozen=True, slots=True)
class Recusal:
    person_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule decided about one set of parties at one school, as of a date."""

    id: str
    rule: str
    severity: Severity
    advisory: bool
    school_id: str
    adult_id: str | None
    counterpart_id: str | None
    account_id: str | None
    connection_ids: tuple[str, ...]
    clauses: tuple[str, ...]
    route_to: tuple[str, ...]
    recused: tuple[Recusal, ...]
    explanation: str

    def sort_key(self) -> tuple:
        return (
            self.severity.rank,
            self.school_id,
            self.rule,
            self.adult_id or "",
            self.counterpart_id or "",
            self.account_id or "",
            self.id,
        )

    def to_json(self) -> dict:
        """The findings JSON of docs/exchange.md, keys in its order."""
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": str(self.severity),
            "advisory": self.advisory,
            "school_id": self.school_id,
            "adult_id": self.adult_id,
            "counterpart_id": self.counterpart_id,
            "account_id": self.account_id,
            "connection_ids": list(self.connection_ids),
            "clauses": list(self.clauses),
            "route_to": list(self.route_to),
            "recused": [{"person_id": r.person_id, "reason": r.reason} for r in self.recused],
            "explanation": self.explanation,
        }

    @classmethod
    def from_json(cls, data: dict) -> Finding:
        """A finding back from `to_json`."""
        return cls(
            id=data["id"], rule=data["rule"], severity=Severity(data["severity"]),
            advisory=data["advisory"], school_id=data["school_id"], adult_id=data["adult_id"],
            counterpart_id=data["counterpart_id"], account_id=data["account_id"],
            connection_ids=tuple(data["connection_ids"]), clauses=tuple(data["clauses"]),
            route_to=tuple(data["route_to"]),
            recused=tuple(Recusal(r["person_id"], r["reason"]) for r in data["recused"]),
            explanation=data["explanation"],
        )


@dataclass
class World:
    """Every fact the register holds, keyed as the exchange format keys them."""

    schools: dict[str, School] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    family_links: list[FamilyLink] = field(default_factory=list)
    connections: dict[str, Connection] = field(default_factory=dict)
    declarations: dict[str, Declaration] = field(default_factory=dict)
    approaches: dict[str, ApproachReport] = field(default_factory=dict)
    school_accounts: dict[str, SchoolAccount] = field(default_factory=dict)
    account_admins: list[AccountAdmin] = field(default_factory=list)

    def without(self, other: World) -> World:
        """This world less every fact of `other`, matched by the fact's key."""
        return World(
            schools={k: v for k, v in self.schools.items() if k not in other.schools},
            people={k: v for k, v in self.people.items() if k not in other.people},
            memberships=_unkeyed(self.memberships, other.memberships),
            family_links=_unkeyed(self.family_links, other.family_links),
            connections={k: v for k, v in self.connections.items() if k not in other.connections},
            declarations={k: v for k, v in self.declarations.items() if k not in other.declarations},
            approaches={k: v for k, v in self.approaches.items() if k not in other.approaches},
            school_accounts={k: v for k, v in self.school_accounts.items() if k not in other.school_accounts},
            account_admins=_unkeyed(self.account_admins, other.account_admins),
        )

    def merged(self, other: World) -> World:
        """This world with every fact of `other` added, replacing one with the same key."""
        base = self.without(other)
        return World(
            schools={**base.schools, **other.schools},
            people={**base.people, **other.people},
            memberships=base.memberships + list(other.memberships),
            family_links=base.family_links + list(other.family_links),
            connections={**base.connections, **other.connections},
            declarations={**base.declarations, **other.declarations},
            approaches={**base.approaches, **other.approaches},
            school_accounts={**base.school_accounts, **other.school_accounts},
            account_admins=base.account_admins + list(other.account_admins),
        )

    def people_involved(self) -> set[str]:
        """Everyone a fact of this world is about: whose findings a change to it can touch."""
        involved = set(self.people)
        involved.update(m.person_id for m in self.memberships)
        for link in self.family_links:
            involved.update((link.person_id, link.relative_id))
        for c in self.connections.values():
            involved.update((c.person_id, c.other_id))
        for d in self.declarations.values():
            involved.update((d.declarer_id, d.counterpart_id))
        for r in self.approaches.values():
            involved.update((r.adult_id, r.from_id))
        for a in self.account_admins:
            involved.add(a.person_id)
        return involved

    def counts(self) -> dict[str, int]:
        return {
            "schools": len(self.schools),
            "people": len(self.people),
            "memberships": len(self.memberships),
            "family_links": len(self.family_links),
            "connections": len(self.connections),
            "declarations": len(self.declarations),
            "approaches": len(self.approaches),
            "school_accounts": len(self.school_accounts),
            "account_admins": len(self.account_admins),
        }


def _unkeyed(records: list, remove: list) -> list:
    keys = {r.key for r in remove}
    return [r for r in records if r.key not in keys]
