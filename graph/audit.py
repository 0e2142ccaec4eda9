"""The audit trail: every change and every view of a person's network, append-only and
tamper-evident as a hash chain, from which a person's data can still be erased.

An entry's hash covers only what is never personal (its sequence number, time, the acting
account, the action, the kind of object, the outcome), the previous entry's hash, and a
salted digest of its details. The details (the object's id, the people it is about, the
client address, reasons) live in a separate table. Erasing a person deletes the details
that name them, salt included: the digest left in the chain then reveals nothing, and the
chain still verifies. While details are present, `verify` checks them against their digest
too, so they cannot be altered unseen either.

Like the case book, the trail never begins or commits a transaction: its caller does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_entries (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    details_digest TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_entries_are_never_changed BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_entries_are_never_deleted BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
-- What may be erased: kept apart from what the chain hashes.
CREATE TABLE IF NOT EXISTS audit_details (
    seq INTEGER PRIMARY KEY REFERENCES audit_entries (seq),
    salt TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_subjects (
    person_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (person_id, seq)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str  # UTC, ISO 8601
    actor: str  # an account id, "register" for the register itself, "anonymous" before sign-in
    action: str  # e.g. declaration.create, case.move, person.network.view, sign_in.fail
    object_kind: str
    outcome: str
    details: dict | None  # None once erased
    hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    erased: int  # entries whose details were erased (not a fault)
    first_bad_seq: int | None = None
    problem: str | None = None


def _digest(salt: str, details_text: str) -> str:
    return hashlib.sha256((salt + details_text).encode()).hexdigest()


def _entry_hash(seq: int, at: str, actor: str, action: str, object_kind: str, outcome: str,
                details_digest: str, prev_hash: str) -> str:
    chained = json.dumps([seq, at, actor, action, object_kind, outcome, details_digest,
                          prev_hash], separators=(",", ":"))
    return hashlib.sha256(chained.encode()).hexdigest()


class AuditTrail:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.executescript(_SCHEMA)

    def record(self, *, actor: str, action: str, object_kind: str, object_id: str | None = None,
               subjects: Iterable[str] = (), client: str | None = None, outcome: str = "ok",
               **details) -> int:
        """Append one entry; return its sequence number. `subjects` are the people it is
        about (what an erasure looks for); `details` must be JSON-serialisable."""
        subjects = sorted(set(subjects))
        body = {"object_id": object_id, "subjects": subjects, "client": client, **details}
        details_text = json.dumps(body, sort_keys=True, default=str)
        salt = secrets.token_hex(16)
        digest = _digest(salt, details_text)
        last = self.db.execute(
            "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        entry_hash = _entry_hash(seq, at, actor, action, object_kind, outcome, digest, prev_hash)
        self.db.execute("INSERT INTO audit_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (seq, at, actor, action, object_kind, outcome, digest, prev_hash,
                         entry_hash))
        self.db.execute("INSERT INTO audit_details VALUES (?, ?, ?)", (seq, salt, details_text))
        self.db.executemany("INSERT INTO audit_subjects VALUES (?, ?)",
                            [(person_id, seq) for person_id in subjects])
        return seq

    def entries(self, *, after: int = 0, limit: int = 100, action: str | None = None,
                actor: str | None = None) -> list[AuditEntry]:
        sql = ("SELECT e.seq, e.at, e.actor, e.action, e.object_kind, e.outcome, d.details, "
               "e.hash FROM audit_entries e LEFT JOIN audit_details d ON d.seq = e.seq "
               "WHERE e.seq > ?")
        params: list = [after]
        if action is not None:
            sql += " AND e.action = ?"
            params.append(action)
        if actor is not None:
            sql += " AND e.actor = ?"
            params.append(actor)
        sql += " ORDER BY e.seq LIMIT ?"
        params.append(limit)
        return [
            AuditEntry(seq, at, actor_, action_, kind, outcome,
                       json.loads(details) if details is not None else None, entry_hash)
            for seq, at, actor_, action_, kind, outcome, details, entry_hash
            in self.db.execute(sql, params)
        ]

    def verify(self) -> Verification:
        """Walk the chain from the first entry: every hash recomputed, every link to the
        previous entry checked, every detail not erased checked against its digest."""
        prev_hash = GENESIS
        count = erased = 0
        rows = self.db.execute(
            "SELECT e.seq, e.at, e.actor, e.action, e.object_kind, e.outcome, e.details_digest, "
            "e.prev_hash, e.hash, d.salt, d.details FROM audit_entries e "
            "LEFT JOIN audit_details d ON d.seq = e.seq ORDER BY e.seq")
        for (seq, at, actor, action, kind, outcome, digest, entry_prev, entry_hash, salt,
             details) in rows:
            count += 1

            def broken(problem: str) -> Verification:
                return Verification(False, count, erased, seq, f"entry {seq}: {problem}")

            if seq != count:
                return broken(f"expected entry {count}: entries are missing")
            if entry_prev != prev_hash:
                return broken("does not follow the entry before it")
            if _entry_hash(seq, at, actor, action, kind, outcome, digest, entry_prev) != entry_hash:
                return broken("its contents do not match its hash")
            if details is None:
                erased += 1
            elif _digest(salt, details) != digest:
                return broken("its details do not match their digest")
            prev_hash = entry_hash
        return Verification(True, count, erased)

    def erase_person(self, person_id: str) -> int:
        """Erase the details of every entry about `person_id`; return how many. The chain
        still verifies afterwards."""
        seqs = [seq for (seq,) in self.db.execute(
            "SELECT seq FROM audit_subjects WHERE person_id = ?", (person_id,))]
        for seq in seqs:
            self.db.execute("DELETE FROM audit_details WHERE seq = ?", (seq,))
            self.db.execute("DELETE FROM audit_subjects WHERE seq = ?", (seq,))
        return len(seqs)

    def head(self) -> str:
        """The hash of the latest entry: written down elsewhere, it shows later that no
        entry was cut from the end."""
        last = self.db.execute("SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1").fetchone()
        return last[0] if last else GENESIS
