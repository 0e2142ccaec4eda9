"""Staff's pages: "my relationships" (declarations, connections and approach reports with
their status and outcome, and the yearly confirmation), and the forms to declare. The
forms call the same functions as the API's routes, so the same checks apply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, Request, UploadFile, status
from pydantic import ValidationError

from api.identity import AccountRole
from api.deps import ActorDep, CurrentSession, RegisterDep, SchoolAccount
from api.pages.common import BASIS_NAMES, CHANNELS, DIRECTION_NAMES, messages_of, page, see_other
from api.pages.confirmations import YearlyConfirmations
from api.pages.people import find_people_to_name, nameable
from api.routes.approaches import list_approaches, report_approach
from api.routes.cases import visible_cases
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, CasePublic
from api.routes.connections import declare_connection, list_connections, withdraw_connection
from api.routes.declarations import (
    list_declarations,
    make_declaration,
    withdraw_declaration,
)
from api.schemas import ConnectionCreate, DeclarationCreate, Withdrawal
from graph.dates import parse_date

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

FIELD_LABELS = {"counterpart_id": "Person", "other_id": "Person", "from_id": "Person",
                "basis": "Basis", "details": "Details", "channel": "Channel",
                "direction": "Who follows whom", "first_seen": "First seen",
                "occurred_on": "Date of the approach", "summary": "What happened",
                "evidence": "Evidence", "changes": "What has changed"}


def _name_of(register, person_id: str) -> str:
    return register.names().person(person_id)


@router.get("/my")
def my_relationships(request: Request, register: RegisterDep, session: CurrentSession,
                     account: SchoolAccount):
    return _my_page(request, register, session, account)


def _my_page(request: Request, register, session, account, *,
             confirmation_error: str | None = None, changes: str = "", status_code: int = 200,
             withdraw_errors: dict[str, list[str]] | None = None):
    me = account.person_id
    declarations = [d for d in list_declarations(register, account) if d.declarer_id == me]
    connections = list_connections(register, account, person_id=me)
    approaches = [r for r in list_approaches(register, account, person_id=me)
                  if r.adult_id == me]
    # Findings about themselves: staff see them; a leader's are reviewed by others.
    cases = [CasePublic.of(c, register.today()) for c in visible_cases(register, account)] \
        if account.role is AccountRole.STAFF else []
    cases = [c for c in cases if c.finding.adult_id == me]
    case_of_connection = {cid: c for c in cases for cid in c.finding.connection_ids}
    case_of_approach = {c.finding.counterpart_id: c for c in cases
                        if c.finding.rule == "approach-reported"}
    people = {d.counterpart_id for d in declarations}
    people |= {c.other_id if c.person_id == me else c.person_id for c in connections}
    people |= {r.from_id for r in approaches}
    people |= {c.finding.counterpart_id for c in cases if c.finding.counterpart_id}
    latest = YearlyConfirmations.latest(register, me)
    return page(request, "my.html", {
        "title": "My relationships", "declarations": declarations, "connections": connections,
        "approaches": approaches, "cases": cases, "case_of_connection": case_of_connection,
        "case_of_approach": case_of_approach, "confirmation": latest,
        "confirmation_due": latest is None or latest.due_on() <= register.today(),
        "confirmation_error": confirmation_error, "changes": changes,
        "names": {p: _name_of(register, p) for p in people}, "me": me,
        "sees_own_findings": account.role is AccountRole.STAFF,
        "withdraw_errors": withdraw_errors or {},
    }, session=session, status_code=status_code)


@router.post("/my/confirmation")
def give_confirmation(request: Request, register: RegisterDep, session: CurrentSession,
                      account: SchoolAccount, actor: ActorDep,
                      choice: Annotated[str, Form(max_length=20)] = "",
                      changes: Annotated[str, Form(max_length=2000)] = ""):
    if choice not in ("nothing_further", "changes"):
        problem = "Choose one of the two answers."
    elif choice == "changes" and not changes.strip():
        problem = "Say what has changed (and declare it with the forms on the Declare page)."
    else:
        YearlyConfirmations.give(register, actor, account.person_id,
                                 choice == "nothing_further",
                                 changes.strip() if choice == "changes" else "")
        return see_other("/my", "confirmed")
    return _my_page(request, register, session, account, confirmation_error=problem,
                    changes=changes, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


# -- declaring ------------------------------------------------------------------------

def _declare_page(request: Request, register, session, account, *, name: str = "",
                  person_id: str | None = None, errors: dict[str, list[str]] | None = None,
                  values: dict | None = None, status_code: int = 200):
    found = find_people_to_name(register, account, name) if name else None
    chosen = nameable(register, account, person_id) if person_id else None
    if person_id and chosen is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            "no one of that id at your school or in the family of its pupils")
    return page(request, "declare.html", {
        "title": "Declare", "name": name, "found": found, "chosen": chosen,
        "errors": errors or {}, "values": values or {}, "today": register.today(),
        "channels": CHANNELS, "bases": BASIS_NAMES, "directions": DIRECTION_NAMES,
    }, session=session, status_code=status_code)


@router.get("/my/declare")
def declare(request: Request, register: RegisterDep, session: CurrentSession,
            account: SchoolAccount, name: str = "", person: str | None = None):
    return _declare_page(request, register, session, account, name=name[:100],
                         person_id=person[:64] if person else None)


def _refused(request, register, session, account, form: str, person_id: str, error: Exception,
             values: dict):
    return _declare_page(request, register, session, account, person_id=person_id,
                         errors={form: messages_of(error, FIELD_LABELS)}, values=values,
                         status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


@router.post("/my/declarations")
def post_declaration(request: Request, register: RegisterDep, session: CurrentSession,
                     account: SchoolAccount, actor: ActorDep,
                     counterpart_id: Annotated[str, Form(max_length=64)] = "",
                     basis: Annotated[str, Form(max_length=40)] = "",
                     details: Annotated[str, Form(max_length=4000)] = ""):
    values = {"basis": basis, "details": details}
    try:
        body = DeclarationCreate(counterpart_id=counterpart_id, basis=basis, details=details)
        make_declaration(register, account, actor, body)
    except (ValidationError, HTTPException) as error:
        return _refused(request, register, session, account, "declaration", counterpart_id,
                        error, values)
    return see_other("/my", "declared")


@router.post("/my/connections")
def post_connection(request: Request, register: RegisterDep, session: CurrentSession,
                    account: SchoolAccount, actor: ActorDep,
                    other_id: Annotated[str, Form(max_length=64)] = "",
                    channel: Annotated[str, Form(max_length=40)] = "",
                    direction: Annotated[str, Form(max_length=20)] = "",
                    first_seen: Annotated[str, Form(max_length=10)] = ""):
    values = {"channel": channel, "direction": direction, "first_seen": first_seen}
    try:
        body = ConnectionCreate(other_id=other_id, channel=channel, direction=direction,
                                first_seen=first_seen or None)
        declare_connection(register, account, actor, body)
    except (ValidationError, HTTPException) as error:
        return _refused(request, register, session, account, "connection", other_id, error,
                        values)
    return see_other("/my", "connected")


@router.post("/my/approaches")
def post_approach(request: Request, register: RegisterDep, session: CurrentSession,
                  account: SchoolAccount, actor: ActorDep,
                  from_id: Annotated[str, Form(max_length=64)] = "",
                  channel: Annotated[str, Form(max_length=40)] = "",
                  occurred_on: Annotated[str, Form(max_length=10)] = "",
                  summary: Annotated[str, Form(max_length=2000)] = "",
                  evidence: Annotated[UploadFile | None, File()] = None):
    values = {"channel": channel, "occurred_on": occurred_on, "summary": summary}
    if evidence is not None and not evidence.filename:
        evidence = None  # the file field was left empty
    try:
        if channel not in CHANNELS:
            raise HTTPException(422, [{"loc": ["body", "channel"], "msg": "choose a channel"}])
        try:
            occurred = parse_date(occurred_on)
        except ValueError:
            raise HTTPException(422, [{"loc": ["body", "occurred_on"],
                                       "msg": "give the date as a day, month and year"}]) \
                from None
        report_approach(register, account, actor, from_id, channel, occurred, summary, evidence)
    except HTTPException as error:
        return _refused(request, register, session, account, "approach", from_id, error, values)
    return see_other("/my", "reported")


ItemId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


@router.post("/my/declarations/{declaration_id}/withdraw")
def post_withdraw_declaration(request: Request, register: RegisterDep, session: CurrentSession,
                              account: SchoolAccount, actor: ActorDep, declaration_id: ItemId,
                              reason: Annotated[str, Form(max_length=4000)] = ""):
    """Withdraw a declaration of your own (it ended, or was a mistake), saying why."""
    try:
        withdraw_declaration(register, account, actor, declaration_id, Withdrawal(reason=reason))
    except (ValidationError, HTTPException) as error:
        return _my_page(request, register, session, account,
                        withdraw_errors={declaration_id: messages_of(error, {"reason": "Why"})},
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/my", "withdrawn")


@router.post("/my/connections/{connection_id}/withdraw")
def post_withdraw_connection(request: Request, register: RegisterDep, session: CurrentSession,
                             account: SchoolAccount, actor: ActorDep, connection_id: ItemId):
    """Withdraw a connection you declared yourself (it ended, or was a mistake)."""
    try:
        withdraw_connection(register, account, actor, connection_id)
    except HTTPException as error:
        return _my_page(request, register, session, account,
                        withdraw_errors={connection_id: messages_of(error)},
                        status_code=error.status_code)
    return see_other("/my", "connection-withdrawn")
