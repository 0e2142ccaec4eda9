"""The audit trail, for the auditor only: read it and check its hash chain. An auditor tied
to a school or person reads their trust's part of it; one tied to nothing, all of it."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Annotated

from fastapi import APIRouter, Query

from api.access import audit_reach
from api.deps import Auditor, RegisterDep
from api.routing import InOrderRoute
from api.schemas import AuditEntryPublic, VerificationPublic
from graph.audit import AuditEntry

router = APIRouter(route_class=InOrderRoute, prefix="/audit", tags=["audit"])


class AuditScope:
    """The part of the trail an auditor reads, as a condition on `audit_entries` (aliased
    `e`): the whole trail for an auditor tied to nothing; else the entries about people
    within their reach or made by their trust's accounts (api/access.py audit_reach).
    An entry outside is answered as if it did not exist."""

    def __init__(self, register, auditor):
        with register.lock:
            found = audit_reach(auditor, register.store, register.accounts.all(),
                                on=register.today())
        self.whole = found is None
        self.people, self.actors = found or (set(), set())

    def where(self) -> tuple[str, list]:
        if self.whole:
            return "", []
        return (" AND (e.actor IN (SELECT value FROM json_each(?)) OR e.seq IN (SELECT seq "
                "FROM audit_subjects WHERE person_id IN (SELECT value FROM json_each(?))))",
                [json.dumps(sorted(self.actors)), json.dumps(sorted(self.people))])


# Why a hold was placed or lifted is the placing school's safeguarding lead's to see: the
# trail keeps it, and shows an auditor that a reason was given, never what it says.
HOLD_ACTIONS = frozenset({"hold.place", "hold.lift"})
WITHHELD = "given; withheld: it is the safeguarding lead's"


def _as_auditors_see(entry: AuditEntry) -> AuditEntry:
    if entry.action in HOLD_ACTIONS and entry.details and "reason" in entry.details:
        return dataclasses.replace(entry, details={**entry.details, "reason": WITHHELD})
    return entry


BEYOND = "[someone beyond your trust]"


def _beyond_reach(register, scope: AuditScope, entries: list[AuditEntry]) -> dict[int, list[str]]:
    """For each entry, the ids and names of the people it is about who are beyond the
    auditor's reach (longest first, so a name goes before a part of it)."""
    seqs = [e.seq for e in entries]
    beyond: dict[int, set[str]] = {}
    with register.lock:
        for person_id, seq in register.db.execute(
                "SELECT person_id, seq FROM audit_subjects WHERE seq IN (SELECT value FROM "
                "json_each(?))", (json.dumps(seqs),)):
            if person_id not in scope.people:
                beyond.setdefault(seq, set()).add(person_id)
        people = {p: register.store.person(p) for ps in beyond.values() for p in ps}
    words = {}
    for seq, ids in beyond.items():
        found = set(ids)
        for person_id in ids:
            person = people.get(person_id)
            if person is not None:
                found |= {person.name, f"{person.family_name} {person.given_name}"}
        words[seq] = sorted((w for w in found if w.strip()), key=len, reverse=True)
    return words


def _redacted(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(BEYOND, value)
    if isinstance(value, list):
        return [_redacted(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, pattern) for k, v in value.items()}
    return value


def scoped_entries(register, scope: AuditScope, *, after: int, limit: int,
                   action: str | None, actor: str | None) -> list[AuditEntry]:
    """The entries after `after` that `scope` holds, filtered first, then cut at `limit`,
    as an auditor may read them: an auditor of a trust reads an entry about one of their
    people and someone beyond their trust with the other's ids and names redacted."""
    return as_auditor_reads(register, scope, _entries(register, scope, after=after,
                                                      limit=limit, action=action,
                                                      actor=actor))


def as_auditor_reads(register, scope: AuditScope, entries: list[AuditEntry]) -> list[AuditEntry]:
    """`entries` as the auditor of `scope` may read them: a hold's reason withheld, and for
    an auditor of a trust, the ids and names of people beyond it redacted."""
    entries = [_as_auditors_see(entry) for entry in entries]
    if scope.whole:
        return entries
    beyond = _beyond_reach(register, scope, entries)
    shown = []
    for entry in entries:
        words = beyond.get(entry.seq)
        if words and entry.details:
            pattern = re.compile(r"(?<![\w:-])(?:" + "|".join(map(re.escape, words))
                                 + r")(?![\w:-])", re.IGNORECASE)
            entry = dataclasses.replace(entry, details=_redacted(entry.details, pattern))
        shown.append(entry)
    return shown


def _entries(register, scope: AuditScope, *, after: int, limit: int,
             action: str | None, actor: str | None) -> list[AuditEntry]:
    if scope.whole:
        with register.lock:
            return register.audit.entries(after=after, limit=limit, action=action, actor=actor)
    where, params = scope.where()
    for column, value in (("action", action), ("actor", actor)):
        if value is not None:
            where += f" AND e.{column} = ?"
            params.append(value)
    with register.lock:
        rows = register.db.execute(
            "SELECT e.seq, e.at, e.actor, e.action, e.object_kind, e.outcome, d.details, "
            "e.hash FROM audit_entries e LEFT JOIN audit_details d ON d.seq = e.seq "
            f"WHERE e.seq > ?{where} ORDER BY e.seq LIMIT ?", [after, *params, limit])
        return [AuditEntry(seq, at, who, what, kind, outcome,
                           json.loads(details) if details is not None else None, entry_hash)
                for seq, at, who, what, kind, outcome, details, entry_hash in rows]


@router.get("", response_model=list[AuditEntryPublic])
def read_audit_trail(
    register: RegisterDep, auditor: Auditor,
    after: Annotated[int, Query(ge=0, le=2**62,
                                description="entries after this sequence number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryPublic]:
    """The entries of the trail you may read: all of it for an auditor tied to no school or
    person; else those about people of your trust's schools or made by its accounts."""
    entries = scoped_entries(register, AuditScope(register, auditor), after=after,
                             limit=limit, action=action, actor=actor)
    return [AuditEntryPublic(seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                             object_kind=e.object_kind, outcome=e.outcome, details=e.details,
                             hash=e.hash) for e in entries]


@router.get("/verify", response_model=VerificationPublic)
def verify_audit_trail(register: RegisterDep, auditor: Auditor) -> VerificationPublic:
    """Whether the whole hash chain holds. An auditor tied to nothing is told how many
    entries it holds and where it breaks; an auditor of a trust, the verdict and the count
    of the entries they may read, never the whole chain's count nor another's entry."""
    with register.lock:
        result = register.audit.verify()
    scope = AuditScope(register, auditor)
    if scope.whole:
        return VerificationPublic(ok=result.ok, entries=result.entries, erased=result.erased,
                                  first_bad_seq=result.first_bad_seq, problem=result.problem)
    where, params = scope.where()
    with register.lock:
        entries, erased = register.db.execute(
            "SELECT COUNT(*), COUNT(*) - COUNT(d.details) FROM audit_entries e LEFT JOIN "
            f"audit_details d ON d.seq = e.seq WHERE 1{where}", params).fetchone()
    return VerificationPublic(
        ok=result.ok, entries=entries, erased=erased, first_bad_seq=None,
        problem=None if result.ok else "the chain does not hold: ask the register's auditor "
                                       "(an auditor tied to no school) for where it breaks")
