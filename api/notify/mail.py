"""Where the register's mail goes and how it is sent: each account's e-mail address and its
choice of digest or immediate, the mail server (RELREG_SMTP_...), and the tables of the
outbox. Used by the notifications (api/notify/notifier.py) and by sign-in, which sends
password-reset links and links accounts to a provider by their address.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from pydantic import SecretStr

from api.settings import Settings


class Mode:
    DIGEST = "digest"
    IMMEDIATE = "immediate"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS account_contacts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (account_id),
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    mode TEXT NOT NULL DEFAULT 'digest'
);
CREATE TABLE IF NOT EXISTS notice_items (
    item_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    created_at REAL NOT NULL,
    message_id INTEGER,  -- the message that told them; 0: nobody could be told
    UNIQUE (account_id, kind, ref)
);
CREATE INDEX IF NOT EXISTS notice_items_waiting ON notice_items (message_id, account_id);
CREATE TABLE IF NOT EXISTS outbox (
    message_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    to_address TEXT NOT NULL,
    kinds TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    status TEXT NOT NULL,  -- pending (to send, or to try again), sent, failed (given up)
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS notify_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_MAIL_SETTINGS_TABLE = ("CREATE TABLE IF NOT EXISTS mail_settings "
                        "(field TEXT PRIMARY KEY, value TEXT NOT NULL)")


def create_tables(db) -> None:
    db.executescript(_SCHEMA)


# -- where to write to, and how often ------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    account_id: int
    email: str
    mode: str


class BadAddress(ValueError):
    pass


def has_control_characters(text: str) -> bool:
    """Line breaks, tabs, NUL, invisible format characters: nothing an address holds, and
    a line break in one could add a header to a message."""
    return any(unicodedata.category(c).startswith("C") for c in text)


def normal_address(text: str) -> str:
    """The address, trimmed, or BadAddress with what to do."""
    if has_control_characters(text or ""):
        raise BadAddress("an e-mail address cannot hold a line break or other control "
                         "character: type it again on one line")
    text = (text or "").strip()
    name, address = parseaddr(text)
    local, at, domain = address.rpartition("@")
    if name or address != text or not at or not local or "." not in domain \
            or any(c.isspace() for c in address) or len(address) > 254:
        raise BadAddress("enter one e-mail address, like name@school.org.uk")
    return f"{local}@{domain.lower()}"


class Contacts:
    """Each account's e-mail address (set by a trust admin: it is also what links an
    account to a sign-in provider's verified e-mail) and its choice of digest or
    immediate. The caller holds the lock and any transaction."""

    def __init__(self, db):
        self.db = db

    def get(self, account_id: int) -> Contact | None:
        row = self.db.execute("SELECT account_id, email, mode FROM account_contacts "
                              "WHERE account_id = ?", (account_id,)).fetchone()
        return Contact(*row) if row else None

    def by_email(self, email: str) -> Contact | None:
        row = self.db.execute("SELECT account_id, email, mode FROM account_contacts "
                              "WHERE email = ?", (email,)).fetchone()
        return Contact(*row) if row else None

    def all(self) -> dict[int, Contact]:
        return {row[0]: Contact(*row) for row in
                self.db.execute("SELECT account_id, email, mode FROM account_contacts")}

    def set_email(self, account_id: int, email: str | None) -> None:
        """Set (or with None remove) the address; BadAddress if another account has it."""
        if email is None:
            self.db.execute("DELETE FROM account_contacts WHERE account_id = ?", (account_id,))
            return
        email = normal_address(email)
        other = self.by_email(email)
        if other is not None and other.account_id != account_id:
            raise BadAddress("another account already has that e-mail address")
        self.db.execute(
            "INSERT INTO account_contacts (account_id, email) VALUES (?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET email = excluded.email", (account_id, email))

    def set_mode(self, account_id: int, mode: str) -> None:
        if mode not in (Mode.DIGEST, Mode.IMMEDIATE):
            raise ValueError(mode)
        self.db.execute("UPDATE account_contacts SET mode = ? WHERE account_id = ?",
                        (mode, account_id))


# -- the mail server -------------------------------------------------------------------------

class MailError(Exception):
    """A sentence saying what went wrong and which setting to look at: never the message,
    never the address (an SMTP reply may quote it)."""


def mail_problems(settings: Settings) -> list[str]:
    """What is wrong with the mail settings, each as a sentence saying what to set."""
    if not settings.smtp_host:
        return ["No mail server is set: set RELREG_SMTP_HOST (and RELREG_SMTP_FROM) to send "
                "notifications, or a trust admin sets it on the Mail page."]
    problems = []
    if not settings.smtp_from:
        problems.append("Set RELREG_SMTP_FROM to the address the register's messages come "
                        "from, like register@trust.org.uk.")
    else:
        try:
            normal_address(settings.smtp_from)
        except BadAddress:
            problems.append("RELREG_SMTP_FROM must be one e-mail address, like "
                            "register@trust.org.uk.")
    if settings.smtp_port is not None and not 0 < settings.smtp_port < 65536:
        problems.append("RELREG_SMTP_PORT must be a port number (587 for starttls, 465 for "
                        "tls, 25 for none).")
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        problems.append("Set both RELREG_SMTP_USER and RELREG_SMTP_PASSWORD, or neither.")
    if settings.smtp_user and settings.smtp_security == "none":
        problems.append("RELREG_SMTP_SECURITY=none would send the mail password unencrypted: "
                        "use starttls or tls.")
    return problems


# -- mail settings set in the pages ----------------------------------------------------------

# What a trust admin may set on the Mail page; a setting in the service's environment wins.
MAIL_FIELDS = {"smtp_host": "RELREG_SMTP_HOST", "smtp_port": "RELREG_SMTP_PORT",
               "smtp_security": "RELREG_SMTP_SECURITY", "smtp_from": "RELREG_SMTP_FROM",
               "smtp_user": "RELREG_SMTP_USER", "smtp_password": "RELREG_SMTP_PASSWORD"}


def set_outside(settings: Settings) -> set[str]:
    """The mail settings given where the service runs (its environment): the page cannot
    change them."""
    return {field for field in MAIL_FIELDS if field in settings.model_fields_set}


def stored_mail_settings(db, sealer) -> dict[str, str]:
    """What the Mail page saved, the password opened (the caller holds the lock)."""
    db.execute(_MAIL_SETTINGS_TABLE)
    stored = dict(db.execute("SELECT field, value FROM mail_settings"))
    if stored.get("smtp_password"):
        stored["smtp_password"] = sealer.open(stored["smtp_password"])
    return stored


def save_mail_settings(db, sealer, values: dict[str, str | None]) -> None:
    """Keep the page's settings (None or "" forgets one); the password sealed as the
    register's other secrets are. The caller holds `writing()`."""
    db.execute(_MAIL_SETTINGS_TABLE)
    for field, value in values.items():
        if field not in MAIL_FIELDS:
            raise ValueError(field)
        if value in (None, ""):
            db.execute("DELETE FROM mail_settings WHERE field = ?", (field,))
        else:
            kept = sealer.seal(value) if field == "smtp_password" else value
            db.execute("INSERT INTO mail_settings VALUES (?, ?) ON CONFLICT (field) "
                       "DO UPDATE SET value = excluded.value", (field, kept))


