"""The Neo4j store: the facts live in a Neo4j 5 database as the graph drawn in
graph/model.py, and every rule runs there as the Cypher of cypher/rules/<rule-id>.cypher,
routed by cypher/routing/route.cypher. The Python rules of graph/rules.py are the
reference: for the same facts this store gives byte-identical findings.

Only what is not a decision is done in Python: the profiles are loaded from
graph/profiles and passed to Cypher as the $profiles parameter (keyed by the profile's
name or file, as a school names it: a trust's schools share a few profiles);
finding ids, clauses and explanations are built from the columns the rules return.

Imports are written in batches of separate transactions, so that a 100,000-person trust
does not have to fit in one transaction's memory. To keep them all or nothing as far as
that allows, every reference is checked before anything is written, and an
(:UnfinishedImport) mark is set before the first batch and taken away after the last. If
the process dies in between, the mark stays: this store then refuses to evaluate or
export the half-written facts until the import is run again (the database is no longer
empty, so that run merges every fact on its key: imports into an empty database create the
big files' facts instead) or the world replaced. A small world (a connection, a
declaration, a merge of two people) is written in one transaction instead, with no mark.

Every write also counts itself on a (:FactsVersion) node: a small change in its own
transaction, an import at its start and at its end (the mark covers what lies between). The
store keeps the findings of its last evaluation with the count they were worked out at:
while the count is the same, nobody changed the facts and they are answered again as they
are. After a small change of its own, the store re-evaluates only the people the change
can reach (within the profiles' family degree of the people it is about, as the embedded
store does), with each rule's per-person form ($people), which starts from those people
by index instead of scanning the database: every rule at once, as one query, in the write's
own transaction, so that a write costs a few round trips however many findings there are.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Driver, GraphDatabase, ManagedTransaction, NotificationMinimumSeverity, Record
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from cypher.load import CYPHER_DIR, Query, load, load_rule
from graph.intake.exchange import FILES, RECORD_KEY, record_rows, world_from_cells
from graph.mentions import Mentions
from graph.model import (
    FRIEND_BASES,
    PARENTAL_KINDS,
    ApproachReport,
    Basis,
    BirthDate,
    Connection,
    Declaration,
    Finding,
    Membership,
    Person,
    Recusal,
    Role,
    School,
    SchoolAccount,
    World,
)
from graph.profiles import (
    RULE_IDS,
    Profile,
    ProfileError,
    load_profile,
    school_profile,
)
from graph.routing import ADMINISTRATORS, REVIEWER_POSITIONS, escalation
from graph.rules import (
    CONNECTION_RULES,
    SEVERITY,
    TouchedLog,
    approval_needed,
    describe_unexcused,
    explain_account,
    explain_approaches,
    explain_contact,
    explain_membership_dates,
    explain_missing_birth_date,
    explain_no_leaders,
    finding_id,
)
from graph.store.base import (
    FindingsSince,
    Progress,
    Store,
    StoreError,
    rules_digest,
    sort_people,
    walk,
    world_among,
)

BATCH_SIZE = 5_000  # a world up to this size is written in one transaction
IMPORT_BATCH_SIZE = int(os.environ.get("RELREG_NEO4J_IMPORT_BATCH", 10_000))  # rows a statement
IMPORT_WRITERS = int(os.environ.get("RELREG_NEO4J_IMPORT_WRITERS", 2))
# The files so big that an import into an empty database creates their facts
# (cypher/import/empty/) instead of merging them: nothing is there to match.
_CREATED_WHEN_EMPTY = ("people.csv", "memberships.csv", "family_links.csv", "connections.csv")
FILES_COLUMNS = {name: [column.name for column in columns] for name, (_, columns) in FILES.items()}

# The code the findings are made from (rules_fingerprint): the Cypher, and the Python that
# turns its rows into findings.
_RULE_SOURCES = tuple(sorted(CYPHER_DIR.rglob("*.cypher"))) + tuple(
    Path(__file__).resolve().parent.parent / name
    for name in ("routing.py", "model.py", "profiles.py", "store/neo4j.py"))

# One driver per server and credentials for the whole process, as the driver wants.
_drivers: dict[tuple[str, tuple[str, str] | None], Driver] = {}


def driver_for(uri: str, user: str | None = None, password: str | None = None) -> Driver:
    """The process's driver for `uri`; credentials default to RELREG_NEO4J_USER and
    RELREG_NEO4J_PASSWORD, and there is no authentication when neither is set."""
    user = user if user is not None else os.environ.get("RELREG_NEO4J_USER")
    password = password if password is not None else os.environ.get("RELREG_NEO4J_PASSWORD")
    auth = (user or "neo4j", password or "") if (user or password) else None
    if (uri, auth) not in _drivers:
        # The queries name labels and properties a young database may not have yet: that is
        # no mistake worth a warning on every run.
        _drivers[(uri, auth)] = GraphDatabase.driver(
            uri, auth=auth, notifications_min_severity=NotificationMinimumSeverity.OFF
        )
    return _drivers[(uri, auth)]


@atexit.register
def _close_drivers() -> None:
    for driver in _drivers.values():
        driver.close()
    _drivers.clear()


def _stem(file_name: str) -> str:
    return file_name.removesuffix(".csv")


def profile_parameter(profile: Profile) -> dict:
    """What the Cypher rules read of a profile, as plain values."""
    channels = profile.parent_contact_channels
    return {
        "rules": sorted(profile.rule_clauses),
        "covered_roles": sorted(str(role) for role in profile.covered_roles),
        "scope": str(profile.scope),
        "family_degree": profile.family_degree,
        "ex_pupil_age_limit": profile.ex_pupil_age_limit,
        "family_link_from_records_needs_declaration":
            profile.family_link_from_records_needs_declaration,
        "parent_contact": str(profile.parent_contact),
        "parent_contact_channels": None if channels is None else sorted(channels),
        "inbound_only_is_advisory": profile.inbound_only_is_advisory,
        "approach_window_days": profile.approach_window_days,
        "account_admin_authorisers": sorted(str(p) for p in profile.account_admin_authorisers),
        "declaration_approvers": [str(p) for p in profile.declaration_approvers],
        "exemptions": {rule: sorted(str(b) for b in bases)
                       for rule, bases in profile.exemptions.items()},
        "account_admins_required": profile.account_admins_required,
    }


def _cell(value):
    """A value of record_rows as a Cypher parameter: blank is null, as in the embedded store.
    The model's enums are StrEnums, which the driver sends as the text they are."""
    if isinstance(value, str):  # most are: answered first, an import calls this a million times
        return value or None
    if isinstance(value, BirthDate):
        return _text(value)
    return value


