"""The audit trail: every change and every view of a person's network, append-only and
tamper-evident as a hash chain, from which a person's data can still be erased.

An entry's hash covers only what is never personal (its sequence number, time, the acting
account, the action, the kind of object, the outcome), the previous entry's hash, and a
salted digest of its details. The details (the object's id, the people it is about, the
client address, reasons) live in a separate table. Erasing a person deletes the details
that name them, salt included: the digest left in the chain then reveals nothing, and the
chain still verifies. While details are present, `verify` checks them against their digest
too, so they cannot be altered unseen either. A details row may be missing only where an
erasure, itself an entry of the trail written after the entries it names, says it erased it;
given a head held elsewhere, only an erasure at or before that head counts, since the
erasure's own hash (which commits to its place and, through its digest, to the entries it
names) is vouched for by nothing else: an erasure appended by whoever removed the details
would otherwise pass.

The chain is not keyed: a key kept on the same machine as the database would be read by
whoever can rewrite the database. Instead the trail is anchored: `head()` is the latest
entry's sequence number and hash, which the service writes to its log every day and on
shutdown and a trust admin can copy off the machine; `verify(head=...)` fails when the trail
no longer reaches a head held elsewhere, whether entries were cut from the end or the
whole chain was rewritten with its hashes recomputed.

A change to the facts lives in another database (or in Neo4j), so it cannot share a
transaction with its entry. Its entry is written ahead instead: `intend` keeps it aside, the
store applies the change with the intent's number in the same transaction, and `complete`
appends the entry; at start, `reconcile` asks the store about every intent left open (the
process was killed in between) and appends the entry if and only if the change was made.

Like the case book, the trail never begins or commits a transaction: its caller does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.secret_key import read_key
from graph.sqlite import transaction

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
-- Entries written ahead of a change made in another database (see `reconcile`).
CREATE TABLE IF NOT EXISTS audit_intents (
    intent INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
);
"""


ERASURE = "audit.erase"  # an entry saying which entries' details an erasure removed


class AuditError(Exception):
    pass


