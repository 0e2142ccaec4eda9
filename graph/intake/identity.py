"""One person per human: identifiers kept apart, exact matches, proposals, merges and undo.

The same parent appears under each of their children in a CTF, and sometimes also in the
staff export. Imports resolve each incoming person against what the register knows:

- exact: the same UPN, or the same reference in the same source (an MIS's own id), or the
  same name together with a shared e-mail address, phone number or postal address. The
  name is required with the others because families share an e-mail address, a home phone
  and an address. A person with a UPN is matched by UPN alone, so a mother is never taken
  for the daughter who bears her name.
- proposed: a similar name (rapidfuzz) with a shared identifier, postcode or date of birth.
  A proposal is only ever merged when a person confirms it, with `merge_people`.

Identifiers (UPN, e-mail, phone, address, sex, a source's reference) are personal data
that the exchange format has no column for and that will one day be erased, so they live
in their own small SQLite database in the data directory, never in the exchange world.
The same database remembers what imports need between files (a school's DfE numbers, the
UPNs of its last roll), the proposals and every merge with what it changed, so that
`undo_merge` restores exactly.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from rapidfuzz import fuzz

from graph.intake.exchange import record_cells, world_from_cells
from graph.model import BirthDate, Person, World
from graph.names import normal_name
from graph.sqlite import open_database, transaction
from graph.store.base import Store, StoreError

IDENTITY_DATABASE = "identity.sqlite3"

# Name similarity (rapidfuzz token_sort_ratio, 0-100) from which a pair is proposed.
MIN_SCORE_WITH_SHARED_IDENTIFIER = 40  # "Jane Smith" and "Jane Doe" at one e-mail address
MIN_SCORE_WITH_SHARED_POSTCODE_OR_BIRTH = 80  # "Jennifer Smith" and "Jenny Smith"


class Kind(enum.StrEnum):
    UPN = "upn"
    REF = "ref"  # "SOURCE:ID": a record's own id in an MIS export
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"  # "POSTCODE|first line"
    SEX = "sex"


SHARED_KINDS = (Kind.EMAIL, Kind.PHONE, Kind.ADDRESS)  # held in common says "same human" only with the name


# -- normal forms ------------------------------------------------------------------------


def _id_name(given_name: str, family_name: str) -> str:
    """The name as stable ids were first worked out from it (a letter with a stroke, such
    as ł, dropped rather than spelled out). Kept as it was: another form would give
    someone already in a register a new id on the next import of the same file."""
    text = unicodedata.normalize("NFKD", f"{given_name} {family_name}")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def normal_email(text: str) -> str | None:
    text = text.strip().lower()
    return text if "@" in text else None


def normal_phone(text: str) -> str | None:
    """UK numbers in one form: digits, national prefix 0.

    >>> normal_phone("+44 (0)7700 900123"), normal_phone("07700-900123")
    ('07700900123', '07700900123')
    """
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and len(digits) >= 12:
        digits = digits[2:]
    if not digits.startswith("0"):
        digits = "0" + digits
    return digits if len(digits) >= 7 else None


def normal_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def normal_address(first_line: str, postcode: str) -> str | None:
    """An address is only an identifier with its postcode and a first line."""
    postcode = normal_postcode(postcode)
    line = " ".join(re.sub(r"[^a-z0-9]+", " ", first_line.casefold()).split())
    return f"{postcode}|{line}" if postcode and line else None


@dataclass(frozen=True)
class Identity:
    """What a source says about one person, in normal forms."""

    given_name: str
    family_name: str
    date_of_birth: BirthDate | None = None
    identifiers: frozenset[tuple[Kind, str]] = frozenset()

    @classmethod
    def of(cls, given_name: str, family_name: str, date_of_birth: BirthDate | None = None, *,
           upn: str | None = None, ref: str | None = None, emails: Iterable[str] = (),
           phones: Iterable[str] = (), addresses: Iterable[tuple[str, str]] = (),
           sex: str | None = None) -> Identity:
        found = set()
        if upn:
            found.add((Kind.UPN, upn))
        if ref:
            found.add((Kind.REF, ref))
        found.update((Kind.EMAIL, e) for e in map(normal_email, emails) if e)
        found.update((Kind.PHONE, p) for p in map(normal_phone, phones) if p)
        found.update((Kind.ADDRESS, a) for a in (normal_address(*pair) for pair in addresses) if a)
        if sex:
            found.add((Kind.SEX, sex))
        return cls(given_name.strip(), family_name.strip(), date_of_birth, frozenset(found))

    @property
    def name(self) -> str:
        return normal_name(self.given_name, self.family_name)

    def values(self, kind: Kind) -> set[str]:
        return {value for k, value in self.identifiers if k == kind}

    def stable_id(self, prefix: str, fallback: str = "") -> str:
        """An id derived from the name and identifiers alone: the same file gives the same
        id in any register. `fallback` tells apart people with no identifier at all."""
        shared = sorted(f"{k}={v}" for k, v in self.identifiers if k in SHARED_KINDS)
        sex = sorted(f"{k}={v}" for k, v in self.identifiers if k is Kind.SEX)
        text = "\n".join([_id_name(self.given_name, self.family_name), *sex,
                           *(shared or [fallback])])
        return f"{prefix}{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _contradict(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


# -- resolving a file against the register --------------------------------------------


class IdentityIndex:
    """Who the register knows, by identifier: built once per import, grown as it goes."""

    def __init__(self, people: dict[str, Person], rows: Iterable[tuple[str, str, str]]):
        self.names = {pid: normal_name(p.given_name, p.family_name) for pid, p in people.items()}
        self.births = {pid: p.date_of_birth for pid, p in people.items()}
        self.by_identifier: dict[tuple[Kind, str], set[str]] = defaultdict(set)
        self.of_person: dict[str, set[tuple[Kind, str]]] = defaultdict(set)
        for person_id, kind, value in rows:
            if person_id in self.names:
                self._note(person_id, (Kind(kind), value))

    def _note(self, person_id: str, identifier: tuple[Kind, str]) -> None:
        self.by_identifier[identifier].add(person_id)
        self.of_person[person_id].add(identifier)

    def value(self, person_id: str, kind: Kind) -> str | None:
        return next((v for k, v in sorted(self.of_person.get(person_id, ())) if k == kind), None)

    def resolve(self, identity: Identity) -> str | None:
        """The person this identity is, on exact identifiers; None for someone new."""
        for kind in (Kind.UPN, Kind.REF):
            for value in identity.values(kind):
                found = self.by_identifier.get((kind, value))
                if found:
                    return min(found)
        if identity.values(Kind.UPN):
            return None  # a pupil is matched by UPN alone
        sex = next(iter(identity.values(Kind.SEX)), None)
        birth = str(identity.date_of_birth) if identity.date_of_birth else None
        matches = set()
        for identifier in identity.identifiers:
            if identifier[0] not in SHARED_KINDS:
                continue
            for person_id in self.by_identifier.get(identifier, ()):
                if (self.names.get(person_id) == identity.name
                        and self.value(person_id, Kind.UPN) is None
                        and not _contradict(sex, self.value(person_id, Kind.SEX))
                        and not _contradict(birth, _text(self.births.get(person_id)))):
                    matches.add(person_id)
        return min(matches) if matches else None

    def add(self, person_id: str, identity: Identity) -> None:
        self.names.setdefault(person_id, identity.name)
        if identity.date_of_birth is not None:
            self.births[person_id] = identity.date_of_birth
        self.births.setdefault(person_id, None)
        for identifier in identity.identifiers:
            if identifier[0] is Kind.SEX and self.value(person_id, Kind.SEX):
                continue  # the first word on sex stands; a contradiction is not recorded twice
            self._note(person_id, identifier)


def _text(value) -> str | None:
    return str(value) if value is not None else None


# -- proposals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchProposal:
    """Two people who may be one human: for a person to confirm, never merged alone."""

    person_id: str
    other_id: str
    score: float
    reason: str


def propose_matches(index: IdentityIndex, person_ids: Iterable[str],
                    linked: set[frozenset[str]] = frozenset(),
                    decided: set[frozenset[str]] = frozenset()) -> list[MatchProposal]:
    """Pairs of one of `person_ids` and anyone else with a similar name and a shared
    identifier, postcode or date of birth. Pairs in `linked` (family of each other) and
    `decided` (proposed, rejected or merged before) are left out."""
    by_postcode: dict[str, set[str]] = defaultdict(set)
    by_birth: dict[str, set[str]] = defaultdict(set)
    for (kind, value), people in index.by_identifier.items():
        if kind is Kind.ADDRESS:
            by_postcode[value.split("|")[0]].update(people)
    for person_id, birth in index.births.items():
        if birth is not None and birth.day is not None:
            by_birth[str(birth)].add(person_id)

    proposals = {}
    for person_id in sorted(set(person_ids)):
        if person_id not in index.names:
            continue
        mine = index.of_person.get(person_id, set())
        shared: dict[str, list[Kind]] = defaultdict(list)
        for identifier in mine:
            if identifier[0] in SHARED_KINDS:
                for other in index.by_identifier[identifier]:
                    shared[other].append(identifier[0])
        near = set(shared)
        for identifier in mine:
            if identifier[0] is Kind.ADDRESS:
                near |= by_postcode[identifier[1].split("|")[0]]
        birth = index.births.get(person_id)
        if birth is not None and birth.day is not None:
            near |= by_birth[str(birth)]
        for other in sorted(near - {person_id}):
            pair = frozenset((person_id, other))
            if pair in proposals or pair in linked or pair in decided or _distinct(index, person_id, other):
                continue
            score = fuzz.token_sort_ratio(index.names[person_id], index.names[other])
            threshold = (MIN_SCORE_WITH_SHARED_IDENTIFIER if shared.get(other)
                         else MIN_SCORE_WITH_SHARED_POSTCODE_OR_BIRTH)
            if score < threshold:
                continue
            what = (", ".join(sorted({f"same {k.value}" for k in shared[other]})) if shared.get(other)
                    else "same postcode or date of birth")
            first, second = sorted((person_id, other))
            proposals[pair] = MatchProposal(
                first, second, round(score, 1),
                f"{what}; names {index.names[first]!r} and {index.names[second]!r} "
                f"are {round(score)}% alike",
            )
    return sorted(proposals.values(), key=lambda p: (p.person_id, p.other_id))


def _distinct(index: IdentityIndex, a: str, b: str) -> bool:
    """Facts that say two records are two humans."""
    if index.value(a, Kind.UPN) and index.value(b, Kind.UPN):
        return True  # two UPNs: two pupils (twins share a birthday, an address, a surname)
    refs_a = {v.split(":")[0] for k, v in index.of_person.get(a, ()) if k is Kind.REF}
    refs_b = {v.split(":")[0] for k, v in index.of_person.get(b, ()) if k is Kind.REF}
    if refs_a & refs_b:
        return True  # two records of the same source
    return (_contradict(index.value(a, Kind.SEX), index.value(b, Kind.SEX))
            or _contradict(_text(index.births.get(a)), _text(index.births.get(b))))


# -- the side table ----------------------------------------------------------------------


class IdentityTable:
    """The identity database in the data directory."""

    def __init__(self, data_dir: str | os.PathLike):
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(data_dir) / IDENTITY_DATABASE
        self._db = open_database(self.path)
        self._db.executescript("""
            CREATE TABLE IF NOT EXISTS identifiers (
                person_id TEXT, kind TEXT, value TEXT, PRIMARY KEY (person_id, kind, value));
            CREATE INDEX IF NOT EXISTS identifiers_by_value ON identifiers (kind, value);
            CREATE TABLE IF NOT EXISTS school_numbers (
                school_number TEXT PRIMARY KEY, school_id TEXT);
            DROP TABLE IF EXISTS last_roll;
            CREATE TABLE IF NOT EXISTS proposals (
                person_a TEXT, person_b TEXT, score REAL, reason TEXT, proposed_on TEXT,
                status TEXT, PRIMARY KEY (person_a, person_b));
            CREATE TABLE IF NOT EXISTS merges (
                merge_id TEXT PRIMARY KEY, record TEXT, undone_at TEXT);
            CREATE TABLE IF NOT EXISTS preferred_names (
                person_id TEXT PRIMARY KEY, given_name TEXT, family_name TEXT);
            CREATE TABLE IF NOT EXISTS imports (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, import_id TEXT UNIQUE, school_id TEXT,
                kind TEXT, name TEXT, imported_at TEXT, counts TEXT, removed TEXT, added TEXT,
                undone_at TEXT);
        """)

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _transaction(self):
        return transaction(self._db)

    # identifiers

    def rows(self) -> list[tuple[str, str, str]]:
        return self._db.execute("SELECT person_id, kind, value FROM identifiers").fetchall()

    def index(self, world: World) -> IdentityIndex:
        return IdentityIndex(world.people, self.rows())

    def of_person(self, person_id: str) -> set[tuple[str, str]]:
        return set(self._db.execute(
            "SELECT kind, value FROM identifiers WHERE person_id = ?", (person_id,)))

    def people_with(self, kind: Kind, value: str) -> set[str]:
        """Who holds the identifier; for a REF, `value` may be the MIS's own code alone,
        without the source it came from."""
        rows = self._db.execute(
            "SELECT person_id FROM identifiers WHERE kind = ? AND (value = ? OR "
            "(kind = 'ref' AND lower(substr(value, instr(value, ':') + 1)) = lower(?)))",
            (str(kind), value, value))
        return {row[0] for row in rows}

    def add(self, found: dict[str, Identity]) -> None:
        with self._transaction():
            for person_id, identity in found.items():
                known_sex = self._db.execute(
                    "SELECT 1 FROM identifiers WHERE person_id = ? AND kind = 'sex'", (person_id,)
                ).fetchone()
                self._db.executemany(
                    "INSERT OR IGNORE INTO identifiers VALUES (?, ?, ?)",
                    [(person_id, str(k), v) for k, v in sorted(identity.identifiers)
                     if not (k is Kind.SEX and known_sex)],
                )

    # what imports remember between files

    def school_numbers(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT school_number, school_id FROM school_numbers"))

    def remember_school_number(self, school_number: str, school_id: str) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO school_numbers VALUES (?, ?)",
                             (school_number, school_id))

    # what a CTF or MIS says beside the facts: preferred names (parental responsibility is
    # on the family link itself)

    def carry_link_details(self, store) -> int:
        """Move what an earlier release kept here, parental responsibility in the
        `link_details` table, onto the family links of `store` (where a link does not say
        already), then drop the table: the family link is its one home. Returns how many
        links gained it."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                "AND name = 'link_details'").fetchone():
            return 0
        held = {(a, b): bool(v) for a, b, v in self._db.execute(
            "SELECT person_id, relative_id, parental_responsibility FROM link_details "
            "WHERE parental_responsibility IS NOT NULL")}
        carried = []
        if held:
            carried = [
                replace(link, parental_responsibility=held[link.person_id, link.relative_id])
                for link in store.export_world().family_links
                if (link.person_id, link.relative_id) in held
                and link.parental_responsibility is None
            ]
            if carried:
                store.upsert(World(family_links=carried))
        with self._transaction():
            self._db.execute("DROP TABLE link_details")
        return len(carried)

    def add_preferred_names(self, names: dict[str, tuple[str, str]]) -> None:
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO preferred_names VALUES (?, ?, ?)",
                                 [(k, g, f) for k, (g, f) in sorted(names.items())])

    def preferred_name(self, person_id: str) -> tuple[str, str] | None:
        """(preferred forename, preferred surname), either blank, where a source gave one:
        the name to show; identity keeps to the legal name."""
        row = self._db.execute("SELECT given_name, family_name FROM preferred_names "
                               "WHERE person_id = ?", (person_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def preferred_names(self) -> dict[str, tuple[str, str]]:
        """Every preferred name, by person: what the pages and tables show."""
        return {row[0]: (row[1] or "", row[2] or "") for row in self._db.execute(
            "SELECT person_id, given_name, family_name FROM preferred_names")}

    # the import log: what each import wrote and replaced, so that the last can be undone

    def log_import(self, school_id: str | None, kind: str, name: str, counts: dict,
                   removed: World, added: World) -> str:
        import_id = hashlib.sha256(f"{dt.datetime.now(dt.UTC).isoformat()}{name}{os.getpid()}"
                                   .encode()).hexdigest()[:12]
        with self._transaction():
            self._db.execute(
                "INSERT INTO imports (import_id, school_id, kind, name, imported_at, counts, "
                "removed, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (import_id, school_id, kind, name,
                 dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), json.dumps(counts),
                 json.dumps(_world_cells(removed), separators=(",", ":")),
                 json.dumps(_world_cells(added), separators=(",", ":"))))
        return import_id

    def last_import(self, school_id: str | None = None):
        """(import id, kind, file name, facts replaced, facts written) of the last import
        not undone (of `school_id`, where given), or None."""
        where, args = ("AND school_id = ?", (school_id,)) if school_id else ("", ())
        row = self._db.execute(
            f"SELECT import_id, kind, name, removed, added FROM imports WHERE undone_at IS NULL "
            f"{where} ORDER BY seq DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return (row[0], row[1], row[2], world_from_cells(json.loads(row[3])),
                world_from_cells(json.loads(row[4])))

    def mark_import_undone(self, import_id: str) -> None:
        with self._transaction():
            self._db.execute("UPDATE imports SET undone_at = ? WHERE import_id = ?",
                             (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), import_id))

    def imports(self) -> list[dict]:
        return [
            {"import_id": r[0], "school_id": r[1], "kind": r[2], "name": r[3],
             "imported_at": r[4], "counts": json.loads(r[5]), "undone_at": r[6]}
            for r in self._db.execute("SELECT import_id, school_id, kind, name, imported_at, "
                                      "counts, undone_at FROM imports ORDER BY seq")
        ]

    # proposals

    def decided_pairs(self) -> set[frozenset[str]]:
        """Every pair proposed before, whatever became of it: never proposed twice."""
        return {frozenset(r) for r in self._db.execute("SELECT person_a, person_b FROM proposals")}

    def add_proposals(self, proposals: list[MatchProposal], on: dt.date) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO proposals VALUES (?, ?, ?, ?, ?, 'pending')",
                [(p.person_id, p.other_id, p.score, p.reason, on.isoformat()) for p in proposals],
            )

    def pending_proposals(self) -> list[MatchProposal]:
        return [MatchProposal(*row) for row in self._db.execute(
            "SELECT person_a, person_b, score, reason FROM proposals WHERE status = 'pending' "
            "ORDER BY person_a, person_b")]

    def set_proposal_status(self, a: str, b: str, status: str) -> None:
        first, second = sorted((a, b))
        with self._transaction():
            self._db.execute(
                "INSERT INTO proposals VALUES (?, ?, NULL, '', ?, ?) ON CONFLICT (person_a, person_b) "
                "DO UPDATE SET status = excluded.status",
                (first, second, dt.date.today().isoformat(), status))

    def reject_proposal(self, a: str, b: str) -> None:
        """Two people a person judged to be two humans: never proposed again."""
        self.set_proposal_status(a, b, "rejected")

    def proposal_status(self, a: str, b: str) -> str | None:
        row = self._db.execute("SELECT status FROM proposals WHERE person_a = ? AND person_b = ?",
                               tuple(sorted((a, b)))).fetchone()
        return row[0] if row else None