class _Rows(list):
    """Rows of facts for a query, whose repr does not show them: the driver formats every
    query's parameters for its debug log before asking whether that log is on, which costs
    seconds in an import of a million people and would put the facts in a debug log."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _row_maps(file_name: str, rows: Iterable[tuple]) -> _Rows:
    """Rows of record_rows as maps of the file's columns, as the Cypher of import/ reads them."""
    columns = FILES_COLUMNS[file_name]
    return _Rows(dict(zip(columns, map(_cell, row))) for row in rows)


@functools.cache
def _text(value: BirthDate) -> str:
    """The text of a date of birth, worked out once for each distinct one (at 1M people, tens
    of thousands, each shared by many)."""
    return str(value)


def _batches(rows: Iterable, size: int | None = None) -> Iterator[list]:
    iterator, size = iter(rows), size or IMPORT_BATCH_SIZE
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _one_ahead(items: Iterator) -> Iterator:
    """The items of `items`, each made in a second thread while the one before is used: the
    next batch of an import is built while the server writes the last."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        coming = worker.submit(next, items, None)
        while (item := coming.result()) is not None:
            coming = worker.submit(next, items, None)
            yield item


def _parameters(query: Query, values: dict) -> dict:
    """Exactly the parameters the query's header declares (a missing one is a KeyError)."""
    return {name: values[name] for name in query.parameters}


# -- transaction functions: retry-safe, each consumes its results inside ------------------

def _write_rows(tx: ManagedTransaction, query: str, rows: list) -> None:
    tx.run(query, rows=rows).consume()


def _read_all(tx: ManagedTransaction, query: str, parameters: dict) -> list[dict]:
    return tx.run(query, parameters).data()


