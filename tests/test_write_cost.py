"""A write costs the same whatever the number of findings, on both stores: one connection
report re-evaluates the same people, hands the cases the same findings and changes the
same cases in a school with 10 findings as in one with 1,000 that it does not touch."""

from __future__ import annotations

import sqlite3

import pytest

import api.service
import graph.store.neo4j as neo4j
from api.service import Actor
from graph.model import Basis, Connection, ConnectionSource, Declaration, DeclarationStatus, \
    Direction, World
from graph import review
from graph.review import CaseBook
from graph.rules import Evaluation
from graph.store.embedded import EmbeddedStore
from tests.api_world import service  # noqa: F401  (a fixture)
from tests.builder import WorldBuilder
from tests.scenarios import AS_OF
from tests.test_incremental import _school_of, any_store, five_days, follow  # noqa: F401  (any_store: a fixture)

REPORT = World(connections={"NEW": Connection("NEW", "T1", "P", "facebook", Direction.MUTUAL,
                                              None, ConnectionSource.REPORTED)})


def _spy_on_evaluation(store, monkeypatch) -> list:
    """What the store evaluates again: pairs (embedded) or people (Neo4j)."""
    evaluated = []
    if isinstance(store, EmbeddedStore):
        original = Evaluation._adult_findings

        def pairs(self, adult, other, connections):
            evaluated.append((adult, other))
            return original(self, adult, other, connections)

        monkeypatch.setattr(Evaluation, "_adult_findings", pairs)
    else:
        detect, detect_in_reach = neo4j._detect, neo4j._detect_in_reach

        def full(tx, values):
            evaluated.append("everyone" if values["people"] is None else tuple(values["people"]))
            return detect(tx, values)

        def in_reach(tx, values, reach, **options):
            evaluated.extend([tuple(sorted(reach.people)), *sorted(reach.pairs)])
            return detect_in_reach(tx, values, reach, **options)

        monkeypatch.setattr(neo4j, "_detect", full)
        monkeypatch.setattr(neo4j, "_detect_in_reach", in_reach)
    return evaluated


def _cost_of_one_report(store, pupils: int, monkeypatch) -> tuple:
    """(findings there are, what was evaluated, findings handed to the cases, cases
    changed) for one connection report between a teacher and a pupil in a school where
    another teacher already has a finding with each of `pupils` pupils."""
    store.replace_world(_school_of(pupils).build())
    book = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
    follow(book, store, "start")
    with monkeypatch.context() as patched:
        evaluated = _spy_on_evaluation(store, patched)
        store.upsert(REPORT)
        since = store.findings_since(AS_OF, book.findings_mark)
        changes = book.sync(since.findings, AS_OF, "reported", five_days, since.touched)
        book.findings_mark = since.mark
    return (len(store.findings(AS_OF)), sorted(evaluated), len(since.findings),
            [(c.kind, c.subjects) for c in changes])


def test_one_report_costs_the_same_with_ten_findings_as_with_a_thousand(any_store, monkeypatch):
    few = _cost_of_one_report(any_store, 10, monkeypatch)
    many = _cost_of_one_report(any_store, 1000, monkeypatch)
    assert few[0] < 20 and many[0] > 1000  # the second school has far more findings...
    # ...yet the report evaluates the same, and the cases see and raise the same
    assert few[1:] == many[1:]
    assert "everyone" not in many[1]
    assert many[3] == [("raised", ("T1", "P"))]


