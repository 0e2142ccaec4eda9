"""The Neo4j store behaves exactly like the embedded one: the scenario suite, byte-identical
JSON findings on every scenario, on random small worlds and on a seeded trust, a lossless
export, and the same answers after small changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cypher.load import parse, query_files
from graph.intake.exchange import read_folder, write_folder
from graph.model import World
from graph.profiles import PROFILE_DIR
from graph.rules import findings_json
from graph.store.base import StoreError
from graph.store.embedded import EmbeddedStore
from tests.builder import WorldBuilder, school_with_leaders
from tests.scenarios import AS_OF, SCENARIOS, school, summary
from tests.strategies import worlds
from tests.test_scenarios import check

pytestmark = pytest.mark.neo4j

# Dates where ages, windows and memberships turn: a leap day's birthday in a common and a
# leap year, the last and first days of a school year, the scenarios' date.
AS_OF_DATES = [AS_OF, dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2024, 2, 29),
               dt.date(2025, 7, 20), dt.date(2025, 9, 1), dt.date(2026, 12, 31)]


def embedded_json(world: World, as_of: dt.date) -> str:
    """The findings of the embedded store holding `world`, as `relreg detect` prints them."""
    with tempfile.TemporaryDirectory() as data, EmbeddedStore(data) as store:
        store.import_world(world)
        return store_json(store, as_of)


def store_json(store, as_of: dt.date) -> str:
    return json.dumps(findings_json(store.findings(as_of), as_of), indent=1)


def exchange_bytes(world: World, folder) -> dict[str, bytes]:
    write_folder(world, folder)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# -- the scenario suite -----------------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_on_neo4j(scenario, neo4j_store):
    neo4j_store.replace_world(scenario.build())
    check(scenario, neo4j_store.findings(scenario.as_of))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_json_is_byte_identical(scenario, neo4j_store):
    world = scenario.build()
    neo4j_store.replace_world(world)
    assert store_json(neo4j_store, scenario.as_of) == embedded_json(world, scenario.as_of)


# -- random small worlds ------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(max_people=25), as_of=st.sampled_from(AS_OF_DATES))
def test_random_worlds_give_byte_identical_findings(neo4j_store, world, as_of):
    neo4j_store.replace_world(world)  # one database for every example, emptied each time
    assert store_json(neo4j_store, as_of) == embedded_json(world, as_of)


def test_an_ex_pupil_of_unknown_age_who_is_family_is_no_ex_pupil_contact(neo4j_store):
    """Found by the random worlds: an unknown date of birth counts as under 18, but it must
    not outweigh the family tie that clears the connection."""
    world = (school_with_leaders().pupil("X1", start="2016-09-01", end="2025-07-20", born=None)
             .family("T1", "sibling", "X1").connect("T1", "X1").build())
    neo4j_store.replace_world(world)
    assert [summary(f) for f in neo4j_store.findings(AS_OF)] == ["data-quality S1 - X1"]
    assert store_json(neo4j_store, AS_OF) == embedded_json(world, AS_OF)


@pytest.mark.parametrize("degree", [1, 2, 4, 5])
def test_a_profile_files_family_degree_is_honoured(degree, neo4j_store, tmp_path):
    """The shipped profiles all say 3; a school's own profile file may say otherwise, and
    the Cypher takes the degree from $profiles, not from a constant."""
    shipped = (PROFILE_DIR / "mowbray.toml").read_text()
    profile = tmp_path / "own.toml"
    profile.write_text(shipped.replace("[family_degree]\nvalue = 3", f"[family_degree]\nvalue = {degree}"))
    assert f"value = {degree}" in profile.read_text()
    builder = school_with_leaders(str(profile)).pupil("P1").family("M1", "parent", "P1")
    # T1 - X1 - X2 - X3 - M1 - P1: five links, records and declared, with a friend of X2.
    world = (builder.family("T1", "sibling", "X1").family("X1", "spouse", "X2", source="declared")
             .family("X2", "sibling", "X3").family("X3", "sibling", "M1")
             .declare("L1", "X2", "family_friend").declare("D1", "X3", "family_friend", "accepted", "H1")
             .connect("T1", "P1").connect("L1", "P1").connect("D1", "M1").connect("T1", "M1").build())
    neo4j_store.replace_world(world)
    assert store_json(neo4j_store, AS_OF) == embedded_json(world, AS_OF)


# -- a seeded trust -------------------------------------------------------------------------

def test_seeded_trust_gives_byte_identical_findings(neo4j_store, tmp_path):
    generator = pytest.importorskip("seed.generator")
    generator.generate_trust(tmp_path / "trust", schools=4, people=2_000, seed=7, as_of=AS_OF)
    world = read_folder(tmp_path / "trust")
    neo4j_store.replace_world(world)
    expected = embedded_json(world, AS_OF)
    assert len(json.loads(expected)["findings"]) > 5, "a seeded trust plants findings of each rule"
    assert store_json(neo4j_store, AS_OF) == expected


# -- import and export -----------------------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS[::5], ids=lambda s: s.name)
def test_export_after_import_gives_the_same_world(scenario, neo4j_store, tmp_path):
    world = scenario.build()
    neo4j_store.replace_world(world)
    exported = neo4j_store.export_world()
    assert exchange_bytes(exported, tmp_path / "out") == exchange_bytes(world, tmp_path / "in")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(max_people=25))
def test_export_round_trips_random_worlds(neo4j_store, world, tmp_path_factory):
    neo4j_store.replace_world(world)
    folder = tmp_path_factory.mktemp("round-trip")
    assert exchange_bytes(neo4j_store.export_world(), folder / "out") \
        == exchange_bytes(world, folder / "in")


def test_importing_twice_changes_nothing(neo4j_store, tmp_path):
    world = school().declare("T1", "P1", "family_member").connect("T1", "P1").build()
    neo4j_store.import_world(world)
    neo4j_store.import_world(world)
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "out") \
        == exchange_bytes(world, tmp_path / "in")
    assert store_json(neo4j_store, AS_OF) == embedded_json(world, AS_OF)


def test_replace_world_forgets_what_was_there(neo4j_store):
    neo4j_store.replace_world(school().connect("T1", "P1").build())
    neo4j_store.replace_world(school("mowbray").build())
    assert neo4j_store.export_world().connections == {}
    assert neo4j_store.findings(AS_OF) == []


def test_is_empty(neo4j_store):
    assert neo4j_store.is_empty()
    neo4j_store.import_world(school().build())
    assert not neo4j_store.is_empty()


class Crash(Exception):
    pass


def test_an_import_cut_short_is_refused_until_it_is_run_again(neo4j_store):
    world = school().connect("T1", "P1").build()

    def crash(_people_written):
        raise Crash("the process dies once the people are written")

    with pytest.raises(Crash):
        neo4j_store.replace_world(world, progress=crash)
    assert not neo4j_store.is_empty()
    with pytest.raises(StoreError, match="did not finish"):
        neo4j_store.findings(AS_OF)
    with pytest.raises(StoreError, match="did not finish"):
        neo4j_store.export_world()
    neo4j_store.import_world(world)
    assert [summary(f) for f in neo4j_store.findings(AS_OF)] == ["pupil-contact S1 T1 P1"]


@pytest.mark.parametrize("findings_known", [False, True],
                         ids=["before any findings", "with findings kept up to date"])
def test_a_fact_about_an_unknown_person_is_refused_and_nothing_is_written(neo4j_store,
                                                                         findings_known):
    """With findings known, a new connection is written, refreshed and counted in one query,
    which must write nothing when someone it names is not held."""
    neo4j_store.import_world(school().build())
    if findings_known:
        neo4j_store.findings(AS_OF)
    unknown = WorldBuilder().connect("T1", "NOBODY").build().connections
    with pytest.raises(StoreError, match="unknown person, school or account: NOBODY"):
        neo4j_store.upsert(World(connections=unknown))
    assert neo4j_store.export_world().connections == {}


# -- small changes: the same answers as the embedded store -------------------------------------

def test_changes_give_the_same_findings_as_the_embedded_store(neo4j_store, tmp_path):
    """The embedded store's change tests, replayed on both stores side by side."""
    declared = school().declare("T1", "M1", "family_friend", declaration_id="DF")
    accepted = school().declare("T1", "M1", "family_friend", "accepted", "H1", declaration_id="DF")
    great_aunt = WorldBuilder().family("G", "parent", "M1").build()
    great_aunt.people.clear()
    left = WorldBuilder().pupil("P1", end="2026-07-20").build()
    left.people.clear()
    changes = [
        World(declarations=accepted.build().declarations),
        WorldBuilder().staff("H2", position="headteacher", start="2026-09-01").build(),
        great_aunt,
        left,
    ]
    start = declared.family("T1", "sibling", "G").connect("T1", "P1", connection_id="C1") \
        .connect("T1", "M1", connection_id="C2").build()
    with EmbeddedStore(tmp_path / "data") as embedded:
        for store in (embedded, neo4j_store):
            store.import_world(start)
        assert store_json(neo4j_store, AS_OF) == store_json(embedded, AS_OF)
        for change in changes:
            for store in (embedded, neo4j_store):
                store.upsert(change)
            assert store_json(neo4j_store, AS_OF) == store_json(embedded, AS_OF)
        for store in (embedded, neo4j_store):
            store.remove_connection("C2")
        assert store_json(neo4j_store, AS_OF) == store_json(embedded, AS_OF)
        with pytest.raises(StoreError):
            neo4j_store.remove_connection("C2")
        added = WorldBuilder().connect("L1", "P1", connection_id="C3").build().connections["C3"]
        assert neo4j_store.add_connection(added, AS_OF) == embedded.add_connection(added, AS_OF)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(max_people=12), depth=st.integers(0, 3), max_people=st.integers(1, 8))
