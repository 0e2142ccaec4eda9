"""What the API takes and gives: XCreate for what a client sends, XPublic for what it
gets back. Ids are checked for shape here; whether they exist is checked by the routes
(422 naming the field when a body names an unknown id, 404 for an unknown id in the path).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from api.identity import Account, AccountRole
from graph.dates import parse_date
from graph.model import (
    ApproachReport,
    Basis,
    BirthDate,
    Connection,
    Declaration,
    DeclarationStatus,
    Direction,
    FamilyKind,
    LinkSource,
    Membership,
    Person,
    Position,
    Role,
    World,
)
from graph.review import Case, CaseEvent, CaseState, EscalationTarget

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
Channel = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                           pattern=r"^[a-z0-9][a-z0-9_]*$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000,
                                          pattern=r"\S")]
Text = Annotated[str, StringConstraints(max_length=2000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"\S")]


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD (graph/dates.py): left to itself, pydantic would take a number for a
    Unix time, and Python a week date or a date and time."""
    if isinstance(value, str):
        return parse_date(value)  # a DateError is a ValueError: a 422 naming the field
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError("a date is YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def _birth_date(text: str | None) -> str | None:
    if text is not None:
        BirthDate.parse(text)  # ValueError becomes a 422 naming the field
    return text


BirthDateText = Annotated[str | None, AfterValidator(_birth_date),
                          Field(description="YYYY, YYYY-MM or YYYY-MM-DD")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- auth and accounts ------------------------------------------------------------------

class SignIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class AccountPublic(BaseModel):
    account_id: int
    username: str
    role: AccountRole
    person_id: str | None
    school_id: str | None
    disabled: bool
    locked: bool = False
    no_longer_fits: str | None = Field(
        None, description="Why the role no longer fits the person's memberships as of today "
                          "(they left, or their position changed): the account is refused "
                          "until its role is changed. Absent while it fits.")

    @classmethod
    def of(cls, account: Account, locked: bool = False,
           no_longer_fits: str | None = None) -> AccountPublic:
        return cls(account_id=account.account_id, username=account.username, role=account.role,
                   person_id=account.person_id, school_id=account.school_id,
                   disabled=account.disabled, locked=locked, no_longer_fits=no_longer_fits)


class SessionPublic(BaseModel):
    account: AccountPublic
    csrf_token: str | None = Field(
        None, description="Cookie sessions: send it back as the X-CSRF-Token header (or a "
                          "csrf_token form field) on every POST, PUT, PATCH and DELETE.")


Username = Annotated[str, StringConstraints(min_length=3, max_length=64,
                                            pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, StringConstraints(min_length=12, max_length=200)]


class AccountCreate(Strict):
    username: Username
    password: Password
    role: AccountRole
    person_id: Id | None = None
    school_id: Id | None = None


class AccountUpdate(Strict):
    role: AccountRole | None = None
    person_id: Id | None = None
    school_id: Id | None = None
    disabled: bool | None = None
    password: Password | None = None
    unlock: bool = False


# -- people -------------------------------------------------------------------------------

class PersonPublic(BaseModel):
    person_id: str
    given_name: str
    family_name: str
    date_of_birth: str | None

    @classmethod
    def of(cls, person: Person, with_birth_date: bool = True) -> PersonPublic:
        birth = str(person.date_of_birth) if person.date_of_birth and with_birth_date else None
        return cls(person_id=person.person_id, given_name=person.given_name,
                   family_name=person.family_name, date_of_birth=birth)


class PersonCreate(Strict):
    person_id: Id
    given_name: Name
    family_name: Annotated[str, StringConstraints(max_length=100)] = ""
    date_of_birth: BirthDateText = None


class MembershipPublic(BaseModel):
    person_id: str
    school_id: str
    role: Role
    position: Position | None
    start_date: dt.date
    end_date: dt.date | None

    @classmethod
    def of(cls, m: Membership) -> MembershipPublic:
        return cls(person_id=m.person_id, school_id=m.school_id, role=m.role,
                   position=m.position, start_date=m.start_date, end_date=m.end_date)


class MembershipCreate(Strict):
    school_id: Id
    role: Role
    position: Position | None = None
    start_date: IsoDate
    end_date: IsoDate | None = None


class MembershipEnd(Strict):
    school_id: Id
    role: Role
    start_date: IsoDate
    end_date: IsoDate


class PersonDetail(BaseModel):
    person: PersonPublic
    memberships: list[MembershipPublic]


class FamilyLinkPublic(BaseModel):
    person_id: str
    relative_id: str
    kind: FamilyKind
    source: LinkSource


class NetworkPublic(BaseModel):
    """The small world around a person, for drawing: everyone within `depth` family links
    or connections, and the facts among them."""

    person_id: str
    depth: int
    truncated: bool
    people: list[PersonPublic]
    memberships: list[MembershipPublic]
    family_links: list[FamilyLinkPublic]
    connections: list[ConnectionPublic]
    declarations: list[DeclarationPublic]

    @classmethod
    def of(cls, person_id: str, depth: int, world: World, truncated: bool) -> NetworkPublic:
        return cls(
            person_id=person_id, depth=depth, truncated=truncated,
            people=[PersonPublic.of(p) for p in world.people.values()],
            memberships=[MembershipPublic.of(m) for m in world.memberships],
            family_links=[FamilyLinkPublic(person_id=f.person_id, relative_id=f.relative_id,
                                           kind=f.kind, source=f.source)
                          for f in world.family_links],
            connections=[ConnectionPublic.of(c) for c in world.connections.values()],
            declarations=[DeclarationPublic.of(d) for d in world.declarations.values()],
        )


# -- declarations -------------------------------------------------------------------------

class DeclarationCreate(Strict):
    counterpart_id: Id
    basis: Basis
    details: Text = ""


class DeclarationPublic(BaseModel):
    declaration_id: str
    declarer_id: str
    counterpart_id: str
    basis: Basis
    details: str
    declared_on: dt.date
    status: DeclarationStatus
    decided_by: str | None
    decided_on: dt.date | None
    withdrawn: bool = Field(False, description="rejected by its own declarer")
    reason: str | None = Field(None, description="why it was decided or withdrawn")

    @classmethod
    def of(cls, d: Declaration, reason: str | None = None) -> DeclarationPublic:
        return cls(declaration_id=d.declaration_id, declarer_id=d.declarer_id,
                   counterpart_id=d.counterpart_id, basis=d.basis, details=d.details,
                   declared_on=d.declared_on, status=d.status, decided_by=d.decided_by,
                   decided_on=d.decided_on,
                   withdrawn=d.status is DeclarationStatus.REJECTED
                   and d.decided_by == d.declarer_id, reason=reason)


class DeclarationDecision(Strict):
    decision: Literal["accepted", "rejected"]
    reason: Reason


class Withdrawal(Strict):
    reason: Reason


# -- connections --------------------------------------------------------------------------

class ConnectionCreate(Strict):
    """A connection the signed-in adult declares with someone."""

    other_id: Id
    channel: Channel
    direction: Direction = Direction.MUTUAL
    first_seen: IsoDate | None = None


class ConnectionReport(Strict):
    """A connection between two other people that the signed-in adult has seen."""

    person_id: Id
    other_id: Id
    channel: Channel
    direction: Direction = Direction.MUTUAL
    first_seen: IsoDate | None = None
    details: Text = ""


class ConnectionPublic(BaseModel):
    connection_id: str
    person_id: str
    other_id: str
    channel: str
    direction: Direction
    first_seen: dt.date | None
    source: str

    @classmethod
    def of(cls, c: Connection) -> ConnectionPublic:
        return cls(connection_id=c.connection_id, person_id=c.person_id, other_id=c.other_id,
                   channel=c.channel, direction=c.direction, first_seen=c.first_seen,
                   source=str(c.source))


# -- approach reports ---------------------------------------------------------------------

class EvidencePublic(BaseModel):
    evidence_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: str


class ApproachPublic(BaseModel):
    report_id: str
    adult_id: str
    from_id: str
    channel: str
    occurred_on: dt.date
    reported_on: dt.date
    summary: str
    status: str
    reviewed_on: dt.date | None = None
    reviewed_by: str | None = None
    evidence: list[EvidencePublic] = []

    @classmethod
    def of(cls, r: ApproachReport, evidence=()) -> ApproachPublic:
        return cls(report_id=r.report_id, adult_id=r.adult_id, from_id=r.from_id,
                   channel=r.channel, occurred_on=r.occurred_on, reported_on=r.reported_on,
                   summary=r.summary, status=str(r.status), reviewed_on=r.reviewed_on,
                   reviewed_by=r.reviewed_by,
                   evidence=[EvidencePublic(evidence_id=e.evidence_id, file_name=e.file_name,
                                            media_type=e.media_type, size=e.size,
                                            sha256=e.sha256, uploaded_at=e.uploaded_at)
                             for e in evidence])


# -- findings and cases -------------------------------------------------------------------

class RecusalPublic(BaseModel):
    person_id: str
    reason: str


class FindingPublic(BaseModel):
    """A finding in the findings JSON of docs/exchange.md."""

    id: str
    rule: str
    severity: Literal["high", "medium", "low"]
    advisory: bool
    school_id: str
    adult_id: str | None
    counterpart_id: str | None
    account_id: str | None
    connection_ids: list[str]
    clauses: list[str]
    route_to: list[str]
    recused: list[RecusalPublic]
    explanation: str


class CaseEventPublic(BaseModel):
    at: str
    actor: str
    kind: str
    from_state: CaseState | None
    to_state: CaseState | None
    reason: str

    @classmethod
    def of(cls, e: CaseEvent) -> CaseEventPublic:
        return cls(at=e.at, actor=e.actor, kind=e.kind, from_state=e.from_state,
                   to_state=e.to_state, reason=e.reason)


class CasePublic(BaseModel):
    finding_id: str
    state: CaseState
    fires: bool = Field(description="whether the rule still fires as of today")
    raised_on: dt.date
    due_on: dt.date
    overdue: bool
    assignee_id: str | None
    escalated_to: EscalationTarget | None
    action: str | None
    action_due: dt.date | None
    conditions: str | None
    finding: FindingPublic
    history: list[CaseEventPublic] | None = None

    @classmethod
    def of(cls, case: Case, today: dt.date) -> CasePublic:
        return cls(finding_id=case.finding_id, state=case.state, fires=case.fires,
                   raised_on=case.raised_on, due_on=case.due_on, overdue=case.overdue(today),
                   assignee_id=case.assignee_id, escalated_to=case.escalated_to,
                   action=case.action, action_due=case.action_due, conditions=case.conditions,
                   finding=FindingPublic(**case.finding),
                   history=[CaseEventPublic.of(e) for e in case.history] or None)


class CaseMove(Strict):
    to_state: CaseState
    reason: Reason
    action: Text | None = Field(None, description="action_required: what must be done")
    action_due: IsoDate | None = Field(None, description="action_required: by when")
    escalated_to: EscalationTarget | None = Field(None, description="escalated: dsl or lado")
    conditions: Text | None = Field(None, description="accepted: any conditions")


class CaseAssign(Strict):
    assignee_id: Id = Field(description="a person the case is routed to")
    reason: Text = ""


class FindingsLabelPublic(BaseModel):
    """What the cases hold; every answer of the API also carries it in its Findings-State,
    Findings-As-Of and Findings-Facts-Version headers."""

    state: Literal["loading", "refreshing", "current"] = Field(
        description="loading: no findings yet; refreshing: the cases as they were last "
                    "brought in line, while the service loads and re-evaluates")
    as_of: dt.date | None = Field(description="the day the findings were evaluated for")
    facts_version: int | None = Field(
        description="how many writes the facts had had when they were evaluated")
    step: str | None = Field(description="what the refresh is doing, while it runs")

    @classmethod
    def of(cls, label) -> FindingsLabelPublic:
        return cls(state=label.state, as_of=label.as_of, facts_version=label.facts_version,
                   step=label.step)


class HealthPublic(BaseModel):
    status: Literal["ok"]
    findings: FindingsLabelPublic


class EvaluationPublic(BaseModel):
    as_of: dt.date
    findings: list[FindingPublic]


# -- schools, profiles, imports, audit ----------------------------------------------------------

class SchoolPublic(BaseModel):
    school_id: str
    name: str
    trust_id: str | None
    profile: str


class SchoolProfileUpdate(Strict):
    profile: Literal["ninestiles", "millfields", "aspire", "great-chart", "mowbray"]


class SchoolUpdate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200)] | None = None
    profile: Literal["ninestiles", "millfields", "aspire", "great-chart", "mowbray"] | None = None


class SettingPublic(BaseModel):
    value: object
    clause: str | None  # the clause that states the value, or None for a register's default
    default: str | None = None  # why the register takes the value, where no clause states it


class ProfilePublic(BaseModel):
    name: str
    title: str
    settings: dict[str, SettingPublic]
    rules: dict[str, list[str]]
    clause_texts: dict[str, str]


class ImportResult(BaseModel):
    imported: dict[str, int]  # the facts of the folder, by kind
    counts: dict[str, int] = {}  # what they change: people_added, memberships_ended...
    changes: list[str] = []  # each change, one line each
    previewed: bool = False  # true: nothing was changed


class AuditEntryPublic(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    object_kind: str
    outcome: str
    details: dict | None = Field(description="null once erased")
    hash: str


class VerificationPublic(BaseModel):
    ok: bool
    entries: int
    erased: int
    first_bad_seq: int | None
    problem: str | None


class Problem(BaseModel):
    detail: str


NetworkPublic.model_rebuild()
