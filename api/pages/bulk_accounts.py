"""Staff accounts made in bulk from a CSV file, as a trust admin does at the start of a
year: a preview of every row first (who the person is, the role, the school, and what is
wrong with it), then all the accounts or none, each with a new password shown once.

The file has a header row. `username` and `role` are needed (the role written as its name,
`Senior leader`, or its code, `senior_leader`); the person is found by what a school has
to hand: their `email`, their `staff_code` in the MIS (as imported), or their `name`,
within the `school` (its name or its number) where given. A person must be current staff
of the school; where the school is left out and they work at one school only, it is that
one. A trust admin makes accounts only at their trust's schools: another trust's school,
and its staff, are answered as if they were not in the register."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

from api.access import account_problems, reach
from api.identity import SCHOOL_ROLES, Account, AccountRole
from api.pages.common import ROLE_NAMES
from api.service import Actor
from graph.intake.identity import IdentityTable, Kind, normal_email
from graph.names import normal_name
from graph.model import Role

COLUMNS = ("username", "role", "school", "name", "email", "staff_code")
NEEDED = ("username", "role")
FINDS = ("name", "email", "staff_code")  # at least one of these columns
MAX_ROWS = 2000
ROLE_BY_WORDS = {**{str(r): r for r in AccountRole},
                 **{name.casefold(): AccountRole(code) for code, name in ROLE_NAMES.items()},
                 "dsl": AccountRole.DSL}


@dataclass
class BulkRow:
    line: int
    username: str
    role: AccountRole | None
    person_id: str | None = None
    school_id: str | None = None
    name: str = ""
    school: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class BulkPreview:
    rows: list[BulkRow]
    problems: list[str]  # about the file as a whole


def _schools_of(register, by: Account) -> list:
    """The schools whose staff `by` may make accounts for."""
    reached = reach(by, register.store, on=register.today())
    return [s for s in register.store.schools() if s.school_id in reached]


def bulk_preview(register, text: str, by: Account) -> BulkPreview:
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().casefold().replace(" ", "_") for h in reader.fieldnames or []]
    missing = [c for c in NEEDED if c not in headers]
    if missing or not any(c in headers for c in FINDS):
        return BulkPreview([], [
            f"The first row must name the columns {', '.join(NEEDED)}, and at least one of "
            f"{', '.join(FINDS)} to find each person (with school where names are shared)."])
    reader.fieldnames = headers
    store, today = register.store, register.today()
    schools = _schools_of(register, by)
    rows: list[BulkRow] = []
    seen: dict[str, int] = {}
    with IdentityTable(register.data_dir) as identity:
        for values in reader:
            if len(rows) == MAX_ROWS:
                return BulkPreview(rows, [f"At most {MAX_ROWS} accounts at a time: split "
                                          "the file."])
            get = lambda column: (values.get(column) or "").strip()  # noqa: E731
            role_text = get("role")
            row = BulkRow(reader.line_num, get("username"),
                          ROLE_BY_WORDS.get(role_text.casefold()))
            _check_username(register, row, seen)
            if row.role is None:
                row.problems.append(f"Role: “{role_text}” is not a role; write one of "
                                    f"{', '.join(ROLE_NAMES.values())}.")
            school = _school(schools, get("school"), row)
            _find_person(store, identity, today, row, school, get("name"), get("email"),
                         get("staff_code"), schools)
            if row.role is not None and not row.problems:
                row.problems += [message[0].upper() + message[1:] + "." for _, message in
                                 account_problems(store, row.role, row.person_id,
                                                  row.school_id, today, by=by)]
            rows.append(row)
    if not rows:
        return BulkPreview([], ["The file has no accounts in it, only its first row."])
    return BulkPreview(rows, [])


def _check_username(register, row: BulkRow, seen: dict[str, int]) -> None:
    if not row.username:
        row.problems.append("Username: fill this in.")
    elif row.username in seen:
        row.problems.append(f"Username: {row.username} is also on line {seen[row.username]}.")
    else:
        seen[row.username] = row.line
        with register.lock:
            if register.accounts.by_username(row.username) is not None:
                row.problems.append(f"Username: {row.username} is taken.")


def _school(schools, written: str, row: BulkRow):
    """The school the row names, by name or number; None if it names none."""
    if not written:
        return None
    wanted = written.casefold()
    found = [s for s in schools if wanted in (s.school_id.casefold(), s.name.casefold())]
    if not found:
        row.problems.append(f"School: there is no school “{written}” in the register; write "
                            "its name as the Schools page shows it.")
        return None
    return found[0]


def _find_person(store, identity, today, row: BulkRow, school, name: str, email: str,
                 code: str, schools: list) -> None:
    """Fill in the row's person (and school, if it named none) among the staff of
    `schools`, or say why not."""
    reached = {s.school_id for s in schools}
    if not (name or email or code):
        row.problems.append("Person: give their e-mail, staff code or name.")
        return
    candidates: set[str] | None = None
    said = []
    if email:
        found = identity.people_with(Kind.EMAIL, normal_email(email) or email)
        candidates = found if candidates is None else candidates & found
        said.append(f"e-mail {email}")
    if code:
        found = identity.people_with(Kind.REF, code)
        candidates = found if candidates is None else candidates & found
        said.append(f"staff code {code}")
    if name:
        wanted = normal_name(name, "")
        places = [school] if school else schools
        found = {p.person_id for s in places for p in store.people_at(s.school_id, name)
                 if normal_name(p.given_name, p.family_name) == wanted}
        candidates = found if candidates is None else candidates & found
        said.append(f"the name {name}")
    staff = {}
    for person_id in sorted(candidates):
        here = [m for m in store.memberships_of(person_id)
                if m.role is Role.STAFF and m.active_on(today) and m.school_id in reached
                and (school is None or m.school_id == school.school_id)]
        if here:
            staff[person_id] = here
    where = f" at {school.name}" if school else ""
    if not staff:
        row.problems.append(f"Person: no current member of staff{where} has "
                            f"{' and '.join(said)}; check the file against the school's "
                            "records.")
        return
    if len(staff) > 1:
        row.problems.append(f"Person: {len(staff)} members of staff{where} have "
                            f"{' and '.join(said)}; add their e-mail or staff code.")
        return
    [(person_id, memberships)] = staff.items()
    row.person_id = person_id
    row.name = store.person(person_id).name
    school_ids = sorted({m.school_id for m in memberships})
    if school is not None:
        row.school_id = school.school_id
    elif row.role in SCHOOL_ROLES:  # a school's account: the one school they work at
        if len(school_ids) > 1:
            row.problems.append(f"School: {row.name} works at {len(school_ids)} schools; "
                                "say which one.")
            return
        row.school_id = school_ids[0]
    names = {s.school_id: s.name for s in schools}
    row.school = names.get(row.school_id, "") if row.school_id else ""


def find_staff_member(register, role: AccountRole | None, school_id: str | None,
                      name: str = "", email: str = "", *,
                      by: Account) -> tuple[BulkRow, list[str]]:
    """One person for an account, found as a bulk row finds them (by name, else by the
    e-mail address an import gave them) among the staff of the schools `by` administers:
    the row (person_id, school_id filled in) and what is wrong, if anything."""
    row = BulkRow(0, "", role)
    store = register.store
    schools = _schools_of(register, by)
    school = next((s for s in schools if s.school_id == school_id), None)
    with IdentityTable(register.data_dir) as identity:
        _find_person(store, identity, register.today(), row, school, name,
                     "" if name else email, "", schools)
    return row, row.problems


def bulk_create(register, actor: Actor, preview: BulkPreview) -> list[tuple[BulkRow, str]]:
    """Make every account of a preview without problems, in one transaction; each with a
    new password, to be given to its person."""
    made = []
    with register.writing():
        for row in preview.rows:
            password = secrets.token_urlsafe(12)
            account = register.accounts.create(row.username, password, row.role,
                                               row.person_id, row.school_id)
            register.audit.record(actor=actor.name, action="account.create",
                                  object_kind="account", object_id=str(account.account_id),
                                  client=actor.client, role=str(row.role), bulk=True,
                                  subjects=[row.person_id] if row.person_id else [])
            made.append((row, password))
    return made
