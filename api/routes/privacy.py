"""Data protection for trust admins and safeguarding leads: erase a person (with a preview),
place and lift safeguarding holds, answer a subject access request, and read the audit
trail's head to keep off the machine. All of it is audited (api/privacy.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field

from api.access import check_places_hold, in_reach, keeps_hold, may_see_person, reach
from api.identity import Account, AccountRole
from api.deps import ActorDep, RegisterDep, TrustAdmin, _role_in
from api.errors import conflict, not_found
from api.privacy import (
    ErasurePlan,
    NoSuchPerson,
    OwnPerson,
    PrivacyError,
    ReasonRequired,
    erase,
    holds,
    holds_on,
    lift_hold,
    place_hold,
    plan_erasure,
    subject_access,
)
from api.routing import InOrderRoute
from api.service import Actor, Register

router = APIRouter(route_class=InOrderRoute, prefix="/privacy", tags=["data protection"])

PersonId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
HoldReader = Annotated[Account, Depends(_role_in({AccountRole.DSL, AccountRole.TRUST_ADMIN},
                                                 "the safeguarding lead and trust admins"))]
HoldKeeper = Annotated[Account, Depends(_role_in({AccountRole.DSL},
                                                 "the designated safeguarding lead"))]
HeadReader = Annotated[object, Depends(_role_in({AccountRole.TRUST_ADMIN, AccountRole.AUDITOR},
                                                "trust admins and the auditor"))]
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]


class ErasurePreview(BaseModel):
    person_id: str
    name: str
    memberships: int
    family_links: int
    connections: int
    declarations: int
    approaches: int
    account_admins: int
    service_accounts: list[str]
    cases: int
    audit_entries: int
    import_previews: int = Field(description="Import previews waiting, all discarded (any "
                                             "may name the person)")
    others_words: int = Field(description="Others' declarations and reports that name the "
                                          "person, the name replaced by [erased]")
    held: bool = Field(description="Held for safeguarding: why is for the safeguarding lead "
                                   "who placed the hold, never shown here")


class HoldPlace(BaseModel):
    person_id: str = Field(min_length=1, max_length=64)
    reason: Reason


class HoldLift(BaseModel):
    reason: Reason
    school_id: str | None = Field(
        default=None, max_length=64,
        description="Whose hold: a DSL whose school's profile reaches the trust may keep "
                    "several schools' holds on one person, and null names one placed from "
                    "the command line. Left out: your school's, or the only one you keep")


class HoldPublic(BaseModel):
    person_id: str
    placed_at: str
    school_id: str | None = Field(description="the school whose DSL placed it")
    placed_by: str | None = Field(description="only for the safeguarding lead who keeps it")
    reason: str | None = Field(description="only for the safeguarding lead who keeps it")

    @classmethod
    def of(cls, hold, kept: bool) -> "HoldPublic":
        return cls(person_id=hold.person_id, placed_at=hold.placed_at, school_id=hold.school_id,
                   placed_by=hold.placed_by if kept else None,
                   reason=hold.reason if kept else None)


class SubjectAccessRequest(BaseModel):
    reveal: dict[Annotated[str, Field(max_length=64)], Reason] = Field(
        default_factory=dict, max_length=50,
        description="Other people to show by name, each with why")
    release: dict[Annotated[str, Field(max_length=120)], Reason] = Field(
        default_factory=dict, max_length=200,
        description="Withheld items (their `item` in a first export) to release, each with why")


class AuditHead(BaseModel):
    seq: int
    hash: str
    head: str = Field(description="SEQ:HASH, as `relreg audit verify --head` takes it")


def preview_of(plan: ErasurePlan) -> ErasurePreview:
    counts = plan.facts.counts()
    return ErasurePreview(
        person_id=plan.person.person_id, name=plan.person.name,
        memberships=counts["memberships"], family_links=counts["family_links"],
        connections=counts["connections"], declarations=counts["declarations"],
        approaches=counts["approaches"], account_admins=counts["account_admins"],
        service_accounts=plan.accounts, cases=len(plan.cases),
        audit_entries=plan.audit_entries, import_previews=plan.previews,
        others_words=len(plan.others_words.declarations) + len(plan.others_words.approaches),
        held=plan.held)


def check_administers(register: Register, account: Account, person_id: str) -> None:
    """A trust admin reaches only the people of their trust: anyone else is not there."""
    if not in_reach(account, register.store, person_id, on=register.today()):
        raise not_found("person", person_id)


def trusts_part(register: Register, account: Account) -> frozenset[str]:
    """The schools whose records a trust admin's erasure and subject access may reach: their
    trust's (every school for the whole register's admin). Each trust is a controller of
    its own (api/privacy.py)."""
    return reach(account, register.store, on=register.today())


# The status of each kind of refusal (api/privacy.py); any other PrivacyError conflicts
# with what the register holds.
STATUS_OF = {NoSuchPerson: status.HTTP_404_NOT_FOUND, OwnPerson: status.HTTP_403_FORBIDDEN,
             ReasonRequired: status.HTTP_422_UNPROCESSABLE_CONTENT}


def status_of(error: PrivacyError) -> int:
    return next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)),
                status.HTTP_409_CONFLICT)


def as_http(error: PrivacyError) -> HTTPException:
    if isinstance(error, NoSuchPerson):
        return not_found("person", error.person_id)
    if status_of(error) == status.HTTP_409_CONFLICT:
        return conflict(str(error))
    return HTTPException(status_of(error), str(error))


@router.get("/people/{person_id}/erasure", response_model=ErasurePreview)
def preview_erasure(person_id: PersonId, register: RegisterDep,
                    admin: TrustAdmin) -> ErasurePreview:
    """What erasing the person would remove. Changes nothing."""
    check_administers(register, admin, person_id)
    try:
        return preview_of(plan_erasure(register, person_id,
                                       schools=trusts_part(register, admin)))
    except PrivacyError as error:
        raise as_http(error) from None


def erase_as(register: Register, actor: Actor, person_id: str) -> ErasurePlan:
    check_administers(register, actor.account, person_id)
    try:
        return erase(register, actor.name, person_id, client=actor.client,
                     own_person_id=actor.account.person_id if actor.account else None,
                     schools=trusts_part(register, actor.account))
    except PrivacyError as error:
        raise as_http(error) from None


@router.post("/people/{person_id}/erasure", response_model=ErasurePreview)
def erase_person(person_id: PersonId, register: RegisterDep, _admin: TrustAdmin,
                 actor: ActorDep) -> ErasurePreview:
    """Erase the person and every record naming them: 409 while a safeguarding hold is on
    them. Answers with what was removed."""
    return preview_of(erase_as(register, actor, person_id))


@router.get("/holds", response_model=list[HoldPublic])
def list_holds(register: RegisterDep, reader: HoldReader) -> list[HoldPublic]:
    """The safeguarding lead: the holds their school placed, with why. A trust admin:
    who in their trust is held, never why."""
    return visible_holds(register, reader)


def visible_holds(register: Register, account: Account) -> list[HoldPublic]:
    store, today = register.store, register.today()
    if account.role is AccountRole.DSL:
        return [HoldPublic.of(h, kept=True) for h in holds(register)
                if keeps_hold(account, store, h, on=today)]
    # Another trust's school's hold is not theirs to know of (nor is its school): such a
    # person is another trust's too, and not theirs to erase anyway.
    reached = reach(account, store, on=today)
    return [HoldPublic.of(h, kept=False) for h in holds(register)
            if may_see_person(account, store, h.person_id, on=today)
            and (h.school_id is None or h.school_id in reached)]


@router.post("/holds", response_model=HoldPublic, status_code=status.HTTP_201_CREATED)
def place(body: HoldPlace, register: RegisterDep, keeper: HoldKeeper,
          actor: ActorDep) -> HoldPublic:
    """Keep a person of your school from erasure while a safeguarding concern stands; the
    hold is your school's."""
    check_places_hold(keeper, register.store, body.person_id, on=register.today())
    try:
        return HoldPublic.of(place_hold(register, actor.name, body.person_id, body.reason,
                                        actor.client, school_id=keeper.school_id), kept=True)
    except PrivacyError as error:
        raise as_http(error) from None


