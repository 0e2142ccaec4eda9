"""A command-line import's cases are grouped under it in the queue (issue 28, item 3): where
the service has brought cases in line in the data folder, `relreg import` goes through its
register as the import page does, so the cases it opens are noted as that import's; the
queue names the import by its kind, its school and when (UK time), never by a number."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
import time_machine
from click.testing import CliRunner

import api.identity.accounts
import tests.api_world
from api.cli import main
from api.main import create_app
from api.settings import Settings
from graph.intake.exchange import write_folder
from graph.intake.identity import IdentityTable
from graph.model import World
from graph.store.embedded import EmbeddedStore
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.test_pages import Browser, text
from tests.test_queue_actions import story_with_a_case_at_riverside, with_new_pupils_followed_by_priya

TODAY = dt.date(2026, 11, 23)
AT = "2026-11-23T10:15:00Z"  # 10:15 in the UK in winter


class Reopened:
    """The service started again on a data folder: what Browser needs."""

    def __init__(self, data):
        self.store = EmbeddedStore(data)
        self.app = create_app(self.store, data / "service.sqlite3", settings=Settings(),
                              today=lambda: TODAY, clock=lambda: 1_000_000.0)
        self.register = self.app.state.register

    def close(self):
        self.register.close()
        self.store.close()


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data folder where the service ran (its cases in line), now stopped."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", TODAY)
    served = ServiceUnderTest(tmp_path, world=story_with_a_case_at_riverside())
    served.register.keep_current()
    served.close()
    return tmp_path / "data"


def groups_of(page: str) -> dict[str, int]:
    return {label: int(n) for label, n in
            re.findall(r"<summary><strong>([^<]+)</strong>: (\d+) cases?", page)}


def relreg_import(path, data):
    with time_machine.travel(AT, tick=False):
        result = CliRunner().invoke(main, ["import", str(path), "--data", str(data)])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_command_line_import_shows_the_cases_it_opened_under_it_in_the_queue(data, tmp_path):
    write_folder(with_new_pupils_followed_by_priya(3), tmp_path / "autumn")
    relreg_import(tmp_path / "autumn", data)

    service = Reopened(data)
    try:
        leader = Browser(service, "L1")
        page = leader.get("/cases", params={"group": "import"}).text
        groups = groups_of(page)
        label = "exchange folder imported on 23 November 2026 at 10:15"
        assert groups.get(label) == 3, groups
        assert groups["Not opened by an import"] == 2, "the story's own two cases"
        group = page[page.index(label):]
        group = group[:group.index("</details>")]
        assert text(group).count("Priya Shah") >= 3 and "Tom Fairweather" not in text(group)
        assert not re.search(r"\b[0-9a-f]{12}\b", text(page)), "no import number shown"
        [entry] = service.register.audit.entries(action="import", limit=10)
        assert entry.actor.startswith("os:") and entry.details["file"] == "autumn"
        raised = [e for e in service.register.audit.entries(action="case.raised", limit=100)
                  if "from the command line" in e.details["reason"]]
        assert len(raised) == 3, "the import's cases raised by the import itself"
    finally:
        service.close()


def test_a_first_import_into_a_new_data_folder_is_the_stores_own(tmp_path):
    """No service has brought cases in line there: no queue to group, nothing raised."""
    write_folder(with_new_pupils_followed_by_priya(3), tmp_path / "trust")
    relreg_import(tmp_path / "trust", tmp_path / "data")
    db = sqlite3.connect(tmp_path / "data" / "service.sqlite3")
    try:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'cases'").fetchone(), \
            "no case raised: the service raises them all at its first start"
        assert db.execute("SELECT COUNT(*) FROM audit_entries WHERE action = 'import'"
                          ).fetchone() == (1,), "the import is audited all the same"
    finally:
        db.close()


def test_an_import_for_one_school_is_named_by_its_school(data):
    service = Reopened(data)
    try:
        register = service.register
        [case] = [c for c in register.cases.find(school_id="S1") if c.finding["adult_id"] == "T1"
                  and c.finding["counterpart_id"] == "P1"]
        with IdentityTable(data) as identity:
            import_id = identity.log_import("S1", "ctf", "autumn.xml", {}, World(), World())
        with register.writing(), time_machine.travel(AT, tick=False):
            register.cases.note_opened_by_import([case.finding_id], import_id, "ctf")
        page = Browser(service, "L1").get("/cases", params={"group": "import"}).text
        assert groups_of(page).get(
            "common transfer file for Meadowbank Academy imported on 23 November 2026 at "
            "10:15") == 1, groups_of(page)
        assert "autumn.xml" not in page, "no file name"
        assert import_id not in text(page), "no import number in what is read"
    finally:
        service.close()
