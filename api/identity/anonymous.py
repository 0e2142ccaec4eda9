"""What someone not signed in leaves in the audit trail: failed and refused sign-ins,
wrong one-time codes, password-reset requests. Anyone can send these, so each entry is
bounded and sanitised, and their number is rate-limited:

- every text in it (the username typed, the address a provider gave, the client's
  address) loses its control characters (a line break could forge a line of a report)
  and is cut to TEXT_LIMIT characters;
- at most ENTRIES_PER_MINUTE such entries are written in a minute. Past that, one entry
  says the limit was reached, the rest are only counted, and the first anonymous entry of a
  later minute is preceded by one that says how many were left out. A flood grows the
  trail by at most ENTRIES_PER_MINUTE + 2 entries a minute, whatever it sends.

Failed sign-ins are still counted against the username (slowing and locking it) whether
or not their entry is written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

ENTRIES_PER_MINUTE = 60
TEXT_LIMIT = 100
ACTOR = "anonymous"

_SCHEMA = ("CREATE TABLE IF NOT EXISTS anonymous_audit (minute INTEGER PRIMARY KEY, "
           "written INTEGER NOT NULL, left_out INTEGER NOT NULL)")


def create_table(db) -> None:
    db.execute(_SCHEMA)


def clean(value):
    """Text without control characters, at most TEXT_LIMIT long (marked where cut);
    anything else as it is."""
    if not isinstance(value, str):
        return value
    value = "".join(c for c in value if not unicodedata.category(c).startswith("C"))
    return value if len(value) <= TEXT_LIMIT else value[:TEXT_LIMIT - 1] + "…"


def record(register, client: str | None, action: str, object_kind: str, *,
           outcome: str = "ok", **details) -> None:
    """Audit something done by someone not signed in, within the limits above. The
    caller holds `register.writing()`."""
    db, audit = register.db, register.audit
    create_table(db)  # a register the sign-in pages were not installed on has none yet
    minute = int(register.accounts.clock() // 60)
    row = db.execute("SELECT minute, written, left_out FROM anonymous_audit").fetchone()
    if row is None or row[0] != minute:
        if row is not None and row[2]:
            audit.record(actor="register", action="audit.anonymous_left_out",
                         object_kind="session", outcome="ok", left_out=row[2],
                         minute=_minute_text(row[0]))
        db.execute("DELETE FROM anonymous_audit")
        db.execute("INSERT INTO anonymous_audit VALUES (?, 0, 0)", (minute,))
        row = (minute, 0, 0)
    _, written, left_out = row
    if written >= ENTRIES_PER_MINUTE:
        if left_out == 0:
            audit.record(actor="register", action="audit.anonymous_limit",
                         object_kind="session", outcome="limited", limit=ENTRIES_PER_MINUTE,
                         minute=_minute_text(minute))
        db.execute("UPDATE anonymous_audit SET left_out = left_out + 1")
        return
    audit.record(actor=ACTOR, action=action, object_kind=object_kind, client=clean(client),
                 outcome=clean(outcome), **{k: clean(v) for k, v in details.items()})
    db.execute("UPDATE anonymous_audit SET written = written + 1")


def _minute_text(minute: int) -> str:
    return dt.datetime.fromtimestamp(minute * 60, dt.UTC).isoformat(timespec="minutes")
