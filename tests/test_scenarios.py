"""The scenario suite against the embedded store and against a folder evaluated on its
own; tests/test_neo4j_parity.py runs it against Neo4j."""

import pytest

from graph.intake.exchange import read_folder, write_folder
from graph.facts import FactGraph
from graph.rules import evaluate
from graph.store.embedded import EmbeddedStore
from tests.scenarios import SCENARIOS, summary


def check(scenario, findings):
    assert sorted(summary(f) for f in findings) == list(scenario.expected), scenario.trap
    by_summary = {summary(f): f for f in findings}
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
