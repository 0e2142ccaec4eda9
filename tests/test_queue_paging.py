"""The grouped queue pages through its groups (issue 28, item 3): a trust's many adults are
25 groups a page, with a line saying which groups are shown and Next / Previous links that
keep the grouping and the filters; a long group shows its first cases and says so, while
"All N in this group" still acts on every case of it."""

from __future__ import annotations

import re

import pytest

import api.identity.accounts
import tests.api_world
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.test_pages import Browser, text

ADULTS = 60  # each following one pupil: a group each
LONG = 55  # pupils T1 follows: one group longer than the page shows


@pytest.fixture
def many(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    builder = tests.api_world.school_with_leaders("ninestiles", "S1")
    for n in range(ADULTS):
        builder.staff(f"A{n:02}", "S1").pupil(f"P{n:02}", "S1")
        builder.connect(f"A{n:02}", f"P{n:02}", connection_id=f"CA{n:02}")
    for n in range(LONG):
        builder.pupil(f"Q{n:02}", "S1").connect("T1", f"Q{n:02}", connection_id=f"CQ{n:02}")
    builder.school("S2", "ninestiles")
    tests.api_world.add_leaders(builder, "S2", prefix="B").pupil("P2", "S2")
    builder.staff("T2", "S1").pupil("P1").family("M1", "parent", "P1")
    served = ServiceUnderTest(tmp_path, world=builder.build())
    yield served
    served.close()


def groups_of(page: str) -> list[tuple[str, int]]:
    return [(label, int(n.replace(",", ""))) for label, n in
            re.findall(r"<summary><strong>([^<]+)</strong>: ([\d,]+) cases?", page)]


def pager(page: str) -> dict[str, str]:
    nav = page[page.index('aria-label="Pages of the queue"'):]
    nav = nav[:nav.index("</nav>")]
    return {rel: href.replace("&amp;", "&")
            for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', nav)}


def test_the_queue_by_adult_shows_25_groups_a_page_and_says_which(many):
    leader = Browser(many, "L1")
    first = leader.get("/cases", params={"group": "adult", "severity": "high"})
    assert first.status_code == 200, first.text
    words = text(first.text)
    assert f"{ADULTS + LONG} cases." in words
    assert f"{ADULTS + 1} groups: showing groups 1–25 of {ADULTS + 1}, page 1 of 3." in words
    assert len(groups_of(first.text)) == 25
    assert groups_of(first.text)[0] == ("Given FamilyT1", LONG), "the biggest group first"
    links = pager(first.text)
    assert "prev" not in links
    assert "group=adult" in links["next"] and "severity=high" in links["next"]
    assert "page=2" in links["next"]

    second = leader.get(links["next"]).text
    assert f"showing groups 26–50 of {ADULTS + 1}, page 2 of 3." in text(second)
    last = leader.get(pager(second)["next"]).text
    assert f"showing groups 51–{ADULTS + 1} of {ADULTS + 1}, page 3 of 3." in text(last)
    assert len(groups_of(last)) == ADULTS + 1 - 50
    assert "next" not in pager(last) and "page=2" in pager(last)["prev"]
    seen = {label for page in (first.text, second, last) for label, _ in groups_of(page)}
    assert len(seen) == ADULTS + 1, "every adult's group on one page or another, once"


def test_a_long_group_shows_its_first_cases_and_all_of_it_is_acted_on(many):
    leader = Browser(many, "L1")
    page = leader.get("/cases", params={"group": "adult"}).text
    long = page[page.index("Given FamilyT1</strong>"):]
    long = long[:long.index("</details>")]
    assert len(re.findall(r'name="finding_id" value="', long)) == 50, "a page of it shown"
    assert (f"Showing the first 50 of its {LONG} cases. Ticking “All {LONG} in this group” "
            "acts on every one of them, shown here or not.") in text(long)
    key = re.search(rf'name="group_key" value="(adult:[^"]+)"[^>]*><label[^>]*>All {LONG} '
                    r"in this group", long).group(1)
    done = leader.post("/cases/bulk", {"group_key": key, "bulk_action": "assign",
                                       "assignee_id": "L1", "reason": "one teacher, one review",
                                       "group": "adult"})
    assert done.status_code == 200, done.text
    assert f"{LONG} cases assigned" in text(done.text)
    assigned = [c for c in many.register.cases.find(adult_id="T1") if c.assignee_id == "L1"]
    assert len(assigned) == LONG, "the whole group, not only the 50 shown"


def test_paging_keeps_assigned_to_me(many):
    leader = Browser(many, "L1")
    mine = [c.finding_id for c in many.register.cases.find(school_id="S1")
            if c.finding["adult_id"].startswith("A")][:30]
    leader.post("/cases/bulk", {"finding_id": mine, "bulk_action": "assign",
                                "assignee_id": "L1", "reason": "mine to review"})
    first = leader.get("/cases", params={"group": "adult", "mine": "1"}).text
    assert "30 groups: showing groups 1–25 of 30, page 1 of 2." in text(first)
    second = leader.get(pager(first)["next"]).text
    assert "mine=1" in pager(first)["next"]
    assert "showing groups 26–30 of 30, page 2 of 2." in text(second)
    assert all(label.startswith("Given FamilyA") for label, _ in groups_of(second))


def test_the_flat_queue_is_still_paged_by_case(many):
    leader = Browser(many, "L1")
    words = text(leader.get("/cases").text)
    assert f"{ADULTS + LONG} cases. Showing 1 to 50, page 1 of 3." in words
    assert "groups" not in words.split("Showing")[0]


def test_an_action_taken_on_a_later_page_comes_back_on_that_page(many):
    """A bulk action or a decision from the second page of groups shows the second page
    again, with its filters, where the leader was working."""
    leader = Browser(many, "L1")
    second = leader.get("/cases", params={"group": "adult", "page": 2}).text
    assert 'name="page" value="2"' in second, "the forms carry the page they are on"
    key = re.search(r'name="group_key" value="(adult:[^"]+)"', second).group(1)
    done = leader.post("/cases/bulk", {"group_key": key, "bulk_action": "assign",
                                       "assignee_id": "L1", "reason": "this page next",
                                       "group": "adult", "page": "2"})
    assert done.status_code == 200, done.text
    assert "page 2 of 3." in text(done.text)
    flat = leader.get("/cases", params={"page": 2}).text
    one = re.search(r'action="/cases/([^/"]+)/decide"', flat).group(1)
    decided = leader.post(f"/cases/{one}/decide", {"decision": "in_review",
                                                   "reason": "looking now", "page": "2"})
    assert decided.status_code == 303 and "page=2" in decided.headers["location"]
