"""A demo trust to try the service on: seeded facts and one sign-in per role."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

from api.identity import AccountRole
from api.notify import Contacts
from api.service import Register
from graph.intake.exchange import read_folder, write_folder
from graph.model import Position, Role
from graph.secret_key import SecretKeyError
from graph.store.base import Store

DEMO_PEOPLE = 3000


DEMO_MARK = "demo-trust/THIS-IS-THE-DEMO"
# The demo accounts' passwords, sealed with the register's key as its other secrets are.
DEMO_PASSWORDS = "demo-trust/demo-passwords.sealed.json"


class NotTheDemo(Exception):
    """The data folder holds a register that the demo did not seed."""


def seed_demo_trust(store: Store, data_dir: Path, people: int = DEMO_PEOPLE) -> bool:
    """Seed a demo trust of invented people into an empty store (True), or find the demo
    seeded before (False); a store holding anything else raises NotTheDemo, so that demo
    accounts are never added to a real register nor tied to real people."""
    mark = Path(data_dir) / DEMO_MARK
    if not store.is_empty():
        if mark.exists():
            return False
        raise NotTheDemo(
            f"{data_dir} holds a register that is not the demo, and --demo would add demo "
            "accounts to it. Run without --demo to serve it, or give --data an empty folder "
            "for the demo.")
    from seed.generator import generate_trust

    folder = Path(data_dir) / "demo-trust"
    generate_trust(folder, schools=4, people=people, seed=1, as_of=dt.date.today())
    store.import_world(read_folder(folder))
    mark.write_text("The register in this folder is the demo trust that `relreg serve --demo` "
                    "seeded: invented people only.\n")
    return True


def rewrite_demo_files(store: Store, data_dir: Path) -> None:
    """The demo keeps the exchange files it seeded from (`relreg demo` points at them):
    after an erasure they are written again from the store, so that they no longer hold
    the person erased. Nothing happens in a folder that is not the demo's."""
    if (Path(data_dir) / DEMO_MARK).exists():
        write_folder(store.export_world(), Path(data_dir) / "demo-trust")


def demo_passwords(register: Register, usernames: list[str]) -> dict[str, str]:
    """The demo accounts' passwords: made once for a demo folder and kept in it, sealed, so
    that each start prints (and sets) the same ones and a bookmark or a note keeps working."""
    path = Path(register.data_dir) / DEMO_PASSWORDS
    kept: dict[str, str] = {}
    if path.exists():
        try:
            kept = {username: register.sealer.open(sealed)
                    for username, sealed in json.loads(path.read_text()).items()}
        except (ValueError, AttributeError, SecretKeyError):  # unreadable: make new ones
            kept = {}
    passwords = {username: kept.get(username) or secrets.token_urlsafe(12)
                 for username in usernames}
    if passwords != kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({username: register.sealer.seal(password)
                                    for username, password in passwords.items()}, indent=1))
        path.chmod(0o600)
    return passwords


def demo_sign_ins(register: Register) -> list[tuple[AccountRole, str, str]]:
    """(role, username, password) for one account per role at the first school, set again
    (the demo folder's passwords, unlocked, enabled) at each start: a demo only."""
    store = register.store
    today = register.today()
    school_id = store.schools()[0].school_id
    holders: dict[str, str] = {}
    teachers: list[str] = []
    people = [person.person_id for person in store.people_at(school_id)]
    of_each = {person_id: [] for person_id in people}
    for m in store.memberships_of_all(people):
        of_each[m.person_id].append(m)
    for person_id in people:
        for m in of_each[person_id]:
            if m.school_id != school_id or not m.active_on(today) or m.role is not Role.STAFF:
                continue
            if m.position is None:
                teachers.append(person_id)
            else:
                holders.setdefault(str(m.position), person_id)
    # The demo teacher is one with a finding about them, so there is something to see.
    flagged = {f.adult_id for f in store.findings(today) if f.school_id == school_id}
    teacher = next((t for t in teachers if t in flagged), teachers[0] if teachers else None)
    people = {
        AccountRole.STAFF: teacher,
        AccountRole.SENIOR_LEADER: holders.get(Position.SENIOR_LEADER),
        AccountRole.HEADTEACHER: holders.get(Position.HEADTEACHER),
        AccountRole.DSL: holders.get(Position.DSL),
        AccountRole.TRUST_ADMIN: None,
        AccountRole.AUDITOR: None,
    }
    usernames = {role: f"demo-{role.replace('_', '-')}" for role in people}
    passwords = demo_passwords(register, list(usernames.values()))
    sign_ins = []
    with register.writing():
        for role, person_id in people.items():
            username, password = usernames[role], passwords[usernames[role]]
            school = school_id if person_id else None
            account = register.accounts.by_username(username)
            if account is None:
                account = register.accounts.create(username, password, role, person_id, school)
                action = "account.create"
            else:
                # Only what differs, so that a restart keeps the demo's sessions signed in
                # (a new role, person or password ends them).
                changes = {
                    "role": role if account.role != role else None,
                    "person_id": person_id if account.person_id != person_id else None,
                    "school_id": school if account.school_id != school else None,
                    "disabled": False if account.disabled else None,
                    "password": None if register.accounts.has_password(account.account_id, password)
                    else password}
                register.accounts.update(account.account_id, **changes)
                register.accounts.unlock(username)
                action = "account.update"
            register.audit.record(actor="register", action=action, object_kind="account",
                                  object_id=str(account.account_id), role=str(role),
                                  subjects=[person_id] if person_id else [])
            # So that `relreg notify` has somewhere to write (example.org takes no mail).
            Contacts(register.db).set_email(account.account_id, f"{username}@example.org")
            sign_ins.append((role, username, password))
    return sign_ins
