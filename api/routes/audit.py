"""The audit trail, for the auditor only: read it and check its hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Auditor, RegisterDep
from api.schemas import AuditEntryPublic, VerificationPublic

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryPublic])
def read_audit_trail(
    register: RegisterDep, _auditor: Auditor,
    after: Annotated[int, Query(ge=0, le=2**62,
                                description="entries after this sequence number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryPublic]:
    with register.lock:
        entries = register.audit.entries(after=after, limit=limit, action=action, actor=actor)
    return [AuditEntryPublic(seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                             object_kind=e.object_kind, outcome=e.outcome, details=e.details,
                             hash=e.hash) for e in entries]


@router.get("/verify", response_model=VerificationPublic)
def verify_audit_trail(register: RegisterDep, _auditor: Auditor) -> VerificationPublic:
    with register.lock:
        result = register.audit.verify()
    return VerificationPublic(ok=result.ok, entries=result.entries, erased=result.erased,
                              first_bad_seq=result.first_bad_seq, problem=result.problem)
