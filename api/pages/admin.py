"""Trust admins' pages: import an exchange folder as a zip, previewed first (every change
listed, every problem shown as FILE:LINE: column: what is wrong), manage accounts, and choose each school's policy
profile. The auditor's page reads the audit trail. All call the API's route functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile, status
from pydantic import ValidationError

from api.access import POSITION_WORDS, administers_register, import_beyond_reach, reach
from api import previews
from api.identity import AccountRole
from api.deps import ActorDep, Auditor, CurrentSession, RegisterDep, TrustAdmin
from api.pages.bulk_accounts import COLUMNS, bulk_create, bulk_preview
from api.pages.common import ROLE_NAMES, account_words, messages_of, page, see_other
from api.routes.accounts import create_account, get_account, list_accounts, update_account
from api.routes.audit import AuditScope, scoped_entries, verify_audit_trail
from api.routes.imports import _receive, import_zip
from api.routes.schools import list_schools, set_school_profile, update_school
from api.schemas import (
    AccountCreate,
    AccountUpdate,
    ImportResult,
    SchoolProfileUpdate,
    SchoolUpdate,
)
from graph.intake.exchange import ExchangeError
from graph.intake.importing import UndoPlan, import_path, plan_undo, undo_last_import
from graph.model import Person, Role
from graph.profiles import SHIPPED, load_profile

router = APIRouter(include_in_schema=False)

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
                _admin: TrustAdmin):
    previews.drop_expired(register)
    return page(request, "admin_import.html", {"title": "Import an exchange folder",
                                               "undo": _undo_preview(register)},
                session=session)


@dataclass(frozen=True)
class UndoPreview:
    plan: UndoPlan
    goes: list[tuple[str, int]]  # (what, how many) the import wrote
    comes_back: list[tuple[str, int]]  # (what, how many) it replaced
    people: list[str]  # the people it added or changed, by name


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
    return UndoPreview(plan, words(plan.added), words(plan.removed), people)


@router.post("/admin/import/undo")
def post_undo_import(request: Request, register: RegisterDep, session: CurrentSession,
                     _admin: TrustAdmin, actor: ActorDep,
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
        return page(request, "admin_import.html", {
            "title": "Import an exchange folder", "undo": _undo_preview(register),
            "undo_problems": [p[0].upper() + p[1:] + "." for p in problems]},
            session=session, status_code=status.HTTP_409_CONFLICT)
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
                confirm_ending: Annotated[str, Form(max_length=10)] = ""):
    """Preview (the default button) keeps the file aside and lists every change; Import,
    from the preview or straight away, imports it. A zip is an exchange folder, an .xml a
    common transfer file, a .csv an MIS export of a source whose mapping is confirmed."""
    options = {"school": school, "source": source, "skip_bad": skip_bad,
               "full_roll": full_roll, "confirm_ending": confirm_ending}
    context = {"title": "Import an exchange folder", "options": options}
    kept = previews.find(register, pending)
    if kept is None and (file is None or not file.filename):
        context["problems"] = ["Choose the file to import: a zip of an exchange folder, a "
                               "common transfer file (.xml) or an MIS export (.csv)."]
        return page(request, "admin_import.html", context, session=session,
                    status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    name = file.filename if file is not None and file.filename else "the previewed file"
    context["file_name"] = name
    # another trust's school: answered as no school
    if school and school not in reach(admin, register.store, on=register.today()):
        context["problems"] = [f"There is no school {school!r} in the register: choose one "
                               "of your trust's schools."]
        return page(request, "admin_import.html", context, session=session,
                    status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    preview = action == "preview"
    try:
        if kept is None:
            kept = _keep_upload(register, file)
        if kept.suffix == ".zip":
            result = import_zip(register, admin, actor, kept, preview=preview)
        else:
            result = _import_school_file(register, admin, actor, kept, preview, options)
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
        if not (result.counts or result.changes):  # nothing to import: nothing kept
            kept.unlink(missing_ok=True)
    else:
        kept.unlink(missing_ok=True)
        context.update(imported=result.imported, changes=result.counts, report=result)
    context["undo"] = _undo_preview(register)
    return page(request, "admin_import.html", context, session=session)


def _import_school_file(register, admin, actor, kept, preview: bool,
                        options: dict) -> ImportResult:
    """A CTF or an MIS export, through the same import as `relreg import`, refused whole
    where it names a school or person beyond `admin`'s trust (a CTF's school comes from
    its DfE number, an MIS export's from its rows)."""
    def write(facts, report):
        register.change_facts(actor, "import", "import", import_world=facts,
                              counts=dict(report.changes), file_kind=report.kind,
                              cause=f"a {report.kind} file was imported")

    try:
        with register.lock:  # what it reads of the facts stays what its write changes
            report = import_path(
                register.unlocked_store, kept, school_id=options["school"] or None,
                source=options["source"] or None, data_dir=register.data_dir,
                dry_run=preview, skip_bad=bool(options["skip_bad"]),
                full_roll=bool(options["full_roll"]),
                confirm_ending=bool(options["confirm_ending"]), write=write,
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
                        previewed=preview)


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


