"""What a school needs to meet a data subject's rights: erasure (UK GDPR Art. 17) with a
preview, safeguarding holds that keep a record from erasure (Art. 17(3)), and subject access
(Art. 15). The command line (`relreg erase`, `relreg subject-access`), the API and the
pages all come here.

An erasure removes the person from the store (every fact naming them, so nothing points at
nobody), closes the cases where they are a party with the reason "erased" and takes them
out of those cases, unbinds and disables their service accounts, forgets the reasons and
evidence kept for their declarations and reports and what the identity table knows of them,
and erases their audit details through the chain-safe path. The trail records that an
erasure happened, never whose.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field

from api import previews
from api.access import account_schools, person_in
from api.demo import rewrite_demo_files
from api.service import Register
from graph.audit import audited_change
from graph.mentions import Mentions
from graph.model import Person, World
from graph.sqlite import leave_no_copy, open_database, transaction

log = logging.getLogger(__name__)

# One hold per person and school: each school's DSL keeps their own, whoever else holds the
# person. A hold placed from the command line has no school (NULL) and is one per person too,
# which a primary key cannot say (SQLite lets NULLs repeat in one), so a unique index does.
_HOLDS = """
CREATE TABLE IF NOT EXISTS safeguarding_holds (
    person_id TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    school_id TEXT  -- the school whose DSL placed it, NULL from the command line
);
CREATE UNIQUE INDEX IF NOT EXISTS safeguarding_holds_key
    ON safeguarding_holds (person_id, IFNULL(school_id, ''));
"""


class PrivacyError(Exception):
    """A request that cannot be met, said in a sentence for the person who made it: it
    conflicts with what the register holds (a hold, a hold already placed or not there, a
    person another trust keeps too). The subclasses say other kinds of refusal."""


class NoSuchPerson(PrivacyError):
    """No such person; also the answer for someone beyond the asker's reach."""

    def __init__(self, person_id: str):
        super().__init__(f"there is no person {person_id} in the register: check the id on "
                         f"the person's page")
        self.person_id = person_id


class ReasonRequired(PrivacyError):
    """A hold, a lift, a reveal or a release needs a reason, and none was given."""


class OwnPerson(PrivacyError):
    """Nobody erases the person of the account they are signed in with."""


# Each trust is a controller of its own: its admin erases a person only where no other keeps
# records of them. Said without naming, or hinting at, who the other is.
KEPT_ELSEWHERE = ("this person also has records kept by another organisation; ask the "
                  "register's administrator")


class KeptElsewhere(PrivacyError):
    """The person is also of a school beyond the asking trust: not theirs to erase whole."""


@dataclass(frozen=True)
class Hold:
    person_id: str
    placed_by: str
    placed_at: str
    reason: str
    school_id: str | None = None  # whose DSL placed it (api/access.py keeps_hold)


def _holds_table(db: sqlite3.Connection) -> None:
    """Create the table, or bring one made when a person had a single hold (person_id its
    primary key, perhaps without school_id) to one hold per school, keeping every hold.
    SQLite cannot change a primary key: a new table is made, filled, and put in its place,
    all in one transaction."""
    columns = {name: pk for _, name, _, _, _, pk in
               db.execute("PRAGMA table_info(safeguarding_holds)")}
    if not columns.get("person_id"):  # no table yet, or already one hold per school
        for statement in _HOLDS.split(";"):
            if statement.strip():
                db.execute(statement)
        return
    school = "school_id" if "school_id" in columns else "NULL"
    table, index = _HOLDS.split(";")[:2]
    with (nullcontext() if db.in_transaction else transaction(db)):
        db.execute(table.replace("safeguarding_holds", "safeguarding_holds_new"))
        db.execute("INSERT INTO safeguarding_holds_new SELECT person_id, placed_by, placed_at, "
                   f"reason, {school} FROM safeguarding_holds")
        db.execute("DROP TABLE safeguarding_holds")
        db.execute("ALTER TABLE safeguarding_holds_new RENAME TO safeguarding_holds")
        db.execute(index)


