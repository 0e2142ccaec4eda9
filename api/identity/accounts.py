"""Accounts, roles, sign-in and sessions.

Passwords are hashed with argon2id (argon2-cffi). Signing in gives either a page session
(a cookie, with a CSRF token that every unsafe request made with the cookie must echo) or a
bearer token for API clients; only a SHA-256 of either is stored. Failed sign-ins are
counted per username, known or not: after a few, each attempt must wait twice as long as
the last; after more, the username is locked for a while or until a trust admin unlocks it.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.settings import Settings


class AccountRole(enum.StrEnum):
    STAFF = "staff"
    SENIOR_LEADER = "senior_leader"
    HEADTEACHER = "headteacher"
    DSL = "dsl"
    TRUST_ADMIN = "trust_admin"
    AUDITOR = "auditor"


# Roles that belong to one school and to one person of the register.
SCHOOL_ROLES = frozenset({AccountRole.STAFF, AccountRole.SENIOR_LEADER,
                          AccountRole.HEADTEACHER, AccountRole.DSL})
REVIEWER_ROLES = frozenset({AccountRole.SENIOR_LEADER, AccountRole.HEADTEACHER, AccountRole.DSL})
# Who accepts or rejects declarations: the school's senior leaders, headteacher included.
DECIDER_ROLES = frozenset({AccountRole.SENIOR_LEADER, AccountRole.HEADTEACHER})


@dataclass(frozen=True)
class Account:
    account_id: int
    username: str
    role: AccountRole
    person_id: str | None
    school_id: str | None
    disabled: bool

    @property
    def actor(self) -> str:
        """How the audit trail names this account: its number, never its username."""
        return f"account:{self.account_id}"


class SignInError(Exception):
    pass


class SignInFailed(SignInError):
    pass


class SignInSlowed(SignInError):
    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins: try again in {retry_after:.0f} s")


class SignInLocked(SignInError):
    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__("too many failed sign-ins: this account is locked")


class SecondFactorNeeded(SignInError):
    """The password was right, and the account signs in with a second factor too (or must
    set one up first: `enrolled` False)."""

    outcome = "second_factor"

    def __init__(self, account: "Account", enrolled: bool):
        self.account = account
        self.enrolled = enrolled
        super().__init__("this account also needs its one-time code (totp_code)")


class SecondFactorWrong(SignInFailed):
    """A wrong one-time code: counted like a wrong password."""

    outcome = "failed"
    uncounted = True


class PasswordsTurnedOff(SignInError):
    outcome = "passwords_off"

    def __init__(self):
        super().__init__("this trust signs in through its identity provider, not with "
                         "passwords")


class AccountNoLongerFits(SignInError):
    """The account's role no longer fits its holder's place in the register (their
    membership ended, or their position changed): refused until a trust admin changes it."""

    outcome = "no_longer_fits"


class UsernameTaken(Exception):
    pass


class SessionKind(enum.StrEnum):
    COOKIE = "cookie"
    BEARER = "bearer"


@dataclass(frozen=True)
class Session:
    account: Account
    kind: SessionKind
    csrf_token: str | None  # cookie sessions only


_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    person_id TEXT,
    school_id TEXT,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failed_at REAL NOT NULL,
    locked_until REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (account_id),
    kind TEXT NOT NULL,
    csrf_token TEXT,
    expires_at REAL NOT NULL
);
"""

