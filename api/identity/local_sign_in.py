"""Local accounts' extras: a one-time code from an authenticator app (TOTP, RFC 6238, by
pyotp) as a second factor, which a trust admin can require per role; a password reset by a
single-use link sent by e-mail; and local passwords turned off for a trust that signs in
through its provider (trust admins keep theirs, as the way in when the provider is down).

Every token here (the step between password and code, the reset link) is random, kept only
as a SHA-256, short-lived and used once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import pyotp

from api.identity import (
    Account,
    AccountNoLongerFits,
    AccountRole,
    PasswordsTurnedOff,
    SecondFactorNeeded,
    SecondFactorWrong,
    SessionKind,
    SignInError,
)
from api.notify import Contacts, MailError, Mailer
from api.identity import anonymous, sealing
from api.identity.oidc import create_tables as create_oidc_tables, load_policy, save_policy
from api.service import Actor, Register

log = logging.getLogger(__name__)

SECOND_STEP_SECONDS = 300
RESET_SECONDS = 30 * 60  # a reset link works for half an hour
RESETS_PER_HOUR = 3  # links sent to one account in an hour, at most
ISSUER_NAME = "Relationship register"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS totp_secrets (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (account_id),
    secret TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS second_steps (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
"""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def install(register: Register) -> None:
    """Create the tables, open the sealed secrets (sealing any left plain by an earlier
    release) and put the checks into the register's sign-in. A missing or wrong secret key
    is a SecretKeyError, before anything is changed."""
    with register.lock:  # executescript commits by itself: no transaction around it
        register.db.executescript(_SCHEMA)
        create_oidc_tables(register.db)
        anonymous.create_table(register.db)
    with register.writing():
        register.sealer = sealing.start(register.db, register.data_dir)
        _seal_plain_secrets(register)
    register.sign_in_guards.append(lambda account, code: guard(register, account, code))


def _seal_plain_secrets(register: Register) -> None:
    db, sealer = register.db, register.sealer
    for account_id, secret in db.execute("SELECT account_id, secret FROM totp_secrets").fetchall():
        if not sealing.is_sealed(secret):
            db.execute("UPDATE totp_secrets SET secret = ? WHERE account_id = ?",
                       (sealer.seal(secret), account_id))
    if db.execute("SELECT 1 FROM trust_sign_in").fetchone():
        save_policy(register, load_policy(register))  # seals its client secret if plain


def passwords_allowed(register: Register, account: Account) -> bool:
    return load_policy(register).local_passwords or account.role is AccountRole.TRUST_ADMIN


def guard(register: Register, account: Account, code: str | None) -> None:
    """Called with the lock held, inside the sign-in's transaction, once the password is
    known to be right."""
    if not passwords_allowed(register, account):
        raise PasswordsTurnedOff()
    enrolled = Totp(register).enrolled(account.account_id)
    if not enrolled and not load_policy(register).needs_totp(account.role):
        return
    if code is None or not enrolled:
        raise SecondFactorNeeded(account, enrolled)
    if not Totp(register).check(account.account_id, code):
        raise SecondFactorWrong("wrong username, password or one-time code")


# -- TOTP ------------------------------------------------------------------------------------

class Totp:
    """The caller holds the lock (and a transaction to change anything)."""

    def __init__(self, register: Register):
        self.register = register
        self.db = register.db

    def enrolled(self, account_id: int) -> bool:
        row = self.db.execute("SELECT confirmed FROM totp_secrets WHERE account_id = ?",
                              (account_id,)).fetchone()
        return bool(row and row[0])

    def new_secret(self, account: Account) -> tuple[str, str]:
        """(secret, otpauth:// address for an authenticator app) for an account setting
        up its second factor; it counts once a code from it is confirmed."""
        secret = pyotp.random_base32()
        self.db.execute("INSERT OR REPLACE INTO totp_secrets (account_id, secret, confirmed) "
                        "VALUES (?, ?, 0)", (account.account_id, self.register.sealer.seal(secret)))
        return secret, self.uri(account, secret)

    @staticmethod
    def uri(account: Account, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account.username,
                                                   issuer_name=ISSUER_NAME)

    def pending_secret(self, account_id: int) -> str | None:
        row = self.db.execute("SELECT secret FROM totp_secrets WHERE account_id = ? AND "
                              "confirmed = 0", (account_id,)).fetchone()
        return self.register.sealer.open(row[0]) if row else None

    def check(self, account_id: int, code: str, confirming: bool = False) -> bool:
        """Whether `code` is right now (or 30 seconds either side) and not used before;
        it is then used up. `confirming` checks the secret being set up."""
        row = self.db.execute("SELECT secret, confirmed, last_step FROM totp_secrets WHERE "
                              "account_id = ?", (account_id,)).fetchone()
        code = (code or "").replace(" ", "")
        if row is None or bool(row[1]) == confirming or not (code.isdigit() and len(code) == 6):
            return False
        secret, _, last_step = row
        totp = pyotp.TOTP(self.register.sealer.open(secret))
        now = self.register.accounts.clock()
        step = totp.timecode(_when(now))
        for candidate in (step, step - 1, step + 1):
            if candidate > last_step and hmac.compare_digest(totp.generate_otp(candidate), code):
                self.db.execute("UPDATE totp_secrets SET last_step = ?, confirmed = 1 WHERE "
                                "account_id = ?", (candidate, account_id))
                return True
        return False

    def remove(self, account_id: int) -> None:
        self.db.execute("DELETE FROM totp_secrets WHERE account_id = ?", (account_id,))