def holds(register: Register) -> list[Hold]:
    with register.lock:
        _holds_table(register.db)
        return [Hold(*row) for row in register.db.execute(
            "SELECT person_id, placed_by, placed_at, reason, school_id FROM safeguarding_holds "
            "ORDER BY placed_at")]


def holds_on(register: Register, person_id: str) -> list[Hold]:
    """Every school's hold on the person (and the command line's): while any stands, no
    one erases them."""
    return [h for h in holds(register) if h.person_id == person_id]


def school_hold_on(register: Register, person_id: str, school_id: str | None) -> Hold | None:
    """The hold that `school_id`'s DSL placed on the person (None: the command line's)."""
    return next((h for h in holds_on(register, person_id) if h.school_id == school_id), None)


def _known(register: Register, person_id: str) -> Person:
    person = register.store.person(person_id)
    if person is None:
        raise NoSuchPerson(person_id)
    return person


def place_hold(register: Register, actor: str, person_id: str, reason: str,
               client: str | None = None, *, school_id: str | None = None) -> Hold:
    """A safeguarding lead keeps the person's records from erasure while a concern stands;
    the hold belongs to `school_id`, the school of the DSL who placed it (None: the command
    line). Another school's hold on them neither stops it nor is told of."""
    _known(register, person_id)
    if not reason.strip():
        raise ReasonRequired("say why the records must be kept: a hold needs a reason")
    if school_hold_on(register, person_id, school_id) is not None:
        raise PrivacyError(f"your school already holds {person_id}: lift that hold before "
                           f"placing another" if school_id is not None else
                           f"{person_id} already has a hold placed from the command line: lift "
                           f"it before placing another")
    placed = Hold(person_id, actor, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  reason.strip(), school_id)
    with register.writing():
        register.db.execute("INSERT INTO safeguarding_holds VALUES (?, ?, ?, ?, ?)",
                            (placed.person_id, placed.placed_by, placed.placed_at, placed.reason,
                             placed.school_id))
        register.audit.record(actor=actor, action="hold.place", object_kind="person",
                              object_id=person_id, subjects=[person_id], client=client,
                              reason=placed.reason, school_id=school_id)
    return placed


def lift_hold(register: Register, actor: str, person_id: str, reason: str,
              client: str | None = None, *, school_id: str | None = None) -> None:
    """Lift `school_id`'s hold on the person (None: the command line's); any other school's
    hold stays."""
    if school_hold_on(register, person_id, school_id) is None:
        raise PrivacyError(f"there is no safeguarding hold on {person_id}")
    if not reason.strip():
        raise ReasonRequired("say why the hold is lifted")
    with register.writing():
        register.db.execute("DELETE FROM safeguarding_holds WHERE person_id = ? "
                            "AND school_id IS ?", (person_id, school_id))
        register.audit.record(actor=actor, action="hold.lift", object_kind="person",
                              object_id=person_id, subjects=[person_id], client=client,
                              reason=reason.strip(), school_id=school_id)