# -- the audit trail, for the auditor ----------------------------------------------------

AUDIT_PAGE = 200


@router.get("/audit")
def audit_page(request: Request, register: RegisterDep, session: CurrentSession,
               auditor: Auditor, after: Annotated[int, Query(ge=0, le=2**62)] = 0,
               action: Annotated[str, Query(max_length=64)] = "",
               actor: Annotated[str, Query(max_length=64)] = ""):
    """The audit trail, a page at a time, filtered by what was done and by whom: the part
    of it the auditor may read (api/routes/audit.py AuditScope), counted and listed alike."""
    scope = AuditScope(register, auditor)
    where, params = scope.where()
    with register.lock:
        actions = [a for (a,) in register.db.execute(
            f"SELECT DISTINCT e.action FROM audit_entries e WHERE 1 = 1{where} "
            "ORDER BY e.action", params)]
        actors = [a for (a,) in register.db.execute(
            f"SELECT DISTINCT e.actor FROM audit_entries e WHERE 1 = 1{where} "
            "ORDER BY e.actor", params)]
    action = action if action in actions else ""
    actor = actor if actor in actors else ""
    entries = scoped_entries(register, scope, after=after, limit=AUDIT_PAGE,
                             action=action or None, actor=actor or None)
    where, params = scope.where()
    for column, value in (("action", action), ("actor", actor)):
        if value:
            where += f" AND e.{column} = ?"
            params.append(value)
    with register.lock:
        # Where the page before this one starts: the AUDIT_PAGE-th matching entry back.
        earlier = register.db.execute(
            f"SELECT e.seq FROM audit_entries e WHERE e.seq <= ?{where} ORDER BY e.seq DESC "
            f"LIMIT 1 OFFSET ?", [after, *params, AUDIT_PAGE - 1]).fetchone() if after else None
        total = register.db.execute(
            f"SELECT COUNT(*) FROM audit_entries e WHERE 1 = 1{where}", params).fetchone()[0]
        accounts = {a.actor: a for a in register.accounts.all()}
    who = {"register": "The register", "command-line": "The command line",
           "anonymous": "Someone not signed in"}
    who |= {name: account_words(a, register) + f", {a.username}"
            for name, a in accounts.items()}
    query = {k: v for k, v in (("action", action), ("actor", actor)) if v}
    rows = [(e, *_audit_words(e, register.names())) for e in entries]
    return page(request, "audit.html", {
        "title": "Audit trail", "rows": rows, "who": who, "total": total,
        "entries": entries,
        "verification": verify_audit_trail(register, auditor),
        "actions": {a: action_words(a) for a in actions},
        "actors": {a: who.get(a, a) for a in actors},
        "filters": {"action": action, "actor": actor},
        "later": urlencode({**query, "after": entries[-1].seq})
        if len(entries) == AUDIT_PAGE else None,
        "earlier": urlencode({**query, "after": earlier[0] - 1}) if earlier
        else (urlencode(query) if after else None),
    }, session=session)


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