class Neo4jStore(Store):
    # Reads that are one query and touch nothing this object keeps in memory but what
    # _KeptReads guards itself: the database isolates each from a write under way, so the
    # service lets them run beside a write instead of waiting for its lock.
    READS_WITHOUT_LOCK = frozenset({
        "person", "schools", "memberships_of", "memberships_of_all", "people_at", "declaration",
        "declarations_of", "connection", "connections_of", "approach", "approaches_of"})

    def __init__(self, uri: str, user: str | None = None, password: str | None = None,
                 database: str = "neo4j"):
        self.uri = uri
        self.database = database
        self._known: _Known | None = None
        # The count of writes this store's own last write made, read in its transaction,
        # until the findings of that write are asked for (_version_now).
        self._written_version: int | None = None
        self._planned = False  # whether load() had the server plan the write path
        self._kept = _KeptReads()  # person, schools, memberships_of
        self._planning = threading.Lock()
        self._driver = driver_for(uri, user, password)
        try:
            self._driver.verify_connectivity()
            for statement in load("schema").statements():
                self._execute_write(statement)
        except (ServiceUnavailable, AuthError, Neo4jError, OSError) as error:
            raise StoreError(f"Neo4j at {uri} (database {database}): {error}") from error

    def load(self) -> None:
        """Have the server plan the queries a write runs before the first write waits for
        them under the service's lock (a plan of the rules takes seconds): once a process,
        by one caller; another that finds it under way goes on without it."""
        if self._planned or not self._planning.acquire(blocking=False):
            return
        try:
            if not self._planned:
                # Any day: only the types of the parameters decide which plan is used.
                values = self._rule_values(dt.date(2000, 1, 1), None, self._profiles())
                with self._session() as session:
                    session.execute_read(_plan_write_path, values)
                self._planned = True
        finally:
            self._planning.release()

    # -- plumbing ----------------------------------------------------------------------

    def _session(self):
        return self._driver.session(database=self.database)

    def _execute_write(self, text: str, parameters: dict | None = None) -> list[dict]:
        with self._session() as session:
            return session.execute_write(_read_all, text, parameters or {})

    def _execute_read(self, text: str, parameters: dict | None = None) -> list[dict]:
        with self._session() as session:
            return session.execute_read(_read_all, text, parameters or {})

    def _status(self) -> dict:
        return self._execute_read(load("store/status").body)[0]

    def _count_write(self) -> None:
        self._execute_write(load("store/next-version").body, {"ends_import": False})

    def _check_finished(self) -> None:
        if self._status()["unfinished_import"]:
            raise StoreError(
                f"an import into Neo4j at {self.uri} did not finish, so the database holds part "
                f"of a world: import the folder again (or detect it with --scratch)"
            )

    # -- writing -----------------------------------------------------------------------

    def import_world(self, world: World, progress: Progress | None = None) -> None:
        if progress is None and _size(world) <= BATCH_SIZE:
            self._change(world, ends_import=True)
            return
        self._check_references(world)
        self._known = self._written_version = None
        try:
            self._write(world, progress, into_empty=self.is_empty())
        finally:
            self._kept.forget()

    def replace_world(self, world: World, progress: Progress | None = None) -> None:
        _refuse_unknown(world, missing=None)  # what the database holds is about to go
        self._known = self._written_version = None
        self._begin_import()
        try:
            with self._session() as session:
                for name in ("store/clear-edges", "store/clear"):
                    session.run(load(name).body, batch_size=IMPORT_BATCH_SIZE).consume()
            self._write(world, progress, into_empty=True)
        finally:
            self._kept.forget()

    def _begin_import(self) -> None:
        self._execute_write(load("store/begin-import").body,
                            {"started_at": dt.datetime.now(dt.timezone.utc)})
        self._count_write()

    def _write(self, world: World, progress: Progress | None, into_empty: bool) -> None:
        """Write `world` in batches. `into_empty`: the database holds no facts (the mark of
        this import aside), so the big files are created rather than merged; a fact named
        twice (a list may hold the same key twice) is written once, the last as merging would."""
        self._begin_import()  # again after replace_world's: the mark is merged, not doubled
        if into_empty:
            membership_key, link_key = RECORD_KEY["memberships.csv"], RECORD_KEY["family_links.csv"]
            world = dataclasses.replace(
                world,
                memberships=list({membership_key(m): m for m in world.memberships}.values()),
                family_links=list({link_key(f): f for f in world.family_links}.values()))

        def batches() -> Iterator[tuple[str, str, list]]:
            for file_name, rows in record_rows(world).items():
                if into_empty and file_name in _CREATED_WHEN_EMPTY:
                    # Lists, not maps: a third less to send and for the server to unpack.
                    query = load(f"import/empty/{_stem(file_name)}").body
                    for batch in _batches(rows):
                        yield file_name, query, _Rows(list(map(_cell, row)) for row in batch)
                    continue
                query = load(f"import/{_stem(file_name)}").body
                for batch in _batches(rows):
                    yield file_name, query, _row_maps(file_name, batch)

        # A file's batches are written by IMPORT_WRITERS transactions at once when they are
        # created into an empty database (the server runs one transaction on one core); a
        # file is finished before the next begins, so every edge finds its nodes written.
        writing: deque[tuple[str, int, Future]] = deque()

        def finish_one() -> None:
            file_name, rows, written = writing.popleft()
            written.result()
            if progress is not None and file_name == "people.csv":
                progress(rows)

        with ThreadPoolExecutor(max_workers=IMPORT_WRITERS) as writers:
            for file_name, query, cells in _one_ahead(batches()):
                at_once = IMPORT_WRITERS if into_empty and file_name in _CREATED_WHEN_EMPTY else 1
                while writing and (writing[-1][0] != file_name or len(writing) >= at_once):
                    finish_one()
                writing.append((file_name, len(cells),
                                writers.submit(self._write_batch, query, cells)))
            while writing:
                finish_one()
        self._execute_write(load("store/end-import").body)
        self._count_write()

    def _write_batch(self, query: str, rows: list) -> None:
        with self._session() as session:  # a session per thread: they are not thread-safe
            session.execute_write(_write_rows, query, rows)

    def upsert(self, world: World) -> None:
        self.import_world(world)

    def remove_connection(self, connection_id: str) -> None:
        self._change(World(), connection_id=connection_id)

    def replace_facts(self, remove: World, add: World) -> None:
        """In one transaction: only the facts named change, not the whole database."""
        self._change(add, remove.without(add))

    def others_words_naming(self, person_id: str, names: Iterable[str]) -> World:
        """Only the declarations' and reports' free text is read, not the whole store."""
        with self._session() as session:
            return session.execute_read(_others_words, person_id, Mentions(names))

    def erase_person(self, person_id: str, names: Iterable[str] = ()) -> World:
        """In one transaction, not by rewriting the whole store as the generic way would:
        others' words that name the person are read, and rewritten, in it."""
        about = self.facts_about(person_id)
        self._known = self._written_version = None
        try:
            with self._session() as session:
                session.execute_write(_erase, person_id, Mentions(names))
        finally:
            self._kept.forget()  # the person's name goes from memory too
        return about

    def add_connection(self, connection: Connection, as_of: dt.date) -> list[Finding]:
        self._change(World(connections={connection.connection_id: connection}))
        pair = {connection.person_id, connection.other_id}
        known = self._known
        found = known.involving(pair) if known is not None and known.as_of == as_of \
            else self._evaluate(as_of, people=sorted(pair))[0]
        return sorted((f for f in found if f.adult_id in pair or f.counterpart_id in pair),
                      key=Finding.sort_key)

    def _change(self, add: World, remove: World = World(), connection_id: str | None = None,
                ends_import: bool = False) -> None:
        """Write a small change in one transaction, then bring the known findings up to date
        by re-evaluating only the people it can reach, or forget them where it reaches
        further: a school, an account or a position changes who reviews findings
        school-wide, and forgetting facts (a merge of people) can move anything."""
        known, self._written_version = self._known, None
        refresh = known is not None and not (
            add.schools or add.school_accounts or any(m.position for m in add.memberships)
            or _size(remove))
        degree = max((p.family_degree for p in known.profiles.by_school.values()), default=0) \
            if refresh else None
        values = self._rule_values(known.as_of, None, known.profiles) if refresh else None
        try:
            with self._session() as session:
                version, reach, detected = session.execute_write(
                    _apply_and_detect, add, remove, connection_id, degree, ends_import,
                    known.version if refresh else None, values)
        finally:
            if not _ties_only(add, remove):
                self._kept.forget()
        # Not refreshed: someone else wrote meanwhile, or a membership that held a position
        # was replaced.
        if detected is None:
            self._known = None
            return
        found = self._findings_of(*detected, known.profiles)
        known.touched.note(f.id for f in known.forget(reach.people, reach.accounts, reach.pairs))
        known.add(found)
        known.touched.note(f.id for f in found)
        known.version = self._written_version = version

    def _check_references(self, world: World) -> None:
        """Refuse a world naming ids that neither it nor the database holds (_refuse_unknown)."""
        _refuse_unknown(world, missing=lambda outside: self._execute_read(
            load("store/missing-references").body, outside)[0])

    # -- reading -----------------------------------------------------------------------

    def is_empty(self) -> bool:
        return self._status()["empty"]

    def export_world(self) -> World:
        self._check_finished()
        return world_from_cells({name: self._rows(f"export/{_stem(name)}") for name in FILES})

    def facts_version(self) -> int:
        return self._status()["version"]

    def findings(self, as_of: dt.date) -> list[Finding]:
        status = self._status()
        if status["unfinished_import"]:
            self._check_finished()
        known = self._known
        if known is None or known.as_of != as_of or known.version != status["version"]:
            profiles = self._profiles()
            found, version = self._evaluate(as_of, None, profiles)
            known = self._known = _Known(as_of, version, profiles)
            known.add(found)
        return sorted(known.findings.values(), key=Finding.sort_key)

    def findings_since(self, as_of: dt.date, mark: object) -> FindingsSince:
        """Only the findings re-evaluated since `mark` while no one else has written, so
        that the cases follow a change in its own time; otherwise every finding."""
        known = self._known
        if known is not None and known.as_of == as_of and known.version == self._version_now():
            since = FindingsSince.of_touched(known.touched, known.findings, mark)
            if since is not None:
                return dataclasses.replace(since, facts_version=known.version)
        findings = self.findings(as_of)
        known = self._known
        return FindingsSince(findings, None, known.touched.since(None)[0], known.version)

    def rules_fingerprint(self) -> str:
        return rules_digest(_RULE_SOURCES, (row["profile"] for row in
                                            self._execute_read(load("store/schools").body)))

    def adopt_findings(self, findings: Iterable[Finding], as_of: dt.date, version: int) -> bool:
        """Also when one write more was made than the findings are of, as when the service
        was killed between a write and bringing its cases in line: that write noted whose
        findings it reached (note-reach.cypher), and only those are evaluated again."""
        known = _Known(as_of, version, self._profiles())
        known.add(findings)
        now = self._execute_read(load("store/last-reach").body)[0]
        if now["version"] == version + 1 and now["last_reach"] is not None:
            reach = _Reach.from_note(now["last_reach"])
            with self._session() as session:  # (a write transaction, noting nothing)
                detected = session.execute_write(
                    _detect_in_reach, self._rule_values(as_of, None, known.profiles), reach)
            known.forget(reach.people, reach.accounts, reach.pairs)
            known.add(self._findings_of(*detected, known.profiles))
            known.version = now["version"]
        self._known = known  # (findings and findings_since look at the version first)
        return True

    def _version_now(self) -> int:
        """The count of writes of the facts. Right after this store's own write it is the
        count that write read in its transaction, not asked again: a write by someone else
        since then is found as it would be a moment later (the next write's transaction
        sees the count it did not expect, and the next findings are worked out afresh)."""
        version, self._written_version = self._written_version, None
        return version if version is not None else self._status()["version"]

    # -- reading by person and school: indexed queries, not the whole world ---------------

    def person(self, person_id: str) -> Person | None:
        return self._kept.get(("person", person_id), lambda: self._world(
            people=self._rows("read/people", person_ids=[person_id])).people.get(person_id))

    def schools(self) -> list[School]:
        return list(self._kept.get(("schools",), lambda: sorted(
            self._world(schools=self._rows("export/schools")).schools.values(),
            key=lambda s: s.school_id)))

    def memberships_of(self, person_id: str) -> list[Membership]:
        return list(self._kept.get(("memberships", person_id), lambda: sorted(
            self._world(memberships=self._rows("read/memberships",
                                               person_ids=[person_id])).memberships,
            key=lambda m: m.key)))

    def memberships_of_all(self, person_ids: Iterable[str]) -> list[Membership]:
        world = self._world(memberships=self._rows("read/memberships",
                                                   person_ids=sorted(set(person_ids))))
        return sorted(world.memberships, key=lambda m: m.key)

    def people_at(self, school_id: str, name: str = "") -> list[Person]:
        people = self._world(people=self._rows("read/members", school_id=school_id)).people
        wanted = name.casefold()
        return sort_people(p for p in people.values() if wanted in p.name.casefold())

    def declaration(self, declaration_id: str) -> Declaration | None:
        return self._declarations(declaration_ids=[declaration_id]).get(declaration_id)

    def declarations_of(self, person_id: str) -> list[Declaration]:
        return self._declarations(person_ids=[person_id]).sorted()

    def declarations_at(self, school_id: str) -> list[Declaration]:
        members = {row[0] for row in self._rows("read/members", school_id=school_id)}
        found = self._declarations(person_ids=sorted(members))
        return [d for d in found.sorted() if d.declarer_id in members]

    def connection(self, connection_id: str) -> Connection | None:
        return self._connections(connection_ids=[connection_id]).get(connection_id)

    def connections_of(self, person_id: str) -> list[Connection]:
        return self._connections(person_ids=[person_id]).sorted()

    def approach(self, report_id: str) -> ApproachReport | None:
        return self._approaches(report_ids=[report_id]).get(report_id)

    def approaches_of(self, person_id: str) -> list[ApproachReport]:
        return self._approaches(person_ids=[person_id]).sorted()

    def network(self, person_id: str, depth: int, max_people: int = 300) -> World:
        neighbours: dict[str, list[str]] = {}

        def neighbours_of(someone: str) -> list[str]:
            if someone not in neighbours:
                rows = self._execute_read(load("read/neighbours").body, {"person_ids": [someone]})
                neighbours[someone] = rows[0]["neighbours"] if rows else []
            return neighbours[someone]

        reached = walk(person_id, depth, max_people, neighbours_of)
        world = self._world(
            schools=self._rows("export/schools"),
            people=self._rows("read/people", person_ids=reached),
            memberships=self._rows("read/memberships", person_ids=reached),
            family_links=self._rows("read/family_links", person_ids=reached),
            connections=self._rows("read/connections", person_ids=reached, connection_ids=[]),
            declarations=self._rows("read/declarations", person_ids=reached, declaration_ids=[]),
        )
        return world_among(world, reached)

    def _rows(self, query_name: str, **parameters) -> list[list]:
        """The rows of a read query, as cells in the order of its header's `returns`."""
        query = load(query_name)
        return [[row[column] for column in query.returns]
                for row in self._execute_read(query.body, parameters)]

    @staticmethod
    def _world(**rows_by_file: list[list]) -> World:
        return world_from_cells({f"{stem}.csv": rows for stem, rows in rows_by_file.items()})

    def _declarations(self, person_ids=(), declaration_ids=()) -> _ById:
        rows = self._rows("read/declarations", person_ids=list(person_ids),
                          declaration_ids=list(declaration_ids))
        return _ById(self._world(declarations=rows).declarations)

    def _connections(self, person_ids=(), connection_ids=()) -> _ById:
        rows = self._rows("read/connections", person_ids=list(person_ids),
                          connection_ids=list(connection_ids))
        return _ById(self._world(connections=rows).connections)

    def _approaches(self, person_ids=(), report_ids=()) -> _ById:
        rows = self._rows("read/approaches", person_ids=list(person_ids),
                          report_ids=list(report_ids))
        return _ById(self._world(approaches=rows).approaches)

    def _profiles(self) -> _Profiles:
        rows = self._execute_read(load("store/schools").body)
        try:
            by_name = {name: load_profile(name) for name in {row["profile"] for row in rows}}
        except ProfileError:  # say which school's profile it is, as the in-memory rules do
            for school in self.schools():
                school_profile(school)
            raise
        return _Profiles({row["school_id"]: by_name[row["profile"]] for row in rows},
                         {name: profile_parameter(p) for name, p in by_name.items()})

    def _evaluate(self, as_of: dt.date, people: list[str] | None,
                  profiles: _Profiles | None = None) -> tuple[list[Finding], int]:
        """Every finding as of `as_of` with the count of writes of the facts they were found
        in; given `people`, only those whose adult or counterpart is one of them and those
        about an account one of them administers (a school with no leaders is looked at only
        when `people` is None)."""
        profiles = profiles if profiles is not None else self._profiles()
        with self._session() as session:
            rows, routes, version = session.execute_read(
                _detect, self._rule_values(as_of, people, profiles))
        return self._findings_of(rows, routes, profiles), version

    @staticmethod
    def _rule_values(as_of: dt.date, people: list[str] | None, profiles: _Profiles) -> dict:
        """The rules' parameters."""
        return {
            "as_of": as_of,
            "profiles": profiles.parameter,
            "people": people,
            "pairs": None,
            "friend_bases": sorted(str(b) for b in FRIEND_BASES),
            "parental_kinds": sorted(str(k) for k in PARENTAL_KINDS),
            "reviewer_positions": [str(p) for p in REVIEWER_POSITIONS],
        }

    @staticmethod
    def _findings_of(rows: list[dict], routes: dict[tuple, dict],
                     profiles: _Profiles) -> list[Finding]:
        findings = [_finding(row, routes[_route_request(row)], profiles.by_school[row["school_id"]])
                    for row in rows]
        return sorted(findings, key=Finding.sort_key)