# -- erasure ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure of one person removes: shown before anything is changed."""

    person: Person
    facts: World
    accounts: list[str]  # usernames of the service accounts bound to the person
    cases: list[str]  # findings of the cases where they are a party
    audit_entries: int  # entries whose details name them
    holds: list[Hold]  # every school's: while any stands, the person is not erased
    previews: int = 0  # import previews kept aside, all discarded (any may name them)
    others_words: World = field(default_factory=World)  # others' facts naming them, reworded

    def lines(self) -> list[str]:
        f = self.facts
        reworded = len(self.others_words.declarations) + len(self.others_words.approaches)
        lines = [f"{self.person.name} ({self.person.person_id})",
                 f"  memberships: {len(f.memberships)}",
                 f"  family links: {len(f.family_links)}",
                 f"  connections: {len(f.connections)}",
                 f"  declarations they made or that name them: {len(f.declarations)}",
                 f"  reports of approaches: {len(f.approaches)}",
                 f"  school social-media accounts they administer: {len(f.account_admins)}",
                 f"  service accounts unbound and disabled: {', '.join(self.accounts) or 'none'}",
                 f"  cases where they are a party, closed as erased: {len(self.cases)}",
                 f"  audit entries whose details are erased: {self.audit_entries}",
                 f"  import previews waiting to be imported, discarded: {self.previews}",
                 f"  others' declarations and reports that name them, the name replaced by "
                 f"[erased]: {reworded}"]
        if self.held:  # never why: the reason is the safeguarding lead's to see
            lines.append("  HELD for safeguarding: the records are kept until the safeguarding "
                         "lead who placed the hold lifts it")
        return lines

    @property
    def held(self) -> bool:
        return bool(self.holds)


def plan_erasure(register: Register, person_id: str, *,
                 schools: frozenset[str] | None = None) -> ErasurePlan:
    """What erasing the person removes. `schools`: those of the trust whose admin asks (their
    reach); a person who is also of a school beyond them (a member, or a pupil's parent
    there) is refused (KeptElsewhere), since another controller keeps records of them. None
    (the command line, or the whole register's admin, whose reach is every school): anyone."""
    person = _known(register, person_id)
    if schools is not None:
        beyond = {s.school_id for s in register.store.schools()} - set(schools)
        if person_in(register.store, person_id, beyond):
            raise KeptElsewhere(KEPT_ELSEWHERE)
    names = _names_of(register, person)
    with register.lock:
        accounts = [username for (username,) in register.db.execute(
            "SELECT username FROM accounts WHERE person_id = ? ORDER BY username", (person_id,))]
        audit_entries = register.db.execute(
            "SELECT COUNT(*) FROM audit_subjects WHERE person_id = ?", (person_id,)).fetchone()[0]
        return ErasurePlan(person, register.store.facts_about(person_id), accounts,
                           register.cases.of_party(person_id), audit_entries,
                           holds_on(register, person_id), previews.count(register),
                           register.store.others_words_naming(person_id, names))


def erase(register: Register, actor: str, person_id: str, *, client: str | None = None,
          own_person_id: str | None = None, basis: str = "request",
          leave_no_copy_now: bool = True,
          schools: frozenset[str] | None = None) -> ErasurePlan:
    """Erase the person, or raise PrivacyError saying why not (unknown, held, the person of
    the account asking, or also kept by a school beyond `schools`: plan_erasure). Returns
    what went. With `leave_no_copy_now` (unless a caller
    erasing several people does it once after the last), the databases are rebuilt and
    their write-ahead logs emptied, so that no copy of what went is left on disk."""
    if own_person_id is not None and own_person_id == person_id:
        raise OwnPerson("you cannot erase your own person while signed in as them: ask "
                           "another trust admin")
    plan = plan_erasure(register, person_id, schools=schools)
    if plan.held:
        raise PrivacyError(f"{person_id} is held for safeguarding: the records are kept until "
                           f"the safeguarding lead who placed the hold lifts it")
    mentions = Mentions(_names_of(register, plan.person))
    evidence_files: set[str] = set()

    def follow() -> None:  # in the transaction that completes the audit entry
        _blank_case_reasons(register, mentions)
        register.cases.erase_party(person_id, actor, names=[plan.person.name])
        for (account_id,) in register.db.execute(
                "SELECT account_id FROM accounts WHERE person_id = ?", (person_id,)).fetchall():
            register.db.execute("UPDATE accounts SET person_id = NULL, disabled = 1 "
                                "WHERE account_id = ?", (account_id,))
            register.accounts.end_sessions(account_id)
            _forget_account_details(register, account_id)
        evidence_files.update(_forget_notes_and_evidence(register, plan.facts))
        if _has_table(register.db, "yearly_confirmations"):
            register.db.execute("DELETE FROM yearly_confirmations WHERE person_id = ?",
                                (person_id,))
        _scrub_others_words(register, mentions)
        register.audit.erase_person(person_id, actor, names=mentions.original)
        register._sync("a person was erased")

    register.keep_current(now=True)  # the new day is put down to the start, not the erasure
    with register.lock:
        # The identity table is its own database, outside the erasure's transaction: it goes
        # first, so that if it is busy nothing else has gone and a rerun finds the person.
        _forget_identity(register.data_dir, person_id)
        # The entry says an erasure happened, never whose.
        with audited_change(register.audit, register.unlocked_store, actor=actor,
                            action="person.erase", object_kind="person", client=client,
                            writing=register.writing, then=follow) as learned:
            register.unlocked_store.erase_person(person_id, names=mentions.original)
            learned.update(counts=plan.facts.counts(), basis=basis)
        register.evidence.drop_unused(evidence_files)
        previews.drop_all(register)
        rewrite_demo_files(register.unlocked_store, register.data_dir)
    register.identity_changed()
    if leave_no_copy_now:
        leave_no_copy_on_disk(register)
    return plan


