"""A leader's decision on an approach-reported case is the review of the reports it rests
on: each is marked reviewed, with the day and the reviewer, and the register reads them as
waiting for review on any earlier date."""

import datetime as dt

from graph.facts import FactGraph
from graph.rules import evaluate
from tests.api_world import service  # noqa: F401


def test_deciding_an_approach_case_marks_its_reports_reviewed_on_the_day(service):
    made = service.post("T1", "/api/approaches", data={
        "from_id": "P1", "channel": "instagram", "occurred_on": "2026-11-20",
        "summary": "asked to follow me"})
    assert made.status_code == 201
    report_id = made.json()["report_id"]
    assert made.json()["reviewed_on"] is None
    case_id = service.case_of("approach-reported", "T1", "P1")["finding_id"]
    service.today = dt.date(2026, 11, 25)
    for state in ("in_review", "dismissed"):
        moved = service.post("L1", f"/api/cases/{case_id}/moves",
                             json={"to_state": state, "reason": "spoke to the pupil's family"})
        assert moved.status_code == 200, moved.text

    reviewed = service.get("L1", f"/api/approaches/{report_id}").json()
    assert (reviewed["status"], reviewed["reviewed_on"], reviewed["reviewed_by"]) == \
        ("reviewed", "2026-11-25", "L1")
    case = service.get("L1", f"/api/cases/{case_id}").json()
    assert case["state"] == "resolved" and not case["fires"]
    entries = service.get("auditor", "/api/audit", params={"action": "approach.review"}).json()
    assert len(entries) == 1

    # As of the day before the review, the report still waited for one.
    world = service.store.export_world()
    on = {d: [f.rule for f in evaluate(FactGraph(world), d) if f.rule == "approach-reported"]
          for d in (dt.date(2026, 11, 24), dt.date(2026, 11, 25))}
    assert on == {dt.date(2026, 11, 24): ["approach-reported"], dt.date(2026, 11, 25): []}


def test_moving_a_case_into_review_is_no_review_of_its_reports(service):
    made = service.post("T1", "/api/approaches", data={
        "from_id": "P1", "channel": "instagram", "occurred_on": "2026-11-20"})
    case_id = service.case_of("approach-reported", "T1", "P1")["finding_id"]
    service.post("L1", f"/api/cases/{case_id}/moves", json={"to_state": "in_review",
                                                             "reason": "looking"})
    report = service.get("L1", f"/api/approaches/{made.json()['report_id']}").json()
    assert (report["status"], report["reviewed_on"]) == ("open", None)


def test_a_parent_is_shown_with_parental_responsibility_where_the_records_say():
    from api.pages.people import family_words
    from graph.model import FamilyKind, FamilyLink, LinkSource, Person

    pupil = Person("P1", "Ella", "Morgan", None)
    said = {value: family_words(FamilyLink("M1", "P1", FamilyKind.PARENT, LinkSource.RECORDS,
                                           value), pupil)[0]
            for value in (True, False, None)}
    assert said == {True: "parent with parental responsibility",
                    False: "parent without parental responsibility", None: "parent"}
