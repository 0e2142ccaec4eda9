"""The scenario suite against the embedded store and against a folder evaluated on its
own; tests/test_neo4j_parity.py runs it against Neo4j."""

import pytest

from graph.intake.exchange import read_folder, write_folder
from graph.facts import FactGraph
from graph.rules import evaluate
from graph.model import World
from graph.store.embedded import EmbeddedStore
from tests.scenarios import SCENARIOS, summary


def check(scenario, findings):
    assert sorted(summary(f) for f in findings) == list(scenario.expected), scenario.trap
    by_summary = {summary(f): f for f in findings}
    world = scenario.build()
    for finding in findings:
        parties = {finding.adult_id, finding.counterpart_id}
        seen = {c.connection_id for c in world.connections.values()
                if {c.person_id, c.other_id} == parties
                and (c.first_seen is None or c.first_seen <= scenario.as_of)}
        # A finding about two people lists every connection between them seen by the date.
        assert set(finding.connection_ids) == seen, summary(finding)
        for party in parties - {None}:
            assert party in finding.explanation, summary(finding)
    for name, (route_to, recused) in scenario.routes.items():
        finding = by_summary[name]
        assert list(finding.route_to) == route_to
        assert [(r.person_id, r.reason) for r in finding.recused] == recused
    for name, words in scenario.explains.items():
        assert words in by_summary[name].explanation, scenario.trap
    for finding in findings:
        assert finding.clauses, f"{summary(finding)} cites no clause"
        assert finding.explanation.endswith(".")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_on_folder(scenario, tmp_path):
    write_folder(scenario.build(), tmp_path)
    check(scenario, evaluate(FactGraph(read_folder(tmp_path)), scenario.as_of))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_on_embedded_store(scenario, tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(scenario.build())
    with EmbeddedStore(tmp_path / "data") as store:
        check(scenario, store.findings(scenario.as_of))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_fact_by_fact(scenario, tmp_path):
    """A store told the facts one at a time, asked for its findings after each, ends with the
    findings of the whole world; adding each connection answers with the findings about its
    two people."""
    world = scenario.build()
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(World(schools=world.schools, people=world.people,
                                 memberships=world.memberships,
                                 school_accounts=world.school_accounts))
        store.findings(scenario.as_of)
        for single in one_fact_at_a_time(world):
            store.upsert(single)
            store.findings(scenario.as_of)
        for connection in world.connections.values():
            answer = store.add_connection(connection, scenario.as_of)
            pair = {connection.person_id, connection.other_id}
            assert answer == [f for f in store.findings(scenario.as_of)
                              if pair & {f.adult_id, f.counterpart_id}]
        check(scenario, store.findings(scenario.as_of))


def one_fact_at_a_time(world: World):
    for link in world.family_links:
        yield World(family_links=[link])
    for key, declaration in world.declarations.items():
        yield World(declarations={key: declaration})
    for key, report in world.approaches.items():
        yield World(approaches={key: report})
    for admin in world.account_admins:
        yield World(account_admins=[admin])
