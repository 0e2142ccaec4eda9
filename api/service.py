"""The review service's one home for state: the register's store, the service database
(cases, accounts, evidence, audit trail) and the lock that lets one request at a time
touch them.

Every change to the facts goes through `change_facts`: the store writes it durably (and
re-evaluates only what it touches), then, in one service-database transaction, the audit
trail records it and the cases follow the findings: new ones raised, changed ones given
the new evidence, ones that no longer fire resolved with the change as the reason.
"""

from __future__ import annotations

import contextlib
import logging
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api import previews
from api.access import ROLE_WORDS, account_problems
from api.errors import where
from api.identity import anonymous as anonymous_audit
from api.identity import (
    Account,
    AccountBook,
    AccountNoLongerFits,
    Session,
    SessionKind,
    SignInError,
    SignInFailed,
    SignInLocked,
    SignInSlowed,
    verify_password,
)
from graph.sqlite import open_reader, transaction
from api.evidence import EvidenceBox
from api.settings import Settings
from graph.audit import AuditTrail, audited_change
from graph.intake.identity import IDENTITY_DATABASE, IdentityTable
from graph.model import Person, World
from graph.profiles import load_profile, use_data_folder
from graph.review import REGISTER, CaseBook, CaseChange, know_bank_holidays
from graph.store.base import Store, sort_people
from graph.timeline import what_happened
from graph.words import Names

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reevaluation:
    since: dt.date | None  # the last run before this one
    as_of: dt.date
    changes: list[tuple[CaseChange, str]]  # each change to a case, with what happened

    def lines(self, words: Callable[[str], str] = str) -> list[str]:
        """What changed, a line each; `words` turns the register's ids into names."""
        head = (f"re-evaluated as of {self.as_of}; last run as of {self.since}" if self.since
                else f"re-evaluated as of {self.as_of}; first run")
        lines = [head + f": {len(self.changes)} change(s)"]
        for change, why in self.changes:
            lines.append(f"{change.kind}: {words(' and '.join(change.subjects))}: {words(why)}")
        return lines


@dataclass(frozen=True)
class FindingsLabel:
    """Which findings the cases hold: evaluated as of `as_of` on facts version
    `facts_version` (None for both before the first evaluation), and what the refresh at
    start is doing while it brings them up to date (None once it is done)."""

    as_of: dt.date | None
    facts_version: int | None
    step: str | None  # of REFRESH_STEPS
    today: dt.date

    @property
    def state(self) -> str:
        """'loading' (no findings yet), 'refreshing' (while the refresh runs, or findings of
        an earlier day, which the next request that needs them brings up to date: a refresh
        that failed leaves them so) or 'current'."""
        if self.as_of is None:
            return "loading"
        return "refreshing" if self.step or self.as_of != self.today else "current"


# What the refresh at start does, in order, as the pages name each step.
LOADING, EVALUATING = "loading the facts", "evaluating the findings"
REFRESH_STEPS = (LOADING, EVALUATING)


@dataclass(frozen=True)
class Actor:
    """Who does something and from where, for the audit trail."""

    account: Account | None
    client: str | None = None

    @property
    def name(self) -> str:
        return self.account.actor if self.account else "anonymous"


def _ties_only(world: World) -> bool:
    """Whether `world` holds only ties between people (connections, declarations, approach
    reports): it moves no one's memberships, names or schools."""
    return not (world.people or world.memberships or world.schools or world.family_links
                or world.school_accounts or world.account_admins)


class LockedStore:
    """The store, one caller at a time: each method call holds the service's lock. What
    the store returns is frozen records and fresh lists, safe to use after."""

    def __init__(self, store: Store, lock: threading.RLock):
        self._store = store
        self._lock = lock

    def __getattr__(self, name: str):
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        if name in getattr(self._store, "READS_WITHOUT_LOCK", ()):
            return attribute  # safe beside a write: see the store's READS_WITHOUT_LOCK

        def locked(*args, **kwargs):
            if name not in getattr(self._store, "READS_WITHOUT_FACTS", ()):
                # A read that needs the facts waits for a load under way (the refresh at
                # start) before it takes the lock, not while holding it: the others go on.
                self._store.load()
            with self._lock:
                return attribute(*args, **kwargs)

        return locked