def leave_no_copy_on_disk(register: Register) -> bool:
    """Rebuild each of the register's databases and empty its write-ahead log (see
    graph.sqlite.leave_no_copy): what an erasure deleted is then in no file of the data
    folder, nor in a backup made after. False if a database was busy throughout in
    another process (its log is emptied at its next checkpoint); nothing personal is
    logged."""
    with register.lock:
        done = leave_no_copy(register.db)
        (service_file,) = [row[2] for row in register.db.execute("PRAGMA database_list")
                           if row[1] == "main"]
        for path in sorted(register.data_dir.glob("*.sqlite3")):
            if path.samefile(service_file):
                continue
            db = open_database(path)
            try:
                done = leave_no_copy(db) and done
            finally:
                db.close()
    if not done:
        log.warning("after an erasure a database was in use by another process: its "
                    "write-ahead log is emptied at its next checkpoint")
    return done


def _names_of(register: Register, person: Person) -> list[str]:
    """The full names a person is written as: legal, and preferred if an import kept
    one (a preferred given name alone goes with the legal family name), each given name
    first and family name first ("BRONTE, Zoe", as school registers list pupils). A name
    written partly (a given name alone) is not among them: docs/data-protection.md says
    why."""
    whole = [(person.given_name, person.family_name)]
    preferred = register.preferred_names().get(person.person_id)
    if preferred:
        given, family = preferred
        whole.append((given or person.given_name, family or person.family_name))
    return [name for given, family in whole
            for name in (f"{given} {family}".strip(), f"{family} {given}".strip())]


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _blank_case_reasons(register: Register, mentions: Mentions) -> None:
    """A reason in any case's history that names the person, however written, becomes
    "erased" (the only change the case history allows)."""
    named = [event_id for event_id, reason in register.db.execute(
        "SELECT event_id, reason FROM case_events WHERE reason IS NOT NULL "
        "AND reason != 'erased'").fetchall() if mentions.found_in(reason)]
    for event_id in named:
        register.db.execute("UPDATE case_events SET reason = 'erased' WHERE event_id = ?",
                            (event_id,))


# Words other people wrote that stay after the erasure, with the person's name taken out:
# (table, column). A hold on someone else keeps its reason, less the name.
_OTHERS_WORDS = (("safeguarding_holds", "reason"), ("declaration_notes", "reason"),
                 ("yearly_confirmations", "changes"), ("cases", "action"),
                 ("cases", "conditions"), ("evidence", "file_name"))


def _scrub_others_words(register: Register, mentions: Mentions) -> None:
    for table, column in _OTHERS_WORDS:
        if not _has_table(register.db, table):
            continue
        for rowid, text in register.db.execute(
                f"SELECT rowid, {column} FROM {table}").fetchall():
            if mentions.found_in(text):
                register.db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                                    (mentions.removed_from(text), rowid))


