"""Findings evaluated on demand as of a date, and re-evaluation of the cases as of today."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from api.access import deny, may_see_finding
from api.identity import AccountRole
from api.deps import ActorDep, RegisterDep, RegisterUser
from api.errors import invalid
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, EvaluationPublic, FindingPublic, IsoDate

router = APIRouter(route_class=InOrderRoute, prefix="/findings", tags=["findings"])

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


@router.get("", response_model=EvaluationPublic)
def evaluate_findings(
    register: RegisterDep, account: RegisterUser,
    as_of: Annotated[IsoDate | None, Query(description="default today")] = None,
    school_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    severity: Literal["high", "medium", "low"] | None = None,
) -> EvaluationPublic:
    """The findings you may see as they stand on `as_of`, without changing any case: what
    would fire on a past or future date (an ex-pupil turning 18, a pupil leaving)."""
    as_of = as_of or register.today()
    if not EARLIEST <= as_of <= LATEST:
        raise invalid("as_of", f"evaluate between {EARLIEST} and {LATEST}", where="query")
    findings = register.store.findings(as_of)
    shown = [
        f.to_json() for f in findings
        if (school_id is None or f.school_id == school_id)
        and (rule is None or f.rule == rule)
        and (severity is None or f.severity == severity)
    ]
    today = register.today()
    return EvaluationPublic(as_of=as_of, findings=[
        FindingPublic(**f) for f in shown
        if may_see_finding(account, register.store, f, on=today)])


@router.post("/refresh", status_code=status.HTTP_204_NO_CONTENT)
def refresh_findings(register: RegisterDep, account: RegisterUser, actor: ActorDep) -> Response:
    """Re-evaluate as of today now and bring the cases in line (the service also does so
    after every change and when the date moves on)."""
    if account.role is AccountRole.STAFF:
        raise deny("only leaders and trust admins may re-evaluate")
    register.refresh(actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
