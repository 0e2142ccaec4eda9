"""Findings as cases: the review state of each finding, with its history, for the
reviewers it is routed to."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from itertools import islice
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from api.access import (
    check_accepts_declaration,
    check_acts_on_case,
    check_decides_declaration,
    check_sees_case,
    may_see_case,
)
from api.identity import AccountRole
from api.deps import ActorDep, RegisterDep, RegisterUser
from api.errors import invalid
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, CaseAssign, CaseMove, CasePublic, DeclarationDecision
from graph.model import ApproachStatus, DeclarationStatus, World
from graph.review import DECISIONS, Case, CaseState, cases_of

router = APIRouter(route_class=InOrderRoute, prefix="/cases", tags=["cases"])

FindingId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Severity = Literal["high", "medium", "low"]
MOVE_RESPONSES = {409: {"description": "The move is not allowed from the case's state"}}


@router.get("", response_model=list[CasePublic])
def list_cases(
    register: RegisterDep, account: RegisterUser,
    school_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    severity: Severity | None = None,
    state: CaseState | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CasePublic]:
    """The cases you may see, overdue first, then by due date and severity."""
    visible = visible_cases(register, account, school_id=school_id, rule=rule,
                            severity=severity, state=state, overdue=overdue)
    today = register.today()
    return [CasePublic.of(c, today) for c in islice(visible, offset, offset + limit)]


def visible_cases(register, account, *, school_id=None, rule=None, severity=None, state=None,
                  overdue=None) -> Iterator[Case]:
    """Every case `account` may see that matches, in the queue's order (no cap), each made
    when it is reached: a page of the queue makes the cases up to its end, not every one."""
    register.keep_current()
    today = register.today()
    adult_id = account.person_id if account.role is AccountRole.STAFF else None
    rows = register.queue_rows(school_id=school_id, rule=rule, severity=severity, state=state,
                               adult_id=adult_id, queue_on=today)
    return (c for c in cases_of(rows) if may_see_case(account, register.store, c, on=today)
            and (overdue is None or c.overdue(today) == overdue))


@router.get("/{finding_id}", response_model=CasePublic)
def get_case(register: RegisterDep, account: RegisterUser, finding_id: FindingId) -> CasePublic:
    """A case with its whole history: who moved it, when and why."""
    register.keep_current()
    with register.lock:
        case = register.cases.get(finding_id, with_history=True)
    check_sees_case(account, register.store, case, on=register.today())
    return CasePublic.of(case, register.today())


@router.post("/{finding_id}/moves", response_model=CasePublic, responses=MOVE_RESPONSES)
def move_case(register: RegisterDep, account: RegisterUser, actor: ActorDep,
              finding_id: FindingId, body: CaseMove) -> CasePublic:
    """Move a case to another state of its review, with a reason: open -> in_review ->
    accepted | action_required (action, action_due) | escalated (escalated_to) | dismissed
    -> closed; closed -> open when new evidence arrives. Accepting also accepts, with the
    same reason, the pending declarations between the two people that you may decide."""
    register.keep_current()
    with register.writing():
        case = register.cases.get(finding_id)
        check_acts_on_case(account, register.store, case, on=register.today())
        change = register.cases.move(
            finding_id, body.to_state, actor.name, body.reason, today=register.today(),
            review_days=register.review_days_at(case.school_id), action=body.action,
            action_due=body.action_due, escalated_to=body.escalated_to,
            conditions=body.conditions)
        register.audit.record(actor=actor.name, action="case.move", object_kind="case",
                              object_id=finding_id, subjects=change.subjects,
                              client=actor.client, from_state=change.from_state,
                              to_state=change.to_state, reason=body.reason)
    if body.to_state is CaseState.ACCEPTED:
        _accept_its_declarations(register, account, actor, case, body.reason)
    if body.to_state in DECISIONS and case.finding["rule"] == "approach-reported":
        _review_its_approaches(register, account, actor, case)
    with register.lock:
        case = register.cases.get(finding_id, with_history=True)
    return CasePublic.of(case, register.today())


def _accept_its_declarations(register, account, actor, case, reason: str) -> None:
    """Accepting a case accepts, with the same reason, the pending declarations between
    its two people that the reviewer may decide: one decision moves both."""
    from api.routes.declarations import decide_declaration

    adult, other = case.finding["adult_id"], case.finding["counterpart_id"]
    if not (adult and other):
        return
    for declaration in register.store.declarations_of(adult):
        if (declaration.declarer_id, declaration.counterpart_id) != (adult, other) \
                or declaration.status is not DeclarationStatus.PENDING:
            continue
        try:
            check_decides_declaration(account, register.store, declaration, on=register.today())
            check_accepts_declaration(account, register.store, register.today())
        except HTTPException:
            # The DSL may accept a case but not decide a declaration; under aspire only the
            # principal or chair accepts one: it stays pending, and its finding stands.
            continue
        decide_declaration(register, account, actor, declaration.declaration_id,
                           DeclarationDecision(decision="accepted", reason=reason))


def _review_its_approaches(register, account, actor, case) -> None:
    """A decision on an approach-reported case is the review of the reports it rests on:
    each is marked reviewed, on the day and by the reviewer, so that the register can say
    which reports were still waiting on any date."""
    adult, pupil = case.finding["adult_id"], case.finding["counterpart_id"]
    today = register.today()
    reviewed = {
        r.report_id: dataclasses.replace(r, status=ApproachStatus.REVIEWED, reviewed_on=today,
                                         reviewed_by=account.person_id)
        for r in register.store.approaches_of(adult)
        if r.adult_id == adult and r.from_id == pupil and r.open_on(today)
    }
    if reviewed:
        register.change_facts(
            actor, "approach.review", "approach", report_ids=sorted(reviewed),
            finding_id=case.finding_id, subjects=[adult, pupil], upsert=World(approaches=reviewed),
            cause=f"the approach reports from {pupil} to {adult} were reviewed")


@router.post("/{finding_id}/assignment", response_model=CasePublic)
def assign_case(register: RegisterDep, account: RegisterUser, actor: ActorDep,
                finding_id: FindingId, body: CaseAssign) -> CasePublic:
    """Give a case to one of the reviewers it is routed to."""
    register.keep_current()
    with register.writing():
        case = register.cases.get(finding_id)
        check_acts_on_case(account, register.store, case, on=register.today())
        if body.assignee_id not in case.finding["route_to"]:
            raise invalid("assignee_id", "the case is not routed to that person: choose one "
                                          "of the reviewers it is routed to")
        change = register.cases.assign(finding_id, body.assignee_id, actor.name, body.reason)
        register.audit.record(actor=actor.name, action="case.assign", object_kind="case",
                              object_id=finding_id, subjects=change.subjects,
                              client=actor.client, assignee_id=body.assignee_id,
                              reason=body.reason)
        case = register.cases.get(finding_id, with_history=True)
    return CasePublic.of(case, register.today())