# What the sign-in and notification modules keep about an account (api/notify/,
# api/identity/oidc.py, api/identity/local_sign_in.py): it goes with the account's person.
_ACCOUNT_TABLES = ("account_contacts", "notice_items", "outbox", "totp_secrets",
                   "second_steps", "password_resets", "oidc_links")


def _forget_account_details(register: Register, account_id: int) -> None:
    for table in _ACCOUNT_TABLES:
        if _has_table(register.db, table):
            register.db.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))


def _forget_notes_and_evidence(register: Register, facts: World) -> set[str]:
    """Delete the notes of their declarations and the evidence records of their reports;
    return the evidence files' digests, deleted once this has committed."""
    for declaration_id in facts.declarations:
        register.db.execute("DELETE FROM declaration_notes WHERE declaration_id = ?",
                            (declaration_id,))
    files: set[str] = set()
    for report_id in facts.approaches:
        files |= register.evidence.forget_report(report_id)
    return files


def _forget_identity(data_dir, person_id: str) -> None:
    """What the identity table (graph/intake/identity.py) knows of the person: names,
    birth dates, contacts, preferred names, proposals, and the
    merge and import records that hold their facts."""
    from graph.intake.identity import IDENTITY_DATABASE

    path = data_dir / IDENTITY_DATABASE
    if not path.exists():
        return
    db = open_database(path)
    try:
        with transaction(db):
            db.execute("DELETE FROM identifiers WHERE person_id = ?", (person_id,))
            db.execute("DELETE FROM proposals WHERE ? IN (person_a, person_b)", (person_id,))
            db.execute("DELETE FROM merges WHERE instr(record, ?) > 0", (json.dumps(person_id),))
            if _has_table(db, "link_details"):
                # (an earlier release's table, until it is carried onto the family links)
                db.execute("DELETE FROM link_details WHERE ? IN (person_id, relative_id)",
                           (person_id,))
            db.execute("DELETE FROM preferred_names WHERE person_id = ?", (person_id,))
            # An import that wrote or replaced their facts can then no longer be undone.
            db.execute("DELETE FROM imports WHERE instr(removed, ?) > 0 OR instr(added, ?) > 0",
                       (json.dumps(person_id), json.dumps(person_id)))
    finally:
        db.close()


# -- retention ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionRun:
    due: list  # graph.retention.Due, not held
    held: list  # (Due, Hold): due, but kept for safeguarding
    erased: list[str]


def retention(register: Register, actor: str, as_of: dt.date, *, apply: bool = False,
              client: str | None = None) -> RetentionRun:
    """Who the retention schedule says is due on `as_of`; with `apply`, erase them through
    the same path as any erasure. Held people are skipped and listed."""
    from graph.retention import due_for_erasure

    with register.lock:
        escalated: dict[str, dt.date] = {}
        for adult_id, counterpart_id, at in register.db.execute(
                "SELECT c.adult_id, c.counterpart_id, MAX(e.at) FROM cases c JOIN case_events e "
                "ON e.finding_id = c.finding_id WHERE e.to_state = 'escalated' "
                "GROUP BY c.finding_id"):
            day = dt.date.fromisoformat(at[:10])
            for party in (adult_id, counterpart_id):
                if party and escalated.get(party, dt.date.min) < day:
                    escalated[party] = day
        everyone = due_for_erasure(register.store.export_world(), as_of, register.data_dir,
                                   escalated=escalated)
    kept: dict[str, Hold] = {}  # the first hold placed on each person held
    for h in holds(register):
        kept.setdefault(h.person_id, h)
    due = [d for d in everyone if d.person_id not in kept]
    held = [(d, kept[d.person_id]) for d in everyone if d.person_id in kept]
    erased = []
    if apply:
        for d in due:
            if register.store.person(d.person_id) is None:
                continue  # gone with someone erased before them
            erase(register, actor, d.person_id, client=client, basis=f"retention: {d.kind}",
                  leave_no_copy_now=False)
            erased.append(d.person_id)
        if erased:
            leave_no_copy_on_disk(register)
    return RetentionRun(due, held, erased)


