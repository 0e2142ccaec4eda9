"""Trust admins' pages: import an exchange folder as a zip, previewed first (every change
listed, every problem shown as FILE:LINE: column: what is wrong), manage accounts, and choose each school's policy
profile. The auditor's page reads the audit trail. All call the API's route functions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from api.access import (
    POSITION_WORDS,
    administers_register,
    import_beyond_reach,
    may_see_case,
    reach,
)
from api import previews
from api.identity import AccountRole
from api.deps import ActorDep, Auditor, CurrentSession, RegisterDep, TrustAdmin
from api.notify import (
    BadAddress,
    Contacts,
    MailError,
    Mailer,
    has_control_characters,
    mail_problems,
    mail_settings,
    normal_address,
)
from api.notify.mail import MAIL_FIELDS, save_mail_settings, set_outside, stored_mail_settings
from api.pages import import_steps
from api.pages.bulk_accounts import COLUMNS, bulk_create, bulk_preview
from api.pages.import_steps import (
    FIELD_WORDS,
    JOBS,
    ROLE_WORDS,
    MappingStep,
    mapping_of,
    mapping_problems,
    named_as_uploaded,
    propose_step,
    schools_to_choose,
    sources_to_choose,
    upload_name,
)
from api.pages.import_steps import when as import_time
from api.pages.common import ROLE_NAMES, account_words, messages_of, page, see_other, uk_time
from api.routes.accounts import create_account, get_account, list_accounts, update_account
from api.routes.audit import AuditScope, as_auditor_reads, verify_audit_trail
from api.routes.imports import _receive, import_zip
from api.routes.schools import list_schools, set_school_profile, update_school
from api.routing import InOrderRoute
from api.schemas import (
    ID_PATTERN,
    AccountCreate,
    AccountUpdate,
    ImportResult,
    SchoolProfileUpdate,
    SchoolUpdate,
)
from graph.audit import AuditEntry
from graph.clock import SCHOOL_TIME  # the trail itself keeps UTC
from graph.dates import DateError, parse_date
from graph.intake.exchange import ExchangeError, spreadsheet_safe
from graph.intake.importing import (
    MANY_FINDINGS,
    UndoPlan,
    import_path,
    many_findings_warning,
    plan_undo,
    undo_last_import,
)
from graph.intake.mis import MISError, check_mapping, confirmed_mapping, read_header, save_mapping
from graph.review import CaseNotFound
from graph.model import Person, Role
from graph.profiles import SHIPPED, load_profile

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

ACCOUNT_LABELS = {"username": "Username", "password": "Password", "role": "Role",
                  "person_id": "Person", "school_id": "School", "disabled": "Access"}


@router.post("/admin/plain-http-warning")
def plain_http_warning_seen(request: Request, register: RegisterDep, _admin: TrustAdmin,
                            actor: ActorDep):
    """A trust admin has read the plain-HTTP warning: it goes until it happens again."""
    register.plain_http_warning_seen(actor)
    back = urlsplit(request.headers.get("referer", "")).path
    return see_other(back if back.startswith("/admin/") else "/admin/accounts")


# -- import -----------------------------------------------------------------------------

@router.get("/admin/import")
def import_page(request: Request, register: RegisterDep, session: CurrentSession,
                admin: TrustAdmin, finished: Annotated[str, Query(max_length=40)] = ""):
    previews.drop_expired(register)
    context = _import_context(register, admin, {})
    if finished:  # a background import: its result once done, else how far it has got
        job = JOBS.finish(finished, admin.account_id)
        if job is not None:
            context.update(job.result, undo=_undo_preview(register))
            return page(request, "admin_import.html", context, session=session,
                        status_code=job.result.get("status_code", 200))
        running = JOBS.find(finished, admin.account_id)
        if running is not None:
            context.update(running={"token": finished, "job": running},
                           file_name=running.file_name)
    return page(request, "admin_import.html", context, session=session)


@router.get("/admin/import/progress/{token}")
def import_progress(admin: TrustAdmin, token: Annotated[str, Path(max_length=40)]):
    """How far a background import has got, for its page to show (its own admin only)."""
    job = JOBS.find(token, admin.account_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such import running")
    return JSONResponse(job.status(), headers={"Cache-Control": "no-store"})


def _import_context(register, admin, options: dict) -> dict:
    """What every state of the Import page shows: the form (schools by name, the MIS
    sources) and the undo of the last import, whatever happened to this file."""
    return {"title": "Import", "options": options,
            "schools": schools_to_choose(register, admin),
            "sources": sources_to_choose(register.data_dir), "roles": ROLE_WORDS,
            "field_words": FIELD_WORDS, "undo": _undo_preview(register)}


@dataclass(frozen=True)
class UndoPreview:
    plan: UndoPlan
    goes: list[tuple[str, int]]  # (what, how many) the import wrote
    comes_back: list[tuple[str, int]]  # (what, how many) it replaced
    people: list[str]  # the people it added or changed, by name
    when: str  # when it was imported, in the school's time
    name: str  # the file, as it was uploaded


def _undo_preview(register) -> UndoPreview | None:
    """What undoing the last import would take back, for the import page."""
    with register.lock:
        plan = plan_undo(register.unlocked_store, register.data_dir)
    if plan is None:
        return None
    names = register.names()
    people = sorted({names.person(p) for p in plan.added.people}
                    | {names.person(m.person_id) for m in plan.added.memberships})
    words = lambda world: [(k.replace("_", " "), n) for k, n in world.counts().items() if n]  # noqa: E731
    # An import made before the page kept uploads' names was logged under its hash.
    name = "a file uploaded in this page" if re.fullmatch(r"[0-9a-f]{64}\.\w+", plan.name) \
        else plan.name
    return UndoPreview(plan, words(plan.added), words(plan.removed), people,
                       import_time(plan.imported_at), name)


@router.post("/admin/import/undo")
def post_undo_import(request: Request, register: RegisterDep, session: CurrentSession,
                     admin: TrustAdmin, actor: ActorDep,
                     import_id: Annotated[str, Form(max_length=40)] = ""):
    """Undo the last import, the one the page showed, audited with what it took back."""
    def write(remove, add):
        register.change_facts(actor, "import.undo", "import", object_id=import_id,
                              counts=remove.counts(), replace=(remove, add),
                              cause="the last import was undone")

    try:
        with register.lock:
            undo_last_import(register.unlocked_store, register.data_dir, expected=import_id,
                             write=write)
    except ExchangeError as error:
        # The page names an import by its file, never by its number.
        problems = [re.sub(r"^import \w+ \((.*?)\)", r"the import of \1",
                           p.split(": -: ", 1)[-1]) for p in error.problems]
        context = _import_context(register, admin, {})
        context["undo_problems"] = [p[0].upper() + p[1:] + "." for p in problems]
        return page(request, "admin_import.html", context, session=session,
                    status_code=status.HTTP_409_CONFLICT)
    return see_other("/admin/import", "import-undone")


@router.post("/admin/import")
def post_import(request: Request, register: RegisterDep, session: CurrentSession,
                admin: TrustAdmin, actor: ActorDep,
                file: Annotated[UploadFile | None, File()] = None,
                action: Annotated[str, Form(max_length=20)] = "import",
                pending: Annotated[str, Form(max_length=80)] = "",
                school: Annotated[str, Form(max_length=64)] = "",
                source: Annotated[str, Form(max_length=64)] = "",
                skip_bad: Annotated[str, Form(max_length=10)] = "",
                full_roll: Annotated[str, Form(max_length=10)] = "",
                confirm_ending: Annotated[str, Form(max_length=10)] = "",
                file_name: Annotated[str, Form(max_length=200)] = "",
                role: Annotated[str, Form(max_length=20)] = "",
                columns: Annotated[list[str] | None, Form()] = None):
    """Preview (the default button) keeps the file aside and lists every change; Import,
    from the preview or straight away, imports it. A zip is an exchange folder, an .xml a
    common transfer file, a .csv an MIS export: where its columns are not yet mapped for
    the school, the page asks which field each column holds (action `map`, confirming the
    mapping), then previews. A large file is imported in the background, the page showing
    how far it has got."""
    options = {"school": school, "source": source, "skip_bad": skip_bad,
               "full_roll": full_roll, "confirm_ending": confirm_ending}
    context = _import_context(register, admin, options)
    kept = previews.find(register, pending)
    if kept is None and (file is None or not file.filename):
        context["problems"] = ["Choose the file to import: a zip of an exchange folder, a "
                               "common transfer file (.xml) or an MIS export (.csv)."]
        return page(request, "admin_import.html", context, session=session,
                    status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    name = upload_name(file.filename if file is not None and file.filename else file_name)
    context["file_name"] = options["file_name"] = name
    # another trust's school: answered as no school
    if school and school not in reach(admin, register.store, on=register.today()):
        context["problems"] = [f"There is no school {school!r} in the register: choose one "
                               "of your trust's schools."]
        return page(request, "admin_import.html", context, session=session,
                    status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    preview = action in ("preview", "map")
    try:
        if kept is None:
            kept = _keep_upload(register, file)
        if kept.suffix == ".csv":
            step = _mapping_step(register, admin, actor, kept, options, action, role,
                                 columns or [])
            if step is not None:  # the columns to map first: the file stays aside
                context.update(mapping=step, pending=kept.name)
                return page(request, "admin_import.html", context, session=session,
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
                            if step.problems else status.HTTP_200_OK)
        if not preview and kept.stat().st_size >= import_steps.BACKGROUND_BYTES:
            token = JOBS.start(admin.account_id, name, lambda job: _import_in_background(
                register, admin, actor, kept, options, job))
            context["running"] = {"token": token, "job": JOBS.find(token, admin.account_id)}
            return page(request, "admin_import.html", context, session=session,
                        status_code=status.HTTP_202_ACCEPTED)
        result, opening = _import_kept(register, admin, actor, kept, preview, options)
    except HTTPException as error:
        # Each problem is already FILE:LINE: column: what is wrong.
        context["problems"] = [p["msg"] for p in error.detail] if isinstance(error.detail, list) \
            else [str(error.detail)]
        if kept is not None:
            kept.unlink(missing_ok=True)
        return page(request, "admin_import.html", context, session=session,
                    status_code=error.status_code)
    if result.previewed:
        context.update(preview=result, pending=kept.name)
        if opening is not None:
            context["queue_effect"] = _queue_effect(register, opening)
        if not (result.counts or result.changes):  # nothing to import: nothing kept
            kept.unlink(missing_ok=True)
    else:
        kept.unlink(missing_ok=True)
        context.update(imported=result.imported, changes=result.counts, report=result)
    context["undo"] = _undo_preview(register)
    return page(request, "admin_import.html", context, session=session)


def _import_kept(register, admin, actor, kept, preview: bool, options: dict,
                 stage=None) -> tuple[ImportResult, list[str]]:
    """The file kept aside, previewed or imported under the name it was uploaded with, and
    (in a preview) the findings it would open."""
    with named_as_uploaded(kept, options["file_name"]) as named:
        if kept.suffix == ".zip":
            opening: list[str] = []
            return import_zip(register, admin, actor, named, preview=preview,
                              name=options["file_name"], opening=opening), opening
        return _import_school_file(register, admin, actor, named, preview, options, stage)


def _import_in_background(register, admin, actor, kept, options, job) -> dict:
    """A large import, run while its page polls how far it has got; the page's context
    once done (what it imported, or why the file was refused)."""
    try:
        result, _ = _import_kept(register, admin, actor, kept, False, options, job.stage)
    except HTTPException as error:
        return {"problems": [p["msg"] for p in error.detail] if isinstance(error.detail, list)
                else [str(error.detail)], "file_name": job.file_name,
                "options": options, "status_code": error.status_code}
    finally:
        kept.unlink(missing_ok=True)
    return {"imported": result.imported, "changes": result.counts, "report": result,
            "file_name": job.file_name, "options": options}


def _mapping_step(register, admin, actor, kept, options: dict, action: str, role: str,
                  columns: list[str]) -> MappingStep | None:
    """For an MIS export: the columns still to map for its school (pre-filled with the
    ones recognised, or the admin's choice with what is wrong with it), or None once a
    confirmed mapping reads it; `action` map confirms the admin's choice first (saved for
    the school, as `relreg mapping --confirm` saves one, and audited)."""
    source, school_id = options["source"], options["school"] or None
    if not source:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "Choose which MIS made this export (the MIS source).")
    try:
        header = read_header(kept)
    except MISError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
            {"loc": ["body", "file"], "msg": p.replace(kept.name, options["file_name"]),
             "type": "import"} for p in error.problems]) from None
    if action == "map":
        chosen = (list(columns) + [""] * len(header))[:len(header)]
        step = MappingStep(source, header, chosen, role if role in ROLE_WORDS else "")
        mapping = mapping_of(step, school_id)
        step.problems = mapping_problems(step, mapping)
        if step.problems:
            return step
        per_school = mapping.school_id is not None
        save_mapping(mapping, register.data_dir, confirmed_by=admin.username,
                     confirmed_on=register.today(), per_school=per_school)
        register.record(actor, "mapping.confirm", "mapping", object_id=source,
                        school_id=mapping.school_id, fields=sorted(mapping.columns))
        return None
    mapping = confirmed_mapping(register.data_dir, source, school_id)
    if mapping is not None:
        problems, _ = check_mapping(mapping, header, options["file_name"])
        if not problems:
            return None
        # The export's columns have changed since the mapping was confirmed: map them again.
        step = propose_step(kept, source, school_id)
        by_heading = {h: f for f, headings in mapping.columns.items() for h in headings}
        step.chosen = [by_heading.get(h, c) for h, c in zip(header, step.chosen)]
        step.role = mapping.role or step.role
        step.problems = ["The columns of this export are not the ones its mapping was "
                         "confirmed with: check each column's field and confirm again."]
        return step
    return propose_step(kept, source, school_id)


def _import_school_file(register, admin, actor, kept, preview: bool,
                        options: dict, stage=None) -> tuple[ImportResult, list[str]]:
    """A CTF or an MIS export, through the same import as `relreg import`, refused whole
    where it names a school or person beyond `admin`'s trust (a CTF's school comes from
    its DfE number, an MIS export's from its rows)."""
    def write(facts, report):
        register.change_facts(actor, "import", "import", import_world=facts,
                              counts=dict(report.changes), file_kind=report.kind,
                              cause=f"a {report.kind} file was imported",
                              opened_by_import=(report.import_id, report.kind))

    try:
        with register.lock:  # what it reads of the facts stays what its write changes
            report = import_path(
                register.unlocked_store, kept, school_id=_school_for(register, kept, options),
                source=options["source"] or None, data_dir=register.data_dir,
                dry_run=preview, skip_bad=bool(options["skip_bad"]), as_of=register.today(),
                full_roll=bool(options["full_roll"]),
                confirm_ending=bool(options["confirm_ending"]), write=write, stage=stage,
                check=lambda existing, facts, school_id: import_beyond_reach(
                    admin, register.unlocked_store, existing, facts, school_id, kept.name,
                    on=register.today()),
                schools=None if administers_register(admin)
                else reach(admin, register.unlocked_store, on=register.today()))
        register.identity_changed()  # it keeps preferred names after the facts
    except ExchangeError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
            {"loc": ["body", "file"], "msg": problem.replace(kept.name, "the file"),
             "type": "import"} for problem in error.problems]) from None
    names = register.names()
    notes = ([f"warning: {w}" for w in report.warnings]
             + [f"left out: {s}" for s in report.skipped] + report.matched
             + [f"possible same person: {names.person(p.person_id)} and "
                f"{names.person(p.other_id)} ({p.reason})" for p in report.proposals])
    return ImportResult(imported=dict(report.changes), counts=dict(report.changes),
                        changes=[d.replace(kept.name, "the file") for d in report.details]
                        + [n.replace(kept.name, "the file") for n in notes],
                        previewed=preview), report.findings_opened


