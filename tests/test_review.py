"""Cases: the review states of docs/rules.md, due dates in school days, and cases that follow
the findings as the facts change."""

import datetime as dt
import json
import sqlite3

import pytest

from graph.model import World
from graph.review import (
    REVIEWER_MOVES,
    CaseBook,
    CaseState,
    EscalationTarget,
    MissingDetail,
    MoveNotAllowed,
    add_school_days,
    is_school_day,
)
from graph.store.embedded import EmbeddedStore
from tests.builder import WorldBuilder, d
from tests.scenarios import school

TODAY = d("2026-11-23")


def five_days(_school_id):
    return 5


@pytest.fixture
def book():
    db = sqlite3.connect(":memory:", isolation_level=None)
    yield CaseBook(db)
    db.close()


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "data") as opened:
        yield opened


# -- due dates ----------------------------------------------------------------------------

@pytest.mark.parametrize("start, days, due", [
    ("2026-11-23", 5, "2026-11-30"),  # Monday + 5 school days skips the weekend
    ("2026-11-22", 1, "2026-11-23"),  # raised on a Sunday: Monday is the first day
    ("2026-12-23", 3, "2026-12-30"),  # Christmas, Boxing Day (observed on the 28th), weekend
    ("2027-03-25", 1, "2027-03-30"),  # Good Friday, the weekend and Easter Monday
    ("2026-08-28", 1, "2026-09-01"),  # the late summer bank holiday
    ("2026-05-01", 1, "2026-05-05"),  # the early May bank holiday
])
def test_due_dates_count_school_days_only(start, days, due):
    assert add_school_days(d(start), days) == d(due)


def test_bank_holidays_come_from_offline_data_for_years_ahead():
    assert not is_school_day(d("2030-12-25"))
    assert not is_school_day(d("2031-04-11"))  # Good Friday 2031
    assert not is_school_day(d("2031-04-14"))  # Easter Monday
    assert is_school_day(d("2031-04-15"))


# -- the states ------------------------------------------------------------------------------

def raise_case(book, store_findings):
    changes = book.sync(store_findings, TODAY, "first evaluation", five_days)
    assert [c.kind for c in changes] == ["raised"]
    return changes[0].finding_id


@pytest.fixture
def case_id(book, store):
    store.import_world(school().connect("T1", "P1").build())
    return raise_case(book, store.findings(TODAY))


def move(book, case_id, to, reason="because", **details):
    return book.move(case_id, CaseState(to), "account:1", reason, today=TODAY, review_days=5,
                     **details)


def test_a_case_goes_the_whole_way_with_every_step_in_its_history(book, case_id):
    move(book, case_id, "in_review", "looking into it")
    move(book, case_id, "action_required", "must unfollow", action="unfollow the pupil",
         action_due=d("2026-11-30"))
    move(book, case_id, "closed", "done")
    case = book.get(case_id, with_history=True)
    assert case.state is CaseState.CLOSED
    assert case.action == "unfollow the pupil" and case.action_due == d("2026-11-30")
    assert [(e.kind, e.from_state, e.to_state, e.reason) for e in case.history] == [
        ("raised", None, "open", "raised on 2026-11-23: first evaluation"),
        ("moved", "open", "in_review", "looking into it"),
        ("moved", "in_review", "action_required", "must unfollow"),
        ("moved", "action_required", "closed", "done"),
    ]
    assert all(e.actor == "account:1" for e in case.history[1:])


@pytest.mark.parametrize("path, wanted", [
    ([], "accepted"),  # a decision needs a review first
    ([], "closed"),
    (["in_review"], "open"),
    (["in_review", "dismissed"], "in_review"),
    (["in_review", "dismissed", "closed"], "dismissed"),
    ([], "resolved"),  # only the register resolves
])
def test_moves_not_allowed_from_the_current_state(book, case_id, path, wanted):
    for state in path:
        move(book, case_id, state)
    before = book.get(case_id, with_history=True)
    with pytest.raises(MoveNotAllowed):
        move(book, case_id, wanted)
    after = book.get(case_id, with_history=True)
    assert after.state is before.state and len(after.history) == len(before.history)


def test_every_move_needs_a_reason_and_decisions_their_details(book, case_id):
    with pytest.raises(MissingDetail) as missing:
        move(book, case_id, "in_review", reason="  ")
    assert missing.value.field == "reason"
    move(book, case_id, "in_review")
    with pytest.raises(MissingDetail) as missing:
        move(book, case_id, "action_required", action="unfollow")
    assert missing.value.field == "action_due"
    with pytest.raises(MissingDetail) as missing:
        move(book, case_id, "escalated")
    assert missing.value.field == "escalated_to"
    move(book, case_id, "escalated", escalated_to=EscalationTarget.LADO)
    assert book.get(case_id).escalated_to is EscalationTarget.LADO


def test_reviewer_moves_follow_rules_md():
    assert REVIEWER_MOVES[CaseState.OPEN] == {CaseState.IN_REVIEW}
    assert REVIEWER_MOVES[CaseState.IN_REVIEW] == {
        CaseState.ACCEPTED, CaseState.ACTION_REQUIRED, CaseState.ESCALATED, CaseState.DISMISSED}
    assert REVIEWER_MOVES[CaseState.CLOSED] == {CaseState.OPEN}


def test_history_cannot_be_rewritten(book, case_id):
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        book.db.execute("DELETE FROM case_events")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        book.db.execute("UPDATE case_events SET reason = 'nothing happened'")