# -- merging and undoing -----------------------------------------------------------------


@dataclass(frozen=True)
class MergeRecord:
    """What one merge did, enough to undo it exactly and to write it in the audit trail."""

    merge_id: str
    kept_id: str
    absorbed_id: str
    merged_at: str
    merged_by: str | None
    reason: str
    removed: World  # facts as they were before the merge, that it removed or replaced
    added: World  # facts the merge wrote
    identifiers_absorbed: tuple[tuple[str, str], ...]  # (kind, value) the absorbed person had
    identifiers_added: tuple[tuple[str, str], ...]  # of those, the ones new to the kept person
    undone_at: str | None = None

    def summary(self) -> str:
        counts = {name: n for name, n in self.removed.counts().items() if n}
        moved = ", ".join(f"{n} {name}" for name, n in counts.items())
        text = f"{self.merge_id}: merged {self.absorbed_id} into {self.kept_id} ({moved})"
        return text + (f"; undone {self.undone_at}" if self.undone_at else "")

    def to_json(self) -> dict:
        return {
            "merge_id": self.merge_id, "kept_id": self.kept_id, "absorbed_id": self.absorbed_id,
            "merged_at": self.merged_at, "merged_by": self.merged_by, "reason": self.reason,
            "removed": _world_cells(self.removed), "added": _world_cells(self.added),
            "identifiers_absorbed": [list(i) for i in self.identifiers_absorbed],
            "identifiers_added": [list(i) for i in self.identifiers_added],
            "undone_at": self.undone_at,
        }

    @classmethod
    def from_json(cls, data: dict) -> MergeRecord:
        return cls(
            data["merge_id"], data["kept_id"], data["absorbed_id"], data["merged_at"],
            data["merged_by"], data["reason"], world_from_cells(data["removed"]),
            world_from_cells(data["added"]),
            tuple(tuple(i) for i in data["identifiers_absorbed"]),
            tuple(tuple(i) for i in data["identifiers_added"]), data.get("undone_at"),
        )