def test_reads_by_person_and_school_match_the_embedded_store(neo4j_store, world, depth,
                                                             max_people):
    neo4j_store.replace_world(world)
    with tempfile.TemporaryDirectory() as data, EmbeddedStore(data) as embedded:
        embedded.import_world(world)
        stores = (neo4j_store, embedded)

        def same(read, *args):
            neo4j_answer, embedded_answer = (getattr(store, read)(*args) for store in stores)
            if isinstance(embedded_answer, World):
                neo4j_answer, embedded_answer = (exchange_bytes(w, Path(data) / read / store)
                                                 for w, store in zip((neo4j_answer, embedded_answer), "ne"))
            assert neo4j_answer == embedded_answer, (read, args)

        same("schools")
        for school_id in [*world.schools, "NOWHERE"]:
            same("people_at", school_id)
            same("people_at", school_id, "a1")
            same("declarations_at", school_id)
        for person_id in [*world.people, "NOBODY"]:
            for read in ("person", "memberships_of", "declarations_of", "connections_of",
                         "approaches_of"):
                same(read, person_id)
            same("network", person_id, depth, max_people)
        same("memberships_of_all", [*world.people][:max_people] + ["NOBODY"])
        assert embedded.memberships_of_all(world.people) == sorted(
            world.memberships, key=lambda m: m.key)
        for read, ids in (("declaration", world.declarations), ("connection", world.connections),
                          ("approach", world.approaches)):
            for record_id in [*ids, "NONE"]:
                same(read, record_id)


