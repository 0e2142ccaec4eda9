"""A queue a leader can clear (issue 28, item 3): the import preview counts the findings
and cases it would open, the queue groups by adult and by import, "assigned to me", bulk
assign and bulk decide with one reason (each case recorded on its own), and one-step
decisions from the queue's rows; a case beyond reach in a bulk request is refused as if
it did not exist."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import api.identity.accounts
import tests.api_world
from graph.intake.exchange import write_folder
from graph.intake.importing import findings_it_would_open, import_path
from graph.model import Connection, ConnectionSource, Direction
from graph.store.embedded import EmbeddedStore
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.builder import WorldBuilder, add_leaders, school_with_leaders
from tests.pages_world import story_world
from tests.test_pages import Browser, text, zipped

NEW_PUPILS = 25


def story_with_a_case_at_riverside():
    """The story's world, and at Riverside Primary (S2) its teacher Alfie Dunn follows
    pupil Sam Okoro: a case the Meadowbank leader may not see."""
    world = story_world()
    world.connections["CB"] = Connection("CB", "BT1", "P2", "facebook", Direction.MUTUAL,
                                         dt.date(2026, 1, 10), ConnectionSource.MONITORING)
    return world


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 9))
    served = ServiceUnderTest(tmp_path, world=story_with_a_case_at_riverside())
    served.today = dt.date(2026, 11, 23)
    yield served
    served.close()


def with_new_pupils_followed_by_priya(count: int):
    """The story's world with `count` new pupils at Meadowbank, each followed by Priya
    Shah (T2): each a pupil-contact finding once imported."""
    extra = WorldBuilder()
    for n in range(count):
        extra.pupil(f"N{n:02}", "S1").connect("T2", f"N{n:02}", connection_id=f"CN{n:02}")
    extra = extra.build()
    world = story_with_a_case_at_riverside()
    world.people.update(extra.people)
    world.memberships += extra.memberships
    world.connections.update(extra.connections)
    return world


def history(service, finding_id):
    return service.register.cases.get(finding_id, with_history=True).history


# -- the import preview --------------------------------------------------------------------

def test_the_import_preview_counts_the_findings_and_cases_and_warns_when_many(service, tmp_path):
    admin = Browser(service, "admin")
    packed = zipped(with_new_pupils_followed_by_priya(NEW_PUPILS), tmp_path / "many")
    before = len(service.register.cases.find())
    preview = admin.post("/admin/import", {"action": "preview"},
                         files={"file": ("trust.zip", packed)})
    assert preview.status_code == 200, preview.text
    words = text(preview.text)
    assert (f"this import would raise {NEW_PUPILS} new findings, opening {NEW_PUPILS} new "
            "cases") in words
    assert f"Warning: {NEW_PUPILS} cases would land in the review queue at once" in words
    assert len(service.register.cases.find()) == before, "a preview opens no case"

    few = zipped(with_new_pupils_followed_by_priya(2), tmp_path / "few")
    words = text(admin.post("/admin/import", {"action": "preview"},
                            files={"file": ("trust.zip", few)}).text)
    assert "this import would raise 2 new findings, opening 2 new cases" in words
    assert "Warning" not in words


def test_the_command_line_preview_counts_the_findings_it_would_open(tmp_path):
    builder = add_leaders(school_with_leaders().school("S2"), "S2", prefix="B")
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(builder.build())
        for n in range(21):
            builder.pupil(f"N{n:02}", "S1").connect("T1", f"N{n:02}")
        write_folder(builder.build(), tmp_path / "folder")
        report = import_path(store, tmp_path / "folder", dry_run=True,
                             as_of=dt.date(2026, 11, 23))
        assert len(report.findings_opened) == 21
        lines = report.lines()
        assert "it would raise 21 new findings, each a case for the review queue" in lines
        assert any(line.startswith("warning: 21 cases would land in the review queue")
                   for line in lines)
        assert findings_it_would_open(store.export_world(), store.export_world(),
                                      dt.date(2026, 11, 23)) == [], "nothing new, nothing opened"


# -- grouping ---------------------------------------------------------------------------

def test_the_queue_groups_cases_by_adult(service):
    leader = Browser(service, "L1")
    page = leader.get("/cases", params={"group": "adult"}).text
    groups = re.findall(r"<summary><strong>([^<]+)</strong>: (\d+) cases?", page)
    assert ("Tom Fairweather", "2") in groups, groups
    tom = page[page.index("Tom Fairweather</strong>"):]
    tom = tom[:tom.index("</details>")]
    assert "Ella Morgan" in text(tom) and "Jack Morgan" in text(tom)
    assert "Sam Okoro" not in text(page), "another school's case is not in any group"


def test_the_queue_groups_the_cases_an_import_opened(service, tmp_path):
    admin = Browser(service, "admin")
    imported = admin.post("/admin/import", files={
        "file": ("trust.zip", zipped(with_new_pupils_followed_by_priya(3), tmp_path / "a"))})
    assert imported.status_code == 200, imported.text
    leader = Browser(service, "L1")
    page = leader.get("/cases", params={"group": "import"}).text
    groups = dict(re.findall(r"<summary><strong>([^<]+)</strong>: (\d+) cases?", page))
    [from_import] = [label for label in groups if "imported on" in label]
    assert from_import.startswith("exchange folder imported on")
    assert groups[from_import] == "3"
    assert groups["Not opened by an import"] == "2", "the story's own two cases"
    group = page[page.index(from_import):]
    group = group[:group.index("</details>")]
    assert text(group).count("Priya Shah") >= 3 and "Tom Fairweather" not in text(group)


# -- bulk actions -------------------------------------------------------------------------

def test_bulk_decide_records_one_decision_per_case_with_the_reason(service):
    leader = Browser(service, "L1")
    page = leader.get("/cases", params={"group": "adult"}).text
    tom = re.search(r'name="group_key" value="(adult:[^"]+)"[^>]*><label[^>]*>All 2 in this '
                    r"group \(Tom Fairweather\)", page).group(1)
    done = leader.post("/cases/bulk", {"group_key": tom, "bulk_action": "decide",
                                       "decision": "dismissed",
                                       "reason": "Known to the school: family friends"})
    assert done.status_code == 200, done.text
    assert "2 cases decided, each recorded on its case with your reason." in text(done.text)
    for pupil in ("P1", "P3"):
        case = service.register.cases.get(
            service.case_of("pupil-contact", "T1", pupil)["finding_id"], with_history=True)
        assert case.state == "dismissed"
        moves = [(e.to_state, e.reason, e.actor) for e in case.history if e.kind == "moved"]
        assert [m[0] for m in moves] == ["in_review", "dismissed"]
        assert {m[1] for m in moves} == {"Known to the school: family friends"}
        assert all(m[2].startswith("account:") for m in moves)
    audited = service.register.audit.entries(action="case.move", limit=50)
    assert sum(e.details["to_state"] == "dismissed" for e in audited) == 2


def test_bulk_needs_a_reason_and_says_so_beside_the_field(service):
    leader = Browser(service, "L1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    refused = leader.post("/cases/bulk", {"finding_id": case_id, "bulk_action": "decide",
                                          "decision": "accepted", "reason": " "})
    assert refused.status_code == 422
    assert re.search(r'<p class="field-error error-summary" id="bulk-reason-error" role="alert">Reason: '
                     r"fill this in", refused.text)
    assert 'aria-describedby="bulk-reason-error" autofocus' in refused.text
    assert service.register.cases.get(case_id).state == "open", "nothing was decided"


def test_a_forged_bulk_request_for_another_schools_case_is_refused_and_not_revealed(service):
    leader = Browser(service, "L1")
    own = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    theirs = service.case_of("pupil-contact", "BT1", "P2", who="BL1")["finding_id"]
    forged = leader.post("/cases/bulk", {"finding_id": [own, theirs], "bulk_action": "decide",
                                         "decision": "accepted", "reason": "fine"})
    assert "1 case decided" in text(forged.text)
    assert "1 case was not found." in text(forged.text)
    assert "Sam Okoro" not in forged.text and "Alfie Dunn" not in forged.text
    assert theirs not in forged.text
    assert service.register.cases.get(theirs).state == "open"
    assert len(history(service, theirs)) == 1, "only its raising: nothing recorded"

    # The same answer as for a case that does not exist.
    alone = leader.post("/cases/bulk", {"finding_id": theirs, "bulk_action": "assign",
                                        "assignee_id": "L1", "reason": "mine"})
    missing = leader.post("/cases/bulk", {"finding_id": "F-0000000000000000",
                                          "bulk_action": "assign", "assignee_id": "L1",
                                          "reason": "mine"})
    assert alone.status_code == missing.status_code == 422
    assert alone.text == missing.text


def test_bulk_assign_and_the_assigned_to_me_view(service):
    leader = Browser(service, "L1")
    ella = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    assigned = leader.post("/cases/bulk", {"finding_id": ella, "bulk_action": "assign",
                                           "assignee_id": "L1", "reason": "I teach her class"})
    assert "1 case assigned" in text(assigned.text)
    assert "assigned to L1: I teach her class" in [e.reason for e in history(service, ella)]
    mine = text(leader.get("/cases", params={"mine": "1"}).text)
    assert "1 case, 1 overdue, assigned to you." in mine
    assert "Ella Morgan" in mine and "Jack Morgan" not in mine
    everyone = text(leader.get("/cases").text)
    assert "Jack Morgan" in everyone


# -- one-step decisions -----------------------------------------------------------------------

def test_a_one_step_decision_from_the_queue(service):
    leader = Browser(service, "L1")
    ella = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    page = leader.get("/cases").text
    assert f'action="/cases/{ella}/decide"' in page
    decided = leader.post(f"/cases/{ella}/decide", {"decision": "escalated_dsl",
                                                     "reason": "Dana should see this"})
    assert decided.status_code == 303 and decided.headers["location"].startswith("/cases")
    case = service.register.cases.get(ella, with_history=True)
    assert case.state == "escalated" and case.escalated_to == "dsl"
    assert [e.to_state for e in case.history if e.kind == "moved"] == ["in_review", "escalated"]
    assert "The case is updated and the decision recorded." in \
        text(leader.get(decided.headers["location"]).text)


def test_a_one_step_decision_without_a_reason_is_announced_beside_the_row(service):
    leader = Browser(service, "L1")
    ella = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    refused = leader.post(f"/cases/{ella}/decide", {"decision": "accepted", "reason": ""})
    assert refused.status_code == 422
    row = refused.text[refused.text.index(f'action="/cases/{ella}/decide"'):]
    row = row[:row.index("</form>")]
    assert re.search(rf'id="reason-{ella}" name="reason" placeholder="Reason" value="" '
                     rf'aria-invalid="true" aria-describedby="error-{ella}" autofocus', row)
    assert 'name="decision" aria-invalid' not in row, "only the field at fault is marked"
    assert re.search(rf'<p class="field-error error-summary" id="error-{ella}" role="alert">Reason', row)
    assert service.register.cases.get(ella).state == "open"


def test_a_one_step_decision_on_another_schools_case_is_answered_as_no_case(service):
    leader = Browser(service, "L1")
    theirs = service.case_of("pupil-contact", "BT1", "P2", who="BL1")["finding_id"]
    refused = leader.post(f"/cases/{theirs}/decide", {"decision": "accepted", "reason": "x"})
    missing = leader.post("/cases/F-0000000000000000/decide",
                          {"decision": "accepted", "reason": "x"})
    assert refused.status_code == missing.status_code == 404
    assert refused.text == missing.text.replace("F-0000000000000000", theirs)
    assert service.register.cases.get(theirs).state == "open"


def test_the_queues_forms_need_the_csrf_token(service):
    leader = Browser(service, "L1")
    ella = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    bulk = leader.post("/cases/bulk", {"finding_id": ella, "bulk_action": "decide",
                                       "decision": "accepted", "reason": "fine"}, csrf=False)
    one = leader.post(f"/cases/{ella}/decide", {"decision": "accepted", "reason": "fine"},
                      csrf=False)
    assert bulk.status_code == one.status_code == 403
    assert len(history(service, ella)) == 1, "nothing recorded"


def test_an_existing_case_database_gains_the_record_of_imports(tmp_path):
    """A service database made before cases noted their import gains the table on opening,
    and its cases are simply not from an import."""
    import sqlite3

    from graph.review import CaseBook

    db = sqlite3.connect(tmp_path / "service.sqlite3", isolation_level=None)
    CaseBook(db)
    db.execute("DROP TABLE case_imports")  # as a database from before it was made
    book = CaseBook(db)
    assert book.opened_by_imports() == {}
    book.note_opened_by_import(["F-1"], "an-import", "mis")
    assert book.opened_by_imports()["F-1"][:2] == ("an-import", "mis")
    db.close()