class Register:
    def __init__(self, store: Store, db: sqlite3.Connection, settings: Settings,
                 data_dir: Path, *, today: Callable[[], dt.date] = dt.date.today,
                 clock: Callable[[], float] = time.time):
        self.lock = threading.RLock()
        # The store itself, for code that already holds `lock` across several steps (a
        # change and its audit entry); everyone else uses `store`, which takes the lock.
        self.unlocked_store = store
        self.store = LockedStore(store, self.lock)
        self.db = db
        self.settings = settings
        self.data_dir = Path(data_dir)
        use_data_folder(self.data_dir)  # the schools' own profiles are read from it
        self.today = today
        with self.lock:  # each creates its tables if need be
            self.cases = CaseBook(db)
            self.audit = AuditTrail(db)
            self.accounts = AccountBook(db, settings, clock)
            self.evidence = EvidenceBox(db, self.data_dir / "evidence")
            db.execute("CREATE TABLE IF NOT EXISTS reevaluations (as_of TEXT NOT NULL, "
                       "run_at TEXT NOT NULL, changes INTEGER NOT NULL)")
            # What the cases were last brought in line with (FindingsLabel).
            # `rules`: the store's rules_fingerprint when they were (None: unknown).
            db.execute("CREATE TABLE IF NOT EXISTS findings_held (as_of TEXT NOT NULL, "
                       "facts_version INTEGER, rules TEXT)")
            if "rules" not in {row[1] for row in db.execute("PRAGMA table_info(findings_held)")}:
                db.execute("ALTER TABLE findings_held ADD COLUMN rules TEXT")
            with transaction(db):  # a register from before the table: its last re-evaluation
                db.execute("INSERT INTO findings_held (as_of) SELECT MAX(as_of) FROM reevaluations "
                           "WHERE NOT EXISTS (SELECT 1 FROM findings_held) "
                           "HAVING MAX(as_of) IS NOT NULL")
            db.execute("CREATE TABLE IF NOT EXISTS plain_http_sign_ins (on_date TEXT NOT NULL, "
                       "seen_by TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS declaration_notes (note_id INTEGER PRIMARY KEY, "
                       "declaration_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, "
                       "kind TEXT NOT NULL, reason TEXT NOT NULL)")
            with transaction(db):  # changes a killed process made but did not audit
                self.audit.reconcile(store.applied)
            if (self.data_dir / IDENTITY_DATABASE).exists():
                with IdentityTable(self.data_dir) as identity:  # an earlier release's side table
                    identity.carry_link_details(store)
        self._synced_on: dt.date | None = None
        # Read-only connections to the service database, one for each thread that reads
        # the queue (`queue_rows`).
        self._database_file = db.execute("PRAGMA database_list").fetchone()[2]
        self._readers = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._held = self._read_held()
        # What the refresh at start is doing (a step of REFRESH_STEPS); None when none runs.
        self._refresh_step: str | None = None
        self._closed = False  # a refresh still loading when the service stops gives up
        # Checks a right password must also pass (a second factor, passwords turned off):
        # each raises a SignInError to refuse. Installed by api.identity.local_sign_in.
        self.sign_in_guards: list[Callable[[Account, str | None], None]] = []
        # Whether each account still fits its holder's memberships, as of a day and a
        # state of the facts (bumped whenever the cases follow a change that may move who
        # someone is or where they belong: not a connection, declaration or approach
        # report, which are most writes): asked on every request, worked out again only
        # when either moves on, or after a minute.
        self._facts_version = 0
        self._rules_known: tuple[int, str | None] | None = None  # (_facts_version, fingerprint)
        self._fits: dict[tuple, tuple[tuple, float, str | None]] = {}
        self._names: tuple[int, dict] | None = None
        self._review_days_known: tuple[int, float, dict[str, int]] | None = None

    @contextlib.contextmanager
    def writing(self):
        """The lock and one service-database transaction."""
        with self.lock:
            synced_on = self._synced_on
            try:
                with transaction(self.db):
                    yield
            except BaseException:
                self.cases.reload()  # its memory of live findings may be ahead of the rollback
                self._held = self._read_held()
                self._synced_on = synced_on  # a day's re-evaluation rolled back is not done
                raise

    def record(self, actor: Actor, action: str, object_kind: str, **details) -> None:
        """Audit something that changes no fact: a sign-in, a case move, a view."""
        with self.writing():
            self.audit.record(actor=actor.name, action=action, object_kind=object_kind,
                              client=actor.client, **details)

    def change_facts(self, actor: Actor, action: str, object_kind: str, *, cause: str,
                     upsert: World | None = None, remove_connection: str | None = None,
                     import_world: World | None = None,
                     replace: tuple[World, World] | None = None,
                     then: Callable[[], None] | None = None,
                     opened_by_import: tuple[str, str] | None = None, **details) -> None:
        """Write a change to the facts, audit it, and bring the cases in line; `then`
        writes anything else that goes with it in the same service-database transaction.
        `opened_by_import` (import id, kind): the cases this change opens are noted as that
        import's, for the queue's view by import."""
        def follow() -> None:
            if then is not None:
                then()
            changes = self._sync(cause, people_moved=not (
                import_world is None and replace is None
                and (upsert is None or _ties_only(upsert))))
            if opened_by_import is not None:
                self.cases.note_opened_by_import(
                    [c.finding_id for c in changes if c.kind in ("raised", "reopened")],
                    *opened_by_import)

        with self.lock:
            self.keep_current(now=True)  # so that what the new day changed is not put down to this
            with audited_change(self.audit, self.unlocked_store, actor=actor.name, action=action,
                                object_kind=object_kind, client=actor.client,
                                writing=self.writing, then=follow, **details):
                if upsert is not None:
                    self.unlocked_store.upsert(upsert)
                if remove_connection is not None:
                    self.unlocked_store.remove_connection(remove_connection)
                if import_world is not None:
                    self.unlocked_store.import_world(import_world)
                if replace is not None:  # (facts that go, facts that come back)
                    self.unlocked_store.replace_facts(*replace)

    def keep_current(self, *, now: bool = False) -> None:
        """Re-evaluate once the date has moved on (an ex-pupil may have turned 18). While
        the refresh at start is under way the cases are served as they are (labelled with
        what they hold) and it brings them in line, unless `now`: then the caller waits
        while the facts load and re-evaluates itself, as a change to the facts must."""
        if self._refresh_step is not None and not now:
            return
        if now:  # wait for a load under way without the lock, so that others go on meanwhile
            self.unlocked_store.load()
        if self._synced_on == self.today():  # (asked on every request: no lock to find so)
            return
        with self.lock:
            if self._synced_on != self.today():
                self.reevaluate(self.today(), "the service started" if self._synced_on is None else None)

    def start_refresh(self) -> threading.Thread:
        """Load the facts and bring the cases in line as of today in a thread of its own,
        so that the service answers at once from the cases as they were last brought in
        line. A killed process leaves them so: the cases change in one transaction."""
        self._refresh_step = LOADING

        def refresh():
            try:
                # Before any case is raised: the first one's deadline would load the calendar's
                # code under the lock while the writes of clients back after a restart wait.
                know_bank_holidays(self.today())
                # With today's findings saved for these facts, the cases come in line at
                # once and the facts load after; else the load comes first, outside the lock.
                with self.lock:
                    at_hand = self._adopt_held() or self.unlocked_store.findings_at_hand(self.today())
                if not at_hand:
                    self.unlocked_store.load()
                self._refresh_step = EVALUATING
                with self.lock:
                    if not self._closed and self._synced_on != self.today():
                        self.reevaluate(self.today(), "the service started")
                self._refresh_step = None
                self.unlocked_store.load()  # for what needs the facts next, if not yet
            except Exception as error:  # the next request that needs the findings tries again
                log.error("the refresh at start failed: %s at %s", type(error).__name__,
                          where(error))  # never the message: it may name someone
                return
            finally:
                self._refresh_step = None
            try:
                self._know_signed_in()
            except Exception as error:  # each client's first request looks it up instead
                log.error("looking up the signed-in sessions at start failed: %s at %s",
                          type(error).__name__, where(error))

        thread = threading.Thread(target=refresh, name="refreshing-findings", daemon=True)
        thread.start()
        return thread

    def _know_signed_in(self) -> None:
        """Look up the sessions that have not expired and whether each one's account still
        fits its holder: after a restart the clients come back all at once, and each
        would otherwise wait for the others' look-ups in the store."""
        with self.lock:
            accounts = self.accounts.know_live_sessions()
        for account in accounts:
            self.account_misfit(account)

    def findings_label(self) -> FindingsLabel:
        """What the cases hold and whether the refresh at start is still bringing them up
        to date; read without the lock, so that a page shows it while the refresh runs."""
        as_of, facts_version = self._held
        return FindingsLabel(as_of, facts_version, self._refresh_step, self.today())

    def _adopt_held(self) -> bool:
        """Hand the store the findings the cases hold when they are today's, of the facts
        as they are and of the rules as they are, so that bringing the cases in line at
        start evaluates nothing (a store that keeps no findings of its own, Neo4j)."""
        as_of, facts_version = self._held
        if as_of != self.today() or facts_version is None:
            return False
        held_rules = self.db.execute("SELECT rules FROM findings_held").fetchone()[0]
        return held_rules is not None and held_rules == self._rules_fingerprint() and \
            self.unlocked_store.adopt_findings(self.cases.live_findings(), as_of, facts_version)

    def _rules_fingerprint(self) -> str | None:
        """The store's rules_fingerprint, asked again only when a change may have moved
        what the schools are."""
        if self._rules_known is None or self._rules_known[0] != self._facts_version:
            self._rules_known = (self._facts_version, self.unlocked_store.rules_fingerprint())
        return self._rules_known[1]

    def _read_held(self) -> tuple[dt.date | None, int | None]:
        row = self.db.execute("SELECT as_of, facts_version FROM findings_held").fetchone()
        return (dt.date.fromisoformat(row[0]), row[1]) if row else (None, None)

    def _hold(self, as_of: dt.date, facts_version: int | None = None) -> None:
        """Note, in the transaction that brought the cases in line, what they now hold:
        findings of `facts_version` (read from the store when not given)."""
        if facts_version is None:
            facts_version = self.unlocked_store.facts_version()
        self.db.execute("DELETE FROM findings_held")
        self.db.execute("INSERT INTO findings_held VALUES (?, ?, ?)",
                        (as_of.isoformat(), facts_version, self._rules_fingerprint()))
        self._held = (as_of, facts_version)

    def run_daily(self, check_every_seconds: float = 600) -> threading.Event:
        """Re-evaluate each day as it comes, even when no one uses the service; set the
        returned event to stop."""
        stop = threading.Event()
        self.log_head()

        def loop():
            logged_on = self.today()
            while not stop.wait(check_every_seconds):
                try:
                    # Import previews hold the people of their file: gone after the setting
                    # even when no one opens the import page.
                    previews.drop_expired(self)
                    self.keep_current()
                    if logged_on != self.today() and not stop.is_set():
                        logged_on = self.today()
                        self.log_head()
                except Exception as error:  # the next check tries again
                    log.error("the daily re-evaluation failed: %s at %s",
                              type(error).__name__, where(error))

        threading.Thread(target=loop, name="daily-reevaluation", daemon=True).start()
        return stop

    def reevaluate(self, as_of: dt.date, cause: str | None = None,
                   actor: str | None = None) -> Reevaluation:
        """Bring the cases in line with the findings as of `as_of` (the daily run, or
        `relreg reevaluate` by `actor`, who is audited), and say what changed since the
        last run and why."""
        with self.lock:
            last = self.db.execute("SELECT MAX(as_of) FROM reevaluations").fetchone()[0]
            since = dt.date.fromisoformat(last) if last else None
            with self.writing():
                if actor is not None:
                    self.audit.record(actor=actor, action="findings.reevaluate",
                                      object_kind="finding", as_of=as_of.isoformat())
                changes = self._sync(cause or f"re-evaluated as of {as_of.isoformat()}", as_of)
                self.db.execute("INSERT INTO reevaluations (as_of, run_at, changes) VALUES (?, ?, ?)",
                                (as_of.isoformat(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                 len(changes)))
            explained = [
                (change, what_happened(self.unlocked_store, self.cases.get(change.finding_id).finding,
                                       since, as_of))
                for change in changes
            ]
        return Reevaluation(since, as_of, explained)

    def refresh(self, actor: Actor) -> None:
        """Re-evaluate on demand as of today and bring the cases in line."""
        with self.writing():
            self.audit.record(actor=actor.name, action="findings.refresh", object_kind="finding",
                              client=actor.client)
            self._sync(f"re-evaluated on demand as of {self.today().isoformat()}")

    def _sync(self, cause: str, as_of: dt.date | None = None, *,
              people_moved: bool = True) -> list[CaseChange]:
        """Bring the cases in line with the findings; `people_moved`: the change may have
        moved who someone is, where they belong or what the schools are."""
        if people_moved:
            self._facts_version += 1
        today = self.today()
        as_of = as_of or today
        review_days = self._review_days()
        # Only the findings a change touched, when the store can tell which: a change then
        # costs the same however many findings there are.
        since = self.unlocked_store.findings_since(as_of, self.cases.findings_mark)
        changes = self.cases.sync(since.findings, as_of, cause, review_days, since.touched)
        self.cases.findings_mark = since.mark
        self._hold(as_of, since.facts_version)
        for change in changes:
            self.audit.record(
                actor=REGISTER, action=f"case.{change.kind}", object_kind="case",
                object_id=change.finding_id, subjects=change.subjects,
                from_state=change.from_state, to_state=change.to_state, reason=change.reason)
        if as_of == today:
            self._synced_on = today
        return changes

    def _review_days(self) -> Callable[[str], int]:
        """Each school's days to review a case, by its profile: read from the store when
        first asked after a change that may move the schools (or after a minute)."""
        def days(school_id: str) -> int:
            now = self.accounts.clock()
            known = self._review_days_known
            if known is None or known[0] != self._facts_version or known[1] <= now \
                    or school_id not in known[2]:
                known = self._review_days_known = (self._facts_version, now + 60, {
                    s.school_id: load_profile(s.profile).review_days
                    for s in self.unlocked_store.schools()})
            return known[2][school_id]

        return days

    def review_days_at(self, school_id: str) -> int:
        return self._review_days()(school_id)

    # -- sign-in and sessions --------------------------------------------------------

    def sign_in(self, username: str, password: str, kind: SessionKind,
                client: str | None, totp_code: str | None = None, *,
                unencrypted: bool = False) -> tuple[Account, str, str | None]:
        """(account, token, csrf token) or a SignInError; every attempt is audited.
        `unencrypted`: the password came over plain HTTP from another machine."""
        try:
            with self.lock:
                account_id, password_hash = self.accounts.sign_in_gate(username)
            verified = verify_password(password_hash, password)  # slow: outside the lock
            with self.writing():
                account = self.accounts.sign_in_result(username, account_id, password_hash,
                                                       password, verified)
                if account is not None:
                    for guard in self.sign_in_guards:
                        guard(account, totp_code)
                    token, csrf = self.begin_session(account, kind, client,
                                                     unencrypted=unencrypted)
            if account is None:  # the failure is counted: now say so
                raise SignInFailed("wrong username or password")
            return account, token, csrf
        except SignInError as error:
            if getattr(error, "uncounted", False):  # refused by a guard: count it now
                with self.writing():
                    self.accounts.count_failure(username)
            outcome = getattr(error, "outcome", None) or {
                SignInFailed: "failed", SignInSlowed: "slowed", SignInLocked: "locked"}[type(error)]
            # The username goes in the erasable details; the chain keeps only the outcome.
            # Bounded, sanitised and rate-limited: anyone can send this (api/identity/anonymous.py).
            with self.writing():
                anonymous_audit.record(self, client, "sign_in", "session", outcome=outcome,
                                       username=username)
            raise

    def begin_session(self, account: Account, kind: SessionKind, client: str | None, *,
                      method: str = "password", unencrypted: bool = False
                      ) -> tuple[str, str | None]:
        """Where every sign-in ends (password, one-time code, identity provider): refuse
        an account that no longer fits its holder, start the session, audit it, and keep
        the warning for trust admins if it came over plain HTTP from another machine. The
        caller holds `writing()`; (token, csrf token) as AccountBook.start_session."""
        refusal = self.refusal(account)
        if refusal is not None:
            raise AccountNoLongerFits(refusal)
        token, csrf = self.accounts.start_session(account, kind)
        self.audit.record(actor=account.actor, action="sign_in", object_kind="session",
                          client=client, kind=str(kind), method=method)
        if unencrypted:  # only the latest is kept, until a trust admin has seen it
            self.db.execute("DELETE FROM plain_http_sign_ins")
            self.db.execute("INSERT INTO plain_http_sign_ins (on_date) VALUES (?)",
                            (self.today().isoformat(),))
        return token, csrf

    @property
    def plain_http_sign_in_on(self) -> dt.date | None:
        """The day of the last sign-in over plain HTTP from another machine, until a
        trust admin says they have seen the warning."""
        with self.lock:
            row = self.db.execute("SELECT on_date FROM plain_http_sign_ins "
                                  "WHERE seen_by IS NULL").fetchone()
        return dt.date.fromisoformat(row[0]) if row else None

    def plain_http_warning_seen(self, actor: Actor) -> None:
        with self.writing():
            self.db.execute("UPDATE plain_http_sign_ins SET seen_by = ? WHERE seen_by IS NULL",
                            (actor.name,))
            self.audit.record(actor=actor.name, action="plain_http_warning.seen",
                              object_kind="session", client=actor.client)

    def preferred_names(self) -> dict[str, tuple[str, str]]:
        """The preferred names the imports kept, by person; read again once the facts
        have changed."""
        with self.lock:
            if self._names is None or self._names[0] != self._facts_version:
                preferred = {}
                if (self.data_dir / IDENTITY_DATABASE).exists():
                    with IdentityTable(self.data_dir) as table:
                        preferred = table.preferred_names()
                self._names = (self._facts_version, preferred)
            return self._names[1]

    def identity_changed(self) -> None:
        """The identity store was written after the facts (an import's preferred names,
        an erasure): read the preferred names again."""
        with self.lock:
            self._names = None

    def people_named(self, school_id: str, text: str) -> list[Person]:
        """People of the school whose legal or preferred name holds `text` (any case)."""
        store = self.store
        found = {p.person_id: p for p in store.people_at(school_id, text)}
        wanted = text.casefold()
        for person_id, preferred in self.preferred_names().items():
            if person_id in found or wanted not in " ".join(preferred).casefold():
                continue
            person = store.person(person_id)
            if person is not None and any(m.school_id == school_id
                                          for m in store.memberships_of(person_id)):
                found[person_id] = person
        return sort_people(found.values())

    def names(self) -> Names:
        """Names for the register's ids (graph/words.py), preferred names shown."""
        return Names.of_store(self.store, preferred=self.preferred_names().get)

    def account_misfit(self, account: Account) -> str | None:
        """Why the account's role no longer fits its holder's current memberships
        (api/access.py), as a trust admin reads it; None while it fits."""
        known = self._known_fit(account)
        if known is not None:
            return known[0]
        stamp = (self.today(), self._facts_version)  # before the reads: a change meanwhile shows
        problems = account_problems(self.store, account.role, account.person_id,
                                    account.school_id, stamp[0])
        why = problems[0][1] if problems else None
        self._fits[_fit_key(account)] = (stamp, self.accounts.clock() + 60, why)
        return why

    def _known_fit(self, account: Account) -> tuple[str | None] | None:
        """(account_misfit,) as worked out within the last minute, today, and since no change
        moved who anyone is; None when it must be worked out again. Needs no lock."""
        known = self._fits.get(_fit_key(account))
        if known is not None and known[0] == (self.today(), self._facts_version) \
                and known[1] > self.accounts.clock():
            return (known[2],)
        return None

    def refusal(self, account: Account) -> str | None:
        """What its holder is told when an account no longer fits; None while it does."""
        why = self.account_misfit(account)
        return why and _refusal_words(account, why)

    def known_refusal(self, account: Account) -> tuple[str | None] | None:
        """(refusal,) when the account's fit is known without reading the store; None when
        it is not, and `refusal` must read it (in a worker thread, not the event loop)."""
        known = self._known_fit(account)
        return known and (known[0] and _refusal_words(account, known[0]),)

    def queue_rows(self, **filters) -> list[tuple]:
        """`CaseBook.find_rows`, read without the lock on a read-only connection of this
        thread's own: the queue's order needs every open case of a school, and a read of
        them all does not hold up the writes that wait for the lock. It sees every write
        committed before it."""
        reader = getattr(self._readers, "db", None)
        if reader is None:
            reader = self._readers.db = open_reader(self._database_file)
            self._reader_connections.append(reader)
        rows = self.cases.find_rows(db=reader, **filters)
        # Its page cache goes with the read: no page of a case erased later stays in memory.
        reader.execute("PRAGMA shrink_memory")
        return rows

    def session(self, token: str, kind: SessionKind) -> Session | None:
        with self.lock:
            return self.accounts.session(token, kind)

    def sign_out(self, actor: Actor, token: str) -> None:
        with self.writing():
            self.accounts.end_session(token)
            self.audit.record(actor=actor.name, action="sign_out", object_kind="session",
                              client=actor.client)

    # -- why declarations were decided or withdrawn: the facts do not say ---------------

    def note_declaration(self, declaration_id: str, actor: Actor, kind: str, reason: str) -> None:
        """Record why (the caller holds a transaction)."""
        self.db.execute("INSERT INTO declaration_notes (declaration_id, at, actor, kind, reason) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (declaration_id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                         actor.name, kind, reason))

    def declaration_reasons(self, declaration_ids: list[str]) -> dict[str, str]:
        """The latest reason given for each of the declarations that has one."""
        reasons: dict[str, str] = {}
        with self.lock:
            for start in range(0, len(declaration_ids), 500):
                chunk = declaration_ids[start:start + 500]
                rows = self.db.execute(
                    f"SELECT declaration_id, reason FROM declaration_notes WHERE declaration_id "
                    f"IN ({', '.join('?' * len(chunk))}) ORDER BY note_id", chunk)
                reasons.update(rows)
        return reasons

    def log_head(self) -> None:
        """Write the audit trail's head to the log (daily and at shutdown), from where a
        school copies it off the machine: `relreg audit verify --head` checks against it."""
        with self.lock:
            log.info("audit trail head %s", self.audit.head())

    def close(self) -> None:
        with self.lock:
            self._closed = True
            self.log_head()
            for reader in self._reader_connections:
                reader.close()
            self.db.close()


def _fit_key(account: Account) -> tuple:
    return account.account_id, account.role, account.person_id, account.school_id


def _refusal_words(account: Account, why: str) -> str:
    return (f"Your account ({ROLE_WORDS[account.role]}) can no longer be used: {why}. "
            f"Ask a trust admin to change your account.")
