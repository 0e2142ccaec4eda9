"""Staff accounts made in bulk from a CSV file, as a trust admin does at the start of a
year: a preview of every row first (who the person is, the role, the school, and what is
wrong with it), then all the accounts or none, each with a new password shown once.

The file has a header row with `username`, `person_id` (the person's id in the register,
as in the exchange folder or the MIS), `role` and `school_id`; the role may be written as
its code (`senior_leader`) or its name (`Senior leader`)."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

from api.access import account_problems
from api.auth import AccountRole
from api.pages.common import ROLE_NAMES
from api.service import Actor

COLUMNS = ("username", "person_id", "role", "school_id")
MAX_ROWS = 2000
ROLE_BY_WORDS = {**{str(r): r for r in AccountRole},
                 **{name.casefold(): AccountRole(code) for code, name in ROLE_NAMES.items()},
                 "dsl": AccountRole.DSL}


@dataclass
class BulkRow:
    line: int
    username: str
    person_id: str
    role: AccountRole | None
    school_id: str
    name: str = ""
    school: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class BulkPreview:
    rows: list[BulkRow]
    problems: list[str]  # about the file as a whole


def bulk_preview(register, text: str) -> BulkPreview:
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().casefold() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        return BulkPreview([], [f"The first row must name the columns {', '.join(COLUMNS)}; "
                                f"it lacks {', '.join(missing)}."])
    reader.fieldnames = headers
    store, today = register.store, register.today()
    schools = {s.school_id: s.name for s in store.schools()}
    rows: list[BulkRow] = []
    seen: dict[str, int] = {}
    for values in reader:
        if len(rows) == MAX_ROWS:
            return BulkPreview(rows, [f"At most {MAX_ROWS} accounts at a time: split the file."])
        get = lambda column: (values.get(column) or "").strip()  # noqa: E731
        role_text = get("role")
        row = BulkRow(reader.line_num, get("username"), get("person_id"),
                      ROLE_BY_WORDS.get(role_text.casefold()), get("school_id"))
        person = store.person(row.person_id) if row.person_id else None
        row.name = person.name if person else ""
        row.school = schools.get(row.school_id, "")
        if not row.username:
            row.problems.append("Username: fill this in.")
        elif row.username in seen:
            row.problems.append(f"Username: {row.username} is also on line {seen[row.username]}.")
        else:
            seen[row.username] = row.line
            with register.lock:
                if register.accounts.by_username(row.username) is not None:
                    row.problems.append(f"Username: {row.username} is taken.")
        if row.role is None:
            row.problems.append(f"Role: “{role_text}” is not a role; write one of "
                                f"{', '.join(ROLE_NAMES.values())}.")
        else:
            row.problems += [message[0].upper() + message[1:] + "." for _, message in
                             account_problems(store, row.role, row.person_id or None,
                                              row.school_id or None, today)]
        rows.append(row)
    if not rows:
        return BulkPreview([], ["The file has no accounts in it, only its first row."])
    return BulkPreview(rows, [])


def bulk_create(register, actor: Actor, preview: BulkPreview) -> list[tuple[BulkRow, str]]:
    """Make every account of a preview without problems, in one transaction; each with a
    new password, to be given to its person."""
    made = []
    with register.writing():
        for row in preview.rows:
            password = secrets.token_urlsafe(12)
            account = register.accounts.create(row.username, password, row.role,
                                               row.person_id or None, row.school_id or None)
            register.audit.record(actor=actor.name, action="account.create",
                                  object_kind="account", object_id=str(account.account_id),
                                  client=actor.client, role=str(row.role), bulk=True,
                                  subjects=[row.person_id] if row.person_id else [])
            made.append((row, password))
    return made
