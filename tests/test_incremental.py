"""A change re-evaluates and syncs only the findings it touches, and what it keeps is
exactly what a full evaluation gives: the findings, and the cases that follow them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.facts import FactGraph
from graph.model import Basis, Connection, ConnectionSource, Declaration, DeclarationStatus, \
    Direction, World
from graph.review import CaseBook
from graph.rules import Evaluation, evaluate
from graph.store.embedded import EmbeddedStore
from graph.store.neo4j import Neo4jStore
from tests.builder import WorldBuilder
from tests.scenarios import AS_OF
from tests.strategies import CHANNELS, worlds


def five_days(_school_id: str) -> int:
    return 5


def cases(book: CaseBook) -> list[tuple]:
    """Every case as a reviewer sees it: its state, whether it fires, its finding."""
    return book.db.execute("SELECT finding_id, state, fires, finding, raised_on, due_on "
                           "FROM cases ORDER BY finding_id").fetchall()


def follow(book: CaseBook, store: EmbeddedStore, cause: str) -> None:
    """What the service does after each change (Register._sync)."""
    since = store.findings_since(AS_OF, book.findings_mark)
    book.sync(since.findings, AS_OF, cause, five_days, since.touched)
    book.findings_mark = since.mark


@st.composite
def changes(draw, world: World) -> list[tuple[str, object]]:
    """A sequence of the writes the service makes: connections reported and withdrawn,
    declarations made, decided (by anyone, leaders included) and re-made with another
    basis or between other people."""
    people = sorted(world.people)
    pairs = st.tuples(st.sampled_from(people), st.sampled_from(people)).filter(
        lambda p: p[0] != p[1])
    steps = []
    for number in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["connect", "connect", "declare", "withdraw", "redeclare"]))
        if kind == "connect":
            a, b = draw(pairs)
            steps.append(("upsert", World(connections={f"N{number}": Connection(
                f"N{number}", a, b, draw(st.sampled_from(CHANNELS)),
                draw(st.sampled_from(list(Direction))),
                draw(st.sampled_from([None, AS_OF, AS_OF + dt.timedelta(days=1)])),
                ConnectionSource.REPORTED)})))
        elif kind == "withdraw":
            steps.append(("withdraw", draw(st.integers(0, 1000))))
        else:
            a, b = draw(pairs)
            status = draw(st.sampled_from(list(DeclarationStatus)))
            decided = status is not DeclarationStatus.PENDING
            # "redeclare" replaces a declaration already there (its parties may change)
            declaration_id = "D0" if kind == "redeclare" and "D0" in world.declarations \
                else f"ND{number}"
            steps.append(("upsert", World(declarations={declaration_id: Declaration(
                declaration_id, a, b, draw(st.sampled_from(list(Basis))), "",
                dt.date(2025, 2, 1), status,
                draw(st.sampled_from(people)) if decided else None,
                dt.date(2025, 3, 1) if decided else None)})))
    return steps


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(worlds(), st.data())
def test_after_any_sequence_of_writes_findings_and_cases_equal_a_full_evaluation(world, data):
    """The store refreshes only what each write touches and the cases follow only those
    findings; a second case book that reads every finding of a full evaluation after each
    write must end up the same, case for case, and the findings equal a fresh run's."""
    steps = data.draw(changes(world))
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        store.import_world(world)
        _replay(store, steps)


@pytest.mark.neo4j
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(worlds(), st.data())
def test_on_neo4j_after_any_sequence_of_writes_findings_and_cases_equal_a_full_evaluation(
        neo4j_uri, world, data):
    """The same on Neo4j, which refreshes by its own queries (a connection or declaration
    by the pairs it can reach, anything else by the family circle of its people)."""
    steps = data.draw(changes(world))
    with Neo4jStore(neo4j_uri) as store:
        store.replace_world(world)
        _replay(store, steps)


def _replay(store, steps: list[tuple[str, object]]) -> None:
    """Make each write of `steps`, following it with the cases as the service does and
    with a reference case book fed a full evaluation; both and the findings must agree."""
    incremental = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
    reference = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
    follow(incremental, store, "start")
    reference.sync(evaluate(FactGraph(store.export_world()), AS_OF), AS_OF, "start", five_days)
    for number, (kind, change) in enumerate(steps):
        if kind == "withdraw":
            held = sorted(store.export_world().connections)
            if not held:
                continue
            store.remove_connection(held[change % len(held)])
        else:
            store.upsert(change)
        cause = f"write {number}"
        follow(incremental, store, cause)
        full = evaluate(FactGraph(store.export_world()), AS_OF)
        reference.sync(full, AS_OF, cause, five_days)
        assert store.findings(AS_OF) == full
        assert cases(incremental) == cases(reference)