def _queue_effect(register, findings_opened: list[str]) -> dict:
    """How many findings the previewed import would raise, and of their cases how many
    would be new and how many reopened (a finding whose case is closed or resolved)."""
    with register.lock:
        known = {row[0] for row in register.cases.find_rows()}  # each row's finding id
    reopened = sum(f in known for f in findings_opened)
    count = len(findings_opened)
    return {"findings": count, "new_cases": count - reopened, "reopened": reopened,
            "many": count > MANY_FINDINGS,
            "warning": many_findings_warning(count) if count > MANY_FINDINGS else ""}


def _school_for(register, kept, options: dict) -> str | None:
    """The school chosen, unless the export's confirmed mapping reads it from a column."""
    school = options["school"] or None
    if kept.suffix == ".csv" and options["source"] and school:
        mapping = confirmed_mapping(register.data_dir, options["source"], school)
        if mapping is not None and "school" in mapping.columns:
            return None
    return school


def _keep_upload(register, file: UploadFile):
    """The upload kept aside until it is imported, previewed again, or expires."""
    suffix = PurePath(file.filename or "").suffix.lower()
    if suffix not in previews.KINDS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "file: choose a zip of an exchange folder, a common transfer file "
                            "(.xml) or an MIS export (.csv)")
    return previews.keep(register, file.file, suffix, _receive)


