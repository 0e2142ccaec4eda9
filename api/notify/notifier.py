"""Content-free e-mail: a message says only that something in the register needs the
person's attention and links to the page. It never names a child, a relationship or what a
finding is about: only how many of each kind of thing wait, and where.

What people are told about comes from the audit trail (a case raised or reopened for the
leaders it is routed to, a case assigned, a declaration decided) and from the state of the
register on the day (cases due by the next school day or overdue, a yearly confirmation
due, an account locked, a sign-in waiting for approval). Each becomes an item for one
account; `Notifier.run` turns the items waiting into one message per person: at once for
people who chose immediate (and always for a locked account), in the daily digest for the
rest. Messages wait in an outbox and are sent outside the service's lock, so no action ever
waits for the mail server; a failed send is tried again with growing waits, then shown to
trust admins as failed. Every send and every failed attempt goes in the audit trail (to
which account, which kinds, when).

Settings: RELREG_SMTP_HOST, RELREG_SMTP_PORT, RELREG_SMTP_SECURITY (none, starttls, tls),
RELREG_SMTP_USER, RELREG_SMTP_PASSWORD, RELREG_SMTP_FROM (docs/sign-in-and-notifications.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from api.access import routed_to_administrators
from api.identity import REVIEWER_ROLES, SCHOOL_ROLES, Account, AccountRole
from api.identity.oidc import waiting_requests
from api.notify.mail import (Contacts, MailError, Mailer, Mode, create_tables, mail_problems,
                             mail_settings)
from api.service import Register
from graph.review import AWAITING_DECISION, CaseNotFound, add_school_days
from graph.routing import ADMINISTRATORS

log = logging.getLogger(__name__)


class Kind:
    CASE_ROUTED = "case_routed"
    CASE_DUE = "case_due"
    CASE_OVERDUE = "case_overdue"
    DECLARATION_DECIDED = "declaration_decided"
    CONFIRMATION_DUE = "confirmation_due"
    ACCOUNT_LOCKED = "account_locked"  # to the account's owner
    AN_ACCOUNT_LOCKED = "an_account_locked"  # to trust admins
    ACCESS_REQUEST = "access_request"  # to trust admins: a first sign-in waits


# Sent at once whatever the person chose: they are about the safety of an account.
URGENT = frozenset({Kind.ACCOUNT_LOCKED, Kind.AN_ACCOUNT_LOCKED})
# Worked out afresh each day: yesterday's count is no longer true.
DAILY = frozenset({Kind.CASE_DUE, Kind.CASE_OVERDUE})

# (sentence for one, sentence for several with {n}, page)
_LINES = {
    Kind.ACCOUNT_LOCKED: ("Your account was locked after repeated failed sign-ins. If that "
                          "was not you, tell your trust admin.", None, "/sign-in"),
    Kind.AN_ACCOUNT_LOCKED: ("An account was locked after repeated failed sign-ins.",
                             "{n} accounts were locked after repeated failed sign-ins.",
                             "/admin/accounts"),
    Kind.CASE_ROUTED: ("A case has been routed to you for review.",
                       "{n} cases have been routed to you for review.", "/cases"),
    Kind.CASE_OVERDUE: ("A case you review is overdue for a decision.",
                        "{n} cases you review are overdue for a decision.", "/cases"),
    Kind.CASE_DUE: ("A case you review is due for a decision by the next school day.",
                    "{n} cases you review are due for a decision by the next school day.",
                    "/cases"),
    Kind.DECLARATION_DECIDED: ("A declaration you made has been decided.",
                               "{n} declarations you made have been decided.", "/my"),
    Kind.CONFIRMATION_DUE: ("Your yearly confirmation is due.", None, "/my"),
    Kind.ACCESS_REQUEST: ("A first sign-in waits for your approval.",
                          "{n} first sign-ins wait for your approval.", "/admin/sign-in"),
}
KIND_NAMES = {
    Kind.ACCOUNT_LOCKED: "Account locked", Kind.AN_ACCOUNT_LOCKED: "An account locked",
    Kind.CASE_ROUTED: "Case routed", Kind.CASE_OVERDUE: "Case overdue",
    Kind.CASE_DUE: "Case due", Kind.DECLARATION_DECIDED: "Declaration decided",
    Kind.CONFIRMATION_DUE: "Yearly confirmation due", Kind.ACCESS_REQUEST: "Sign-in to approve",
}


# -- the outbox ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxMessage:
    message_id: int
    account_id: int
    to_address: str
    kinds: list[str]
    subject: str
    body: str
    created_at: float
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    sent_at: float | None


_OUTBOX_COLUMNS = ("message_id, account_id, to_address, kinds, subject, body, created_at, "
                   "status, attempts, next_attempt_at, last_error, sent_at")


def _message(row) -> OutboxMessage:
    values = list(row)
    values[3] = json.loads(values[3])
    return OutboxMessage(*values)


@dataclass
class NotifyReport:
    composed: list[OutboxMessage] = field(default_factory=list)
    sent: int = 0
    failed: list[tuple[OutboxMessage, str]] = field(default_factory=list)
    digest: bool = False

    def lines(self, usernames: dict[int, str]) -> list[str]:
        lines = []
        for m in self.composed:
            lines.append(f"{usernames.get(m.account_id, m.account_id)} <{m.to_address}>: "
                         f"{', '.join(KIND_NAMES[k] for k in m.kinds)}")
        for m, why in self.failed:
            lines.append(f"not sent to {usernames.get(m.account_id, m.account_id)}: {why}")
        return lines


class Notifier:
    """Turns what happened into messages and sends them. `register` gives the lock, the
    service database, the case book, the store, the accounts and the audit trail."""

    LEASE_SECONDS = 300  # a message being sent is not picked up by another run meanwhile

    def __init__(self, register: Register, mailer: Mailer | None = None):
        self.register = register
        self.db = register.db
        self.settings = register.settings
        self.mailer = mailer or Mailer(register=register)
        from api.pages.confirmations import YearlyConfirmations

        with register.lock:  # executescript commits by itself: no transaction around it
            create_tables(self.db)
            YearlyConfirmations.create_table(self.db)
        self.contacts = Contacts(self.db)

    def now(self) -> float:
        return self.register.accounts.clock()

    # -- state ------------------------------------------------------------------------

    def _state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM notify_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO notify_state VALUES (?, ?)", (key, value))

    def digest_due(self) -> bool:
        """Whether today's digest has not gone yet."""
        with self.register.lock:
            return self._state("digest_on") != self.register.today().isoformat()

    # -- one run ------------------------------------------------------------------------

    def run(self, *, digest: bool, dry_run: bool = False) -> NotifyReport:
        """Collect what happened, compose a message for each person with something to be
        told now (everything waiting if `digest`), and send what is due. With `dry_run`
        nothing is recorded or sent: the report says what would go."""
        report = NotifyReport(digest=digest)
        register = self.register

        class _DryRun(Exception):
            pass

        try:
            with register.writing():
                self._collect(digest)
                report.composed = self._compose(digest)
                if digest:
                    self._set_state("digest_on", register.today().isoformat())
                if dry_run:
                    raise _DryRun
        except _DryRun:
            return report
        self.send_due(report)
        return report

    def send_due(self, report: NotifyReport | None = None) -> NotifyReport:
        """Send every message that is due, each outside the lock."""
        report = report or NotifyReport()
        now = self.now()
        with self.register.writing():
            due = [_message(row) for row in self.db.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' "
                f"AND next_attempt_at <= ? ORDER BY message_id", (now,))]
            for m in due:
                self.db.execute("UPDATE outbox SET next_attempt_at = ? WHERE message_id = ?",
                                (now + self.LEASE_SECONDS, m.message_id))
        for m in due:
            try:
                self.mailer.send(m.to_address, m.subject, m.body, self.now())
            except MailError as error:
                self._failed(m, str(error))
                report.failed.append((m, str(error)))
            else:
                self._sent(m)
                report.sent += 1
        return report

    def _recipient(self, account_id: int) -> tuple[str, list[str]]:
        account = self.register.accounts.get(account_id)
        return f"account:{account_id}", [account.person_id] if account and account.person_id else []

    def _sent(self, m: OutboxMessage) -> None:
        now = self.now()
        with self.register.writing():
            recipient, subjects = self._recipient(m.account_id)
            self.db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = "
                            "attempts + 1, last_error = NULL WHERE message_id = ?",
                            (now, m.message_id))
            self.register.audit.record(actor="register", action="notification.send",
                                       object_kind="notification", object_id=str(m.message_id),
                                       subjects=subjects, recipient=recipient, kinds=m.kinds)

    def _failed(self, m: OutboxMessage, why: str) -> None:
        now = self.now()
        attempts = m.attempts + 1
        gave_up = attempts >= self.settings.notify_attempts
        with self.register.writing():
            recipient, subjects = self._recipient(m.account_id)
            self.db.execute(
                "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, "
                "last_error = ? WHERE message_id = ?",
                ("failed" if gave_up else "pending", attempts,
                 now + 60 * 2 ** attempts, why, m.message_id))
            self.register.audit.record(actor="register", action="notification.send",
                                       object_kind="notification", object_id=str(m.message_id),
                                       outcome="failed", subjects=subjects,
                                       recipient=recipient, kinds=m.kinds, attempt=attempts,
                                       error=why)
        log.warning("a notification was not sent (attempt %d): %s", attempts, why)

    # -- what happened -------------------------------------------------------------------

    def _add(self, account_id: int, kind: str, ref: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO notice_items (account_id, kind, ref, created_at) "
                        "VALUES (?, ?, ?, ?)", (account_id, kind, ref, self.now()))

    def _collect(self, digest: bool) -> None:
        register = self.register
        accounts = [a for a in register.accounts.all() if not a.disabled]
        by_person: dict[str, list[Account]] = defaultdict(list)
        for account in accounts:
            if account.person_id:
                by_person[account.person_id].append(account)
        admins = [a for a in accounts if a.role is AccountRole.TRUST_ADMIN]
        # A case no one at its school or trust could review goes to the register's
        # administrators: each trust admin is told, as a reviewer would be.
        by_person[ADMINISTRATORS] = admins

        # Events since the last run, from the audit trail.
        after = int(self._state("audit_seq") or 0)
        while True:
            entries = register.audit.entries(after=after, limit=1000)
            if not entries:
                break
            for entry in entries:
                self._from_event(entry, by_person)
            after = entries[-1].seq
        self._set_state("audit_seq", str(after))

        # Locked accounts, as they are now.
        now = self.now()
        by_username = {a.username: a for a in accounts}
        for username, locked_until in self.db.execute(
                "SELECT username, locked_until FROM sign_in_failures WHERE locked_until > ?",
                (now,)).fetchall():
            account = by_username.get(username)
            if account is None:
                continue  # an unknown username: nobody to tell
            self._add(account.account_id, Kind.ACCOUNT_LOCKED, f"{locked_until}")
            for admin in admins:
                if admin.account_id != account.account_id:
                    self._add(admin.account_id, Kind.AN_ACCOUNT_LOCKED,
                              f"{account.account_id}:{locked_until}")

        # First sign-ins waiting for a trust admin.
        for request_id in waiting_requests(self.db):
            for admin in admins:
                self._add(admin.account_id, Kind.ACCESS_REQUEST, str(request_id))

        if digest:
            self._collect_daily(accounts)

    def _from_event(self, entry, by_person) -> None:
        details = entry.details
        if details is None or entry.outcome != "ok":
            return  # erased, or something that did not happen
        if entry.action in ("case.raised", "case.reopened"):
            try:
                case = self.register.cases.get(details["object_id"])
            except CaseNotFound:
                return
            if case.state not in AWAITING_DECISION:
                return
            for person_id in case.finding["route_to"]:
                for account in by_person.get(person_id, ()):
                    if person_id == ADMINISTRATORS and not routed_to_administrators(
                            account, self.register.store, case.finding, on=self.register.today()):
                        continue  # another trust's case, or one the admin is party to
                    self._add(account.account_id, Kind.CASE_ROUTED, f"{entry.seq}")
        elif entry.action == "case.assign":
            for account in by_person.get(details.get("assignee_id"), ()):
                if account.actor != entry.actor:
                    self._add(account.account_id, Kind.CASE_ROUTED, f"{entry.seq}")
        elif entry.action == "declaration.decide":
            declaration = self.register.store.declaration(details["object_id"])
            if declaration is None:
                return
            for account in by_person.get(declaration.declarer_id, ()):
                self._add(account.account_id, Kind.DECLARATION_DECIDED, f"{entry.seq}")

    def _collect_daily(self, accounts: list[Account]) -> None:
        from api.pages.confirmations import YearlyConfirmations

        today = self.register.today()
        next_school_day = add_school_days(today, 1)
        waiting = [c for state in AWAITING_DECISION
                   for c in self.register.cases.find(state=str(state))]
        for account in accounts:
            if not account.person_id:
                continue
            if account.role in REVIEWER_ROLES:
                mine = [c for c in waiting if c.school_id == account.school_id
                        and (account.person_id in c.finding["route_to"]
                             or c.assignee_id == account.person_id)]
                for c in mine:
                    if c.due_on < today:
                        self._add(account.account_id, Kind.CASE_OVERDUE,
                                  f"{today}:{c.finding_id}")
                    elif c.due_on <= next_school_day:
                        self._add(account.account_id, Kind.CASE_DUE, f"{today}:{c.finding_id}")
            if account.role in SCHOOL_ROLES:
                latest = YearlyConfirmations.latest(self.register, account.person_id)
                due_on = latest.due_on() if latest else None
                if due_on is None or due_on <= today:
                    # Told on the day it falls due, then once a week until it is given.
                    since = due_on or dt.date(2000, 1, 3)  # a Monday: weeks run Mon-Sun
                    week = (today - since).days // 7
                    self._add(account.account_id, Kind.CONFIRMATION_DUE, f"{since}:{week}")

    # -- messages ----------------------------------------------------------------------

    def _compose(self, digest: bool) -> list[OutboxMessage]:
        register = self.register
        today = register.today().isoformat()
        waiting: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        for item_id, account_id, kind, ref in self.db.execute(
                "SELECT item_id, account_id, kind, ref FROM notice_items "
                "WHERE message_id IS NULL ORDER BY item_id").fetchall():
            waiting[account_id].append((item_id, kind, ref))
        contacts = self.contacts.all()
        composed = []
        for account_id, items in waiting.items():
            contact = contacts.get(account_id)
            account = register.accounts.get(account_id)
            stale = [i for i in items if i[1] in DAILY and not i[2].startswith(today)]
            if contact is None or account is None or account.disabled or stale:
                # Nobody to tell, or a count that is no longer true: not kept.
                dropped = items if contact is None or account is None or account.disabled \
                    else stale
                self.db.executemany("UPDATE notice_items SET message_id = 0 WHERE item_id = ?",
                                    [(i[0],) for i in dropped])
                items = [i for i in items if i not in dropped]
            now_too = digest or (contact is not None and contact.mode == Mode.IMMEDIATE)
            items = [i for i in items if now_too or i[1] in URGENT]
            if not items:
                continue
            counts: dict[str, int] = defaultdict(int)
            for _, kind, _ in items:
                counts[kind] += 1
            subject, body = compose(counts, self.settings.public_url, contact.mode)
            cursor = self.db.execute(
                "INSERT INTO outbox (account_id, to_address, kinds, subject, body, created_at, "
                "status, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                (account_id, contact.email, json.dumps(sorted(counts)), subject, body,
                 self.now(), self.now()))
            self.db.executemany("UPDATE notice_items SET message_id = ? WHERE item_id = ?",
                                [(cursor.lastrowid, i[0]) for i in items])
            composed.append(_message(self.db.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE message_id = ?",
                (cursor.lastrowid,)).fetchone()))
        return composed

    # -- for trust admins -------------------------------------------------------------

    def troubles(self, to_accounts: Iterable[int] | None = None,
                 limit: int = 200) -> list[OutboxMessage]:
        """The latest `limit` messages that failed at least once and are not sent: given up,
        or to try again; only those to `to_accounts`, where given (chosen before the cut)."""
        where, params = "", []
        if to_accounts is not None:
            where, params = " AND account_id IN (SELECT value FROM json_each(?))", \
                [json.dumps(sorted(to_accounts))]
        with self.register.lock:
            return [_message(row) for row in self.db.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE (status = 'failed' OR "
                f"(status = 'pending' AND attempts > 0)){where} ORDER BY message_id DESC "
                "LIMIT ?", [*params, limit])]

    def retry(self, message_id: int) -> bool:
        with self.register.writing():
            return self.db.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE message_id = ? AND status != 'sent'",
                (self.now(), message_id)).rowcount == 1