_hasher = PasswordHasher()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountBook:
    """Accounts, failed sign-ins and sessions in the service database. Like the case book,
    it never begins or commits a transaction itself."""

    def __init__(self, db: sqlite3.Connection, settings: Settings,
                 clock: Callable[[], float] = time.time):
        self.db = db
        self.settings = settings
        self.clock = clock
        db.executescript(_SCHEMA)
        # Checked against when the username is unknown, so that a miss takes as long as a hit.
        self._decoy_hash = _hasher.hash(secrets.token_urlsafe(16))
        # Sessions already looked up, by token hash: every request asks, few change them.
        self._known_sessions: dict[str, tuple[Session, float]] = {}

    # -- accounts ---------------------------------------------------------------------

    _COLUMNS = "account_id, username, role, person_id, school_id, disabled"

    def create(self, username: str, password: str, role: AccountRole, person_id: str | None,
               school_id: str | None) -> Account:
        try:
            cursor = self.db.execute(
                "INSERT INTO accounts (username, password_hash, role, person_id, school_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (username, _hasher.hash(password), str(role), person_id, school_id))
        except sqlite3.IntegrityError:
            raise UsernameTaken(username) from None
        return self.get(cursor.lastrowid)

    def get(self, account_id: int) -> Account | None:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM accounts WHERE account_id = ?",
                              (account_id,)).fetchone()
        return _account(row) if row else None

    def by_username(self, username: str) -> Account | None:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM accounts WHERE username = ?",
                              (username,)).fetchone()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        return [_account(row) for row in
                self.db.execute(f"SELECT {self._COLUMNS} FROM accounts ORDER BY account_id")]

    def update(self, account_id: int, *, role: AccountRole | None = None,
               person_id: str | None = None, school_id: str | None = None,
               disabled: bool | None = None, password: str | None = None) -> Account:
        before = self.get(account_id)
        rebound = before is not None and (
            (person_id is not None and person_id != before.person_id)
            or (school_id is not None and school_id != before.school_id))
        for column, value in (("role", role and str(role)), ("person_id", person_id),
                              ("school_id", school_id), ("disabled", disabled)):
            if value is not None:
                self.db.execute(f"UPDATE accounts SET {column} = ? WHERE account_id = ?",
                                (value, account_id))
        if password is not None:
            self.db.execute("UPDATE accounts SET password_hash = ? WHERE account_id = ?",
                            (_hasher.hash(password), account_id))
        # Sessions end when what they were granted changes: a new password, a role, or
        # binding the account to another person (or school).
        if disabled or password is not None or role is not None or rebound:
            self.end_sessions(account_id)
        self._forget_sessions(account_id)  # they hold the account as it was
        return self.get(account_id)

    def has_password(self, account_id: int, password: str) -> bool:
        """Whether `password` is the account's (slow on purpose, as a sign-in's check)."""
        row = self.db.execute("SELECT password_hash FROM accounts WHERE account_id = ?",
                              (account_id,)).fetchone()
        return bool(row and row[0] and verify_password(row[0], password))

    def is_locked(self, username: str) -> bool:
        row = self.db.execute("SELECT locked_until FROM sign_in_failures WHERE username = ?",
                              (username,)).fetchone()
        return bool(row and row[0] and row[0] > self.clock())

    def unlock(self, username: str) -> None:
        self.db.execute("DELETE FROM sign_in_failures WHERE username = ?", (username,))

    # -- signing in ---------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> Account:
        """The account if the password is right; otherwise SignInFailed, or SignInSlowed /
        SignInLocked without even looking at the password."""
        account_id, password_hash = self.sign_in_gate(username)
        account = self.sign_in_result(username, account_id, password_hash, password,
                                      verify_password(password_hash, password))
        if account is None:
            raise SignInFailed("wrong username or password")
        return account

    def sign_in_gate(self, username: str) -> tuple[int | None, str]:
        """Raise SignInLocked or SignInSlowed if `username` may not try now; else the
        account id (None if unknown or disabled) and the hash to check the password with.
        Checking it (slow on purpose) is left to the caller, outside any lock."""
        now = self.clock()
        settings = self.settings
        row = self.db.execute(
            "SELECT failures, last_failed_at, locked_until FROM sign_in_failures "
            "WHERE username = ?", (username,)).fetchone()
        failures, last_failed_at, locked_until = row or (0, 0.0, None)
        if locked_until is not None and locked_until > now:
            raise SignInLocked(locked_until - now)
        if failures >= settings.sign_in_slow_after:
            wait = settings.sign_in_delay_seconds * 2 ** (failures - settings.sign_in_slow_after)
            if now < last_failed_at + wait:
                raise SignInSlowed(last_failed_at + wait - now)
        found = self.db.execute(
            "SELECT account_id, password_hash, disabled FROM accounts WHERE username = ?",
            (username,)).fetchone()
        if found is None or found[2]:
            return None, self._decoy_hash
        return found[0], found[1]

    def sign_in_result(self, username: str, account_id: int | None, password_hash: str,
                       password: str, verified: bool) -> Account | None:
        """The account, clearing past failures; or None, counting a failure (and locking
        the username after too many)."""
        if account_id is None or not verified:
            self.count_failure(username)
            return None
        self.db.execute("DELETE FROM sign_in_failures WHERE username = ?", (username,))
        if _hasher.check_needs_rehash(password_hash):
            self.db.execute("UPDATE accounts SET password_hash = ? WHERE account_id = ?",
                            (_hasher.hash(password), account_id))
        return self.get(account_id)

    def count_failure(self, username: str) -> None:
        """One more failed sign-in for `username`, locking it after too many."""
        now = self.clock()
        row = self.db.execute("SELECT failures FROM sign_in_failures WHERE username = ?",
                              (username,)).fetchone()
        failures = (row[0] if row else 0) + 1
        locked = now + self.settings.sign_in_lock_minutes * 60 \
            if failures >= self.settings.sign_in_lock_after else None
        self.db.execute("INSERT OR REPLACE INTO sign_in_failures VALUES (?, ?, ?, ?)",
                        (username, failures, now, locked))

    # -- sessions -------------------------------------------------------------------------

    def start_session(self, account: Account, kind: SessionKind) -> tuple[str, str | None]:
        """(token, csrf_token) for a new session; csrf_token is None for a bearer token."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32) if kind is SessionKind.COOKIE else None
        hours = self.settings.session_hours if kind is SessionKind.COOKIE \
            else self.settings.token_hours
        self.db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                        (_token_hash(token), account.account_id, str(kind), csrf,
                         self.clock() + hours * 3600))
        return token, csrf

    def known_session(self, token: str, kind: SessionKind) -> Session | None:
        """The session if it was looked up before and has not expired; None if unsure.
        Needs no lock: a read of a dict."""
        known = self._known_sessions.get(_token_hash(token))
        if known is None or known[0].kind is not kind or known[1] < self.clock():
            return None
        return known[0]

    # A session with its account, as `_keep` takes it.
    _SESSION_ROWS = ("SELECT s.token_hash, s.kind, s.csrf_token, s.expires_at, a.account_id, "
                     "a.username, a.role, a.person_id, a.school_id, a.disabled FROM sessions s "
                     "JOIN accounts a USING (account_id)")

    def session(self, token: str, kind: SessionKind) -> Session | None:
        row = self.db.execute(f"{self._SESSION_ROWS} WHERE s.token_hash = ? AND s.kind = ?",
                              (_token_hash(token), str(kind))).fetchone()
        if row is None or row[3] < self.clock() or row[9]:
            return None
        return self._keep(row)

    def know_live_sessions(self) -> list[Account]:
        """Look up every session that has not expired, as `session` does one at a time, and
        return their accounts, once each. The caller holds the register's lock, so that a
        session ended meanwhile is not taken up again."""
        accounts: dict[int, Account] = {}
        for row in self.db.execute(f"{self._SESSION_ROWS} WHERE s.expires_at >= ? "
                                   "AND NOT a.disabled", (self.clock(),)):
            session = self._keep(row)
            accounts[session.account.account_id] = session.account
        return list(accounts.values())

    def _keep(self, row) -> Session:
        """The session of a row of _SESSION_ROWS, kept for `known_session`."""
        token_hash, kind, csrf_token, expires_at = row[:4]
        session = Session(_account(row[4:]), SessionKind(kind), csrf_token)
        self._known_sessions[token_hash] = (session, expires_at)
        return session

    def end_session(self, token: str) -> None:
        token_hash = _token_hash(token)
        self.db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
        self._known_sessions.pop(token_hash, None)

    def end_sessions(self, account_id: int) -> None:
        self.db.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,))
        self._forget_sessions(account_id)

    def _forget_sessions(self, account_id: int) -> None:
        for token_hash, (session, _) in list(self._known_sessions.items()):
            if session.account.account_id == account_id:
                del self._known_sessions[token_hash]


def csrf_matches(session: Session, presented: str | None) -> bool:
    return bool(presented and session.csrf_token
                and hmac.compare_digest(presented, session.csrf_token))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _account(row) -> Account:
    account_id, username, role, person_id, school_id, disabled = row
    return Account(account_id, username, AccountRole(role), person_id, school_id, bool(disabled))
