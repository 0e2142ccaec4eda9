"""The privacy page's holds table says whose each hold is: the school whose DSL placed it
(api/templates/privacy.html), and a trust's admin sees no hold of another trust's school;
and a refusal's status follows its kind (api/privacy.py), never its words.
The world is the scope table's (tests/test_scope_table.py): S1 and S2 are trust TR's, S3
another trust's; each school's DSL holds its pupil P1 (BP1, CP1)."""

from __future__ import annotations

import datetime as dt
import re

from api.privacy import place_hold
from graph.model import Membership, Role, World
from tests.test_pages import text
from tests.test_scope_table import three  # noqa: F401 (a fixture)


def rows(page: str) -> list[str]:
    table = page[page.index("Safeguarding holds"):page.index("</table>")]
    return [text(row) for row in re.findall(r"<tr>.*?</tr>", table, re.S)]


def test_each_hold_shows_the_school_it_belongs_to(three):
    admin = rows(three.get("admin", "/privacy").text)
    assert admin[0].startswith("Person School Since")
    assert [row.split(" School ")[0] + " " + row.split()[3] for row in admin[1:]] == [
        "Given FamilyP1 S1", "Given FamilyBP1 S2"]
    assert not any("S3" in row or "CP1" in row for row in admin), "another trust's hold"
    [_, dsl] = rows(three.get("D1", "/privacy").text)
    assert dsl.startswith("Given FamilyP1 School S1 ") and "section 47" in dsl
    # M1, mother of S1's pupil, is also staff at S3, whose DSL holds her: S3's hold is
    # another trust's, and neither it nor its school is shown to S1's trust admin.
    three.register.store.import_world(World(memberships=[
        Membership("M1", "S3", Role.STAFF, None, dt.date(2020, 9, 1), None)]))
    place_hold(three.register, "account:CD1", "M1", "a concern at S3", school_id="S3")
    assert rows(three.get("admin", "/privacy").text) == admin
    answered = three.get("admin", "/api/privacy/holds").json()
    assert [(h["person_id"], h["school_id"]) for h in answered] == [("P1", "S1"), ("BP1", "S2")]


def test_a_refusals_status_follows_its_kind_not_its_words(three):
    """api/privacy.py's refusals are told apart by type (NoSuchPerson, ReasonRequired,
    OwnPerson; any other conflicts): a person whose id holds the word "reason" is still
    held (409), not a missing reason (422), on the API and the page alike."""
    from graph.model import Person

    three.register.store.import_world(World(
        people={"reason-1": Person("reason-1", "Rea", "Son", None)},
        memberships=[Membership("reason-1", "S1", Role.PUPIL, None, dt.date(2020, 9, 1),
                                None)]))
    place_hold(three.register, "account:D1", "reason-1", "a concern", school_id="S1")
    assert three.post("admin", "/api/privacy/people/reason-1/erasure").status_code == 409
    assert three.post("admin", "/privacy/erase", data={"person_id": "reason-1"},
                      follow_redirects=False).status_code == 409
    no_reason = three.post("D1", "/privacy/holds", data={"person_id": "M1", "reason": " "},
                           follow_redirects=False)
    assert no_reason.status_code == 422 and "a hold needs a reason" in no_reason.text
    assert three.post("D1", "/api/privacy/holds", json={
        "person_id": "NOBODY9", "reason": "a concern"}).status_code == 404
