"""A person's chronology page (graph/chronology.py, api/pages/chronology.py): each kind of
event, newest first, with UK times and a link to its record; only what the reader may see;
anyone beyond reach answered exactly as no one; every view audited with no name in a log."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine

import api.identity.accounts
import tests.api_world
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.pages_world import story_world
from tests.test_pages import Browser, region, text

UTC = dt.UTC
# Summer time: 10:15 UTC is 11:15 in London, so a time shown in UTC would be caught.
CREATED = dt.datetime(2026, 10, 19, 8, 0, tzinfo=UTC)
DECIDED = dt.datetime(2026, 10, 20, 10, 15, tzinfo=UTC)


@pytest.fixture
def school(tmp_path, monkeypatch):
    """The story's school, its cases raised on 19 October; the tests act on 20 October."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 10, 19))
    with time_machine.travel(CREATED, tick=False) as clock:
        served = ServiceUnderTest(tmp_path, world=story_world())
        served.today = dt.date(2026, 10, 20)
        clock.move_to(DECIDED)
        yield served
        served.close()


def rows(page: str) -> list[tuple[str, str, str, str | None]]:
    """(datetime attribute, kind, details, link) of each dated line, in page order."""
    table = page[page.index('id="dated-heading"'):page.index("</table>")].partition("<tbody>")[2]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        when = re.search(r'<time datetime="([^"]+)"', row).group(1)
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        link = re.search(r'<a href="([^"]+)"', cells[3])
        found.append((when, text(cells[1]), text(cells[2]), link and link.group(1)))
    return found


def test_a_chronology_lists_each_kind_of_event_newest_first_with_links(school):
    teacher = Browser(school, "T1")
    assert teacher.post("/my/declarations", {"counterpart_id": "T2",
                                              "basis": "prior_friendship"}).status_code == 303
    assert teacher.post("/my/approaches", {"from_id": "P1", "channel": "instagram",
                                           "occurred_on": "2026-10-18"}).status_code == 303
    leader = Browser(school, "L1")
    case_id = school.case_of("pupil-contact", "T1", "P1")["finding_id"]
    moved = leader.post(f"/cases/{case_id}/moves", {
        "to_state": "in_review", "reason": "talking to Tom"})
    assert moved.status_code == 303, text(moved.text)[:3000]

    page = leader.get("/people/T1/chronology")
    assert page.status_code == 200
    lines = rows(page.text)
    kinds = {kind for _, kind, _, _ in lines}
    assert {"Membership", "Declaration", "Connection", "Approach report", "Finding",
            "Decision"} <= kinds
    days = [when[:10] for when, *_ in lines]
    assert days == sorted(days, reverse=True), "newest first"
    when, _, details, link = lines[0]
    assert (when, details, link) == ("2026-10-20T11:15:00+01:00",
                                     "Case moved to in review by Liam Brennan (Senior leader): "
                                     "talking to Tom",
                                     f"/cases/{case_id}"), "UK summer time, the case linked"
    assert "20 October 2026, 11:15" in text(page.text)
    by_kind = {kind: (details, link) for _, kind, details, link in reversed(lines)}
    assert by_kind["Declaration"] == ("Tom Fairweather declared: prior friendship of Priya Shah",
                                      "/declarations")
    assert by_kind["Connection"][1] == "/network?person=T1"
    assert by_kind["Finding"][1].startswith("/cases/")
    assert by_kind["Membership"][0].startswith("Joined Meadowbank Academy as ")
    assert not re.search(r"\b(T1|P1|M1|S1)\b", region(page.text, "dated-heading")), "no ids"


def test_a_pupils_chronology_shows_their_family_undated(school):
    page = Browser(school, "D1").get("/people/P1/chronology").text
    assert "Sarah Morgan is the parent of Ella Morgan" in region(page, "family-heading")
    assert 'href="/network?person=P1"' in page


def test_someone_at_another_school_is_answered_exactly_as_no_one(school):
    dsl = Browser(school, "D1")
    unseen = dsl.get("/people/P2/chronology")
    nobody = dsl.get("/people/NOBODY9/chronology")
    assert unseen.status_code == nobody.status_code == 404
    assert unseen.text == nobody.text.replace("NOBODY9", "P2")
    assert "Okoro" not in unseen.text
    assert school.register.audit.entries(action="person.chronology.view") == []


def test_a_member_of_staff_sees_their_own_chronology_only(school):
    leader = Browser(school, "L1")
    case_id = school.case_of("pupil-contact", "T1", "P1")["finding_id"]
    leader.post(f"/cases/{case_id}/moves", {"to_state": "in_review",
                                            "reason": "talking to Tom"})
    teacher = Browser(school, "T1")
    own = teacher.get("/people/T1/chronology")
    assert own.status_code == 200 and "My chronology" in text(own.text)
    details = [(kind, details, link) for _, kind, details, link in rows(own.text)]
    assert ("Decision", "Case moved to in review", "/my#findings-heading") in details, \
        "the outcome, not the reviewer's reasons, and no case page"
    assert "talking to Tom" not in own.text
    colleague = teacher.get("/people/T2/chronology")
    nobody = teacher.get("/people/NOBODY9/chronology")
    assert colleague.status_code == 404
    assert colleague.text == nobody.text.replace("NOBODY9", "T2"), "not theirs is not there"


def test_a_view_is_audited_with_no_name_in_any_log(school, caplog):
    caplog.set_level(logging.DEBUG)
    assert Browser(school, "D1").get("/people/P1/chronology").status_code == 200
    [view] = school.register.audit.entries(action="person.chronology.view")
    assert view.details["object_id"] == "P1"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Ella" not in logged and "Morgan" not in logged


def test_the_case_network_and_own_pages_link_to_the_chronology(school):
    leader = Browser(school, "L1")
    case_id = school.case_of("pupil-contact", "T1", "P1")["finding_id"]
    case = leader.get(f"/cases/{case_id}").text
    assert 'href="/people/T1/chronology"' in case and 'href="/people/P1/chronology"' in case
    assert 'href="/people/P1/chronology"' in Browser(school, "D1").get(
        "/network", params={"person": "P1"}).text
    assert 'href="/people/T1/chronology"' in Browser(school, "T1").get("/my").text


def test_a_trust_admin_sees_memberships_but_not_a_teachers_connections_or_declarations(school):
    Browser(school, "T1").post("/my/declarations", {"counterpart_id": "T2",
                                                    "basis": "prior_friendship"})
    kinds = {kind for _, kind, _, _ in rows(Browser(school, "admin").get(
        "/people/T1/chronology").text)}
    assert "Membership" in kinds
    assert not kinds & {"Declaration", "Connection", "Finding", "Decision"}
    assert {kind for _, kind, _, _ in rows(Browser(school, "L1").get(
        "/people/T1/chronology").text)} >= {"Declaration", "Connection"}, "a leader does"