@dataclass(frozen=True)
class Head:
    """Where the chain ended when someone looked: its sequence number and hash."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        seq, _, entry_hash = text.strip().partition(":")
        if not (seq.isdigit() and len(entry_hash) == 64
                and all(c in "0123456789abcdef" for c in entry_hash)):
            raise AuditError(f"{text!r} is not a head: give it as SEQ:HASH, "
                             f"as `relreg audit head` prints it")
        return cls(int(seq), entry_hash)


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


def _seal_field(key: bytes | None, prev_hash: str, erased: list[int]) -> dict[str, str]:
    """An erasure's seal, keyed with the register's secret key (graph/secret_key.py, kept
    outside the data folder): it ties the erasure to the entries it names and to its place
    after `prev_hash`, so that nobody without the key can write one. Empty without a key."""
    return {"seal": _seal(key, prev_hash, erased)} if key else {}


def _seal(key: bytes, prev_hash: str, erased: list[int]) -> str:
    purpose = hmac.new(key, b"relationship register: audit erasure", hashlib.sha256).digest()
    text = prev_hash + "|" + ",".join(str(n) for n in erased)
    return hmac.new(purpose, text.encode(), hashlib.sha256).hexdigest()


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

    def verify(self, head: Head | None = None, key: bytes | None = None) -> Verification:
        """Walk the chain from the first entry: every hash recomputed, every link to the
        previous entry checked, every detail not erased checked against its digest, every
        missing detail accounted for by an erasure written after it, and, given a head held
        elsewhere, the chain still reaching it.

        An erasure proves itself by its seal, made with the secret key (`key`, else the
        register's own): a seal that does not match fails, and an erasure without one counts
        only where a held head covers it, or, with no head, where no sealed erasure came
        before it (it was written by a release that did not seal). So an erasure appended or
        moved by whoever removed the details fails, and a real one made after the head
        passes."""
        key = key or read_key()
        prev_hash = GENESIS
        count = erased = 0
        missing: list[int] = []
        erased_by: dict[int, int] = {}  # an erased entry -> the first erasure naming it
        sealed: set[int] = set()  # erasures whose seal the key proves
        first_sealed: int | None = None
        rows = self.db.execute(
            "SELECT e.seq, e.at, e.actor, e.action, e.object_kind, e.outcome, e.details_digest, "
            "e.prev_hash, e.hash, d.salt, d.details FROM audit_entries e "
            "LEFT JOIN audit_details d ON d.seq = e.seq ORDER BY e.seq")
        reached = head is None
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
                missing.append(seq)
            elif _digest(salt, details) != digest:
                return broken("its details do not match their digest")
            elif action == ERASURE:
                # An erasure removes what the trail held before it, never what came after.
                try:
                    body = json.loads(details)
                except ValueError:
                    body = None
                named = body.get("erased") if isinstance(body, dict) else None
                if not (isinstance(named, list) and named
                        and all(type(n) is int and 0 < n < seq for n in named)):
                    return broken("an erasure that does not name only entries before it: "
                                  "it was moved or made up")
                seal = body.get("seal")
                # Within a held head the head vouches for it, seal and all: so a restore
                # checks a backup's trail on a machine that holds another key.
                vouched = head is not None and seq <= head.seq
                if seal is not None and not vouched:
                    if key is not None and not (isinstance(seal, str) and hmac.compare_digest(
                            seal, _seal(key, entry_prev, named))):
                        return broken("an erasure whose seal does not match: the register "
                                      "did not write it there")
                    first_sealed = seq if first_sealed is None else first_sealed
                    if key is not None:
                        sealed.add(seq)
                elif seal is None and head is None and first_sealed is not None:
                    return broken("an erasure without a seal after sealed ones: the register "
                                  "did not write it")
                for n in named:
                    erased_by.setdefault(n, seq)
            if head is not None and seq == head.seq:
                if entry_hash != head.hash:
                    return broken(f"is not the head {head}: the trail was rewritten")
                reached = True
            prev_hash = entry_hash
        if not reached:
            return Verification(False, count, erased, None,
                                f"the trail ends at entry {count}, before the head {head}: "
                                f"entries were cut from its end")
        for seq in missing:
            by = erased_by.get(seq)
            if by is None:
                return Verification(False, count, erased, seq,
                                    f"entry {seq}: its details were removed, but no erasure in "
                                    f"the trail removed them")
            if head is not None and by > head.seq and by not in sealed:
                # Past the held head only the seal vouches that the register wrote an entry:
                # without it, it could have been appended by whoever removed the details.
                return Verification(False, count, erased, by,
                                    f"entry {by}: an erasure after the head {head.seq} that no "
                                    f"seal proves (none, or no key here to check it), so "
                                    f"nothing shows the register wrote it; it is the only proof "
                                    f"that entry {seq}'s details were erased. Verify where the "
                                    f"secret key is, or against a head taken after it")
        return Verification(True, count, erased)

    def erase_person(self, person_id: str, actor: str = "register",
                     names: Iterable[str] = ()) -> int:
        """Erase the details of every entry about `person_id`, and of any entry whose
        details hold one of `names` (free text such as a reviewer's reason) however it is
        written: any case, accents composed, decomposed or left out, or JSON-escaped as
        the details store them (graph/mentions.py); return how many. One entry, not about
        anyone, says which entries were erased (never whose), so that the chain still
        verifies and a details row removed any other way does not."""
        from graph.mentions import Mentions  # (imported here: it loads the identity module)

        seqs = {seq for (seq,) in self.db.execute(
            "SELECT seq FROM audit_subjects WHERE person_id = ?", (person_id,))}
        mentions = Mentions(names)
        if mentions.names:
            seqs.update(seq for seq, details in self.db.execute(
                "SELECT seq, details FROM audit_details") if mentions.found_in(details))
        seqs = sorted(seqs)
        for seq in seqs:
            self.db.execute("DELETE FROM audit_details WHERE seq = ?", (seq,))
            self.db.execute("DELETE FROM audit_subjects WHERE seq = ?", (seq,))
        if seqs:
            self.record(actor=actor, action=ERASURE, object_kind="audit", erased=seqs,
                        **_seal_field(read_key(), self.head().hash, seqs))
        return len(seqs)

    def head(self) -> Head:
        """The latest entry's sequence number and hash: written down elsewhere, it shows
        later that no entry was cut from the end and the chain was not rewritten."""
        last = self.db.execute(
            "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(*last) if last else Head(0, GENESIS)

    # -- changes made elsewhere, written ahead -------------------------------------------

    def intend(self, *, actor: str, action: str, object_kind: str, **record) -> int:
        """Write ahead the entry a change will have; return the intent's number, which the
        store writes in the change's own transaction. The caller commits it before making
        the change, then calls `complete` (or `abandon` if the change failed)."""
        body = json.dumps({"actor": actor, "action": action, "object_kind": object_kind,
                           **record}, default=str)
        return self.db.execute("INSERT INTO audit_intents (record) VALUES (?)",
                               (body,)).lastrowid

    def complete(self, intent: int, **more) -> int:
        """The change of `intent` was made: append its entry and close the intent."""
        (body,) = self.db.execute("SELECT record FROM audit_intents WHERE intent = ?",
                                  (intent,)).fetchone()
        self.db.execute("DELETE FROM audit_intents WHERE intent = ?", (intent,))
        return self.record(**{**json.loads(body), **more})

    def abandon(self, intent: int) -> None:
        """The change of `intent` was not made: it leaves no entry."""
        self.db.execute("DELETE FROM audit_intents WHERE intent = ?", (intent,))

    def settle(self, intent: int, done: bool | None, **more) -> None:
        """Close an intent by what the store says of it: a change made gets its entry; one
        not made leaves none; one the store cannot vouch for gets its entry with the
        outcome "unknown". The caller holds a transaction."""
        if done is False:
            self.abandon(intent)
        else:
            self.complete(intent, **{**more, **({} if done else {"outcome": "unknown"})})

    def reconcile(self, applied) -> list[tuple[int, bool | None]]:
        """Settle every intent left open by a process that stopped between a change and
        its entry; `applied(intent)` is the store's answer. The caller holds a transaction."""
        found = []
        for (intent,) in self.db.execute(
                "SELECT intent FROM audit_intents ORDER BY intent").fetchall():
            done = applied(intent)
            self.settle(intent, done, found_at_start=True)
            found.append((intent, done))
        return found


@contextlib.contextmanager
def audited_change(trail: AuditTrail, store, *, actor: str, action: str, object_kind: str,
                   writing: Callable[[], contextlib.AbstractContextManager] | None = None,
                   then: Callable[[], None] | None = None, **record):
    """Make a change to the store's facts inside the block and audit it: the entry is
    appended if and only if the change was made, even if the process dies in between
    (the next start reconciles). `store` is a graph.store Store. The block may add to the
    dict it is given what is known only once the change is made (an import's counts).

    Each step on the trail runs in `writing()` (default: a transaction on the trail's
    database); `then` runs in the same one as the completed entry, for what must be
    written with it."""
    writing = writing or (lambda: transaction(trail.db))
    with writing():
        intent = trail.intend(actor=actor, action=action, object_kind=object_kind, **record)
    learned: dict = {}
    try:
        with store.marking(intent):
            yield learned
    except BaseException:
        with writing():
            trail.settle(intent, store.applied(intent), outcome="failed")
        raise
    with writing():
        trail.complete(intent, **learned)
        if then is not None:
            then()


def os_actor() -> str:
    """The actor of a command: the operating-system user who ran it."""
    try:
        return f"os:{getpass.getuser()}"
    except Exception:  # no name for the uid (a container): the number still says who
        return f"os:uid-{os.getuid()}"