OWN_HOLD = object()  # no school named: the keeper's own school's hold, or the only one they keep


def lift_as(register: Register, keeper: Account, actor: Actor, person_id: str,
            reason: str, school_id: str | None | object = OWN_HOLD) -> None:
    """Lift a hold `keeper` keeps (api/access.py keeps_hold): `school_id`'s, or unnamed,
    their own school's or else the only one they keep. Any hold they do not keep is
    answered as no hold at all. Audited with the reason."""
    kept = [h for h in holds_on(register, person_id)
            if keeps_hold(keeper, register.store, h, on=register.today())]
    if school_id is OWN_HOLD:
        chosen = [h for h in kept if h.school_id == keeper.school_id] or kept
    else:
        chosen = [h for h in kept if h.school_id == school_id]
    if not chosen:
        raise PrivacyError(f"there is no safeguarding hold on {person_id}")
    if len(chosen) > 1:
        raise PrivacyError(f"you keep more than one hold on {person_id}: say whose school's "
                           f"hold you lift")
    lift_hold(register, actor.name, person_id, reason, actor.client,
              school_id=chosen[0].school_id)


@router.post("/holds/{person_id}/lift", status_code=status.HTTP_204_NO_CONTENT)
def lift(person_id: PersonId, body: HoldLift, register: RegisterDep, keeper: HoldKeeper,
         actor: ActorDep) -> None:
    """Lift a hold your school placed, saying why (audited)."""
    try:
        lift_as(register, keeper, actor, person_id, body.reason,
                body.school_id if "school_id" in body.model_fields_set else OWN_HOLD)
    except PrivacyError as error:
        raise as_http(error) from None


@router.post("/people/{person_id}/subject-access")
def make_subject_access(person_id: PersonId, body: SubjectAccessRequest,
                        register: RegisterDep, admin: TrustAdmin, actor: ActorDep) -> dict:
    """Everything held about the person (UK GDPR Art. 15): others are redacted unless
    revealed with a reason, and what others wrote about them (reviewers' reasons, others'
    details and summaries) is withheld unless the school releases that item, saying why.
    Audited, as each reveal and release is."""
    check_administers(register, admin, person_id)
    for other in body.reveal:
        check_administers(register, admin, other)
    try:
        return subject_access(register, actor.name, person_id, reveal=body.reveal,
                              release=body.release, client=actor.client,
                              schools=trusts_part(register, admin)).to_json()
    except PrivacyError as error:
        raise as_http(error) from None


@router.get("/audit-head", response_model=AuditHead)
def audit_head(register: RegisterDep, _reader: HeadReader) -> AuditHead:
    """The audit trail's head, to copy off this machine (docs/data-protection.md)."""
    with register.lock:
        head = register.audit.head()
    return AuditHead(seq=head.seq, hash=head.hash, head=str(head))