# -- subject access -----------------------------------------------------------------------

_ROLE_WORDS = {"staff": "a member of staff", "pupil": "a pupil", "governor": "a governor",
               "volunteer": "a volunteer", "contractor": "a contractor", "visitor": "a visitor"}


@dataclass
class SubjectAccess:
    """Everything held about one person, others' personal data redacted unless revealed."""

    person: dict
    memberships: list[dict] = field(default_factory=list)
    family: list[dict] = field(default_factory=list)
    declarations: list[dict] = field(default_factory=list)
    connections: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    revealed: dict[str, str] = field(default_factory=dict)  # person id: why
    withheld: list[str] = field(default_factory=list)  # items others wrote, not released
    released: dict[str, str] = field(default_factory=dict)  # item: why the school released it
    made_on: str = ""

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("made_on", "person", "memberships", "family",
                                              "declarations", "connections", "reports",
                                              "cases", "audit", "revealed", "withheld",
                                              "released")}


def withheld_words(item: str) -> str:
    return f"(withheld: written by someone else; item {item})"


def subject_access(register: Register, actor: str, person_id: str, *,
                   reveal: dict[str, str] | None = None, release: dict[str, str] | None = None,
                   client: str | None = None,
                   schools: frozenset[str] | None = None) -> SubjectAccess:
    """Everything held about `person_id`. Other people appear as what they are ("a pupil
    of Hill School"), never by name, unless `reveal` names them with why. What others wrote
    about the person (reviewers' reasons, the details and summaries of others' declarations
    and reports) is withheld, each as an item the school may choose to `release` with why.
    The request and each reveal and release are audited (who, when, why).

    `schools`: those of the trust whose admin asks (their reach). Each trust is a controller
    of its own, so the export is that trust's part alone: memberships of its schools; family
    links, declarations, connections and reports with someone of its schools (or of none);
    cases at its schools; audit entries made by its accounts, or by no account about its
    people alone; other people described by their roles at its schools only. None (the
    command line): everything the register holds."""
    reveal = {p: why.strip() for p, why in (reveal or {}).items()}
    release = {item.strip(): why.strip() for item, why in (release or {}).items()}
    for other, why in reveal.items():
        _known(register, other)
        if not why:
            raise ReasonRequired(f"say why {other} is shown by name: a reveal needs a reason")
    for item, why in release.items():
        if not why:
            raise ReasonRequired(f"say why item {item} is released: a release needs a "
                                 f"reason")
    person = _known(register, person_id)
    store = register.store
    every_school = frozenset(s.school_id for s in store.schools())
    ours = every_school if schools is None else every_school & schools
    schools = {s.school_id: s.name for s in store.schools() if s.school_id in ours}

    def who(other_id: str | None, outside: str = "someone outside the schools") -> str:
        if other_id is None:
            return "nobody (erased)"
        if other_id in reveal:
            other = store.person(other_id)
            return f"{other.name} ({other_id})" if other else other_id
        roles = [f"{_ROLE_WORDS.get(str(m.role), 'a ' + str(m.role))} of "
                 f"{schools[m.school_id]}" for m in store.memberships_of(other_id)
                 if m.school_id in schools]
        return " and ".join(dict.fromkeys(roles)) or outside

    def with_ours(other_id: str | None) -> bool:
        """A fact with `other_id` is the trust's where they are of its schools, or of none."""
        return other_id is None or person_in(store, other_id, ours) \
            or not person_in(store, other_id, every_school)

    facts = _the_part_of(store.facts_about(person_id), person_id, ours, with_ours)
    offered: set[str] = set()

    def others_words(item: str, text: str | None) -> str | None:
        """What someone else wrote: shown only where the school released the item."""
        if not text:
            return text
        offered.add(item)
        return text if item in release else withheld_words(item)

    report = SubjectAccess(
        person={"person_id": person.person_id, "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": str(person.date_of_birth) if person.date_of_birth else None},
        made_on=register.today().isoformat(),
        revealed=reveal,
    )
    report.memberships = [
        {"school": schools.get(m.school_id, m.school_id), "role": str(m.role),
         "position": m.position and str(m.position), "start_date": m.start_date.isoformat(),
         "end_date": m.end_date and m.end_date.isoformat()} for m in facts.memberships]
    for link in facts.family_links:
        other = link.relative_id if link.person_id == person_id else link.person_id
        report.family.append({"relative": who(other, "a family member"), "kind": str(link.kind),
                              "this person is": "the first named" if link.person_id == person_id
                              else "the relative", "source": str(link.source),
                              "parental responsibility": {True: "yes", False: "no"}.get(
                                  link.parental_responsibility, "not recorded")})
    with register.lock:
        notes: dict[str, list[tuple[int, str, str]]] = {}
        for declaration_id, note_id, kind, reason in register.db.execute(
                "SELECT declaration_id, note_id, kind, reason FROM declaration_notes "
                "ORDER BY note_id"):
            if declaration_id in facts.declarations:
                notes.setdefault(declaration_id, []).append((note_id, kind, reason))
    for d in facts.declarations.values():
        made = d.declarer_id == person_id
        report.declarations.append({
            "made by": "this person" if made else who(d.declarer_id),
            "about": who(d.counterpart_id) if made else "this person",
            "basis": str(d.basis),
            "details": d.details if made else others_words(
                f"declaration:{d.declaration_id}:details", d.details),
            "declared_on": d.declared_on.isoformat(), "status": str(d.status),
            # a withdrawal's reason is the declarer's; a decision's, the reviewer's
            "reasons": [reason if made and kind == "withdraw"
                        else others_words(f"declaration-note:{note_id}", reason)
                        for note_id, kind, reason in notes.get(d.declaration_id, [])]})
    for c in facts.connections.values():
        report.connections.append({"with": who(c.other_party(person_id)), "channel": c.channel,
                                   "first_seen": c.first_seen and c.first_seen.isoformat(),
                                   "source": str(c.source)})
    for r in facts.approaches.values():
        by_them = r.adult_id == person_id
        report.reports.append({
            "reported by": "this person" if by_them else who(r.adult_id),
            "approached by": who(r.from_id) if by_them else "this person",
            "channel": r.channel, "occurred_on": r.occurred_on.isoformat(),
            "reported_on": r.reported_on.isoformat(), "status": str(r.status),
            "summary": r.summary if by_them else others_words(
                f"report:{r.report_id}:summary", r.summary)})
    with register.lock:
        for finding_id in register.cases.of_party(person_id):
            case = register.cases.get(finding_id, with_history=True)
            if case.school_id not in ours:
                continue
            report.cases.append({
                "rule": case.finding.get("rule"), "school": schools.get(case.school_id),
                "raised_on": case.raised_on.isoformat(), "outcome": str(case.state),
                "decisions": [{"on": e.at[:10], "to": e.to_state and str(e.to_state),
                               "reason": e.reason if e.actor == "register" else others_words(
                                   f"case:{finding_id}:{n}", e.reason)}
                              for n, e in enumerate(case.history)
                              if e.kind in ("moved", "erased")]})
        seqs = [seq for (seq,) in register.db.execute(
            "SELECT seq FROM audit_subjects WHERE person_id = ? ORDER BY seq", (person_id,))]
        our_actors = None if ours == every_school else {
            a.actor for a in register.accounts.all()
            if account_schools(store, a, on=register.today()) & ours}
        for seq in seqs:
            [entry] = register.audit.entries(after=seq - 1, limit=1)
            if our_actors is not None and entry.actor not in our_actors and (
                    entry.actor.startswith("account:") or not all(
                        with_ours(other) for (other,) in register.db.execute(
                            "SELECT person_id FROM audit_subjects WHERE seq = ?", (seq,)))):
                continue
            report.audit.append({"at": entry.at, "by": entry.actor, "action": entry.action,
                                 "outcome": entry.outcome})
    unknown = sorted(set(release) - offered)
    if unknown:
        raise PrivacyError(f"there is no withheld item {unknown[0]} in this person's records: "
                           f"copy the item from the export")
    report.withheld = sorted(offered - set(release))
    report.released = release
    with register.writing():
        register.audit.record(actor=actor, action="subject_access.make", object_kind="person",
                              object_id=person_id, subjects=[person_id], client=client)
        for item, why in release.items():
            register.audit.record(actor=actor, action="subject_access.release",
                                  object_kind="subject_access_item", object_id=item,
                                  subjects=[person_id], client=client, reason=why)
        for other, why in reveal.items():
            register.audit.record(actor=actor, action="subject_access.reveal",
                                  object_kind="person", object_id=other,
                                  subjects=[person_id, other], client=client, reason=why)
    return report


