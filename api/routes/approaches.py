"""Approach reports: an adult records an approach from a pupil or ex-pupil that they
rejected, with the retained communication attached (ninestiles 8.3.2, mowbray 6.5.5)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Response, UploadFile, status

from api.access import check_names_person, check_sees_approach, deny, is_reviewer, may_see_person
from api.identity import AccountRole
from api.deps import ActorDep, RegisterDep, RegisterUser, SchoolAccount
from api.errors import invalid, not_found
from api.evidence import ALLOWED_TYPES, EvidenceRejected, sniff_media_type
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, ApproachPublic, IsoDate
from graph.model import ApproachReport, ApproachStatus, Role, World

router = APIRouter(route_class=InOrderRoute, prefix="/approaches", tags=["approach reports"])

ReportId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
UPLOAD_RESPONSES = {413: {"description": "The file is larger than the service accepts"}}


def _report(register, report_id: str) -> ApproachReport:
    report = register.store.approach(report_id)
    if report is None:
        raise not_found("approach report", report_id)
    return report


def _public(register, report: ApproachReport) -> ApproachPublic:
    with register.lock:
        evidence = register.evidence.of_report(report.report_id)
    return ApproachPublic.of(report, evidence)


def _read_upload(register, upload: UploadFile, field: str) -> bytes:
    """The file's bytes, refused if too large or not a kind kept as evidence."""
    limit = register.settings.max_evidence_bytes
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"{field}: larger than {limit} bytes")
    if sniff_media_type(content) is None:
        raise invalid(field, f"not a kind of file kept as evidence ({', '.join(ALLOWED_TYPES)})")
    return content


@router.get("", response_model=list[ApproachPublic])
def list_approaches(
    register: RegisterDep, account: RegisterUser,
    person_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN,
                                           description="leaders: whose reports")] = None,
) -> list[ApproachPublic]:
    """Staff: the reports they made. Senior leaders and the DSL: those made by or about a
    person at their school."""
    if account.role is AccountRole.STAFF:
        if person_id not in (None, account.person_id):
            raise deny("staff see only their own approach reports")
        found = [r for r in register.store.approaches_of(account.person_id)
                 if r.adult_id == account.person_id]
    elif is_reviewer(account):
        if person_id is None:
            raise invalid("person_id", "name whose reports", where="query")
        if not may_see_person(account, register.store, person_id, on=register.today()):
            raise deny("you may only see reports of people at your school")
        found = register.store.approaches_of(person_id)
    else:
        raise deny("only staff and leaders see approach reports")
    return [_public(register, r) for r in found]


@router.post("", response_model=ApproachPublic, status_code=status.HTTP_201_CREATED,
             responses=UPLOAD_RESPONSES)
def report_approach(
    register: RegisterDep, account: SchoolAccount, actor: ActorDep,
    from_id: Annotated[str, Form(max_length=64, pattern=ID_PATTERN,
                                 description="the pupil or ex-pupil who made the approach")],
    channel: Annotated[str, Form(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_]*$")],
    occurred_on: Annotated[IsoDate, Form()],
    summary: Annotated[str, Form(max_length=2000)] = "",
    evidence: Annotated[UploadFile | None, File(
        description="the retained communication: PNG, JPEG, GIF, PDF or plain text")] = None,
) -> ApproachPublic:
    """Report an approach you rejected, attaching what you kept of it."""
    check_names_person(account, register.store, from_id, "from_id", on=register.today())
    if not any(m.role is Role.PUPIL for m in register.store.memberships_of(from_id)):
        raise invalid("from_id", f"{from_id} is not a pupil or ex-pupil")
    if occurred_on > register.today():
        raise invalid("occurred_on", "an approach cannot be reported before it happens")
    content = _read_upload(register, evidence, "evidence") if evidence is not None else None
    report = ApproachReport(f"R-{uuid.uuid4().hex[:12]}", account.person_id, from_id, channel,
                            occurred_on, register.today(), summary, ApproachStatus.OPEN)

    def attach() -> None:
        if content is not None:
            register.evidence.add(report.report_id, evidence.filename or "evidence", content,
                                  actor.name)

    register.change_facts(
        actor, "approach.create", "approach", object_id=report.report_id,
        subjects=[report.adult_id, report.from_id],
        upsert=World(approaches={report.report_id: report}), then=attach,
        cause=f"{report.adult_id} reported an approach from {report.from_id}")
    return _public(register, report)


@router.get("/{report_id}", response_model=ApproachPublic)
def get_approach(register: RegisterDep, account: RegisterUser,
                 report_id: ReportId) -> ApproachPublic:
    report = _report(register, report_id)
    check_sees_approach(account, register.store, report, on=register.today())
    return _public(register, report)


@router.post("/{report_id}/evidence", response_model=ApproachPublic,
             status_code=status.HTTP_201_CREATED, responses=UPLOAD_RESPONSES)
def add_evidence(register: RegisterDep, account: SchoolAccount, actor: ActorDep,
                 report_id: ReportId,
                 evidence: Annotated[UploadFile, File(description="PNG, JPEG, GIF, PDF or "
                                                                  "plain text")]) -> ApproachPublic:
    """Attach more of the retained communication to your own report."""
    report = _report(register, report_id)
    if report.adult_id != account.person_id:
        raise deny("only the adult who made a report may add to it")
    content = _read_upload(register, evidence, "evidence")
    with register.writing():
        try:
            added = register.evidence.add(report_id, evidence.filename or "evidence", content,
                                          actor.name)
        except EvidenceRejected as error:
            raise invalid("evidence", str(error)) from None
        register.audit.record(actor=actor.name, action="approach.evidence.add",
                              object_kind="evidence", object_id=added.evidence_id,
                              subjects=[report.adult_id, report.from_id], client=actor.client,
                              report_id=report_id)
    return _public(register, report)


@router.get("/{report_id}/evidence/{evidence_id}",
            responses={200: {"content": {t: {} for t in ALLOWED_TYPES},
                             "description": "The file as it was uploaded"}})
def get_evidence(register: RegisterDep, account: RegisterUser, actor: ActorDep,
                 report_id: ReportId,
                 evidence_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]) -> Response:
    """Download a retained communication; every view is audited."""
    report = _report(register, report_id)
    check_sees_approach(account, register.store, report, on=register.today())
    with register.lock:
        found = register.evidence.get(evidence_id)
        if found is None or found.report_id != report_id:
            raise not_found("evidence", evidence_id)
        content = register.evidence.content(found)
    register.record(actor, "approach.evidence.view", "evidence", object_id=evidence_id,
                    subjects=[report.adult_id, report.from_id], report_id=report_id)
    return Response(content, media_type=found.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{evidence_id}"',
                             "X-Content-Type-Options": "nosniff"})