def _school_of(pupils: int) -> WorldBuilder:
    """A school whose leaders H1 and L1 review findings about `pupils` pupils, each with a
    mother, every one connected with teacher T0: a finding each."""
    builder = (WorldBuilder().school("S1").staff("H1", position="headteacher")
               .staff("L1", position="senior_leader").staff("D1", position="dsl")
               .staff("T0").staff("T1").pupil("P"))
    for n in range(pupils):
        builder.pupil(f"P{n}").family(f"M{n}", "parent", f"P{n}").connect("T0", f"P{n}")
    return builder


def _cost_of_one_report(pupils: int, monkeypatch) -> tuple[int, int, int]:
    """(findings there are, pairs evaluated, findings handed to the cases) for one
    connection report between a teacher and a pupil, with `pupils` findings already."""
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        store.import_world(_school_of(pupils).build())
        book = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
        follow(book, store, "start")
        evaluated = []
        original = Evaluation._adult_findings

        def counted(self, adult, other, connections):
            evaluated.append((adult, other))
            return original(self, adult, other, connections)

        handed = []
        original_sync = CaseBook.sync

        def watched(self, findings, *args, **kwargs):
            findings = list(findings)
            handed.append(len(findings))
            return original_sync(self, findings, *args, **kwargs)

        with monkeypatch.context() as patched:
            patched.setattr(Evaluation, "_adult_findings", counted)
            patched.setattr(CaseBook, "sync", watched)
            store.upsert(World(connections={"NEW": Connection(
                "NEW", "T1", "P", "facebook", Direction.MUTUAL, None,
                ConnectionSource.REPORTED)}))
            follow(book, store, "reported")
        raised = [json.loads(c[3]) for c in cases(book)]
        assert [(f["rule"], f["adult_id"]) for f in raised if f["counterpart_id"] == "P"] \
            == [("pupil-contact", "T1")]
        return len(store.findings(AS_OF)), len(evaluated), handed[0]


def test_a_connection_report_costs_the_same_with_ten_findings_as_with_two_thousand(monkeypatch):
    few = _cost_of_one_report(10, monkeypatch)
    many = _cost_of_one_report(2000, monkeypatch)
    assert few[0] < 20 and many[0] > 2000  # the second school has far more findings...
    # ...yet the report evaluates one pair (both ways) and the cases see one finding
    assert few[1:] == many[1:] == (2, 1)


def test_a_declaration_reaches_the_family_of_the_other_party_and_no_further(monkeypatch):
    """A friendship declared with a pupil's mother is a basis for the teacher's connection
    with the pupil (her family): that pair is evaluated again, the teacher's others not."""
    world = _school_of(50).build()
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        store.import_world(world)
        before = {f.id: f for f in store.findings(AS_OF)}
        evaluated = []
        original = Evaluation._adult_findings

        def counted(self, adult, other, connections):
            evaluated.append(frozenset((adult, other)))
            return original(self, adult, other, connections)

        with monkeypatch.context() as patched:
            patched.setattr(Evaluation, "_adult_findings", counted)
            store.upsert(World(declarations={"DF": Declaration(
                "DF", "T0", "M7", Basis.FAMILY_FRIEND, "", dt.date(2025, 2, 1),
                DeclarationStatus.PENDING, None, None)}))
        assert set(evaluated) == {frozenset(("T0", "P7"))}
        after = {f.id: f for f in store.findings(AS_OF)}
        assert after == {f.id: f for f in evaluate(FactGraph(store.export_world()), AS_OF)}
        changed = {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}
        assert {(after.get(i) or before[i]).counterpart_id for i in changed} == {"P7"}


