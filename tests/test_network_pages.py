"""The network picture at the scale of a school, through the app (the browser checks of its
tools are tests/test_network_browser.py): only people within the reader's reach are drawn
or findable, and a capped picture says "showing N of M"."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

import api.identity.accounts
from graph.model import Connection, ConnectionSource, Direction
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.pages_world import story_world
from tests.test_pages import Browser, region, text


@pytest.fixture
def story(tmp_path, monkeypatch):
    """The story's school, where Tom Fairweather also follows Sam Okoro, a pupil of
    Riverside Primary: a school the Meadowbank DSL does not reach."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = story_world()
    world.connections["C9"] = Connection("C9", "T1", "P2", "instagram", Direction.MUTUAL,
                                         dt.date(2026, 3, 1), ConnectionSource.MONITORING)
    served = ServiceUnderTest(tmp_path, world=world)
    yield served
    served.close()


def picture_data(page: str) -> dict:
    return json.loads(re.search(
        r'<script type="application/json" id="network-data">(.*?)</script>', page,
        re.S).group(1))


def test_someone_beyond_the_readers_reach_is_neither_drawn_nor_findable(story):
    page = Browser(story, "D1").get("/network", params={"person": "P1", "depth": 2}).text
    assert "Okoro" not in page, "not in the picture, its tables, or the find list"
    assert "P2" not in {node["id"] for node in picture_data(page)["nodes"]}
    assert "Showing 4 of 4 people within 2 steps of Ella Morgan" in text(page)
    names = re.findall(r'<option value="([^"]*)"></option>',
                       page[page.index('id="picture-names"'):])
    assert sorted(names) == ["Ella Morgan", "Jack Morgan", "Sarah Morgan", "Tom Fairweather"]


def test_a_capped_picture_says_how_many_it_shows_of_how_many(story):
    page = text(Browser(story, "D1").get("/network", params={
        "person": "P1", "depth": 2, "cap": 3}).text)
    assert "Showing 3 of 4 people within 2 steps of Ella Morgan" in page
    assert "The picture stops at 3 people." in page


def test_each_link_carries_its_kind_for_the_filters(story):
    page = Browser(story, "D1").get("/network", params={"person": "P1", "depth": 2}).text
    kinds = {edge["kind"] for edge in picture_data(page)["edges"]}
    assert kinds == {"family", "connection"}
    filters = region(page, "picture-heading")
    assert "Family links" in filters and "Connections" in filters
    assert 'data-kind="declaration"' not in page, "no filter for a kind not drawn"


def test_the_network_api_leaves_out_whom_the_reader_may_not_see(story):
    """The API answers the same question as the picture: Tom's connection to a pupil of a
    school the DSL does not reach is not theirs to see, through either door."""
    network = story.get("D1", "/api/people/T1/network", params={"depth": 1})
    assert network.status_code == 200, network.text
    body = network.text
    assert "P2" not in body and "Okoro" not in body
    assert "P1" in body, "the reader's own pupil is still there"


def test_the_case_pages_small_network_leaves_out_whom_the_reader_may_not_see(story):
    case = story.case_of("pupil-contact", "T1", "P1", who="D1")
    page = Browser(story, "D1").get(f"/cases/{case['finding_id']}").text
    assert "Fairweather" in page, "the case's own people are drawn"
    assert "Okoro" not in page and '"P2"' not in page
