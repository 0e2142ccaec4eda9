"""Imports into Neo4j written as a big trust's are: in many batches, two at a time, created
when the database is empty and merged when it is not. The same world and findings either way,
and an import into a database that holds data still adds or replaces by key, deleting nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

import graph.store.neo4j as neo4j_module
from graph.intake.exchange import read_folder
from graph.model import World
from tests.scenarios import AS_OF, school
from tests.test_neo4j_parity import embedded_json, exchange_bytes, store_json

pytestmark = pytest.mark.neo4j


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 7 rows: a small world is written as a million people's would be."""
    monkeypatch.setattr(neo4j_module, "IMPORT_BATCH_SIZE", 7)


@pytest.fixture
def seeded(tmp_path):
    generator = pytest.importorskip("seed.generator")
    generator.generate_trust(tmp_path / "trust", schools=2, people=300, seed=3, as_of=AS_OF)
    return read_folder(tmp_path / "trust")


def never(_people_written):
    """A progress callback: asking for one sends a world of any size through the batches."""


def test_a_world_written_in_small_batches_into_an_empty_store_is_that_world(
        neo4j_store, small_batches, seeded, tmp_path):
    neo4j_store.import_world(seeded, progress=never)
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "out") \
        == exchange_bytes(seeded, tmp_path / "in")
    expected = embedded_json(seeded, AS_OF)
    assert len(json.loads(expected)["findings"]) > 3
    assert store_json(neo4j_store, AS_OF) == expected


def test_replace_world_in_small_batches_forgets_what_was_there(neo4j_store, small_batches,
                                                               seeded, tmp_path):
    neo4j_store.import_world(school().connect("T1", "P1").build(), progress=never)
    neo4j_store.replace_world(seeded)
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "out") \
        == exchange_bytes(seeded, tmp_path / "in")
    neo4j_store.replace_world(World())
    assert neo4j_store.is_empty()


def test_an_import_into_a_store_with_data_adds_and_replaces_by_key_and_deletes_nothing(
        neo4j_store, small_batches, seeded, tmp_path):
    before = school().connect("T1", "P1").build()
    neo4j_store.import_world(before, progress=never)
    renamed = dataclasses.replace(before.people["P1"], given_name="Renamed")
    left = dataclasses.replace(before.memberships[-1], end_date=dt.date(2026, 7, 20))
    change = World(people={"P1": renamed}, memberships=[left])
    neo4j_store.import_world(dataclasses.replace(seeded, people={**seeded.people, "P1": renamed},
                                                 memberships=[*seeded.memberships, left]),
                             progress=never)
    expected = before.merged(seeded).merged(change)
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "out") \
        == exchange_bytes(expected, tmp_path / "in")
    assert store_json(neo4j_store, AS_OF) == embedded_json(expected, AS_OF)


def test_a_fact_named_twice_in_an_import_into_an_empty_store_is_written_once_the_last_as_given(
        neo4j_store, small_batches, tmp_path):
    world = school().connect("T1", "P1").build()
    twice = dataclasses.replace(world.memberships[0], end_date=dt.date(2026, 7, 20))
    link = world.family_links[0]
    relinked = dataclasses.replace(link, parental_responsibility=not link.parental_responsibility)
    neo4j_store.replace_world(dataclasses.replace(
        world, memberships=[*world.memberships, twice], family_links=[link, relinked]))
    expected = world.merged(World(memberships=[twice], family_links=[relinked]))
    assert exchange_bytes(neo4j_store.export_world(), tmp_path / "out") \
        == exchange_bytes(expected, tmp_path / "in")