def _the_part_of(facts: World, person_id: str, ours: frozenset[str], with_ours) -> World:
    """The facts about `person_id` that the trust of `ours` keeps."""
    return World(
        people=facts.people,
        memberships=[m for m in facts.memberships if m.school_id in ours],
        family_links=[f for f in facts.family_links
                      if with_ours(f.relative_id if f.person_id == person_id else f.person_id)],
        connections={i: c for i, c in facts.connections.items()
                     if with_ours(c.other_party(person_id))},
        declarations={i: d for i, d in facts.declarations.items()
                      if with_ours(d.counterpart_id if d.declarer_id == person_id
                                   else d.declarer_id)},
        approaches={i: r for i, r in facts.approaches.items()
                    if with_ours(r.from_id if r.adult_id == person_id else r.adult_id)})


def subject_access_html(report: SubjectAccess) -> str:
    """One page to print: each section a table."""
    e = html.escape
    p = report.person
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Subject access: {e(p['given_name'])} {e(p['family_name'])}</title>"
             f"<style>body{{font-family:sans-serif;max-width:60rem;margin:auto}}"
             f"table{{border-collapse:collapse;width:100%;margin-bottom:1rem}}"
             f"td,th{{border:1px solid #999;padding:.2rem .4rem;text-align:left}}</style>"
             f"</head><body><h1>What the relationship register holds about "
             f"{e(p['given_name'])} {e(p['family_name'])}</h1>"
             f"<p>Made on {e(report.made_on)}. Other people are described by their role, "
             f"not named, unless the list at the end says why they are shown. What others "
             f"wrote about this person is withheld unless the school released it: the "
             f"lists at the end say which items, and why.</p>"]

    def table(title: str, rows: list[dict]) -> None:
        parts.append(f"<h2>{e(title)}</h2>")
        if not rows:
            parts.append("<p>None.</p>")
            return
        heads = list(rows[0])
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(
                f"<td>{e(json.dumps(row[h]) if isinstance(row[h], list) else str(row[h] if row[h] is not None else ''))}</td>"
                for h in heads) + "</tr>")
        parts.append("</table>")

    table("Who they are", [p])
    table("Memberships of schools", report.memberships)
    table("Family links", report.family)
    table("Declarations", report.declarations)
    table("Social-media connections", report.connections)
    table("Reports of approaches", report.reports)
    table("Cases where they are a party", report.cases)
    table("Audit entries about them", report.audit)
    table("People shown by name, and why",
          [{"person": k, "why": v} for k, v in report.revealed.items()])
    table("What others wrote, released by the school, and why",
          [{"item": k, "why": v} for k, v in report.released.items()])
    table("What others wrote, withheld", [{"item": k} for k in report.withheld])
    parts.append("</body></html>")
    return "\n".join(parts)