# -- following the findings ------------------------------------------------------------------

def test_a_case_keeps_its_id_resolves_with_the_reason_and_reopens_on_new_evidence(book, store):
    store.import_world(school().declare("T1", "M1", "family_friend", declaration_id="DF")
                       .connect("T1", "P1", connection_id="C1").build())
    [case_id] = [c.finding_id for c in book.sync(store.findings(TODAY), TODAY, "start",
                                                  five_days)]
    move(book, case_id, "in_review")

    accepted = school().declare("T1", "M1", "family_friend", "accepted", "H1",
                                declaration_id="DF").build()
    store.upsert(World(declarations=accepted.declarations))
    changes = book.sync(store.findings(TODAY), TODAY, "declaration DF accepted", five_days)
    assert [(c.finding_id, c.kind, c.to_state) for c in changes] == [
        (case_id, "resolved", CaseState.RESOLVED)]
    case = book.get(case_id, with_history=True)
    assert case.history[-1].reason == "the rule no longer fires: declaration DF accepted"
    assert not case.fires

    rejected = school().declare("T1", "M1", "family_friend", "rejected", "H1",
                                declaration_id="DF").build()
    store.upsert(World(declarations=rejected.declarations))
    changes = book.sync(store.findings(TODAY), TODAY, "declaration DF rejected", five_days)
    # The declaration-required finding stays resolved; a pupil-contact one is raised.
    assert [c.kind for c in changes] == ["raised"]

    accepted_again = school().declare("T1", "M1", "family_friend", "pending",
                                      declaration_id="DF").build()
    store.upsert(World(declarations=accepted_again.declarations))
    later = TODAY + dt.timedelta(days=1)
    changes = book.sync(store.findings(later), later, "declaration DF pending again", five_days)
    reopened = [c for c in changes if c.finding_id == case_id]
    assert [(c.kind, c.from_state, c.to_state) for c in reopened] == [
        ("reopened", CaseState.RESOLVED, CaseState.OPEN)]
    case = book.get(case_id, with_history=True)
    assert case.state is CaseState.OPEN and case.raised_on == later
    assert [e.kind for e in case.history] == ["raised", "moved", "resolved", "reopened"]


def test_a_closed_case_reopens_when_a_new_connection_is_seen(book, store):
    store.import_world(school().connect("T1", "P1", connection_id="C1").build())
    [case_id] = [c.finding_id for c in book.sync(store.findings(TODAY), TODAY, "start",
                                                  five_days)]
    for state in ("in_review", "dismissed", "closed"):
        move(book, case_id, state)
    assert book.sync(store.findings(TODAY), TODAY, "nothing changed", five_days) == []
    seen_again = WorldBuilder().connect("P1", "T1", channel="snapchat", connection_id="C9")
    store.upsert(World(connections=seen_again.build().connections))
    changes = book.sync(store.findings(TODAY), TODAY, "connection C9 reported", five_days)
    assert [(c.finding_id, c.kind) for c in changes] == [(case_id, "reopened")]
    case = book.get(case_id)
    assert case.state is CaseState.OPEN
    assert case.finding["connection_ids"] == ["C1", "C9"]


def test_a_routing_change_is_not_new_evidence(book, store):
    store.import_world(school().connect("T1", "P1").build())
    [case_id] = [c.finding_id for c in book.sync(store.findings(TODAY), TODAY, "start",
                                                  five_days)]
    for state in ("in_review", "dismissed", "closed"):
        move(book, case_id, state)
    store.upsert(WorldBuilder().staff("H2", position="headteacher", start="2026-09-01").build())
    assert book.sync(store.findings(TODAY), TODAY, "a new headteacher", five_days) == []
    case = book.get(case_id)
    assert case.state is CaseState.CLOSED
    assert "H2" in case.finding["route_to"], "the case shows the routing as it is now"


def test_a_book_reopened_from_disk_remembers_what_fires(tmp_path, store):
    store.import_world(school().connect("T1", "P1").build())
    db = sqlite3.connect(tmp_path / "service.sqlite3", isolation_level=None)
    CaseBook(db).sync(store.findings(TODAY), TODAY, "start", five_days)
    again = CaseBook(db)
    assert again.sync(store.findings(TODAY), TODAY, "restart", five_days) == []
    db.close()


def test_the_queue_lists_overdue_cases_first_then_by_due_date_severity_and_id(book):
    def case(finding_id, due, severity, state=CaseState.OPEN):
        book.db.execute(
            "INSERT INTO cases (finding_id, school_id, rule, severity, state, fires, finding, "
            "raised_on, due_on) VALUES (?, 'S1', 'pupil-contact', ?, ?, 1, ?, '2026-11-01', ?)",
            (finding_id, severity, state, json.dumps({"severity": severity}), due))

    case("a", "2026-12-01", "high")
    case("b", "2026-11-20", "low")
    case("c", "2026-11-10", "low", CaseState.ACCEPTED)  # decided: past its date, not overdue
    case("d", "2026-11-21", "high", CaseState.IN_REVIEW)
    case("e", "2026-12-01", "low")
    case("f", "2026-12-01", "medium")
    case("0", "2026-12-01", "high")
    case("g", "2026-11-23", "high")  # due today: not overdue yet
    queue = [row[0] for row in book.find_rows(queue_on=TODAY)]
    assert queue == ["b", "d", "c", "g", "0", "a", "f", "e"]
    assert [row[0] for row in book.find_rows(state="open", queue_on=TODAY)] == [
        "b", "g", "0", "a", "f", "e"]
