"""In a real browser (tests/test_browser.py's Chromium and served story school): the auditor
filters the trail by date and by a person's name, reads it newest first in UK time and
downloads the filtered view; the trust admin reaches the review queue from the menu, and
sets up the mail server and sends a test message from the Mail page."""

from __future__ import annotations

import csv
import datetime as dt
import re
from zoneinfo import ZoneInfo

from api.service import Actor
from tests.mail_world import mail_server  # noqa: F401 (a fixture)
from tests.test_browser import Person, browser, served  # noqa: F401 (fixtures)


def test_the_auditor_filters_the_trail_and_downloads_what_they_see(served, browser,
                                                                   tmp_path):
    base, register = served
    leader = register.accounts.by_username("liam.brennan")
    register.record(Actor(leader, None), "person.network.view", "person", object_id="P1",
                    subjects=["P1"])
    auditor = Person(browser, base, tmp_path / "shots")
    page = auditor.page
    auditor.sign_in("audit.officer")
    numbers = [int(n) for n in page.locator("tbody th").all_inner_texts()]
    assert numbers == sorted(numbers, reverse=True), "newest first"
    newest = page.locator("tbody time").first.get_attribute("datetime")
    uk_day = dt.datetime.fromisoformat(newest).astimezone(ZoneInfo("Europe/London")).date()
    page.get_by_label("From").fill(uk_day.isoformat())
    page.get_by_label("To").fill(uk_day.isoformat())
    page.get_by_label("About whom").fill("Ella")
    page.get_by_label("What was done").select_option("person.network.view")
    page.get_by_role("button", name="Filter").click()
    main = page.inner_text("main")
    assert "Entries about Ella Morgan." in main
    assert "1 entry match" in main and "Person network view" in main
    assert "Times are UK time" in main
    auditor.shot("auditor-filtered-trail")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this entry (CSV)").click()
    saved = tmp_path / "audit.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:4] == ["Number", "When (UK time)", "Who", "Action"]
    assert len(rows) == 2 and rows[1][3] == "Person network view"
    assert "person Ella Morgan" == rows[1][4]
    auditor.close()
    [export] = register.audit.entries(action="audit.export", limit=10)
    assert export.details["count"] == 1


def test_the_trust_admin_reaches_the_queue_and_sets_up_mail(served, browser, tmp_path,
                                                            mail_server):
    base, register = served
    admin = Person(browser, base, tmp_path / "shots")
    page = admin.page
    admin.sign_in("trust.admin")
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name="Review queue").click()
    assert page.url == f"{base}/cases"
    menu.get_by_role("link", name="Mail").click()
    assert "No mail can be sent yet" in page.inner_text("main")
    page.get_by_label("Mail server").fill("127.0.0.1")
    page.get_by_label("Port").fill(str(mail_server.port))
    page.get_by_label("Security").select_option("none")
    page.get_by_label("Sender address").fill("register@trust.example.org")
    admin.shot("trust-admin-mail")
    page.get_by_role("button", name="Save the mail settings").click()
    assert "The mail settings are saved" in page.get_by_role("status").first.inner_text()
    page.get_by_label("Send to").fill("bursar@trust.example.org")
    page.get_by_role("button", name="Send a test message").click()
    assert "The test message was sent" in page.inner_text("main")
    admin.close()
    [message] = mail_server.to("bursar@trust.example.org")
    assert message.subject == "Relationship register: a test message"