class _KeptReads:
    """Who someone is, where they belong and what the schools are, as read a moment ago:
    an access check asks them several times a request, and they change far less often
    than connections and declarations are written. This process's own writes that may
    move them drop them at once (`forget`, after the write); a change another process
    makes (`relreg import` beside the service) reaches them within KEEP_SECONDS."""

    KEEP_SECONDS = 5.0
    _MOST = 50_000  # entries; past it the next read starts afresh

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[tuple, tuple[float, object]] = {}
        self._writes = 0  # forgets so far: a read begun before one is not kept

    def get(self, key: tuple, read: Callable[[], object]):
        now = self._clock()
        with self._lock:
            kept, writes = self._values.get(key), self._writes
        if kept is not None and now - kept[0] < self.KEEP_SECONDS:
            return kept[1]
        value = read()
        with self._lock:
            if writes == self._writes:
                if len(self._values) >= self._MOST:
                    self._values.clear()
                self._values[key] = (now, value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._values.clear()
            self._writes += 1


@dataclass(frozen=True)
class _Profiles:
    by_school: dict[str, Profile]
    parameter: dict[str, dict]  # $profiles: what the Cypher reads of each, by name or file


@dataclass
class _Known:
    """The findings as of one day, worked out when the facts had `version` writes, with
    the ids of the findings about each person and account: a change finds its own among
    thousands without reading them all."""
    as_of: dt.date
    version: int
    profiles: _Profiles
    findings: dict[str, Finding] = field(default_factory=dict)
    _about: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    touched: TouchedLog = field(default_factory=TouchedLog)  # what each change re-evaluated

    @staticmethod
    def _keys(finding: Finding) -> list[tuple[str, str]]:
        return [(kind, key) for kind, key in (("person", finding.adult_id),
                                              ("person", finding.counterpart_id),
                                              ("account", finding.account_id)) if key]

    def add(self, found: Iterable[Finding]) -> None:
        for finding in found:
            self.findings[finding.id] = finding
            for key in self._keys(finding):
                self._about.setdefault(key, set()).add(finding.id)

    def involving(self, people: Iterable[str], accounts: Iterable[str] = ()) -> list[Finding]:
        ids = set().union(*(self._about.get(("person", p), ()) for p in people),
                          *(self._about.get(("account", a), ()) for a in accounts))
        return [self.findings[i] for i in ids]

    def forget(self, people: Iterable[str], accounts: Iterable[str] = (),
               pairs: Iterable[tuple[str, str]] = ()) -> list[Finding]:
        """Forget the findings about any of `people` or `accounts`, and the connection
        findings between the two people of each of `pairs`; those forgotten."""
        forgotten = self.involving(people, accounts)
        for one, other in pairs:
            about_both = self._about.get(("person", one), set()) & self._about.get(
                ("person", other), set())
            forgotten += [self.findings[i] for i in about_both
                          if self.findings[i].rule in CONNECTION_RULES]
        forgotten = list({f.id: f for f in forgotten}.values())
        for finding in forgotten:
            del self.findings[finding.id]
            for key in self._keys(finding):
                self._about[key].discard(finding.id)
        return forgotten


def _size(world: World) -> int:
    return sum(len(records) for records in (
        world.schools, world.people, world.memberships, world.family_links, world.connections,
        world.declarations, world.approaches, world.school_accounts, world.account_admins))


def _others_words(tx: ManagedTransaction, person_id: str, mentions: Mentions) -> World:
    """What `words_without` (graph/store/base.py) gives, from the free text alone."""
    declarations, approaches = {}, {}
    for row in tx.run(load("store/others-words").body, person_id=person_id):
        if row["declaration_id"] is not None and mentions.found_in(row["details"]):
            declarations[row["declaration_id"]] = mentions.removed_from(row["details"])
        elif row["report_id"] is not None and mentions.found_in(row["summary"]):
            approaches[row["report_id"]] = mentions.removed_from(row["summary"])
    return _reworded(tx, declarations, approaches)


def _reworded(tx: ManagedTransaction, details: dict[str, str],
              summaries: dict[str, str]) -> World:
    """The declarations and reports of `details` and `summaries` (by id) with those words."""
    def rows(query_name: str, **parameters) -> list[list]:
        query = load(query_name)
        return [[row[column] for column in query.returns]
                for row in tx.run(query.body, parameters)]

    world = Neo4jStore._world(
        declarations=rows("read/declarations", person_ids=[], declaration_ids=sorted(details)),
        approaches=rows("read/approaches", person_ids=[], report_ids=sorted(summaries)))
    return World(
        declarations={i: dataclasses.replace(d, details=details[i])
                      for i, d in world.declarations.items()},
        approaches={i: dataclasses.replace(r, summary=summaries[i])
                    for i, r in world.approaches.items()})


def _erase(tx: ManagedTransaction, person_id: str, mentions: Mentions) -> None:
    words = _others_words(tx, person_id, mentions)
    tx.run(load("store/erase-person").body, person_id=person_id,
           declarations_reworded=[{"declaration_id": i, "details": d.details}
                                  for i, d in words.declarations.items()],
           reports_reworded=[{"report_id": i, "summary": r.summary}
                             for i, r in words.approaches.items()]).consume()
    tx.run(load("store/next-version").body, ends_import=False).consume()


@dataclass
class _Reach:
    """Whose findings a change can move: every finding about `people` or `accounts`, and
    the connection findings between the two people of each of `pairs`."""
    people: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    # Already noted (note-reach.cypher) by the query that wrote: a write that reaches no one.
    noted: bool = False

    def note(self) -> str:
        """As note-reach.cypher keeps it, for a restart after a kill (`from_note`)."""
        return json.dumps({"people": sorted(self.people), "accounts": sorted(self.accounts),
                           "pairs": sorted(self.pairs)})

    @classmethod
    def from_note(cls, noted: str) -> _Reach:
        fields = json.loads(noted)
        return cls(set(fields["people"]), set(fields["accounts"]),
                   {tuple(pair) for pair in fields["pairs"]})


_NOTHING_REACHED = _Reach().note()  # what a write that reaches no one notes


def _apply(tx: ManagedTransaction, add: World, remove: World, connection_id: str | None,
           degree: int | None, ends_import: bool) -> tuple[int, _Reach, bool]:
    """Forget `remove`, forget the connection `connection_id` and write `add`, in one
    transaction; count the write, and take away the mark of an unfinished import if it
    `ends_import` (an import run again). Returns the count; when `degree` is given, whose
    findings the change can move, before or after it: for connections and declarations
    other than of family, the pairs they join (`_apply_ties`), else everyone within `degree`
    family edges of the people the change is about and the school accounts those people
    administer; and whether a membership replaced held a position."""
    if degree is not None and _ties_only(add, remove):
        applied = _apply_ties(tx, add, connection_id, degree, ends_import)
        if applied is not None:
            return applied

    def missing(outside: dict[str, list[str]]) -> dict[str, list[str]]:
        not_held = tx.run(_write_path("store/missing-references"),
                          {key: ids or _NOBODY for key, ids in outside.items()}).single()
        return {key: [i for i in not_held[key] if i != _NO_ONE] for key in outside}

    _refuse_unknown(add, missing=missing)
    involved = add.people_involved() | remove.people_involved()
    if degree is not None and (add.connections or add.declarations or add.approaches):
        involved.update(tx.run(_write_path("store/people-replaced"),
                               connection_ids=sorted(add.connections) or _NOBODY,
                               declaration_ids=sorted(add.declarations) or _NOBODY,
                               report_ids=sorted(add.approaches) or _NOBODY,
                               ).single()["person_ids"])
    reach = _Reach()
    if connection_id is not None:
        involved.update(_remove_connection(tx, connection_id))
        reach.people.update(involved)

    def circle() -> None:
        found = tx.run(_write_path("store/family-circle"), person_ids=sorted(involved),
                       degree=degree).single()
        reach.people.update(found["person_ids"])
        reach.accounts.update(found["account_ids"])

    if degree is not None:
        circle()
    if _size(remove):
        tx.run(_write_path("store/forget"), {
            _stem(file_name): _row_maps(file_name, rows)
            for file_name, rows in record_rows(remove).items()
        }).consume()
    added = {file_name: _row_maps(file_name, rows) for file_name, rows in record_rows(add).items()}
    positions_held = bool(added["memberships.csv"]) and tx.run(
        _write_path("store/positions-held"), rows=added["memberships.csv"]).single()["held"]
    for file_name, rows in added.items():
        if rows:
            tx.run(_write_path(f"import/{_stem(file_name)}"), rows=rows).consume()
    # Again after the change only if it can draw family edges or add people: a connection,
    # or a declaration other than of family, leaves everyone's family as it was or smaller
    # (a removal never refreshes: degree is None).
    if degree is not None and (add.people or add.family_links or any(
            d.basis is Basis.FAMILY_MEMBER for d in add.declarations.values())):
        circle()
    version = tx.run(_write_path("store/next-version"),
                     ends_import=ends_import).single()["version"]
    return version, reach, positions_held


def _remove_connection(tx: ManagedTransaction, connection_id: str) -> list[str]:
    """Forget the connection; the two people it joined."""
    removed = tx.run(_write_path("store/remove-connection"), connection_id=connection_id).single()
    if not removed["removed"]:
        raise StoreError(f"no connection {connection_id}")
    return removed["person_ids"]


def _ties_only(add: World, remove: World) -> bool:
    """Whether a change only writes connections and declarations other than of family (or
    withdraws a connection): it leaves every family path as it was."""
    return not (_size(remove) or add.people or add.memberships or add.family_links
                or add.approaches or add.schools or add.school_accounts or add.account_admins
                or any(d.basis is Basis.FAMILY_MEMBER for d in add.declarations.values()))


def _apply_ties(tx: ManagedTransaction, add: World, connection_id: str | None, degree: int,
                ends_import: bool) -> tuple[int, _Reach, bool] | None:
    """`_apply` for a change `_ties_only` allows, in one round trip where the queries one
    by one took five: the pairs that the records it replaces joined, and whether one was a
    declaration of family, which reaches further (None then, for `_apply`); its write; the
    pairs it reaches; the count of writes. A change that withdraws a connection, writes
    more than one file or replaces a record asks for the pairs replaced first, on their
    own (the single query writes nothing then, nor when someone named is not held). Whose
    findings it can move are the connection findings of those pairs
    (graph.store.embedded's _ties_changed and _reach, the twins), or, when one of its
    people reviews findings, every finding of the family circle of its people."""
    connections = {(c.person_id, c.other_id) for c in add.connections.values()}
    declarations = {(d.declarer_id, d.counterpart_id) for d in add.declarations.values()}
    added = {file_name: _row_maps(file_name, rows) for file_name, rows in record_rows(add).items()}
    written = [(file_name, rows) for file_name, rows in added.items() if rows]
    replaced_by = {"connection_ids": sorted(add.connections) or _NOBODY,
                   "declaration_ids": sorted(add.declarations) or _NOBODY,
                   "person_ids": sorted(add.people_involved()) or _NOBODY}

    def write_and_reach(file_name: str | None, rows: list, first_new: bool) -> Record | None:
        return tx.run(_write_and_reach(file_name and f"import/{_stem(file_name)}", first_new),
                      rows=rows,
                      connections=[list(pair) for pair in sorted(connections)] or _NO_PAIR,
                      declarations=[list(pair) for pair in sorted(declarations)] or _NO_PAIR,
                      degree=degree, ends_import=ends_import, reach=_NOTHING_REACHED,
                      **(replaced_by if first_new else {})).single()

    found = None
    if connection_id is None and len(written) == 1:
        found = write_and_reach(*written[0], first_new=True)
    if found is None:
        before = tx.run(_write_path("store/tie-pairs"), replaced_by).single()
        if before["family"]:
            return None
        _refuse_unknown(add, missing=lambda outside: {
            "person_ids": [i for i in before["unknown"] if i != _NO_ONE], "school_ids": [],
            "account_ids": []})
        connections.update(tuple(pair) for pair in before["connections"])
        declarations.update(tuple(pair) for pair in before["declarations"])
        if connection_id is not None:
            connections.add(tuple(_remove_connection(tx, connection_id)))
        for file_name, rows in written[:-1]:
            tx.run(_write_path(f"import/{_stem(file_name)}"), rows=rows).consume()
        found = write_and_reach(*(written[-1] if written else (None, _NOBODY)), first_new=False)
    if found["people"]:  # a reviewer's tie: their recusal reaches further than pairs
        involved = add.people_involved() | {p for pair in connections for p in pair}
        circle = tx.run(_write_path("store/family-circle"), person_ids=sorted(involved),
                        degree=degree).single()
        reach = _Reach(set(circle["person_ids"]), set(circle["account_ids"]))
    else:
        pairs = {tuple(pair) for pair in found["pairs"] if pair[0] != pair[1]}
        reach = _Reach(pairs=pairs, noted=not pairs)
    return found["version"], reach, False


@functools.cache
def _write_and_reach(import_name: str | None, first_new: bool) -> str:
    """One query of the write path (`_write_path`): the import `import_name` writes $rows
    (nothing without one), then reach-of-ties and next-version answer, each a subquery; a
    write that reaches no one notes $reach, the empty reach, for a restart after a kill
    (note-reach.cypher), where it took a round trip of its own. With `first_new`,
    tie-pairs first, in the same query: it goes on only when the write replaces nothing
    and everyone it names is held, and otherwise writes nothing and answers no row."""
    head = [f"CALL () {{\n{load('store/tie-pairs').body}}}",
            "WITH connections, declarations, family, unknown\n"
            "WHERE connections = [] AND declarations = [] AND NOT family\n"
            f"  AND none(id IN unknown WHERE id <> '{_NO_ONE}')"] if first_new else []
    names = ([import_name] if import_name else []) + ["store/reach-of-ties", "store/next-version"]
    return "\n".join(["CYPHER replan=skip", *head,
                      *(f"CALL () {{\n{load(name).body}}}" for name in names),
                      "CALL (people, pairs) {\n"
                      "WITH * WHERE people = [] AND all(pair IN pairs WHERE pair[0] = pair[1])\n"
                      f"{load('store/note-reach').body}}}",
                      "RETURN people, pairs, version"])


def _apply_and_detect(tx: ManagedTransaction, add: World, remove: World,
                      connection_id: str | None, degree: int | None, ends_import: bool,
                      known_version: int | None, values: dict | None
                      ) -> tuple[int, _Reach, tuple | None]:
    """`_apply`, then, in the same transaction, the findings the change can reach
    (`_detect_in_reach`) when `values` are given, the findings known were those of the
    version before this write (`known_version`) and no position moved: one transaction and a
    few round trips a write, where a second transaction read the version again and ran each
    rule on its own. Returns (version, whose findings, (rows, routes) or None when not
    refreshed)."""
    version, reach, positions_held = _apply(tx, add, remove, connection_id, degree, ends_import)
    if values is None or positions_held or known_version != version - 1:
        return version, reach, None
    return version, reach, _detect_in_reach(tx, values, reach, note=not reach.noted)


@functools.cache
def _write_path(name: str) -> str:
    """The text of the query `name` as the write path runs it: with `replan=skip`, the
    server keeps its plan however far its statistics of the facts move. Neo4j plans a query
    again when they move (they do, write after write, on a register being filled), which
    for the rules takes seconds under the service's lock. Every query here starts from ids
    found by index, so a plan made on fewer facts does not grow worse with more."""
    return "CYPHER replan=skip\n" + load(name).body


# No person has an empty id, so a list of it alone asks for no one. The server plans a query
# again for each new type of its parameters, and an empty list is of another type than a
# list of ids: the write path's queries never take one, as a plan of the rules takes seconds.
_NO_ONE = ""
_NOBODY, _NO_PAIR = [_NO_ONE], [[_NO_ONE, _NO_ONE]]
_NOT_NOTED = ""  # (note-reach.cypher's $reach: a string, as the reach noted is)
_CONNECTION_RULE_IDS = tuple(rule_id for rule_id in RULE_IDS if rule_id in CONNECTION_RULES)


def _plan_write_path(tx: ManagedTransaction, values: dict) -> None:
    """Run the write path's queries that only read, about no one, with parameters of the
    types a write gives them, and EXPLAIN those that write: the server plans each and keeps
    the plan (`_write_path`)."""
    given = {**values, "people": _NOBODY, "pairs": _NO_PAIR, "reach": _NOT_NOTED}
    for rule_ids in (RULE_IDS, _CONNECTION_RULE_IDS):  # they may note: planned only
        text, parameters = _rules_at_once(rule_ids)
        tx.run("EXPLAIN " + text, {p: given[p] for p in parameters}).consume()
    tx.run(_write_path("store/tie-pairs"), connection_ids=_NOBODY, declaration_ids=_NOBODY,
           person_ids=_NOBODY).consume()
    tx.run(_write_path("store/family-circle"), person_ids=_NOBODY, degree=0).consume()
    route = load("routing/route")
    tx.run(_write_path("routing/route"), _parameters(route, {**values, "findings": [
        {"key": 0, "school_id": _NO_ONE, "parties": _NOBODY, "notify_dsl": False}]})).consume()
    replaced_by = {"connection_ids": _NOBODY, "declaration_ids": _NOBODY, "person_ids": _NOBODY}
    for import_name, first_new in ((None, False), ("import/connections", False),
                                   ("import/declarations", False), ("import/connections", True),
                                   ("import/declarations", True)):  # writes: planned only
        tx.run("EXPLAIN " + _write_and_reach(import_name, first_new),
               rows=[{}] if import_name else _NOBODY, connections=_NO_PAIR,
               declarations=_NO_PAIR, degree=0, ends_import=False, reach=_NOT_NOTED,
               **(replaced_by if first_new else {})).consume()


@functools.cache
def _rules_at_once(rule_ids: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The rules `rule_ids` in one query, each a subquery whose row becomes a map (the rules
    return different columns), and the parameters they take: a write's refresh asks the
    server once instead of once a rule. Planned once, as `_write_path`'s queries are. The
    query first notes $reach (note-reach.cypher) in the same round trip, unless it is
    _NOT_NOTED: so it runs in a write transaction."""
    parts, parameters = [], set()
    for rule_id in rule_ids:
        rule = load_rule(rule_id)
        parameters.update(rule.parameters)
        columns = ", ".join(f"{column}: {column}" for column in rule.returns)
        parts.append(f"CALL () {{\n{rule.body}}}\nRETURN {{{columns}}} AS finding")
    note = load("store/note-reach")
    parameters.update(note.parameters)
    return (f"CYPHER replan=skip\nCALL () {{\n{note.body}}}\n"
            "CALL () {\n" + "\nUNION ALL\n".join(parts) + "\n}\nRETURN finding",
            tuple(sorted(parameters)))


def _detect_in_reach(tx: ManagedTransaction, values: dict, reach: _Reach, note: bool = False
                     ) -> tuple[list[dict], dict]:
    """What `_detect` finds about `reach.people` and, of the connection rules, between the
    two people of each of `reach.pairs` (with no people, only those rules run), as one
    query; with `note`, which also notes the reach (note-reach.cypher) for a service killed
    before its cases are in line."""
    if not reach.people and not reach.pairs:
        if note:
            tx.run(_write_path("store/note-reach"), reach=reach.note()).consume()
        return [], {}
    text, parameters = _rules_at_once(RULE_IDS if reach.people else _CONNECTION_RULE_IDS)
    values = {**values, "people": sorted(reach.people) or _NOBODY,
              "pairs": [list(pair) for pair in sorted(reach.pairs)] or _NO_PAIR,
              "reach": reach.note() if note else _NOT_NOTED}
    rows = [record["finding"] for record in tx.run(text, {p: values[p] for p in parameters})]
    return rows, _routes(tx, values, rows)


def _records(result) -> list[dict]:
    """The rows of a result as plain dicts. Result.data() would copy every value again to
    turn nodes into dicts, which costs about a second per 10,000 findings; the rules return
    no nodes."""
    return [dict(record) for record in result]


def _detect(tx: ManagedTransaction, values: dict) -> tuple[list[dict], dict[tuple, dict], int]:
    """Run every rule, then route what they found; both in one transaction, which also
    reads the count of writes of the facts it saw."""
    version = tx.run(load("store/version").body).single()["version"]
    rows = []
    for rule_id in RULE_IDS:
        rule = load_rule(rule_id)
        rows += _records(tx.run(rule.body, _parameters(rule, values)))
    return rows, _routes(tx, values, rows), version


def _routes(tx: ManagedTransaction, values: dict, rows: list[dict]) -> dict[tuple, dict]:
    """The routing of each finding's request (`_route_request`)."""
    # Findings with the same school, parties and DSL notice are routed alike.
    requests = list(dict.fromkeys(_route_request(row) for row in rows))
    if not requests:
        return {}
    route = load("routing/route")
    routed = tx.run(_write_path("routing/route"), _parameters(route, {**values, "findings": [
        {"key": key, "school_id": school_id, "parties": list(parties), "notify_dsl": notify_dsl}
        for key, (school_id, parties, notify_dsl) in enumerate(requests)
    ]}))
    return {requests[row["key"]]: row for row in _records(routed)}


class _ById(dict):
    """Records by id; `sorted()` lists them in id order."""

    def sorted(self) -> list:
        return [self[key] for key in sorted(self)]


def _refuse_unknown(world: World, missing: Callable[[dict], dict] | None) -> None:
    """Refuse a world that names people, schools or accounts that neither it nor the database
    holds: Cypher would otherwise drop a fact about no one without a word. `missing` asks the
    database which of the ids it is given (as missing-references.cypher's parameters) it does
    not hold; without it, every id the world does not define is unknown."""
    outside = _references_outside(world)
    if not any(outside.values()):
        return
    not_held = missing(outside) if missing is not None else outside
    unknown = [i for key in outside for i in not_held[key]]
    if unknown:
        raise StoreError(f"unknown person, school or account: {', '.join(unknown)}")


def _references_outside(world: World) -> dict[str, list[str]]:
    """The ids the world's facts refer to and the world itself does not define."""
    return {
        "person_ids": sorted(world.people_involved() - world.people.keys()),
        "school_ids": sorted(({m.school_id for m in world.memberships}
                              | {a.school_id for a in world.school_accounts.values()})
                             - world.schools.keys()),
        "account_ids": sorted({a.account_id for a in world.account_admins}
                              - world.school_accounts.keys()),
    }


def _route_request(row: dict) -> tuple[str, tuple[str, ...], bool]:
    parties = tuple(p for p in (row["adult_id"], row["counterpart_id"]) if p is not None)
    return row["school_id"], parties, row["notify_dsl"]


def _finding(row: dict, routing: dict, profile: Profile) -> Finding:
    rule = row["rule"]
    return Finding(
        id=finding_id(rule, row["school_id"], row["adult_id"], row["counterpart_id"],
                      row["account_id"], row.get("detail") or ""),
        rule=rule,
        severity=SEVERITY[rule],
        advisory=row["advisory"],
        school_id=row["school_id"],
        adult_id=row["adult_id"],
        counterpart_id=row["counterpart_id"],
        account_id=row["account_id"],
        connection_ids=tuple(sorted(set(row["connection_ids"]))),
        clauses=profile.citation(rule, row.get("detail") or "", row["notify_dsl"]),
        route_to=tuple(routing["route_to"]) or (ADMINISTRATORS,),
        recused=tuple(Recusal(r["person_id"], r["reason"]) for r in routing["recused"]),
        explanation=_explanation(row, profile) + (
            "" if routing["level"] == 0 else " " + escalation(routing["sizes"], routing["level"])),
    )


def _explanation(row: dict, profile: Profile) -> str:
    rule = row["rule"]
    if rule in CONNECTION_RULES:
        return explain_contact(rule, row["adult_id"], row["counterpart_id"], set(row["channels"]),
                               row["school_name"], row["advisory"], approval_needed(profile),
                               describe_unexcused(row.get("shown_family", False),
                                                  row.get("shown_declarations") or ()))
    if rule == "data-quality":
        if row["detail"] == "date_of_birth":
            return explain_missing_birth_date(row["counterpart_id"])
        if row["detail"] == "no_leaders":
            return explain_no_leaders(row["school_name"])
        membership = Membership(row["counterpart_id"], row["school_id"], Role(row["role"]), None,
                                row["start_date"].to_native(), row["end_date"].to_native())
        return explain_membership_dates(row["counterpart_id"], membership)
    if rule == "approach-reported":
        return explain_approaches(row["adult_id"], row["counterpart_id"], row["open_reports"],
                                  row["recent"], row["window_days"])
    if rule == "school-account-oversight":
        account = SchoolAccount(row["account_id"], row["school_id"], row["channel"], row["handle"])
        unauthorised = [(person_id, authorised_by) for person_id, authorised_by in row["unauthorised"]]
        return explain_account(account, row["admins"], row["not_employed"], unauthorised,
                               row["authorisers"], profile.account_admins_required)
    raise StoreError(f"no explanation for rule {rule!r}")