def test_add_connection_returns_the_findings_about_its_two_people(neo4j_store):
    neo4j_store.import_world(school().pupil("P2").connect("T1", "P2").approach("L1", "P1").build())
    connection = WorldBuilder().connect("T1", "P1", connection_id="C9").build().connections["C9"]
    found = neo4j_store.add_connection(connection, AS_OF)
    assert [summary(f) for f in found] == ["pupil-contact S1 T1 P1", "pupil-contact S1 T1 P2",
                                          "approach-reported S1 L1 P1"]
    assert found[0].connection_ids == ("C9",)


# -- every query compiles ------------------------------------------------------------------------

@pytest.mark.parametrize("path", [p for p in query_files() if p.stem != "schema"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_query_compiles(path, neo4j_uri):
    from graph.store.neo4j import driver_for

    query = parse(path)
    with driver_for(neo4j_uri).session(database="neo4j") as session:
        session.run("EXPLAIN " + query.body, {name: None for name in query.parameters}).consume()


# -- one change, one small piece of work: what a store keeps up to date is what it would find
# -- afresh ---------------------------------------------------------------------------------

def _afresh(store, as_of: dt.date = AS_OF) -> str:
    """The findings a full evaluation gives for what `store` holds now, on both stores."""
    return embedded_json(store.export_world(), as_of)


class _Evaluations:
    """Counts the Neo4j store's full evaluations and the people of its per-person ones
    (in a read of its own, or in the transaction of the write that asks for them: there the
    people of the pairs it evaluates count too)."""

    def __init__(self, store, monkeypatch):
        import graph.store.neo4j as neo4j

        self.full, self.people = 0, []
        detect, detect_in_reach = neo4j._detect, neo4j._detect_in_reach

        def counted(tx, values):
            if values["people"] is None:
                self.full += 1
            else:
                self.people.append(set(values["people"]))
            return detect(tx, values)

        def counted_in_reach(tx, values, reach, **options):
            self.people.append(reach.people | {p for pair in reach.pairs for p in pair})
            return detect_in_reach(tx, values, reach, **options)

        monkeypatch.setattr(neo4j, "_detect", counted)
        monkeypatch.setattr(neo4j, "_detect_in_reach", counted_in_reach)


def _far_family():
    """T1 is connected with pupil P1 and P1's mother M1, and G2 is T1's sister: a link
    making G2 M1's mother (two people the connections do not name) makes T1 P1's great-aunt,
    three family edges away (T1 - G2 - M1 - P1)."""
    return (school().family("T1", "sibling", "G2")
            .connect("T1", "P1", connection_id="C1").connect("T1", "M1", connection_id="C2"))


def _link(person_id, kind, relative_id, source="records"):
    world = WorldBuilder().family(person_id, kind, relative_id, source).build()
    world.people.clear()
    return world


def _changes():
    """Small changes, each with what it is: the ones that reach past their own people
    (kinship, recusal), a position, memberships ending, removals."""
    membership_ends = WorldBuilder().pupil("P1", end="2026-07-20").build()
    membership_ends.people.clear()
    dsl_is_family = WorldBuilder().family("D1", "sibling", "T1").build()
    dsl_is_family.people.clear()
    accepted = school().declare("T1", "M1", "family_friend", "accepted", "H1",
                                declaration_id="DF").build()
    approach = WorldBuilder().approach("T1", "P1").build()
    approach.people.clear()
    moved = WorldBuilder().connect("T1", "M1", connection_id="C1").build()
    moved.people.clear()
    return [
        ("a family link far from both parties makes the teacher a great-aunt",
         _link("G2", "parent", "M1")),
        ("a family link makes the DSL family of the teacher (recusal)", dsl_is_family),
        ("a friendship declared and accepted", World(declarations=accepted.declarations)),
        ("an approach reported", World(approaches=approach.approaches)),
        ("a connection written again under its id, now between other people",
         World(connections=moved.connections)),
        ("a pupil leaves: an ex-pupil now", membership_ends),
        ("a new headteacher (a position)",
         WorldBuilder().staff("H2", position="headteacher", start="2026-09-01").build()),
        ("a date of birth lost", World(people={"P1": dataclasses.replace(
            school().build().people["P1"], date_of_birth=None)})),
    ]


@pytest.mark.parametrize("description,change", _changes(), ids=[c[0] for c in _changes()])
def test_a_change_gives_what_a_full_evaluation_finds(description, change, neo4j_store,
                                                    monkeypatch, tmp_path):
    """On both stores: the findings kept up to date after one change are those found
    afresh, and the Neo4j store found them by evaluating only some people (except for a
    position, which changes who reviews findings school-wide)."""
    start = _far_family().build()
    evaluations = _Evaluations(neo4j_store, monkeypatch)
    with EmbeddedStore(tmp_path / "data") as embedded:
        for store in (embedded, neo4j_store):
            store.import_world(start)
            store_json(store, AS_OF)
            store.upsert(change)
        expected = _afresh(neo4j_store)
        assert expected != embedded_json(start, AS_OF), "the change changes some finding"
        assert store_json(embedded, AS_OF) == expected
        assert store_json(neo4j_store, AS_OF) == expected
    positions = any(m.position for m in change.memberships)
    assert evaluations.full == (2 if positions else 1)
    assert bool(evaluations.people) != positions
    if evaluations.people:
        assert change.people_involved() <= evaluations.people[0]


def test_the_great_aunt_is_found_through_people_the_change_does_not_name(neo4j_store,
                                                                          monkeypatch):
    neo4j_store.import_world(_far_family().build())
    before = {summary(f) for f in neo4j_store.findings(AS_OF)}
    evaluations = _Evaluations(neo4j_store, monkeypatch)
    # Declared by the family rather than from the school's records: it needs declaring.
    neo4j_store.upsert(_link("G2", "parent", "M1", source="declared"))
    after = {summary(f) for f in neo4j_store.findings(AS_OF)}
    assert "pupil-contact S1 T1 P1" in before
    assert "pupil-contact S1 T1 P1" not in after
    assert "declaration-required S1 T1 P1" in after
    assert evaluations.full == 0 and {"T1", "P1", "G2", "M1"} <= evaluations.people[0]


def test_removals_give_what_a_full_evaluation_finds(neo4j_store, monkeypatch, tmp_path):
    """A connection withdrawn, and a family link forgotten (as undoing a merge does)."""
    start = _far_family().build()
    start = start.merged(_link("G2", "parent", "M1"))
    with EmbeddedStore(tmp_path / "data") as embedded:
        for store in (embedded, neo4j_store):
            store.import_world(start)
            store_json(store, AS_OF)
        evaluations = _Evaluations(neo4j_store, monkeypatch)
        for store in (embedded, neo4j_store):
            store.remove_connection("C2")
        assert evaluations.full == 0 and evaluations.people
        assert store_json(neo4j_store, AS_OF) == store_json(embedded, AS_OF) \
            == _afresh(neo4j_store)
        for store in (embedded, neo4j_store):
            store.replace_facts(_link("G2", "parent", "M1"), World())
        assert sorted(neo4j_store.export_world().family_links, key=lambda link: link.key) \
            == sorted(embedded.export_world().family_links, key=lambda link: link.key)
        assert store_json(neo4j_store, AS_OF) == store_json(embedded, AS_OF) \
            == _afresh(neo4j_store)
        assert "pupil-contact S1 T1 P1" in {summary(f) for f in neo4j_store.findings(AS_OF)}


def test_replace_facts_changes_only_the_facts_it_names(neo4j_store, tmp_path):
    """A merge of two people and its undoing, without rewriting the database: every other
    fact stays as it was, and the person kept keeps what was not named."""
    start = _far_family().declare("T1", "M1", "family_friend", declaration_id="DF").build()
    neo4j_store.import_world(start)
    remove = World(people={"M1": start.people["M1"]}, connections={"C2": start.connections["C2"]},
                   declarations={"DF": start.declarations["DF"]})
    add = World(people={"M1": dataclasses.replace(start.people["M1"], given_name="Marie")})
    neo4j_store.replace_facts(remove, add)
    expected = start.without(remove).merged(add)
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "out") \
        == exchange_bytes(expected, tmp_path / "in")
    neo4j_store.replace_facts(add, remove)
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "back") \
        == exchange_bytes(start, tmp_path / "start")