# -- accounts ---------------------------------------------------------------------------

MAX_STAFF_FOUND = 20


@dataclass(frozen=True)
class StaffMember:
    """Someone who may hold an account: current staff at a school of the trust."""

    person: Person
    school_id: str
    school: str
    position: str  # "designated safeguarding lead", or "staff"


def current_staff(register, admin, person_id: str) -> list[StaffMember]:
    """Where `person_id` is current staff at the schools `admin` administers (none
    elsewhere: another trust's staff are not theirs to give an account)."""
    store, today = register.store, register.today()
    person = store.person(person_id)
    if person is None:
        return []
    reached = reach(admin, store, on=today)
    schools = {s.school_id: s.name for s in store.schools()}
    return [StaffMember(person, m.school_id, schools.get(m.school_id, m.school_id),
                        POSITION_WORDS.get(m.position, "staff"))
            for m in store.memberships_of(person_id)
            if m.role is Role.STAFF and m.active_on(today) and m.school_id in reached]


def find_staff(register, admin, name: str) -> tuple[list[StaffMember], bool]:
    """Current staff of the schools `admin` administers whose name holds `name`; and
    whether more matched."""
    name = name.strip()
    if len(name) < 2:
        return [], False
    found: list[StaffMember] = []
    seen: set[str] = set()
    reached = reach(admin, register.store, on=register.today())
    for school in register.store.schools():
        if school.school_id not in reached:
            continue
        for person in register.people_named(school.school_id, name):
            if person.person_id in seen:
                continue
            seen.add(person.person_id)
            members = current_staff(register, admin, person.person_id)
            if members and len(found) == MAX_STAFF_FOUND:
                return found, True
            found += members[:1]
    return found, False


