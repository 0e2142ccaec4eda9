"""On Neo4j, who someone is, where they belong and what the schools are is kept a few
seconds for the access checks that ask it several times a request: this service's own
changes are seen at once, another process's within KEEP_SECONDS."""

import dataclasses
import datetime as dt

import pytest

from graph.model import World
from graph.store.neo4j import Neo4jStore, _KeptReads
from tests.builder import school_with_leaders

pytestmark = pytest.mark.neo4j


@pytest.fixture
def kept(neo4j_store):
    """The store with the clock of its kept reads in the test's hands: [seconds]."""
    now = [0.0]
    neo4j_store._kept = _KeptReads(clock=lambda: now[0])
    neo4j_store.import_world(school_with_leaders().pupil("P1", start="2020-09-01").build())
    return neo4j_store, now


def test_this_services_own_changes_are_seen_at_once(kept):
    store, _ = kept
    (membership,) = store.memberships_of("P1")
    assert store.person("P1").given_name == "Given"
    ended = dataclasses.replace(membership, end_date=dt.date(2026, 7, 20))
    store.upsert(World(memberships=[ended], people={"P1": dataclasses.replace(
        store.person("P1"), given_name="Renamed")}))
    assert store.memberships_of("P1") == [ended]
    assert store.person("P1").given_name == "Renamed"
    store.erase_person("P1")
    assert store.person("P1") is None and store.memberships_of("P1") == []


def test_a_change_by_another_process_is_seen_within_the_seconds_kept(kept, neo4j_uri):
    store, now = kept
    (membership,) = store.memberships_of("P1")
    assert [s.school_id for s in store.schools()] == ["S1"]
    ended = dataclasses.replace(membership, end_date=dt.date(2026, 7, 20))
    other = Neo4jStore(neo4j_uri)  # `relreg import` beside the service
    other.upsert(World(memberships=[ended]))
    now[0] += _KeptReads.KEEP_SECONDS - 0.5
    assert store.memberships_of("P1") == [membership]
    now[0] += 0.5
    assert store.memberships_of("P1") == [ended]