def test_a_report_leaves_whether_accounts_fit_as_it_was_and_a_membership_does_not(
        service, monkeypatch):
    """Whether each account still fits its holder is asked on every request; a connection
    report or a declaration (most writes) cannot change it and does not make every
    request work it out again, from the store, under the service's lock. A membership
    that ends does."""
    worked_out = []
    original = api.service.account_problems
    monkeypatch.setattr(api.service, "account_problems",
                        lambda store, role, person_id, *rest, **kw:
                        worked_out.append(person_id) or original(store, role, person_id,
                                                                 *rest, **kw))
    for number in range(3):
        assert service.post("T2", "/api/connections/reports", json={
            "person_id": "T1", "other_id": "P1", "channel": f"x{number}"}).status_code == 201
        assert service.post("T2", "/api/declarations", json={
            "counterpart_id": "P1", "basis": "other"}).status_code == 201
        assert service.get("L1", "/api/cases").status_code == 200
    assert sorted(set(worked_out)) == ["L1", "T2"] and len(worked_out) == 2
    ended = WorldBuilder().staff("T2", "S1", start="2019-09-01", end="2026-11-01").build()
    ended.people.clear()
    service.register.change_facts(Actor(None), "membership.end", "membership",
                                  cause="left", upsert=ended)
    answer = service.post("T2", "/api/declarations", json={"counterpart_id": "P1",
                                                           "basis": "other"})
    assert answer.status_code == 403 and "can no longer be used" in answer.json()["detail"]



def test_the_queue_parses_each_finding_once_and_keeps_none_past_an_erasure(tmp_path):
    """The queue's lists share each finding parsed once (a read does not parse every open
    case again); an erasure leaves no parsed copy of anyone's findings in memory."""
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(_school_of(3).build())
        book = CaseBook(sqlite3.connect(":memory:", isolation_level=None))
        follow(book, store, "start")
        first, again = book.find(state="open"), book.find(state="open")
        assert len(first) == 3 and all(a.finding is b.finding for a, b in zip(first, again))
        book.db.execute("BEGIN")
        book.erase_party("P1", "register")
        book.db.execute("COMMIT")
        assert review._shared_finding.cache_info().currsize == 0
        assert {c.finding["counterpart_id"] for c in book.find(state="open")} == {"P0", "P2"}


@pytest.fixture
def neo4j_service(neo4j_store, tmp_path, monkeypatch):
    """The small trust served from Neo4j (argon2 made cheap, as the `service` fixture does)."""
    from tests.api_world import FAST_HASHER, ServiceUnderTest

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path, store=neo4j_store)
    yield served
    served.close()


def _report(service, channel: str, reporter: str = "T2", person: str = "T1",
            other: str = "P1") -> None:
    assert service.post(reporter, "/api/connections/reports", json={
        "person_id": person, "other_id": other, "channel": channel}).status_code == 201


@pytest.mark.neo4j
def test_a_write_on_neo4j_asks_the_database_again_for_neither_version_nor_schools(
        neo4j_service, monkeypatch):
    """While a write holds the service's lock, Neo4j is asked for the write itself: the
    cases follow it with the count of writes read in its transaction and the schools'
    review days as they were; the case still carries the new evidence."""
    _report(neo4j_service, "first")  # the start's evaluation, and schools read once
    asked = []
    for name in ("_status", "schools"):
        original = getattr(neo4j.Neo4jStore, name)
        monkeypatch.setattr(neo4j.Neo4jStore, name,
                            lambda self, *a, _name=name, _original=original, **kw:
                            asked.append(_name) or _original(self, *a, **kw))
    original_change = api.service.Register.change_facts
    in_write = []

    def change_facts(self, *args, **kwargs):
        before = len(asked)
        original_change(self, *args, **kwargs)
        in_write.extend(asked[before:])

    monkeypatch.setattr(api.service.Register, "change_facts", change_facts)
    _report(neo4j_service, "second")
    _report(neo4j_service, "third")
    assert in_write == []
    case = neo4j_service.case_of("pupil-contact", "T1", "P1")
    assert neo4j_service.register.findings_label().facts_version \
        == neo4j_service.store.facts_version()
    assert case["state"] == "open"


