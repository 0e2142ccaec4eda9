"""Acting from the review queue without opening each case: bulk assign and bulk decide
(the cases ticked, or every case of a group, with one reason) and a one-step decision on
each row. Each case goes through the same route functions as the case page's forms
(api/routes/cases.py: move_case, assign_case), so each is checked as a single action is
(scope, routing, the moves allowed), recorded on its own case with who, when and why, and
audited. A case beyond the account's reach is answered as one that does not exist."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request, status
from pydantic import ValidationError

from api.deps import ActorDep, CaseAccount, CurrentSession, RegisterDep
from api.errors import not_found
from api.pages.cases import (
    GROUPINGS,
    MOVE_LABELS,
    QUEUE_CHOICES,
    _queue,
    group_cases,
    render_queue,
)
from api.pages.common import RULE_NAMES, messages_of, see_other
from api.routes.cases import assign_case, get_case, move_case
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, CaseAssign, CaseMove
from graph.review import DECISIONS, CaseError, CaseNotFound, CaseState

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

FindingId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
MAX_BULK = 1000  # cases in one bulk action
BULK_ACTIONS = {"decide": "Decide", "assign": "Assign"}
Filter = Annotated[str, Form(max_length=100)]
QueuePage = Annotated[int, Form(ge=1, le=10**6)]  # the page of the queue a form was on


def decide_from_queue(register, account, actor, finding_id: str, choice: str,
                      reason: str) -> None:
    """One decision from the queue, through move_case as the case page's form: from open,
    a decision starts the review first, with the same reason (two moves, each recorded).
    Raises as move_case does; CaseNotFound for a case the account may not see."""
    if choice not in QUEUE_CHOICES:
        raise HTTPException(422, [{"loc": ["body", "decision"], "msg": "choose one"}])
    to_state, escalated_to, _ = QUEUE_CHOICES[choice]
    decision = CaseMove(to_state=to_state, reason=reason, escalated_to=escalated_to)
    case = get_case(register, account, finding_id)
    if case.state is CaseState.OPEN and decision.to_state in DECISIONS:
        move_case(register, account, actor, finding_id,
                  CaseMove(to_state=CaseState.IN_REVIEW, reason=reason))
    move_case(register, account, actor, finding_id, decision)


@router.post("/cases/{finding_id}/decide")
def post_queue_decision(request: Request, register: RegisterDep, session: CurrentSession,
                        account: CaseAccount, actor: ActorDep, finding_id: FindingId,
                        decision: Annotated[str, Form(max_length=40)] = "",
                        reason: Annotated[str, Form(max_length=4000)] = "",
                        school: Filter = "", rule: Filter = "", severity: Filter = "",
                        state: Filter = "", q: Filter = "", mine: Filter = "",
                        group: Filter = "", page: QueuePage = 1):
    """A decision from the queue's row, without opening the case; the queue comes back on
    the page the decision was made from."""
    filters = {"school": school, "rule": rule, "severity": severity, "state": state, "q": q,
               "mine": mine, "group": group}
    try:
        decide_from_queue(register, account, actor, finding_id, decision, reason)
    except CaseNotFound:
        raise not_found("case", finding_id) from None
    except (ValidationError, HTTPException, CaseError) as error:
        messages = messages_of(error, MOVE_LABELS)
        # The field the problem is about is the one marked and focused.
        wrong = "reason" if any(m.startswith("Reason") for m in messages) else "decision"
        return render_queue(request, register, session, account, **filters, extra={
            "errors": {finding_id: messages},
            "values": {finding_id: {"decision": decision, "reason": reason, "wrong": wrong}},
        }, page_number=page, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/cases", "moved", **filters, page=page if page > 1 else None)


@router.post("/cases/bulk")
def post_bulk(request: Request, register: RegisterDep, session: CurrentSession,
              account: CaseAccount, actor: ActorDep,
              finding_id: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
              group_key: Annotated[list[str], Form()] = [],  # noqa: B006
              bulk_action: Annotated[str, Form(max_length=20)] = "",
              decision: Annotated[str, Form(max_length=40)] = "",
              assignee_id: Annotated[str, Form(max_length=64)] = "",
              reason: Annotated[str, Form(max_length=4000)] = "",
              school: Filter = "", rule: Filter = "", severity: Filter = "",
              state: Filter = "", q: Filter = "", mine: Filter = "", group: Filter = "",
              page: QueuePage = 1):
    """The same decision or assignment, with one reason, for each case ticked and each
    case of the groups ticked (a group is read again from the queue as the account sees
    it). Each case is checked and recorded as a single action is; the page says how many
    were done and why each other case was refused, and only counts those not found. The
    queue comes back on the page the action was taken from (or its last, if it is now
    shorter)."""
    filters = {"school": school, "rule": rule, "severity": severity, "state": state, "q": q,
               "mine": mine, "group": group}
    values = {"bulk_action": bulk_action, "decision": decision, "assignee_id": assignee_id,
              "reason": reason}
    errors = {}
    if bulk_action not in BULK_ACTIONS:
        errors["bulk_action"] = ["What to do: choose decide or assign"]
    elif bulk_action == "decide" and decision not in QUEUE_CHOICES:
        errors["bulk_decision"] = ["Decision: choose one"]
    elif bulk_action == "assign" and not assignee_id:
        errors["bulk_assignee"] = ["Give them to: choose one"]
    if not reason.strip():
        errors["bulk_reason"] = ["Reason: fill this in: it is recorded on each case"]
    chosen = list(dict.fromkeys(finding_id))
    if group_key:
        cases, names, _ = _queue(register, account, school, rule, severity, state, q, mine)
        for key in group_key:
            grouping = key.partition(":")[0]
            if grouping in GROUPINGS:
                chosen += [c.finding_id for c in group_cases(register, cases, names, grouping, key)
                           if c.finding_id not in chosen]
    if not chosen:
        errors["bulk_cases"] = ["Cases: tick at least one case, or all of a group"]
    elif len(chosen) > MAX_BULK:
        errors["bulk_cases"] = [f"Cases: no more than {MAX_BULK:,} at once"]
    if errors:
        return render_queue(request, register, session, account, **filters, page_number=page,
                            extra={"errors": errors, "values": values},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    done, refused, not_found_count = 0, [], 0
    names = register.names()
    for one in chosen:
        try:
            if not re.fullmatch(ID_PATTERN, one) or len(one) > 64:
                raise CaseNotFound(one)
            case = get_case(register, account, one)  # one beyond reach is not found
        except CaseNotFound:
            not_found_count += 1  # beyond reach or not there: the same, and never named
            continue
        try:
            if bulk_action == "decide":
                decide_from_queue(register, account, actor, one, decision, reason)
            else:
                assign_case(register, account, actor, one,
                            CaseAssign(assignee_id=assignee_id, reason=reason))
            done += 1
        except (ValidationError, HTTPException, CaseError) as error:
            finding = case.finding
            who = " and ".join(names.person(p) for p in
                               (finding.adult_id, finding.counterpart_id) if p)
            refused.append(f"{RULE_NAMES[finding.rule]}: {who}: "
                           + "; ".join(messages_of(error, MOVE_LABELS)))
    results = {"action": bulk_action, "done": done, "refused": refused,
               "not_found": not_found_count}
    return render_queue(request, register, session, account, **filters, page_number=page,
                        extra={"results": results},
                        status_code=status.HTTP_200_OK if done or not (refused or not_found_count)
                        else status.HTTP_422_UNPROCESSABLE_CONTENT)