def test_a_rolled_back_sync_makes_the_next_one_read_every_finding():
    """After a rollback the case book reads its memory again from the database; the
    store's mark from before is then no good, so the next sync compares every finding."""
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        store.import_world(_school_of(3).build())
        db = sqlite3.connect(":memory:", isolation_level=None)
        book = CaseBook(db)
        follow(book, store, "start")
        store.upsert(World(connections={"NEW": Connection(
            "NEW", "T1", "P", "facebook", Direction.MUTUAL, None, ConnectionSource.REPORTED)}))
        db.execute("BEGIN")
        follow(book, store, "reported")
        db.execute("ROLLBACK")
        book.reload()
        assert book.findings_mark is None
        follow(book, store, "again")
        assert sorted(c[0] for c in cases(book)) == sorted(f.id for f in store.findings(AS_OF))
        assert all(c[2] == 1 for c in cases(book))


def test_re_making_a_declaration_with_someone_else_refreshes_both_pairs():
    """Re-making a declaration between other people: both the pair it left and the pair
    it joins are evaluated again."""
    world = _school_of(2).build()
    world.declarations["D0"] = Declaration("D0", "T0", "M0", Basis.FAMILY_FRIEND, "",
                                           dt.date(2025, 2, 1), DeclarationStatus.PENDING,
                                           None, None)
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        store.import_world(world)
        store.findings(AS_OF)
        store.upsert(World(declarations={"D0": dataclasses.replace(
            world.declarations["D0"], counterpart_id="M1")}))
        assert store.findings(AS_OF) == evaluate(FactGraph(store.export_world()), AS_OF)


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request, tmp_path):
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
    else:
        with EmbeddedStore(tmp_path / "data") as store:
            yield store


def test_on_every_store_the_cases_follow_only_what_each_write_touched(any_store):
    """After the first sync each write hands the cases only the findings it touched, and
    the cases end as a book fed every finding of a full evaluation after each write."""
    store = any_store
    store.import_world(_school_of(30).build())
    incremental = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
    reference = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
    follow(incremental, store, "start")
    writes = [
        World(connections={"N1": Connection("N1", "T1", "P3", "facebook", Direction.MUTUAL,
                                            None, ConnectionSource.REPORTED)}),
        World(declarations={"DF": Declaration("DF", "T0", "M4", Basis.FAMILY_FRIEND, "",
                                              dt.date(2025, 2, 1), DeclarationStatus.PENDING,
                                              None, None)}),
        World(connections={"N2": Connection("N2", "H1", "P5", "instagram", Direction.MUTUAL,
                                            None, ConnectionSource.REPORTED)}),
    ]
    for number, write in enumerate(writes):
        store.upsert(write)
        since = store.findings_since(AS_OF, incremental.findings_mark)
        assert since.touched is not None and len(since.touched) < 40  # of 30 and more
        incremental.sync(since.findings, AS_OF, f"write {number}", five_days, since.touched)
        incremental.findings_mark = since.mark
        reference.sync(evaluate(FactGraph(store.export_world()), AS_OF), AS_OF,
                       f"write {number}", five_days)
        assert cases(incremental) == cases(reference)
    store.remove_connection("N1")
    follow(incremental, store, "withdrawn")
    reference.sync(evaluate(FactGraph(store.export_world()), AS_OF), AS_OF, "withdrawn",
                   five_days)
    assert cases(incremental) == cases(reference)


@pytest.mark.parametrize("record", ["a declaration of family", "an approach report"])
def test_on_every_store_a_record_made_again_between_others_refreshes_the_people_it_leaves(
        any_store, record):
    """A declaration or report made again under its id between other people: the findings
    of the people it leaves move as well as those of the people it joins. (A headteacher's
    pending declaration that a pupil is family recuses them from the pupil's findings; made
    again about others, the recusal goes.)"""
    built = (WorldBuilder().school("S1").member("H1", "S1", position="headteacher")
             .member("T1", "S1").member("T2", "S1").pupil("P1", born=None).pupil("P2"))
    if record == "a declaration of family":
        built.declare("H1", "P1", "family_member", declaration_id="D1")
    else:
        built.approach("T1", "P1", report_id="R1")
    world = built.build()
    any_store.import_world(world)
    assert any_store.findings(AS_OF) == evaluate(FactGraph(any_store.export_world()), AS_OF)
    if record == "a declaration of family":
        moved = World(declarations={"D1": dataclasses.replace(
            world.declarations["D1"], declarer_id="T2", counterpart_id="P2")})
    else:
        moved = World(approaches={"R1": dataclasses.replace(
            world.approaches["R1"], adult_id="T2", from_id="P2")})
    any_store.upsert(moved)
    assert any_store.findings(AS_OF) == evaluate(FactGraph(any_store.export_world()), AS_OF)