def compose(counts: dict[str, int], public_url: str, mode: str) -> tuple[str, str]:
    """(subject, body) of one message: how many things of each kind wait, and where."""
    base = public_url.rstrip("/")
    order = list(_LINES)
    lines, pages = [], []
    for kind in sorted(counts, key=order.index):
        one, several, page = _LINES[kind]
        n = counts[kind]
        lines.append(f"- {one if n == 1 or several is None else several.format(n=n)}")
        if page not in pages:
            pages.append(page)
    total = sum(counts.values())
    subject = ("Relationship register: your account was locked"
               if set(counts) == {Kind.ACCOUNT_LOCKED} else
               "Relationship register: something needs your attention" if total == 1 else
               "Relationship register: some things need your attention")
    body = "\n".join([
        "Hello,", "",
        "The relationship register has something that needs your attention:", "",
        *lines, "",
        "Sign in to see it:",
        *[f"  {base}{page}" for page in pages], "",
        "This message holds no details on purpose: they are in the register, where only "
        "the people who may see them can.",
        f"You get these {'once a day' if mode == Mode.DIGEST else 'as things happen'}; "
        f"choose how often at {base}/my/notifications.", "",
    ])
    return subject, body


def start_notifier(register: Register, every_seconds: float | None = None) -> threading.Event:
    """Send notifications as the service runs: immediate ones every `every_seconds`, the
    digest once a day from `notify_digest_hour`. Set the returned event to stop."""
    settings = register.settings
    stop = threading.Event()
    problems = mail_problems(mail_settings(register))
    if problems:  # until a trust admin sets the mail server on the Mail page
        log.warning("no notifications are sent: %s", " ".join(problems))
    notifier = Notifier(register)

    def loop():
        while not stop.wait(every_seconds or settings.notify_every_seconds):
            try:
                if mail_problems(mail_settings(register)):
                    continue
                hour = dt.datetime.fromtimestamp(notifier.now()).hour
                notifier.run(digest=hour >= settings.notify_digest_hour
                             and notifier.digest_due())
            except Exception:  # the next run tries again; the reason is in the log
                if stop.is_set():  # stopped mid-run, as the service closes: nothing to say
                    return
                log.exception("sending notifications failed")

    threading.Thread(target=loop, name="notifications", daemon=True).start()
    return stop
