"""The embedded default store: the facts live in memory as a FactGraph (networkx graphs
and indexes) and are made durable in a SQLite database in WAL mode with full sync.

A write is acknowledged only once its transaction has committed, so it survives the
process being killed; a bulk import is one transaction, so a crash in the middle of it
leaves the previous state whole. Nothing needs a server.

Starting without rebuilding: every write bumps a facts version in its own transaction, and
the findings of a full evaluation are saved with the version, date and rules they came
from. A process that asks for the findings of unchanged facts reads them back without
loading the facts at all; the facts are loaded only when something needs them (or, for
the review service, by its refresh in the background: `load`). The saved findings are
derived data: when anything they depend on has changed they are ignored, and a crash can at
worst leave them stale.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import gc
import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from graph.intake.exchange import (
    FACT_KEYS,
    FILES,
    cell_text,
    collector_held_off,
    record_cells,
    record_rows,
    world_from_cells,
)
from graph.facts import FactGraph
from graph.model import (
    ApproachReport,
    Basis,
    Connection,
    Declaration,
    FamilyLink,
    Finding,
    Membership,
    Person,
    School,
    World,
)
from graph.rules import Evaluation
from graph.sqlite import open_database, private_folder, transaction
from graph.store.base import (
    FindingsSince,
    Progress,
    Store,
    StoreError,
    rules_digest,
    sort_people,
    walk,
)

DATABASE_NAME = "register.sqlite3"
SCHEMA_VERSION = 1
GRAPH = Path(__file__).resolve().parent.parent
# The code findings are made from, besides the facts and the schools' profiles: a change to
# any of these makes saved findings stale (rules_fingerprint).
_RULE_SOURCES = tuple(GRAPH / name for name in (
    "rules.py", "routing.py", "facts.py", "model.py", "profiles.py"))

_BATCH = 5_000
_FREEZE_FROM = 100_000  # people; a small store's objects are cheap to walk


def default_data_dir() -> Path:
    """RELREG_DATA, else $XDG_DATA_HOME/relreg, else ~/.local/share/relreg."""
    if os.environ.get("RELREG_DATA"):
        return Path(os.environ["RELREG_DATA"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "relreg"


def _table(file_name: str) -> str:
    return file_name.removesuffix(".csv")


def _columns(file_name: str) -> list[str]:
    return [c.name for c in FILES[file_name][1]]


class EmbeddedStore(Store):
    def __init__(self, data_dir: str | os.PathLike | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        private_folder(self.data_dir)
        self.path = self.data_dir / DATABASE_NAME
        self._db = open_database(self.path)
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._intent: int | None = None
        self._create_schema()
        self._facts: FactGraph | None = None
        self._version: int | None = None  # the facts version of self._facts, if known
        # A world just written whole, and its facts version: the facts when first needed.
        self._written: tuple[World, int] | None = None
        self._loading = threading.RLock()  # held while the facts are loaded or replaced
        self._evaluation: Evaluation | None = None
        self._saved: tuple[int, dt.date, list[Finding]] | None = None  # last read back

    @property
    def facts(self) -> FactGraph:
        """The facts in memory, loaded from the tables the first time they are needed."""
        if self._facts is None:
            with self._loading:
                if self._facts is None:
                    self._load_facts(self._db)
        return self._facts

    def load(self) -> None:
        """Load the facts now, on a connection of this thread's own: whatever needs them
        meanwhile, in other threads, waits for them."""
        if self._facts is not None:
            return
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            with self._loading:
                if self._facts is None:
                    self._load_facts(db)
        finally:
            db.close()

    def facts_version(self) -> int:
        return self._facts_version()

    def findings_at_hand(self, as_of: dt.date) -> bool:
        if self._evaluation is not None and self._evaluation.as_of == as_of:
            return True
        return self._facts is None and self._saved_findings(as_of, self._facts_version()) is not None

    def _create_schema(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise StoreError(
                f"{self.path} has schema version {version}; this register reads {SCHEMA_VERSION}"
            )
        with transaction(self._db):
            # A table per exchange file, with its columns, keyed by what is one fact.
            for name, key in FACT_KEYS.items():
                columns = ", ".join(f"{c} TEXT" for c in _columns(name))
                self._db.execute(
                    f"CREATE TABLE IF NOT EXISTS {_table(name)} "
                    f"({columns}, PRIMARY KEY ({', '.join(key)})) WITHOUT ROWID"
                )
                # A column the exchange format gained since this store was written: its
                # rows are kept, with the new column blank (every added column is optional).
                present = {row[1] for row in
                           self._db.execute(f"PRAGMA table_info({_table(name)})")}
                for column in _columns(name):
                    if column not in present:
                        self._db.execute(
                            f"ALTER TABLE {_table(name)} ADD COLUMN {column} TEXT")
            # Which audit intents' changes were made (graph/audit.py, `reconcile`).
            self._db.execute("CREATE TABLE IF NOT EXISTS applied_intents "
                             "(intent INTEGER PRIMARY KEY)")
            # Bumped by every write of facts, in the write's own transaction.
            self._db.execute("CREATE TABLE IF NOT EXISTS facts_version "
                             "(version INTEGER NOT NULL)")
            if self._db.execute("SELECT 1 FROM facts_version").fetchone() is None:
                self._db.execute("INSERT INTO facts_version VALUES (0)")
            # The findings of the last full evaluation, and what they were made from.
            self._db.execute("CREATE TABLE IF NOT EXISTS saved_findings (facts_version "
                             "INTEGER NOT NULL, as_of TEXT NOT NULL, rules TEXT NOT NULL, "
                             "findings TEXT NOT NULL)")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _transaction(self):
        """A write of facts: all or nothing, with a new facts version."""
        with transaction(self._db):
            if self._intent is not None:
                self._db.execute("INSERT OR IGNORE INTO applied_intents VALUES (?)",
                                 (self._intent,))
            before = self._facts_version()
            self._db.execute("UPDATE facts_version SET version = version + 1")
            # Stale now, and they may name someone this change erases.
            self._db.execute("DELETE FROM saved_findings")
            yield
        # The facts in memory follow this write; if another process wrote since they were
        # loaded, which version they hold is no longer known.
        self._version = before + 1 if self._version == before else None

    def _facts_version(self, db: sqlite3.Connection | None = None) -> int:
        return (db or self._db).execute("SELECT version FROM facts_version").fetchone()[0]

    @contextlib.contextmanager
    def marking(self, intent: int):
        self._intent = intent
        try:
            yield
        finally:
            self._intent = None

    def applied(self, intent: int) -> bool:
        return self._db.execute("SELECT 1 FROM applied_intents WHERE intent = ?",
                                (intent,)).fetchone() is not None

    def _load_world(self) -> World:
        with collector_held_off():
            return self._read(self._db)[0]

    def _load_facts(self, db: sqlite3.Connection) -> None:
        with collector_held_off():
            world, version = self._written or self._read(db)
            facts = FactGraph(world)
        self._written = None
        if len(world.people) >= _FREEZE_FROM:
            # The facts live as long as the store: keep the collector from walking millions
            # of records again on every full collection (at 1M, 9 s of a 2 s evaluation).
            gc.freeze()
        self._version = version  # before the facts: whoever sees them sees their version
        self._facts = facts

    def _read(self, db: sqlite3.Connection) -> tuple[World, int]:
        """Every fact in the tables and their facts version, read in one transaction."""
        db.execute("BEGIN")
        try:
            cells = {
                name: db.execute(f"SELECT {', '.join(_columns(name))} FROM {_table(name)}")
                for name in FILES
            }
            return world_from_cells(cells), self._facts_version(db)
        finally:
            db.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------

    def _write(self, world: World, progress: Progress | None) -> None:
        for name, rows in record_cells(world, blank=None).items():
            columns = _columns(name)
            statement = (
                f"INSERT OR REPLACE INTO {_table(name)} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == _BATCH:
                    self._db.executemany(statement, batch)
                    if progress is not None and name == "people.csv":
                        progress(len(batch))
                    batch = []
            self._db.executemany(statement, batch)
            if progress is not None and name == "people.csv":
                progress(len(batch))

    def import_world(self, world: World, progress: Progress | None = None) -> None:
        with self._loading:  # a load in another thread would put back the facts before
            was_empty = self.is_empty()
            with self._transaction():
                self._write(world, progress)
            # Into an empty store the imported world is the whole state: no need to read it
            # back. Otherwise the facts are read back when next needed.
            self._use(world if was_empty else None)

    def replace_world(self, world: World, progress: Progress | None = None) -> None:
        with self._loading:
            with self._transaction():
                for name in FILES:
                    self._db.execute(f"DELETE FROM {_table(name)}")
                self._write(world, progress)
            self._use(world)

    def _use(self, world: World | None) -> None:
        """The facts are now `world` (None: what the tables hold), built when first needed:
        an import from the command line ends without needing them."""
        self._facts = None
        self._version = None
        # The world's own containers, as the caller may go on changing its world.
        self._written = None if world is None else (
            World(*(copy.copy(getattr(world, f.name)) for f in dataclasses.fields(World))),
            self._facts_version())
        self._evaluation = None

    def upsert(self, world: World) -> None:
        """Add or replace the facts of a small world durably, then refresh only the
        findings they can touch. Connections and declarations other than of family touch
        the findings of the pairs whose ties they change (`_reach`); anything else touches
        those of everyone within the family degree of a person the facts are about (kinship
        and recusal run along family paths), and, when a position is given or taken, every
        finding of the schools it reviews for."""
        self._check_references(world)
        self._resume()
        ties = self._ties_changed(world)
        if ties is None:
            involved = world.people_involved() | self._people_replaced(world)
            touched = self.facts.family_circle(involved)
            leaders = self._leaders_changed(world)
        with self._transaction():
            self._write(world, None)
        self.facts.put_facts(world)
        evaluation = self._evaluation
        if evaluation is None:
            return
        if ties is not None:
            people, pairs = self._reach(*ties)
            evaluation.refresh(people, pairs=pairs)
            return
        touched |= self.facts.family_circle(involved)
        if world.schools:  # a school's profile decides every finding there
            self._evaluation = None
            return
        accounts = set(world.school_accounts) | {a.account_id for a in world.account_admins}
        if leaders:
            people, their_accounts = self.facts.reach_of_positions(
                leaders, world.memberships, evaluation.findings.values())
            touched |= people
            accounts |= their_accounts
        evaluation.refresh(touched, accounts)

    def _people_replaced(self, world: World) -> set[str]:
        """The people of the connections, declarations and approach reports held under the
        ids `world` writes: it may give a record other people, and the findings of those it
        leaves move too (cypher/store/people-replaced.cypher is the twin)."""
        known = self.facts.world
        people: set[str] = set()
        for c in filter(None, map(known.connections.get, world.connections)):
            people |= {c.person_id, c.other_id}
        for d in filter(None, map(known.declarations.get, world.declarations)):
            people |= {d.declarer_id, d.counterpart_id}
        for r in filter(None, map(known.approaches.get, world.approaches)):
            people |= {r.adult_id, r.from_id}
        return people

    def _ties_changed(self, world: World
                      ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]] | None:
        """For a world of connections and of declarations other than of family (which
        leave the family paths as they are): the pairs each joins, before and after the
        change, as (connections, declarations); None for any other world."""
        if world.people or world.memberships or world.family_links or world.approaches \
                or world.schools or world.school_accounts or world.account_admins:
            return None
        known = self.facts.world
        connections, declarations = set(), set()
        for c in world.connections.values():
            for record in (c, known.connections.get(c.connection_id)):
                if record is not None:
                    connections.add((record.person_id, record.other_id))
        for d in world.declarations.values():
            for record in (d, known.declarations.get(d.declaration_id)):
                if record is not None:
                    if record.basis is Basis.FAMILY_MEMBER:
                        return None
                    declarations.add((record.declarer_id, record.counterpart_id))
        return connections, declarations

    def _reach(self, connections: set[tuple[str, str]], declarations: set[tuple[str, str]]
               ) -> tuple[set[str], set[tuple[str, str]]]:
        """(people, pairs): the people every finding of whom, and the pairs the connection
        findings of whom, a change of these connections and declarations can touch.
        A connection decides its own pair's findings; a declaration between X and Y the ties
        of X with anyone whose family (within the largest degree) holds Y, and of Y with
        anyone whose family holds X. Recusal: a connected reviewer is recused from the other
        person's findings, a declared friend from those of the other's family; so when X
        holds a position anywhere, every finding of Y (and of Y's family) may move."""
        facts = self.facts
        people: set[str] = set()
        pairs = set(connections)
        for a, b in connections:
            for one, other in ((a, b), (b, a)):
                if self._holds_a_position(one):
                    people.add(other)
        for x, y in declarations:
            for one, other in ((x, y), (y, x)):
                circle = self.facts.family_circle({other})
                near = facts.connections.adj.get(one, {})
                pairs.update((one, q) for q in circle if q in near)
                if self._holds_a_position(one):
                    people |= circle
        return people, pairs

    def _holds_a_position(self, person_id: str) -> bool:
        """Whether `person_id` holds or has held a position (and so may review findings)."""
        return any(m.position is not None for m in self.facts.memberships_of.get(person_id, ()))

    def _resume(self) -> None:
        """Take up the findings read back before the facts were loaded, if they are still
        those of the facts: a change then refreshes them instead of leaving the next read
        a full evaluation."""
        if self._evaluation is None and self._saved is not None \
                and self._saved[0] == self._version:
            version, as_of, findings = self._saved
            self._evaluation = Evaluation(self.facts, as_of).restore(findings)

    def _leaders_changed(self, world: World) -> set[str]:
        """The people whose memberships in `world` give, keep or take a position."""
        held = {m.key for p in {m.person_id for m in world.memberships}
                for m in self.facts.memberships_of.get(p, ()) if m.position is not None}
        return {m.person_id for m in world.memberships if m.position is not None or m.key in held}

    def add_connection(self, connection: Connection, as_of: dt.date) -> list[Finding]:
        self.upsert(World(connections={connection.connection_id: connection}))
        evaluation = self._evaluation_as_of(as_of)
        pair = {connection.person_id, connection.other_id}
        return evaluation.sorted_involving(pair)

    def replace_facts(self, remove: World, add: World) -> None:
        self._check_references(add)
        with self._transaction():
            for name, rows in record_rows(remove).items():
                key = FACT_KEYS[name]
                positions = [_columns(name).index(column) for column in key]
                self._db.executemany(
                    f"DELETE FROM {_table(name)} WHERE " + " AND ".join(f"{k} = ?" for k in key),
                    [[cell_text(row[i]) for i in positions] for row in rows],
                )
            self._write(add, None)
        self._use(self.facts.world.without(remove).merged(add))

    def remove_connection(self, connection_id: str) -> None:
        connection = self.facts.world.connections.get(connection_id)
        if connection is None:
            raise StoreError(f"no connection {connection_id}")
        self._resume()
        with self._transaction():
            self._db.execute("DELETE FROM connections WHERE connection_id = ?", (connection_id,))
        self.facts.remove_connection(connection_id)
        if self._evaluation is not None:
            people, pairs = self._reach({(connection.person_id, connection.other_id)}, set())
            self._evaluation.refresh(people, pairs=pairs)

    def _check_references(self, world: World) -> None:
        known_people, known_schools = self.facts.world.people, self.facts.world.schools
        missing = sorted(p for p in world.people_involved()
                         if p not in known_people and p not in world.people)
        missing += sorted(m.school_id for m in world.memberships
                          if m.school_id not in known_schools and m.school_id not in world.schools)
        if missing:
            raise StoreError(f"unknown person or school: {', '.join(missing)}")
        pairs = ([(f.person_id, f.relative_id) for f in world.family_links]
                 + [(c.person_id, c.other_id) for c in world.connections.values()]
                 + [(d.declarer_id, d.counterpart_id) for d in world.declarations.values()]
                 + [(r.adult_id, r.from_id) for r in world.approaches.values()])
        alone = sorted({a for a, b in pairs if a == b})
        if alone:
            raise StoreError(f"a fact between a person and themself: {', '.join(alone)}")

    # -- reading ---------------------------------------------------------------------

    def _evaluation_as_of(self, as_of: dt.date) -> Evaluation:
        """The findings as of `as_of`, kept current by every change since they were made."""
        if self._evaluation is None or self._evaluation.as_of != as_of:
            facts = self.facts
            saved = None if self._version is None else self._saved_findings(as_of, self._version)
            if saved is not None:
                self._evaluation = Evaluation(facts, as_of).restore(saved)
            else:
                self._evaluation = Evaluation(facts, as_of).run()
                self._save_findings()
        return self._evaluation

    def findings(self, as_of: dt.date) -> list[Finding]:
        current = self._evaluation is not None and self._evaluation.as_of == as_of
        if not current and self._facts is None:
            # Unchanged facts need not be loaded: their findings were saved.
            saved = self._saved_findings(as_of, self._facts_version())
            if saved is not None:
                return list(saved)
        return self._evaluation_as_of(as_of).sorted()

    def findings_since(self, as_of: dt.date, mark: object) -> FindingsSince:
        """Only the findings refreshed since `mark` while the evaluation that handed it out
        is still the one kept current, so that the cases follow a change in its own time
        however many findings there are; otherwise every finding."""
        evaluation = self._evaluation
        if evaluation is not None and evaluation.as_of == as_of:
            since = FindingsSince.of_touched(evaluation.touched, evaluation.findings, mark)
            if since is not None:
                return since
        findings = self.findings(as_of)
        evaluation = self._evaluation
        if evaluation is None or evaluation.as_of != as_of:
            return FindingsSince(findings, None, None)
        return FindingsSince(findings, None, evaluation.touched.since(None)[0])

    # -- saved findings ------------------------------------------------------------------

    def rules_fingerprint(self) -> str:
        return rules_digest(_RULE_SOURCES, (row[0] for row in self._db.execute(
            "SELECT DISTINCT profile FROM schools")))

    def _saved_findings(self, as_of: dt.date, version: int) -> list[Finding] | None:
        """The saved findings as of `as_of` if they are those of facts version `version` and
        of the rules as they are, sorted."""
        if self._saved is not None and self._saved[:2] == (version, as_of):
            return self._saved[2]
        row = self._db.execute(
            "SELECT findings FROM saved_findings WHERE facts_version = ? AND as_of = ? "
            "AND rules = ?", (version, as_of.isoformat(), self.rules_fingerprint())).fetchone()
        if row is None:
            return None
        findings = [Finding.from_json(f) for f in json.loads(row[0])]
        self._saved = (version, as_of, findings)
        return findings

    def _save_findings(self) -> None:
        """Save the current evaluation's findings with the facts version they are of."""
        evaluation, version = self._evaluation, self._version
        if evaluation is None or version is None:
            return
        findings = evaluation.sorted()
        text = json.dumps([f.to_json() for f in findings], ensure_ascii=False,
                          separators=(",", ":"))
        with transaction(self._db):
            self._db.execute("DELETE FROM saved_findings")
            self._db.execute("INSERT INTO saved_findings VALUES (?, ?, ?, ?)",
                             (version, evaluation.as_of.isoformat(), self.rules_fingerprint(),
                              text))
        self._saved = (version, evaluation.as_of, findings)

    def export_world(self) -> World:
        return self._load_world()

    def is_empty(self) -> bool:
        return not any(
            self._db.execute(f"SELECT 1 FROM {_table(name)} LIMIT 1").fetchone()
            for name in FILES
        )

    def close(self) -> None:
        """Save the findings if changes since they were last saved kept them current, so that
        the next start need not evaluate."""
        if self._evaluation is not None and (
                self._saved is None or self._saved[:2] != (self._version, self._evaluation.as_of)):
            self._save_findings()
        self._db.close()

    # -- reading by person and school, from the in-memory indexes ----------------------

    # Who someone is, where they belong and the schools are read from the tables until the
    # facts are loaded: a start serving its cases names people and checks accounts at once.
    # These, and what tells whether the facts are needed, never wait for a load.
    READS_WITHOUT_FACTS = frozenset({"person", "schools", "memberships_of", "load",
                                     "findings_at_hand", "facts_version", "close"})

    def person(self, person_id: str) -> Person | None:
        if self._facts is None:
            return self._rows_where("people.csv", "person_id", person_id).people.get(person_id)
        return self.facts.world.people.get(person_id)

    def schools(self) -> list[School]:
        if self._facts is None:
            schools = self._rows_where("schools.csv").schools.values()
        else:
            schools = self.facts.world.schools.values()
        return sorted(schools, key=lambda s: s.school_id)

    def memberships_of(self, person_id: str) -> list[Membership]:
        if self._facts is None:
            memberships = self._rows_where("memberships.csv", "person_id", person_id).memberships
        else:
            memberships = self.facts.memberships_of.get(person_id, ())
        return sorted(memberships, key=lambda m: m.key)

    def memberships_of_all(self, person_ids: Iterable[str]) -> list[Membership]:
        return sorted((m for p in set(person_ids) for m in self.memberships_of(p)),
                      key=lambda m: m.key)

    def _rows_where(self, name: str, column: str | None = None, value: str = "") -> World:
        """The rows of one table (those whose `column` holds `value`), as a world."""
        query = f"SELECT {', '.join(_columns(name))} FROM {_table(name)}"
        if column is None:
            return world_from_cells({name: self._db.execute(query)})
        return world_from_cells({name: self._db.execute(f"{query} WHERE {column} = ?", (value,))})

    def people_at(self, school_id: str, name: str = "") -> list[Person]:
        people = self.facts.world.people
        wanted = name.casefold()
        members = {m.person_id for m in self.facts.memberships_at.get(school_id, ())}
        return sort_people(people[p] for p in members
                           if p in people and wanted in people[p].name.casefold())

    def declaration(self, declaration_id: str) -> Declaration | None:
        return self.facts.world.declarations.get(declaration_id)

    def declarations_of(self, person_id: str) -> list[Declaration]:
        found = {d.declaration_id: d for d in self.facts.declarations_of.get(person_id, ())}
        return [found[i] for i in sorted(found)]

    def declarations_at(self, school_id: str) -> list[Declaration]:
        members = {m.person_id for m in self.facts.memberships_at.get(school_id, ())}
        found = {d.declaration_id: d for p in members
                 for d in self.facts.declarations_of.get(p, ()) if d.declarer_id == p}
        return [found[i] for i in sorted(found)]

    def connection(self, connection_id: str) -> Connection | None:
        return self.facts.world.connections.get(connection_id)

    def connections_of(self, person_id: str) -> list[Connection]:
        found = {c.connection_id: c
                 for between in self.facts.connections.adj.get(person_id, {}).values()
                 for c in between.values()}
        return [found[i] for i in sorted(found)]

    def approach(self, report_id: str) -> ApproachReport | None:
        return self.facts.world.approaches.get(report_id)

    def approaches_of(self, person_id: str) -> list[ApproachReport]:
        found = {r.report_id: r for r in self.facts.approaches_of.get(person_id, ())}
        return [found[i] for i in sorted(found)]

    def network(self, person_id: str, depth: int, max_people: int = 300) -> World:
        facts = self.facts

        def neighbours(p: str) -> set[str]:
            # The family edges also hold family_member declarations, which are not links.
            near = {other for other, links in facts.family.adj.get(p, {}).items()
                    if any(isinstance(link, FamilyLink) for link in links)}
            near.update(facts.connections.adj.get(p, {}))
            near.discard(p)
            return near

        reached = walk(person_id, depth, max_people, neighbours)
        among = set(reached)
        world = World()
        for p in reached:
            if p in facts.world.people:
                world.people[p] = facts.world.people[p]
            for m in facts.memberships_of.get(p, ()):
                world.memberships.append(m)
                world.schools[m.school_id] = facts.world.schools[m.school_id]
            for other, links in facts.family.adj.get(p, {}).items():
                world.family_links.extend(
                    link for link in links
                    if isinstance(link, FamilyLink) and link.person_id == p and other in among)
            for other, between in facts.connections.adj.get(p, {}).items():
                if other in among:
                    world.connections.update(between)
            for d in facts.declarations_of.get(p, ()):
                if d.declarer_id in among and d.counterpart_id in among:
                    world.declarations[d.declaration_id] = d
        return world