def _accounts_page(request, register, session, admin, *, errors=None, values=None,
                   status_code=200, bulk=None):
    values = values or {}
    name = request.query_params.get("name", "")
    found, cut = find_staff(register, admin, name) if name else (None, False)
    person_id = values.get("person_id") or request.query_params.get("person", "")
    chosen = current_staff(register, admin, person_id) if person_id else []
    if chosen and not values.get("school_id"):
        values = {**values, "school_id": chosen[0].school_id}
    accounts = list_accounts(register, admin)
    people = {a.person_id: register.store.person(a.person_id) for a in accounts if a.person_id}
    return page(request, "admin_accounts.html", {
        "title": "Accounts", "accounts": accounts,
        "people": {k: register.names().person(k) for k, v in people.items() if v},
        "schools": {s.school_id: s.name for s in list_schools(register, admin)},
        "roles": {str(r): ROLE_NAMES[r] for r in AccountRole},
        "errors": errors or [], "values": values, "name": name, "found": found, "cut": cut,
        "chosen": chosen[0] if chosen else None, "chosen_id": person_id if chosen else "",
        "bulk": bulk or {}, "bulk_columns": COLUMNS,
        "mail_problems": mail_problems(mail_settings(register)),
    }, session=session, status_code=status_code)


@router.get("/admin/accounts")
def accounts_page(request: Request, register: RegisterDep, session: CurrentSession,
                  admin: TrustAdmin):
    return _accounts_page(request, register, session, admin)