def _world_cells(world: World) -> dict[str, list[tuple[str, ...]]]:
    return {name: list(rows) for name, rows in record_cells(world).items()}


def merge_people(store: Store, identity: IdentityTable, kept_id: str, absorbed_id: str, *,
                 merged_by: str | None = None, reason: str = "") -> MergeRecord:
    """Make `absorbed_id` one person with `kept_id`: every fact about the absorbed person is
    rewritten onto the kept one, and the absorbed person's record and identifiers go. The
    kept person's record stands, with a date of birth taken from the absorbed one where it
    had none. Facts that become duplicates or about one person alone (a family link or a
    connection between the two) are dropped. Returns what was done, for `undo_merge` and
    the audit trail."""
    world = store.export_world()
    for person_id in (kept_id, absorbed_id):
        if person_id not in world.people:
            raise StoreError(f"no person {person_id}")
    if kept_id == absorbed_id:
        raise StoreError("a person cannot be merged into themselves")
    removed, added = _rewrite(world, kept_id, absorbed_id)
    store.replace_facts(removed, added)

    absorbed = sorted(identity.of_person(absorbed_id))
    kept_before = identity.of_person(kept_id)
    kept_sex_known = any(k == Kind.SEX for k, _ in kept_before)
    absorbed_to_add = [(k, v) for k, v in absorbed
                       if (k, v) not in kept_before and not (k == Kind.SEX and kept_sex_known)]
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    record = MergeRecord(
        merge_id=hashlib.sha256(f"{kept_id}\n{absorbed_id}\n{now}".encode()).hexdigest()[:12],
        kept_id=kept_id, absorbed_id=absorbed_id, merged_at=now, merged_by=merged_by,
        reason=reason, removed=removed, added=added,
        identifiers_absorbed=tuple(absorbed), identifiers_added=tuple(absorbed_to_add),
    )
    with identity._transaction() as db:
        db.execute("DELETE FROM identifiers WHERE person_id = ?", (absorbed_id,))
        db.executemany("INSERT OR IGNORE INTO identifiers VALUES (?, ?, ?)",
                       [(kept_id, k, v) for k, v in absorbed_to_add])
        db.execute("INSERT INTO merges VALUES (?, ?, NULL)",
                   (record.merge_id, json.dumps(record.to_json())))
    identity.set_proposal_status(kept_id, absorbed_id, "merged")
    return record


