"""Declarations: staff state the basis of a relationship; senior leaders accept or reject
it with a reason. A withdrawal is stored as the declaration rejected by its own declarer:
like a rejected one, it gives no basis at all."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from api.access import (
    check_accepts_declaration,
    check_names_person,
    check_decides_declaration,
    check_sees_declaration,
    deny,
    is_reviewer,
)
from api.identity import AccountRole
from api.deps import ActorDep, RegisterDep, RegisterUser, SchoolAccount
from api.errors import conflict, invalid, not_found
from api.routing import InOrderRoute
from api.schemas import (
    ID_PATTERN,
    DeclarationCreate,
    DeclarationDecision,
    DeclarationPublic,
    Withdrawal,
)
from graph.model import Declaration, DeclarationStatus, World

router = APIRouter(route_class=InOrderRoute, prefix="/declarations", tags=["declarations"])

DeclarationId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


def _declaration(register, declaration_id: str) -> Declaration:
    declaration = register.store.declaration(declaration_id)
    if declaration is None:
        raise not_found("declaration", declaration_id)
    return declaration


def _public(register, declarations: list[Declaration]) -> list[DeclarationPublic]:
    reasons = register.declaration_reasons([d.declaration_id for d in declarations])
    return [DeclarationPublic.of(d, reasons.get(d.declaration_id)) for d in declarations]


@router.get("", response_model=list[DeclarationPublic])
def list_declarations(
    register: RegisterDep, account: RegisterUser,
    status_: Annotated[Literal["pending", "accepted", "rejected"] | None,
                       Query(alias="status")] = None,
) -> list[DeclarationPublic]:
    """Staff: the declarations they made. Senior leaders and the DSL: those made by anyone
    at their school."""
    if account.role is AccountRole.STAFF:
        found = [d for d in register.store.declarations_of(account.person_id)
                 if d.declarer_id == account.person_id]
    elif is_reviewer(account):
        found = register.store.declarations_at(account.school_id)
    else:
        raise deny("only staff and leaders see declarations")
    return _public(register, [d for d in found if status_ is None or d.status == status_])


@router.post("", response_model=DeclarationPublic, status_code=status.HTTP_201_CREATED)
def make_declaration(register: RegisterDep, account: SchoolAccount, actor: ActorDep,
                     body: DeclarationCreate) -> DeclarationPublic:
    """Declare the basis of your relationship with someone; it is pending until a senior
    leader decides it."""
    if body.counterpart_id == account.person_id:
        raise invalid("counterpart_id", "a declaration is about someone else")
    check_names_person(account, register.store, body.counterpart_id, "counterpart_id",
                       on=register.today())
    declaration = Declaration(
        f"D-{uuid.uuid4().hex[:12]}", account.person_id, body.counterpart_id, body.basis,
        body.details, register.today(), DeclarationStatus.PENDING, None, None)
    register.change_facts(
        actor, "declaration.create", "declaration", object_id=declaration.declaration_id,
        subjects=[account.person_id, body.counterpart_id],
        upsert=World(declarations={declaration.declaration_id: declaration}),
        cause=f"{declaration.declarer_id} declared a relationship with "
              f"{declaration.counterpart_id}")
    return DeclarationPublic.of(declaration)


@router.get("/{declaration_id}", response_model=DeclarationPublic)
def get_declaration(register: RegisterDep, account: RegisterUser,
                    declaration_id: DeclarationId) -> DeclarationPublic:
    declaration = _declaration(register, declaration_id)
    check_sees_declaration(account, register.store, declaration, on=register.today())
    return _public(register, [declaration])[0]


@router.post("/{declaration_id}/withdraw", response_model=DeclarationPublic,
             responses={409: {"description": "Already withdrawn or rejected"}})
def withdraw_declaration(register: RegisterDep, account: SchoolAccount, actor: ActorDep,
                         declaration_id: DeclarationId, body: Withdrawal) -> DeclarationPublic:
    with register.lock:
        declaration = _declaration(register, declaration_id)
        if declaration.declarer_id != account.person_id:
            raise deny("only the person who made a declaration may withdraw it")
        if declaration.status is DeclarationStatus.REJECTED:
            raise conflict(f"declaration {declaration_id} is already rejected or withdrawn")
        withdrawn = dataclasses.replace(declaration, status=DeclarationStatus.REJECTED,
                                        decided_by=account.person_id,
                                        decided_on=register.today())
        _change(register, actor, withdrawn, "withdraw", body.reason)
    return _public(register, [withdrawn])[0]


@router.post("/{declaration_id}/decision", response_model=DeclarationPublic,
             responses={409: {"description": "Not pending: already decided or withdrawn"}})
def decide_declaration(register: RegisterDep, account: RegisterUser, actor: ActorDep,
                       declaration_id: DeclarationId,
                       body: DeclarationDecision) -> DeclarationPublic:
    """A senior leader of the declarer's school accepts or rejects a pending declaration,
    with a reason."""
    with register.lock:
        declaration = _declaration(register, declaration_id)
        check_decides_declaration(account, register.store, declaration, on=register.today())
        if declaration.status is not DeclarationStatus.PENDING:
            raise conflict(f"declaration {declaration_id} is {declaration.status}, not pending")
        if body.decision == DeclarationStatus.ACCEPTED:
            check_accepts_declaration(account, register.store, register.today())
        decided = dataclasses.replace(declaration, status=DeclarationStatus(body.decision),
                                      decided_by=account.person_id, decided_on=register.today())
        _change(register, actor, decided, "decide", body.reason)
    return _public(register, [decided])[0]


def _change(register, actor, declaration: Declaration, verb: str, reason: str) -> None:
    register.change_facts(
        actor, f"declaration.{verb}", "declaration", object_id=declaration.declaration_id,
        subjects=[declaration.declarer_id, declaration.counterpart_id],
        upsert=World(declarations={declaration.declaration_id: declaration}),
        then=lambda: register.note_declaration(declaration.declaration_id, actor, verb, reason),
        status=str(declaration.status), reason=reason,
        cause=f"{declaration.declarer_id}'s declaration about {declaration.counterpart_id} "
              f"{'withdrawn' if verb == 'withdraw' else declaration.status}")