def test_a_write_by_someone_else_is_seen(neo4j_store, neo4j_uri):
    """Two processes on one database: what one keeps is not answered once the other wrote."""
    from graph.store.neo4j import Neo4jStore

    neo4j_store.import_world(school().build())
    assert neo4j_store.findings(AS_OF) == []
    with Neo4jStore(neo4j_uri) as other:
        other.upsert(WorldBuilder().connect("T1", "P1").build())
    assert [summary(f) for f in neo4j_store.findings(AS_OF)] == ["pupil-contact S1 T1 P1"]


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(max_people=14), as_of=st.sampled_from(AS_OF_DATES), data=st.data())
def test_facts_added_one_by_one_give_what_a_full_evaluation_finds(neo4j_store, world, as_of,
                                                                   data):
    """Random worlds whose links, connections, declarations, reports and account admins
    arrive one at a time, then whose connections are withdrawn one at a time: after each,
    the Neo4j store's findings are the embedded store's full evaluation's."""
    facts = sorted([("family_links", link.key) for link in world.family_links]
                   + [("connections", key) for key in world.connections]
                   + [("declarations", key) for key in world.declarations]
                   + [("approaches", key) for key in world.approaches]
                   + [("account_admins", admin.key) for admin in world.account_admins])
    later = data.draw(st.lists(st.sampled_from(facts), unique=True, max_size=6)) if facts else []
    changes = [_one_fact(world, kind, key) for kind, key in later]
    start = world
    for change in changes:
        start = start.without(change)
    neo4j_store.replace_world(start)
    store_json(neo4j_store, as_of)
    for change in changes:
        neo4j_store.upsert(change)
        assert store_json(neo4j_store, as_of) == _afresh(neo4j_store, as_of)
    for connection_id in sorted(world.connections)[:3]:
        neo4j_store.remove_connection(connection_id)
        assert store_json(neo4j_store, as_of) == _afresh(neo4j_store, as_of)


def _one_fact(world: World, kind: str, key) -> World:
    records = getattr(world, kind)
    if isinstance(records, dict):
        return World(**{kind: {key: records[key]}})
    return World(**{kind: [record for record in records if record.key == key]})