def undo_merge(store: Store, identity: IdentityTable, merge_id: str) -> MergeRecord:
    """Put back exactly what merge `merge_id` changed; returns the merge, marked undone.
    The pair is then marked rejected, so that it is not proposed again."""
    row = identity._db.execute("SELECT record, undone_at FROM merges WHERE merge_id = ?",
                               (merge_id,)).fetchone()
    if row is None:
        raise StoreError(f"no merge {merge_id}")
    if row[1] is not None:
        raise StoreError(f"merge {merge_id} was already undone on {row[1]}")
    record = MergeRecord.from_json(json.loads(row[0]))
    store.replace_facts(record.added, record.removed)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with identity._transaction() as db:
        db.executemany("DELETE FROM identifiers WHERE person_id = ? AND kind = ? AND value = ?",
                       [(record.kept_id, k, v) for k, v in record.identifiers_added])
        db.executemany("INSERT OR IGNORE INTO identifiers VALUES (?, ?, ?)",
                       [(record.absorbed_id, k, v) for k, v in record.identifiers_absorbed])
        db.execute("UPDATE merges SET undone_at = ? WHERE merge_id = ?", (now, merge_id))
    identity.set_proposal_status(record.kept_id, record.absorbed_id, "rejected")
    return replace(record, undone_at=now)