@pytest.mark.neo4j
def test_a_write_to_neo4j_by_someone_else_reaches_the_cases_with_the_next_write(
        neo4j_service, neo4j_uri):
    """Another process writing to the same database (an import beside the service) is
    not missed for the version read the service no longer makes after its own write."""
    from graph.store.neo4j import Neo4jStore

    _report(neo4j_service, "first")
    with pytest.raises(ValueError):
        neo4j_service.case_of("pupil-contact", "T2", "P1")
    elsewhere = Neo4jStore(neo4j_uri)
    elsewhere.upsert(World(connections={"ELSEWHERE": Connection(
        "ELSEWHERE", "T2", "P1", "facebook", Direction.MUTUAL, None,
        ConnectionSource.REPORTED)}))
    _report(neo4j_service, "second")
    assert neo4j_service.case_of("pupil-contact", "T2", "P1")["state"] == "open"


@pytest.mark.neo4j
def test_an_access_check_on_neo4j_does_not_wait_for_a_write_holding_the_lock(neo4j_service):
    """Reading someone's memberships (every access check does) is one query the database
    keeps apart from a write: it answers while another request holds the service's lock."""
    import threading

    answered = []
    reader = threading.Thread(target=lambda: answered.append(
        neo4j_service.register.store.memberships_of("T1")))
    with neo4j_service.register.lock:
        reader.start()
        reader.join(timeout=30)
        assert [m.school_id for m in answered[0]] == ["S1"]


@pytest.mark.neo4j
def test_neo4j_writes_keep_to_the_plans_the_server_made_once(neo4j_store, monkeypatch):
    """A write on Neo4j asks its queries with `replan=skip` and never with an empty list:
    the server would plan a query again when its statistics move (write after write) or
    for each new type of a parameter (an empty list is one), seconds for the rules, under
    the service's lock. The plans are made before the first write (`load`)."""
    from neo4j import ManagedTransaction

    store = neo4j_store
    store.replace_world(_school_of(5).build())
    store.findings(AS_OF)
    asked = []
    original = ManagedTransaction.run

    def run(self, query, parameters=None, **kwargs):
        asked.append((query, {**(parameters or {}), **kwargs}))
        return original(self, query, parameters, **kwargs)

    monkeypatch.setattr(ManagedTransaction, "run", run)
    store.load()
    planned = {query.removeprefix("EXPLAIN ") for query, _ in asked}  # (writes: planned only)
    asked_to_plan = len(asked)
    store.upsert(REPORT)
    store.upsert(World(declarations={"DF": Declaration(
        "DF", "T0", "M1", Basis.FAMILY_FRIEND, "", AS_OF, DeclarationStatus.PENDING, None,
        None)}))
    store.remove_connection("NEW")
    written = asked[asked_to_plan:]
    assert written and all(query.startswith("CYPHER replan=skip") for query, _ in written)
    assert [(query[:80], name) for query, values in written
            for name, value in values.items() if value == []] == []
    rules = [query for query, _ in written if "pupil-contact" in query]
    assert rules and set(rules) <= planned


@pytest.mark.neo4j
def test_a_leaders_queue_does_not_wait_for_a_write_holding_the_lock(neo4j_service):
    """A read of the queue sorts every open case of the school (its order needs them all):
    it reads the last commit on a database connection of its own instead of holding the
    service's lock, for which every write waits; and it shows a write committed before."""
    import threading

    before = neo4j_service.get("L1", "/api/cases?state=open").json()
    _report(neo4j_service, "seen", person="T2")  # T2 and P1: a case of their own
    answered = []
    reader = threading.Thread(target=lambda: answered.append(
        neo4j_service.get("L1", "/api/cases?state=open")))
    with neo4j_service.register.lock:
        reader.start()
        reader.join(timeout=30)
        assert answered, "the queue waited for the lock"
    assert answered[0].status_code == 200
    raised = {case["finding_id"] for case in answered[0].json()} - \
        {case["finding_id"] for case in before}
    assert raised, "the case the report raised is in the queue"
