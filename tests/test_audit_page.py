"""The auditor's page as an auditor uses it (api/pages/admin.py audit_page): newest first,
filtered by UK dates, by a person's name (only among the people they may read about) and
by action; the filtered view downloads as a CSV that runs no formula, and the download is
itself audited; case numbers link to the case only for someone who may open it. And the
trust admin's menu reaches the review queue they can already open."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import time_machine

from api.pages.admin import case_link
from tests.test_audit_scope import auditor_of
from tests.test_account_scope import three  # noqa: F401 (a fixture)
from tests.test_pages import Browser, busy, service, text  # noqa: F401 (fixtures)


def rows(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<th scope="row">(\d+)</th>', page)]


def test_the_date_range_is_read_in_uk_time(service):
    from api.service import Actor

    actor = Actor(service.accounts["D1"], None)
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK (summer time).
    for instant in ("2026-06-30T22:30:00Z", "2026-06-30T23:30:00Z", "2026-07-01T23:30:00Z"):
        with time_machine.travel(instant, tick=False):
            service.register.record(actor, "person.network.view", "person", object_id="P1",
                                    subjects=["P1"])
    auditor = Browser(service, "auditor")
    july_first = auditor.get("/audit", params={"since": "2026-07-01", "until": "2026-07-01",
                                               "action": "person.network.view"}).text
    assert "1 entry match" in text(july_first)
    assert "1 July 2026 at 00:30:00" in text(july_first), "shown in UK time, not 23:30 UTC"
    june = text(auditor.get("/audit", params={"until": "2026-06-30",
                                              "action": "person.network.view"}).text)
    assert "1 entry match" in june and "30 June 2026 at 23:30:00" in june
    for bad in ("last week", "20260701", "2026-02-30"):
        assert "From: enter a date like 2026-11-23" in text(
            auditor.get("/audit", params={"since": bad}).text)


def test_the_person_filter_finds_entries_about_them_by_name(busy):
    auditor = Browser(busy, "auditor")
    about = auditor.get("/audit", params={"about": "familyq011",
                                          "action": "case.raised"}).text
    assert "Entries about Given FamilyQ011." in text(about)
    assert "1 entry match" in text(about)
    nobody = text(auditor.get("/audit", params={"about": "Nobody Atall"}).text)
    assert "nobody named “Nobody Atall” appears" in nobody and "0 entries match" in nobody


def test_the_name_search_reaches_no_one_beyond_the_auditors_trust(three):
    tied = auditor_of(three, "trust-auditor", "S1")
    assert "Entries about Given FamilyCP1." in three.get("auditor", "/audit",
                                                         params={"about": "FamilyCP1"}).text
    outside = three.get(tied, "/audit", params={"about": "FamilyCP1"}).text
    assert "Given FamilyCP1" not in outside.replace("“FamilyCP1”", "")
    assert "0 entries match" in text(outside)
    inside = text(three.get(tied, "/audit", params={"about": "FamilyBP1"}).text)
    assert "Entries about Given FamilyBP1." in inside and "0 entries match" not in inside


def test_the_filtered_view_downloads_newest_first_runs_no_formula_and_is_audited(busy):
    busy.register.audit.record(actor="register", action="=cmd|' /C calc'!A0",
                               object_kind="test")
    auditor = Browser(busy, "auditor")
    page = auditor.get("/audit?action=case.raised&about=familyq01").text
    assert 'href="/audit.csv?action=case.raised&amp;about=familyq01"' in page
    response = auditor.get("/audit.csv", params={"action": "case.raised",
                                                 "about": "familyq01"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["Number", "When (UK time)", "Who", "Action", "What", "Details"]
    numbers = [int(row[0]) for row in table[1:]]
    assert len(numbers) == 10 and numbers == sorted(numbers, reverse=True)
    assert numbers == rows(page), "the page's entries, no more and no fewer"
    assert all(row[3] == "Case raised" for row in table[1:])
    formula = list(csv.reader(io.StringIO(
        auditor.get("/audit.csv").content.decode("utf-8-sig"))))
    assert ["'=cmd|' /c calc'!a0"] == [row[3] for row in formula[1:] if "cmd" in row[3]]
    [export, _] = busy.register.audit.entries(action="audit.export", limit=10)
    assert export.actor == busy.accounts["auditor"].actor
    assert export.details["count"] == 10
    assert export.details["filters"] == {"action": "case.raised"}
    assert len(export.details["subjects"]) == 10, "whom the search found, by id"


def test_a_case_number_links_to_the_case_only_for_who_may_open_it(service):
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    auditor = Browser(service, "auditor")
    page = auditor.get("/audit?action=case.raised").text
    assert case_id in page and f'href="/cases/{case_id}"' not in page, \
        "an auditor may open no case: plain text"
    [raised] = [e for e in service.register.audit.entries(action="case.raised", limit=100)
                if e.details["object_id"] == case_id]
    assert case_link(service.register, service.accounts["L1"], raised) == f"/cases/{case_id}"
    assert case_link(service.register, service.accounts["BL1"], raised) is None, \
        "another school's leader"
    assert case_link(service.register, service.accounts["auditor"], raised) is None


def test_the_trust_admins_menu_reaches_the_review_queue(service):
    admin = Browser(service, "admin")
    page = admin.get("/admin/accounts").text
    assert re.search(r'<nav aria-label="Main".*href="/cases">Review queue</a>', page, re.S)
    assert admin.get("/cases").status_code == 200
