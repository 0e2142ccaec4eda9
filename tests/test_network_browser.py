"""The network picture's tools in a real browser (Chromium driven by Playwright, as
tests/test_browser.py): the safeguarding lead finds a person in the picture, sees the people
linked to them and the path to a chosen person highlighted, hides a kind of link, goes full
screen; and a picture of a school of 400 people stays responsive and says how many of them
it shows."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import uvicorn

from api.identity import AccountRole
from api.main import create_app
from api.settings import Settings
from graph.store.embedded import EmbeddedStore
from tests.builder import WorldBuilder, add_leaders
from tests.pages_world import story_world
from tests.test_browser import PASSWORD, Person, _free_port, browser  # noqa: F401 (a fixture)

TODAY = dt.date(2026, 11, 23)
PUPILS = 400


def serve(folder, world, accounts):
    """`world` served by uvicorn on a free port, in a thread, with these accounts."""
    store = EmbeddedStore(folder / "data")
    store.import_world(world)
    app = create_app(store, folder / "data" / "service.sqlite3", settings=Settings(),
                     today=lambda: TODAY)
    register = app.state.register
    with register.writing():
        for username, (role, person_id, school_id) in accounts.items():
            register.accounts.create(username, PASSWORD, role, person_id, school_id)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(),
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    return server, thread, register, store


@pytest.fixture
def served(tmp_path):
    yield from _served(tmp_path, story_world())


@pytest.fixture
def big_school(tmp_path):
    """A school of 400 pupils, each with a parent, and a teacher who follows every one of
    them: 402 people within two steps of a pupil (the pupil, their parent, the teacher and
    the teacher's other 399 pupils)."""
    builder = add_leaders(WorldBuilder().school("S1", "ninestiles"), "S1")
    for n in range(PUPILS):
        builder.pupil(f"P{n:03d}", "S1").family(f"M{n:03d}", "parent", f"P{n:03d}")
        builder.connect("T1", f"P{n:03d}", channel="instagram", connection_id=f"C{n:03d}")
    world = builder.build()
    yield from _served(tmp_path, world)


def _served(folder, world):
    server, thread, register, store = serve(
        folder, world, {"dana.kowalski": (AccountRole.DSL, "D1", "S1")})
    yield f"http://127.0.0.1:{server.config.port}", register
    server.should_exit = True
    thread.join(timeout=10)
    register.close()
    store.close()


class Lead:
    """The safeguarding lead at the network picture, in the words of what they do."""

    def __init__(self, browser, base, tmp_path):
        self.person = Person(browser, base, tmp_path / "screenshots")
        self.page = self.person.page
        self.person.sign_in("dana.kowalski")

    def opens_the_network_of(self, person_id: str, **query) -> None:
        params = "&".join(f"{k}={v}" for k, v in {"person": person_id, **query}.items())
        self.page.goto(f"{self.person.base}/network?{params}")
        self.page.wait_for_selector("#network-picture[data-drawn]", timeout=60_000)

    def finds(self, name: str) -> str:
        self.page.get_by_label("Find a person in the picture").fill(name)
        self.page.get_by_role("button", name="Find and highlight").click()
        return self.status()

    def chooses_the_paths_to(self, name: str) -> None:
        self.page.get_by_label("Show the paths to").select_option(label=name)

    def hides(self, kind_of_link: str) -> str:
        self.page.get_by_label(kind_of_link).uncheck()
        return self.status()

    def status(self) -> str:
        return self.page.locator("#picture-status").inner_text()

    def highlighted(self) -> set[str]:
        return set((self.page.get_attribute("#network-picture", "data-highlighted")
                    or "").split())

    def leaves(self) -> None:
        self.person.close()


def test_the_lead_finds_a_person_and_sees_their_neighbourhood_and_a_path(served, browser,
                                                                         tmp_path):
    base, _ = served
    lead = Lead(browser, base, tmp_path)
    lead.opens_the_network_of("P1", depth=2)
    said = lead.finds("jack")
    assert said.startswith("Jack Morgan is linked directly to Ella Morgan, Sarah Morgan, "
                           "Tom Fairweather.")
    assert "Path to Ella Morgan: Jack Morgan → Ella Morgan." in said, "the centre by default"
    assert lead.highlighted() == {"P3", "P1", "M1", "T1"}
    lead.chooses_the_paths_to("Sarah Morgan")
    said = lead.finds("Tom Fair")
    assert "Tom Fairweather is linked directly to Ella Morgan, Jack Morgan." in said
    path = said.partition("Path to Sarah Morgan: ")[2].rstrip(".").split(" → ")
    assert len(path) == 3 and path[0] == "Tom Fairweather" and path[-1] == "Sarah Morgan"
    assert "M1" in lead.highlighted(), "the path's end is highlighted with the neighbours"
    assert "No one in the picture" in lead.finds("Okoro")
    assert lead.finds("morgan") == ("3 people in the picture match: Ella Morgan, Jack Morgan, "
                                    "Sarah Morgan. Type more of the name.")
    lead.page.get_by_role("button", name="Clear the highlight").click()
    assert lead.highlighted() == set()
    lead.person.shot("network-tools")
    lead.page.get_by_role("link", name="Chronology of Ella Morgan").click()
    assert lead.page.locator("h1").inner_text() == "Chronology of Ella Morgan"
    assert "Sarah Morgan is the parent of Ella Morgan" in \
        lead.page.get_by_role("region", name="Family links").inner_text()
    lead.person.shot("chronology")
    lead.leaves()


def test_the_lead_hides_a_kind_of_link_and_goes_full_screen(served, browser, tmp_path):
    base, _ = served
    lead = Lead(browser, base, tmp_path)
    lead.opens_the_network_of("P1", depth=2)
    assert lead.hides("Family links") == "Links drawn: 2 of 5."
    said = lead.finds("Sarah")
    assert said.startswith("Sarah Morgan is linked directly to no one in the links drawn.")
    lead.page.get_by_label("Family links").check()
    assert lead.status() == "Links drawn: 5 of 5."
    lead.page.get_by_role("button", name="Full screen").click()
    lead.page.wait_for_function("document.fullscreenElement !== null")
    assert lead.page.evaluate("document.fullscreenElement.id") == "picture-area"
    lead.page.get_by_role("button", name="Leave full screen").click()
    lead.page.wait_for_function("document.fullscreenElement === null")
    lead.leaves()


def test_a_school_of_four_hundred_is_drawn_responsively_showing_n_of_m(big_school, browser,
                                                                       tmp_path):
    base, _ = big_school
    lead = Lead(browser, base, tmp_path)
    started = time.monotonic()
    lead.opens_the_network_of("P000", depth=2, cap=300)
    drawn_in = time.monotonic() - started
    count = lead.page.locator("#picture-count").inner_text()
    assert count == "Showing 300 of 402 people within 2 steps of Given FamilyP000."
    assert "The picture stops at 300 people." in lead.page.locator("#cap-message").inner_text()
    assert drawn_in < 60, f"drawn and laid out in {drawn_in:.1f} s"
    said = lead.finds("FamilyP000")
    assert said.startswith("Given FamilyP000 is linked directly to Given FamilyM000, "
                           "Given FamilyT1.")
    assert lead.highlighted() == {"P000", "M000", "T1"}
    lead.person.shot("network-of-a-school")
    lead.leaves()