def merges(identity: IdentityTable) -> list[MergeRecord]:
    """Every merge, undone or not, oldest first."""
    found = []
    for record, undone_at in identity._db.execute(
            "SELECT record, undone_at FROM merges ORDER BY rowid"):
        found.append(replace(MergeRecord.from_json(json.loads(record)), undone_at=undone_at))
    return found


def _rewrite(world: World, kept: str, absorbed: str) -> tuple[World, World]:
    """(facts the merge removes or replaces, as they were; facts it writes)."""
    removed, added = World(), World()

    def swap(person_id):
        return kept if person_id == absorbed else person_id

    removed.people[absorbed] = world.people[absorbed]
    kept_person, absorbed_person = world.people[kept], world.people[absorbed]
    if kept_person.date_of_birth is None and absorbed_person.date_of_birth is not None:
        removed.people[kept] = kept_person
        added.people[kept] = replace(kept_person, date_of_birth=absorbed_person.date_of_birth)

    membership_keys = {m.key for m in world.memberships}
    for m in world.memberships:
        if m.person_id == absorbed:
            removed.memberships.append(m)
            moved = replace(m, person_id=kept)
            if moved.key not in membership_keys:
                membership_keys.add(moved.key)
                added.memberships.append(moved)

    link_keys = {f.key for f in world.family_links}
    for f in world.family_links:
        if absorbed in (f.person_id, f.relative_id):
            removed.family_links.append(f)
            moved = replace(f, person_id=swap(f.person_id), relative_id=swap(f.relative_id))
            if moved.person_id != moved.relative_id and moved.key not in link_keys:
                link_keys.add(moved.key)
                added.family_links.append(moved)

    for c in world.connections.values():
        if absorbed in (c.person_id, c.other_id):
            removed.connections[c.connection_id] = c
            moved = replace(c, person_id=swap(c.person_id), other_id=swap(c.other_id))
            if moved.person_id != moved.other_id:
                added.connections[c.connection_id] = moved

    for d in world.declarations.values():
        if absorbed in (d.declarer_id, d.counterpart_id, d.decided_by):
            removed.declarations[d.declaration_id] = d
            moved = replace(d, declarer_id=swap(d.declarer_id),
                            counterpart_id=swap(d.counterpart_id), decided_by=swap(d.decided_by))
            if moved.declarer_id != moved.counterpart_id:
                added.declarations[d.declaration_id] = moved

    for a in world.approaches.values():
        if absorbed in (a.adult_id, a.from_id):
            removed.approaches[a.report_id] = a
            moved = replace(a, adult_id=swap(a.adult_id), from_id=swap(a.from_id))
            if moved.adult_id != moved.from_id:
                added.approaches[a.report_id] = moved

    admin_keys = {a.key for a in world.account_admins}
    for a in world.account_admins:
        if absorbed in (a.person_id, a.authorised_by):
            removed.account_admins.append(a)
            moved = replace(a, person_id=swap(a.person_id), authorised_by=swap(a.authorised_by))
            if moved.key == a.key or moved.key not in admin_keys:
                admin_keys.add(moved.key)
                added.account_admins.append(moved)
    return removed, added