def mail_settings(register) -> Settings:
    """The settings mail goes out with: the environment's, then the Mail page's for what
    the environment leaves unset."""
    settings = register.settings
    with register.lock:
        stored = stored_mail_settings(register.db, register.sealer)
    outside = set_outside(settings)
    update = {}
    for field, value in stored.items():
        if field in outside or field not in MAIL_FIELDS:
            continue
        update[field] = int(value) if field == "smtp_port" else \
            SecretStr(value) if field == "smtp_password" else value
    return settings.model_copy(update=update) if update else settings


class Mailer:
    """Sends through the settings given, or, given the register, through the settings as
    they are at each message (the Mail page may change them while the service runs)."""

    def __init__(self, settings: Settings | None = None, *, register=None):
        self._settings, self._register = settings, register

    @property
    def settings(self) -> Settings:
        return mail_settings(self._register) if self._register is not None else self._settings

    @property
    def port(self) -> int:
        return port_of(self.settings)

    def send(self, to: str, subject: str, body: str, now: float) -> None:
        s = self.settings
        problems = mail_problems(s)
        if problems:
            raise MailError(" ".join(problems))
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(now, localtime=False)
        message["Message-ID"] = make_msgid(domain=s.smtp_from.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        port = port_of(s)
        where = f"{s.smtp_host}:{port}"
        context = ssl.create_default_context()
        try:
            if s.smtp_security == "tls":
                server = smtplib.SMTP_SSL(s.smtp_host, port, timeout=s.smtp_timeout_seconds,
                                          context=context)
            else:
                server = smtplib.SMTP(s.smtp_host, port, timeout=s.smtp_timeout_seconds)
            with server:
                if s.smtp_security == "starttls":
                    server.starttls(context=context)
                if s.smtp_user:
                    server.login(s.smtp_user, s.smtp_password.get_secret_value())
                server.send_message(message)
        except smtplib.SMTPNotSupportedError:
            raise MailError(f"The mail server at {where} does not offer STARTTLS (or "
                            f"sign-in): check RELREG_SMTP_SECURITY and RELREG_SMTP_PORT.") from None
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(f"The mail server at {where} refused the user name or password "
                            f"({error.smtp_code}): check RELREG_SMTP_USER and "
                            f"RELREG_SMTP_PASSWORD.") from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise MailError(f"The mail server at {where} refused the recipient's address "
                            f"({', '.join(map(str, codes))}): check the account's e-mail "
                            f"address.") from None
        except smtplib.SMTPSenderRefused as error:
            raise MailError(f"The mail server at {where} refused the sender address "
                            f"({error.smtp_code}): check RELREG_SMTP_FROM.") from None
        except smtplib.SMTPResponseException as error:
            raise MailError(f"The mail server at {where} answered {error.smtp_code}: try "
                            f"again later, or ask whoever runs it.") from None
        except ssl.SSLError as error:
            raise MailError(f"No secure connection to the mail server at {where} "
                            f"({error.reason or 'TLS failed'}): check RELREG_SMTP_SECURITY "
                            f"(starttls for port 587, tls for port 465) and the server's "
                            f"certificate.") from None
        except (socket.timeout, TimeoutError):
            raise MailError(f"The mail server at {where} did not answer in time: check "
                            f"RELREG_SMTP_HOST and RELREG_SMTP_PORT.") from None
        except (OSError, smtplib.SMTPException) as error:
            what = error.strerror if isinstance(error, OSError) and error.strerror \
                else type(error).__name__
            raise MailError(f"Could not reach the mail server at {where} ({what}): check "
                            f"RELREG_SMTP_HOST and RELREG_SMTP_PORT.") from None


def port_of(settings: Settings) -> int:
    return settings.smtp_port or {"none": 25, "starttls": 587, "tls": 465}[settings.smtp_security]