def _when(now: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(now, dt.UTC)


# -- the step between the password and the code (pages) -----------------------------------------

def start_second_step(register: Register, account: Account) -> str:
    """A token for a browser whose password was right, to give its code next."""
    token = secrets.token_urlsafe(32)
    now = register.accounts.clock()
    with register.writing():
        register.db.execute("DELETE FROM second_steps WHERE expires_at < ?", (now,))
        register.db.execute("INSERT INTO second_steps VALUES (?, ?, 'cookie', ?)",
                            (_hash(token), account.account_id, now + SECOND_STEP_SECONDS))
    return token


def second_step_account(register: Register, token: str | None) -> Account | None:
    if not token:
        return None
    with register.lock:
        row = register.db.execute("SELECT account_id, expires_at FROM second_steps WHERE "
                                  "token_hash = ?", (_hash(token),)).fetchone()
        if row is None or row[1] < register.accounts.clock():
            return None
        account = register.accounts.get(row[0])
    return account if account and not account.disabled else None


def finish_second_step(register: Register, token: str, code: str, client: str | None,
                       enrolling: bool, unencrypted: bool = False) -> tuple[Account, str]:
    """(account, session token) once the code is right; a SignInError otherwise, counted
    against the username like a wrong password."""
    account = second_step_account(register, token)
    if account is None:
        raise SignInError("the sign-in took too long: sign in again")
    with register.lock:
        register.accounts.sign_in_gate(account.username)  # slowed or locked: stop here
    try:
        with register.writing():
            signed_in = _second_step_checked(register, account, token, code, client,
                                             enrolling, unencrypted)
    except AccountNoLongerFits:
        with register.writing():
            anonymous.record(register, client, "sign_in", "session", outcome="no_longer_fits",
                             method="totp", username=account.username)
        raise
    if signed_in is None:
        raise SecondFactorWrong("wrong one-time code")
    return signed_in


def _second_step_checked(register, account, token, code, client, enrolling, unencrypted):
    """(account, session token), or None after counting and auditing a wrong code."""
    right = Totp(register).check(account.account_id, code, confirming=enrolling)
    if right:
        register.db.execute("DELETE FROM second_steps WHERE token_hash = ?", (_hash(token),))
        register.db.execute("DELETE FROM sign_in_failures WHERE username = ?",
                            (account.username,))
        if enrolling:
            register.audit.record(actor=account.actor, action="second_factor.enrol",
                                  object_kind="account", object_id=str(account.account_id),
                                  client=client)
        session_token, _ = register.begin_session(account, SessionKind.COOKIE, client,
                                                  method="totp", unencrypted=unencrypted)
        return account, session_token
    register.accounts.count_failure(account.username)
    anonymous.record(register, client, "sign_in", "session", outcome="failed", method="totp",
                     username=account.username)
    return None


# -- password reset ---------------------------------------------------------------------------

def _reset_account(register: Register, who: str) -> Account | None:
    who = who.strip()
    account = register.accounts.by_username(who)
    if account is None and "@" in who:
        contact = Contacts(register.db).by_email(who.lower())
        account = register.accounts.get(contact.account_id) if contact else None
    return account


def request_reset(register: Register, who: str, client: str | None) -> tuple[str, str] | None:
    """A reset link for the account named by username or e-mail address, as (address,
    token), if it may have one; None otherwise. The caller answers the same either way and
    sends the mail after answering."""
    now = register.accounts.clock()
    with register.writing():
        account = _reset_account(register, who)
        contact = Contacts(register.db).get(account.account_id) if account else None
        recent = account and register.db.execute(
            "SELECT COUNT(*) FROM password_resets WHERE account_id = ? AND created_at > ?",
            (account.account_id, now - 3600)).fetchone()[0]
        if account is None or contact is None or account.disabled \
                or not passwords_allowed(register, account) or recent >= RESETS_PER_HOUR:
            anonymous.record(register, client, "password_reset.request", "account",
                             outcome="not_sent", asked_for=who)
            return None
        token = secrets.token_urlsafe(32)
        register.db.execute("INSERT INTO password_resets VALUES (?, ?, ?, ?, 0)",
                            (_hash(token), account.account_id, now, now + RESET_SECONDS))
        anonymous.record(register, client, "password_reset.request", "account",
                         object_id=str(account.account_id))
    return contact.email, token


def send_reset(register: Register, address: str, token: str) -> None:
    """Send the link (after the answer has gone); a failure is shown to trust admins."""
    base = register.settings.public_url.rstrip("/")
    body = "\n".join([
        "Hello,", "",
        "Someone asked to set a new password for your account on the relationship register.",
        "If it was you, open this link within 30 minutes; it works once:", "",
        f"  {base}/reset/{token}", "",
        "If it was not you, ignore this message: your password stays as it is.", "",
    ])
    now = register.accounts.clock()
    try:
        Mailer(register=register).send(address, "Relationship register: set a new password",
                                       body, now)
        outcome, why = "ok", None
    except MailError as error:
        outcome, why = "failed", str(error)
        log.warning("a password reset link was not sent: %s", why)
    with register.writing():
        contact = Contacts(register.db).by_email(address)
        account_id = contact.account_id if contact else 0
        if why is not None:  # the link itself is not kept: they can ask again
            register.db.execute(
                "INSERT INTO outbox (account_id, to_address, kinds, subject, body, created_at, "
                "status, attempts, next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, "
                "'failed', 1, ?, ?)",
                (account_id, address, '["password_reset"]', "Set a new password",
                 "(not kept: it held a single-use link)", now, now, why))
        register.audit.record(actor="register", action="notification.send",
                              object_kind="notification", outcome=outcome,
                              recipient=f"account:{account_id}", kinds=["password_reset"],
                              error=why)


def reset_account(register: Register, token: str) -> Account | None:
    """The account a reset link is for, while it is unused and unexpired."""
    with register.lock:
        row = register.db.execute("SELECT account_id, expires_at, used FROM password_resets "
                                  "WHERE token_hash = ?", (_hash(token),)).fetchone()
        if row is None or row[2] or row[1] < register.accounts.clock():
            return None
        return register.accounts.get(row[0])


def use_reset(register: Register, token: str, password: str, client: str | None) -> bool:
    """Set the new password (ending every session and lifting a lock); False if the link
    is used or expired."""
    with register.writing():
        row = register.db.execute("SELECT account_id, expires_at, used FROM password_resets "
                                  "WHERE token_hash = ?", (_hash(token),)).fetchone()
        if row is None or row[2] or row[1] < register.accounts.clock():
            return False
        # One link used voids every other link sent to the account.
        register.db.execute("UPDATE password_resets SET used = 1 WHERE account_id = ?",
                            (row[0],))
        account = register.accounts.update(row[0], password=password)
        register.accounts.unlock(account.username)
        register.audit.record(actor=account.actor, action="password.reset",
                              object_kind="account", object_id=str(account.account_id),
                              client=client)
    return True


@dataclass(frozen=True)
class SecurityOf:
    """What the pages show about an account's sign-in."""

    enrolled: bool
    required: bool
    email: str | None
    mode: str | None


def security_of(register: Register, account: Account) -> SecurityOf:
    with register.lock:
        contact = Contacts(register.db).get(account.account_id)
        return SecurityOf(Totp(register).enrolled(account.account_id),
                          load_policy(register).needs_totp(account.role),
                          contact.email if contact else None, contact.mode if contact else None)


def remove_second_factor(register: Register, actor: Actor, account_id: int) -> None:
    with register.writing():
        Totp(register).remove(account_id)
        register.audit.record(actor=actor.name, action="second_factor.remove",
                              object_kind="account", object_id=str(account_id),
                              client=actor.client)