@router.post("/admin/accounts")
def post_account(request: Request, register: RegisterDep, session: CurrentSession,
                 admin: TrustAdmin, actor: ActorDep,
                 username: Annotated[str, Form(max_length=100)] = "",
                 password: Annotated[str, Form(max_length=200)] = "",
                 role: Annotated[str, Form(max_length=40)] = "",
                 person_id: Annotated[str, Form(max_length=64)] = "",
                 school_id: Annotated[str, Form(max_length=64)] = ""):
    values = {"username": username, "role": role, "person_id": person_id,
              "school_id": school_id}
    try:
        body = AccountCreate(username=username, password=password, role=role,
                             person_id=person_id or None, school_id=school_id or None)
        create_account(register, admin, actor, body)
    except (ValidationError, HTTPException) as error:
        return _accounts_page(request, register, session, admin,
                              errors=messages_of(error, ACCOUNT_LABELS), values=values,
                              status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/admin/accounts", "account")


@router.post("/admin/accounts/bulk")
def post_bulk_accounts(request: Request, register: RegisterDep, session: CurrentSession,
                       admin: TrustAdmin, actor: ActorDep,
                       file: Annotated[UploadFile | None, File()] = None,
                       rows_csv: Annotated[str, Form(max_length=1_000_000)] = "",
                       confirm: Annotated[str, Form(max_length=10)] = ""):
    """Staff accounts from a CSV file: first a preview of every row (who it is, the role,
    the school, and anything wrong), then, once confirmed, all of them or none."""
    if file is not None and file.filename:
        raw = file.file.read(1_000_001)
        try:
            rows_csv = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            rows_csv = None
        if rows_csv is None or len(raw) > 1_000_000:
            return _accounts_page(request, register, session, admin, bulk={
                "problems": ["The file must be a CSV file in UTF-8, at most 1 MB."]},
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    if not rows_csv.strip():
        return _accounts_page(request, register, session, admin, bulk={
            "problems": ["Choose the CSV file of the accounts to make."]},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    preview = bulk_preview(register, rows_csv, by=admin)
    if not confirm or preview.problems or any(r.problems for r in preview.rows):
        code = status.HTTP_422_UNPROCESSABLE_CONTENT if confirm else status.HTTP_200_OK
        return _accounts_page(request, register, session, admin, status_code=code,
                              bulk={"preview": preview, "rows_csv": rows_csv})
    made = bulk_create(register, actor, preview)
    return _accounts_page(request, register, session, admin, bulk={"made": made})


AccountId = Annotated[int, Path(ge=1, le=2**62)]


def _account_page(request, register, session, admin, account_id, *, errors=None,
                  status_code=200):
    subject = get_account(register, admin, account_id)
    person = register.store.person(subject.person_id) if subject.person_id else None
    return page(request, "admin_account.html", {
        "title": "Change an account", "subject": subject,
        "person_name": register.names().person(person.person_id) if person else "",
        "schools": {s.school_id: s.name for s in list_schools(register, admin)},
        "roles": {str(r): ROLE_NAMES[r] for r in AccountRole}, "errors": errors or [],
    }, session=session, status_code=status_code)


@router.get("/admin/accounts/{account_id}")
def account_page(request: Request, register: RegisterDep, session: CurrentSession,
                 admin: TrustAdmin, account_id: AccountId):
    return _account_page(request, register, session, admin, account_id)


@router.post("/admin/accounts/{account_id}")
def post_account_change(request: Request, register: RegisterDep, session: CurrentSession,
                        admin: TrustAdmin, actor: ActorDep, account_id: AccountId,
                        role: Annotated[str, Form(max_length=40)] = "",
                        person_id: Annotated[str, Form(max_length=64)] = "",
                        school_id: Annotated[str, Form(max_length=64)] = "",
                        access: Annotated[str, Form(max_length=20)] = "",
                        password: Annotated[str, Form(max_length=200)] = "",
                        unlock: Annotated[str, Form(max_length=10)] = ""):
    current = get_account(register, admin, account_id)
    # Send only what changed, so the audit trail names just that.
    changes = {}
    if role and role != current.role:
        changes["role"] = role
    if person_id and person_id != current.person_id:
        changes["person_id"] = person_id
    if school_id and school_id != current.school_id:
        changes["school_id"] = school_id
    if access in ("enabled", "disabled") and (access == "disabled") != current.disabled:
        changes["disabled"] = access == "disabled"
    if password:
        changes["password"] = password
    if unlock:
        changes["unlock"] = True
    try:
        update_account(register, admin, actor, account_id, AccountUpdate(**changes))
    except (ValidationError, HTTPException) as error:
        return _account_page(request, register, session, admin, account_id,
                             errors=messages_of(error, ACCOUNT_LABELS),
                             status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/admin/accounts", "account")


# -- schools and their profiles ---------------------------------------------------------

def _schools_page(request, register, session, admin, *, errors=None, status_code=200):
    profiles = {name: load_profile(name) for name in SHIPPED}
    return page(request, "admin_schools.html", {
        "title": "Schools and their policy profiles", "schools": list_schools(register, admin),
        "profiles": profiles, "profile_titles": {n: p.title for n, p in profiles.items()},
        "errors": errors or {},
    }, session=session, status_code=status_code)


@router.get("/admin/schools")
def schools_page(request: Request, register: RegisterDep, session: CurrentSession,
                 admin: TrustAdmin):
    return _schools_page(request, register, session, admin)


@router.post("/admin/schools/{school_id}")
def post_school(request: Request, register: RegisterDep, session: CurrentSession,
                admin: TrustAdmin, actor: ActorDep,
                school_id: Annotated[str, Path(max_length=64)],
                name: Annotated[str, Form(max_length=400)] = "",
                profile: Annotated[str, Form(max_length=64)] = ""):
    """A school's name and the policy profile it follows, changed by a trust admin."""
    try:
        update_school(register, admin, actor, school_id,
                      SchoolUpdate(name=name, profile=profile or None))
    except ValidationError as error:
        problems = messages_of(error, {"name": "Name of the school", "profile": "Profile"})
        return _schools_page(request, register, session, admin, errors={school_id: problems},
                             status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/admin/schools", "profile")


@router.post("/admin/schools/{school_id}/profile")
def post_school_profile(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                        school_id: Annotated[str, Path(max_length=64)],
                        profile: Annotated[str, Form(max_length=64)] = ""):
    try:
        set_school_profile(register, admin, actor, school_id, SchoolProfileUpdate(profile=profile))
    except ValidationError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "choose one of the shipped profiles from the list") from None
    return see_other("/admin/schools", "profile")


# -- the mail server, set in the page -------------------------------------------------------

MAIL_LABELS = {"smtp_host": "Mail server", "smtp_port": "Port", "smtp_security": "Security",
               "smtp_from": "Sender address", "smtp_user": "User name",
               "smtp_password": "Password"}
SECURITY_CHOICES = {"starttls": "STARTTLS (usually port 587)", "tls": "TLS (usually port 465)",
                    "none": "None: unencrypted (usually port 25)"}


def _mail_page(request, register, session, admin, *, errors=None, values=None,
               test_error=None, status_code=200):
    with register.lock:
        kept = stored_mail_settings(register.db, register.sealer)
        contact = Contacts(register.db).get(admin.account_id)
    effective = mail_settings(register)
    outside = set_outside(register.settings)
    shown = {field: ("" if field == "smtp_password" else str(getattr(effective, field) or ""))
             for field in MAIL_FIELDS}
    shown["smtp_security"] = effective.smtp_security
    return page(request, "admin_mail.html", {
        "title": "Mail", "labels": MAIL_LABELS, "env": MAIL_FIELDS, "outside": outside,
        "values": {**shown, **(values or {})}, "errors": errors or [],
        "password_kept": bool(kept.get("smtp_password")) or "smtp_password" in outside,
        "security_choices": SECURITY_CHOICES, "mail_problems": mail_problems(effective),
        "may_change": administers_register(admin), "test_error": test_error,
        "test_to": contact.email if contact else "",
    }, session=session, status_code=status_code)


@router.get("/admin/mail")
def mail_page(request: Request, register: RegisterDep, session: CurrentSession,
              admin: TrustAdmin):
    return _mail_page(request, register, session, admin)


@router.post("/admin/mail")
def post_mail(request: Request, register: RegisterDep, session: CurrentSession,
              admin: TrustAdmin, actor: ActorDep,
              smtp_host: Annotated[str, Form(max_length=253)] = "",
              smtp_port: Annotated[str, Form(max_length=5)] = "",
              smtp_security: Annotated[str, Form(max_length=10)] = "starttls",
              smtp_from: Annotated[str, Form(max_length=254)] = "",
              smtp_user: Annotated[str, Form(max_length=254)] = "",
              smtp_password: Annotated[str, Form(max_length=500)] = "",
              forget_password: Annotated[str, Form(max_length=3)] = ""):
    """Save the mail server; what the environment sets is left as it is (it wins)."""
    if not administers_register(admin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the register's administrator (a "
                            "trust admin tied to no school) sets the mail server every trust "
                            "shares")
    given = {"smtp_host": smtp_host.strip(), "smtp_port": smtp_port.strip(),
             "smtp_security": smtp_security, "smtp_from": smtp_from.strip(),
             "smtp_user": smtp_user.strip()}
    errors = []
    if has_control_characters(given["smtp_host"]) or " " in given["smtp_host"]:
        errors.append("Mail server: enter the server's name, like smtp.office365.com")
    if given["smtp_port"] and not (given["smtp_port"].isdigit()
                                   and 0 < int(given["smtp_port"]) < 65536):
        errors.append("Port: enter a number from 1 to 65535, or leave it empty for the usual "
                      "one")
    if given["smtp_security"] not in SECURITY_CHOICES:
        errors.append("Security: choose one from the list")
    if given["smtp_from"]:
        try:
            given["smtp_from"] = normal_address(given["smtp_from"])
        except BadAddress:
            errors.append("Sender address: enter one e-mail address, like "
                          "register@trust.org.uk")
    elif given["smtp_host"]:
        errors.append("Sender address: enter the address the register's messages come from")
    if given["smtp_user"] and given["smtp_security"] == "none":
        errors.append("Security: choose STARTTLS or TLS, or the password would cross the "
                      "network unencrypted")
    if errors:
        return _mail_page(request, register, session, admin, errors=errors, values=given,
                          status_code=status.HTTP_400_BAD_REQUEST)
    if smtp_password:
        given["smtp_password"] = smtp_password
    elif forget_password or not given["smtp_user"]:
        given["smtp_password"] = ""
    outside = set_outside(register.settings)
    given = {field: value for field, value in given.items() if field not in outside}
    with register.writing():
        before = stored_mail_settings(register.db, register.sealer)
        save_mail_settings(register.db, register.sealer, given)
        changed = sorted(f for f, v in given.items() if (before.get(f) or "") != v)
        # The password is named as changed, never written down.
        register.audit.record(actor=actor.name, action="mail_settings.change",
                              object_kind="mail_settings", client=actor.client,
                              changed=changed)
    return see_other("/admin/mail", "mail-saved")


@router.post("/admin/mail/test")
def post_mail_test(request: Request, register: RegisterDep, session: CurrentSession,
                   admin: TrustAdmin, actor: ActorDep,
                   to: Annotated[str, Form(max_length=254)] = ""):
    """Send a test message through the settings as they are now, and say what happened.
    To any address: the register's administrator's (others test on the Notifications page,
    to their own address)."""
    if not administers_register(admin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the register's administrator "
                            "sends a test message to any address")
    try:
        address = normal_address(to)
    except BadAddress as error:
        return _mail_page(request, register, session, admin, test_error=f"Send to: {error}",
                          status_code=status.HTTP_400_BAD_REQUEST)
    try:
        Mailer(register=register).send(
            address, "Relationship register: a test message",
            "Hello,\n\nThis is a test message from the relationship register: its mail "
            "settings work.\n", register.accounts.clock())
    except MailError as error:
        register.record(actor, "notification.test", "notification", outcome="failed",
                        error=str(error))
        return _mail_page(request, register, session, admin, test_error=str(error),
                          status_code=status.HTTP_502_BAD_GATEWAY)
    register.record(actor, "notification.test", "notification")
    return see_other("/admin/mail", "mail-test-sent")


# -- the audit trail, for the auditor ----------------------------------------------------

AUDIT_PAGE = 200
AUDIT_CSV_COLUMNS = ["Number", "When (UK time)", "Who", "Action", "What", "Details"]


@dataclass
class AuditView:
    """The part of the trail the auditor may read (AuditScope), narrowed by the filters
    they chose, as one condition: the page, its counts and its CSV read the same rows."""
    where: str
    params: list
    filters: dict[str, str]
    people: dict[str, str]  # those the name search found, by id: their name
    problems: list[str]
    actions: dict[str, str]
    actors: dict[str, str]
    who: dict[str, str]
    scope: AuditScope


def _audit_view(register, auditor, *, action: str, actor: str, since: str, until: str,
                about: str, case: str = "") -> AuditView:
    scope = AuditScope(register, auditor)
    where, params = scope.where()
    with register.lock:
        actions = [a for (a,) in register.db.execute(
            f"SELECT DISTINCT e.action FROM audit_entries e WHERE 1 = 1{where} "
            "ORDER BY e.action", params)]
        actors = [a for (a,) in register.db.execute(
            f"SELECT DISTINCT e.actor FROM audit_entries e WHERE 1 = 1{where} "
            "ORDER BY e.actor", params)]
        accounts = {a.actor: a for a in register.accounts.all()}
    who = {"register": "The register", "command-line": "The command line",
           "anonymous": "Someone not signed in"}
    who |= {name: account_words(a, register) + f", {a.username}"
            for name, a in accounts.items()}
    action = action if action in actions else ""
    actor = actor if actor in actors else ""
    problems = []
    for column, value in (("action", action), ("actor", actor)):
        if value:
            where += f" AND e.{column} = ?"
            params.append(value)
    days = {}
    for key, value, words in (("since", since, "From"), ("until", until, "To")):
        try:
            days[key] = parse_date(value) if value else None
        except DateError:
            problems.append(f"{words}: enter a date like 2026-11-23")
            days[key] = None
    if days["since"]:
        where += " AND e.at >= ?"
        params.append(_utc_start_of(days["since"]))
    if days["until"]:
        where += " AND e.at < ?"
        params.append(_utc_start_of(days["until"] + dt.timedelta(days=1)))
    people: dict[str, str] = {}
    about = about.strip()
    if about:
        people = _people_named_in_trail(register, scope, about)
        if not people:
            problems.append(f"About whom: nobody named “{about}” appears in the part of the "
                            f"trail you may read")
        # Nobody found is no entry, never every entry.
        where += " AND e.seq IN (SELECT seq FROM audit_subjects WHERE person_id IN " \
                 "(SELECT value FROM json_each(?)))"
        params.append(json.dumps(sorted(people)))
    case = case.strip()
    if case:
        if not _case_within_audit_reach(register, auditor, case):
            # Beyond reach is answered as not there: the same words, and no entry.
            problems.append(f"Case: there is no case {case} in the part of the trail you "
                            f"may read")
            case_ids: list[str] = []
        else:
            case_ids = [case]
        where += " AND e.object_kind = 'case' AND e.seq IN (SELECT seq FROM audit_details " \
                 "WHERE json_extract(details, '$.object_id') IN (SELECT value FROM json_each(?)))"
        params.append(json.dumps(case_ids))
    return AuditView(where, params, {
        "action": action, "actor": actor, "about": about, "case": case,
        "since": days["since"].isoformat() if days["since"] else "",
        "until": days["until"].isoformat() if days["until"] else ""},
        people, problems, {a: action_words(a) for a in actions},
        {a: who.get(a, a) for a in actors}, who, scope)


def _case_within_audit_reach(register, auditor, finding_id: str) -> bool:
    """Whether the case exists at a school within the auditor's reach (api/access.py
    reach: the whole register for an auditor tied to nothing). An auditor opens no case:
    this only lets them read the trail's entries about it."""
    if not re.fullmatch(ID_PATTERN, finding_id):
        return False
    try:
        with register.lock:
            case = register.cases.get(finding_id)
    except CaseNotFound:
        return False
    return case.school_id in reach(auditor, register.store, on=register.today())


def _utc_start_of(day: dt.date) -> str:
    """Midnight in the UK on `day`, as the trail writes its times (UTC, ISO 8601)."""
    return dt.datetime.combine(day, dt.time(), SCHOOL_TIME).astimezone(dt.UTC).isoformat(
        timespec="microseconds")


def _people_named_in_trail(register, scope, text: str) -> dict[str, str]:
    """{id: name} of the people the readable trail is about whose name holds `text`: the
    search reaches no one the auditor may not read about."""
    where, params = scope.where()
    names, wanted = register.names(), text.casefold()
    with register.lock:
        about = [p for (p,) in register.db.execute(
            "SELECT DISTINCT s.person_id FROM audit_subjects s JOIN audit_entries e "
            f"ON e.seq = s.seq WHERE 1 = 1{where}", params)]
    found = {}
    for person_id in about:
        if not scope.whole and person_id not in scope.people:
            continue
        name = names.person(person_id)
        if name != person_id and wanted in name.casefold():
            found[person_id] = name
    return dict(sorted(found.items(), key=lambda item: item[1]))


def _audit_rows(register, view: AuditView, *, limit: int | None, offset: int = 0):
    """The matching entries, newest first, as an auditor may read them."""
    with register.lock:
        rows = register.db.execute(
            "SELECT e.seq, e.at, e.actor, e.action, e.object_kind, e.outcome, d.details, "
            "e.hash FROM audit_entries e LEFT JOIN audit_details d ON d.seq = e.seq "
            f"WHERE 1 = 1{view.where} ORDER BY e.seq DESC LIMIT ? OFFSET ?",
            [*view.params, -1 if limit is None else limit, offset]).fetchall()
    return as_auditor_reads(register, view.scope, [
        AuditEntry(seq, at, who, what, kind, outcome,
                   json.loads(details) if details is not None else None, entry_hash)
        for seq, at, who, what, kind, outcome, details, entry_hash in rows])


def trail_of_case_link(entry) -> str | None:
    """The trail filtered to the case an entry is about (what an auditor, who may open no
    case, follows from its number); None for an entry about no case."""
    finding_id = (entry.details or {}).get("object_id")
    if entry.object_kind != "case" or not finding_id:
        return None
    return "/audit?" + urlencode({"case": finding_id})


def case_link(register, viewer, entry) -> str | None:
    """The case page of an entry about a case, when the viewer may open that case (by
    api/access.py: an auditor may open none, so theirs show as plain text)."""
    finding_id = (entry.details or {}).get("object_id")
    if entry.object_kind != "case" or not finding_id:
        return None
    try:
        with register.lock:
            case = register.cases.get(finding_id)
    except CaseNotFound:
        return None
    seen = may_see_case(viewer, register.store, case, on=register.today())
    return f"/cases/{finding_id}" if seen else None


AuditQuery = Annotated[str, Query(max_length=64)]


@router.get("/audit")
def audit_page(request: Request, register: RegisterDep, session: CurrentSession,
               auditor: Auditor, action: AuditQuery = "", actor: AuditQuery = "",
               since: AuditQuery = "", until: AuditQuery = "",
               about: Annotated[str, Query(max_length=100)] = "", case: AuditQuery = "",
               page_number: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1):
    """The audit trail, newest first, a page at a time, filtered by date, person, action,
    who did it and case: the part of it the auditor may read (api/routes/audit.py
    AuditScope), counted, listed and exported alike. A case beyond the auditor's reach is
    answered as a case that does not exist."""
    view = _audit_view(register, auditor, action=action, actor=actor, since=since,
                       until=until, about=about, case=case)
    entries = _audit_rows(register, view, limit=AUDIT_PAGE,
                          offset=(page_number - 1) * AUDIT_PAGE)
    with register.lock:
        total = register.db.execute(
            f"SELECT COUNT(*) FROM audit_entries e WHERE 1 = 1{view.where}",
            view.params).fetchone()[0]
    query = {k: v for k, v in view.filters.items() if v}
    pages = max(1, -(-total // AUDIT_PAGE))
    names = register.names()
    rows = [(e, uk_time(e.at, seconds=True), case_link(register, auditor, e),
             trail_of_case_link(e), *_audit_words(e, names)) for e in entries]
    return page(request, "audit.html", {
        "title": "Audit trail", "rows": rows, "who": view.who, "total": total,
        "entries": entries, "errors": view.problems, "people": view.people,
        "verification": verify_audit_trail(register, auditor),
        "actions": view.actions, "actors": view.actors, "filters": view.filters,
        "csv": "/audit.csv" + (f"?{urlencode(query)}" if query else ""),
        "page_number": page_number, "pages": pages,
        "later": urlencode({**query, "page": page_number - 1}) if page_number > 1 else None,
        "earlier": urlencode({**query, "page": page_number + 1})
        if page_number < pages else None,
    }, session=session)


@router.get("/audit.csv")
def export_audit(register: RegisterDep, auditor: Auditor, actor_of: ActorDep,
                 action: AuditQuery = "", actor: AuditQuery = "", since: AuditQuery = "",
                 until: AuditQuery = "", about: Annotated[str, Query(max_length=100)] = "",
                 case: AuditQuery = ""):
    """The filtered trail, every matching entry newest first, as a file a spreadsheet
    opens; the export is itself audited (with the filters, and whom the search found)."""
    view = _audit_view(register, auditor, action=action, actor=actor, since=since,
                       until=until, about=about, case=case)
    entries = _audit_rows(register, view, limit=None)
    names = register.names()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_CSV_COLUMNS)
    for e in entries:
        what, details = _audit_words(e, names)
        writer.writerow([spreadsheet_safe(str(v)) for v in (
            e.seq, uk_time(e.at, seconds=True), view.who.get(e.actor, e.actor),
            view.actions.get(e.action, e.action), what,
            "erased" if e.details is None else details)])
    register.record(actor_of, "audit.export", "audit_trail", count=len(entries),
                    filters={k: v for k, v in view.filters.items() if v and k != "about"},
                    subjects=sorted(view.people))
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"',
                             "Cache-Control": "no-store"})


def action_words(action: str) -> str:
    """An audit action as words: `person.network.view` is "Person network view"."""
    return action.replace(".", " ").replace("_", " ").capitalize()


def _audit_words(entry, names) -> tuple[str, str]:
    """(what, details) of an audit entry with people named, never shown by their ids."""
    def said(value):
        if isinstance(value, list):
            return ", ".join(said(v) for v in value)
        if isinstance(value, str):
            return names.person(value)
        return str(value)

    details = entry.details or {}
    what = entry.object_kind.replace("_", " ")
    if details.get("object_id"):
        what += " " + said(details["object_id"])
    if entry.details is None:
        return what, "erased"
    shown = [f"{key.replace('_', ' ')}: {said(value)}" for key, value in details.items()
             if key not in ("object_id", "client") and value not in (None, [], "")]
    return what, "; ".join(shown)
