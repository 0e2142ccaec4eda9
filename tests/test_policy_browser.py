"""The school's own policy in a real browser (Chromium, as tests/test_browser.py drives it):
the trust admin narrows who Meadowbank Academy's policy covers, previews which findings
would disappear, named, and saves it with a reason."""

from __future__ import annotations

import re

from tests.test_browser import Person, browser, served  # noqa: F401 (fixtures)


def test_a_trust_admin_previews_and_saves_the_schools_own_policy(served, browser, tmp_path):  # noqa: F811
    base, register = served
    admin = Person(browser, base, tmp_path / "screenshots")
    page = admin.page
    admin.sign_in("trust.admin")
    page.goto(f"{base}/admin/schools")
    page.get_by_role("link", name=re.compile(r"preview of its effect \(Meadowbank Academy\)")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "The policy of Meadowbank Academy"
    covered = page.locator("#setting-covered_roles")
    covered.get_by_label("Staff", exact=True).uncheck()
    covered.get_by_label("The clause of the school's policy it rests on").fill("Our policy 1.2")
    covered.get_by_label("The school's own wording of that clause").fill(
        "This policy applies to our volunteers.")
    assert page.get_by_role("button", name="Save as the school's profile").count() == 0
    page.get_by_role("button", name="Preview the effect").click()
    effect = page.locator("#effect").inner_text()
    assert "0 findings would appear, 2 would disappear and 0 would change severity" in effect
    rows = page.get_by_role("table", name=re.compile("Personal contact with a pupil"))
    assert rows.get_by_role("row", name=re.compile("Tom Fairweather")).count() == 2
    assert "Ella Morgan" in rows.inner_text() and "Jack Morgan" in rows.inner_text()
    admin.shot("policy-preview")
    assert [s.profile for s in register.store.schools() if s.school_id == "S1"] == ["ninestiles"]

    page.get_by_role("button", name="Save as the school's profile").click()
    assert page.url.startswith(f"{base}/admin/schools/S1/policy"), "a reason is asked for"
    admin.console_errors.clear()  # a form answered 422 is a console error in Chromium
    assert "Why the school's policy changes: fill this in" in page.get_by_role("alert").inner_text()
    page.get_by_label("Why the school's policy changes").fill("Adopted by the governors")
    page.get_by_role("button", name="Save as the school's profile").click()
    assert "The school is saved." in page.get_by_role("status").inner_text()
    [school] = [s for s in register.store.schools() if s.school_id == "S1"]
    assert school.profile.endswith(".toml")
    assert "Today: Volunteers (Our policy 1.2)" in page.locator("#setting-covered_roles").inner_text()
    admin.shot("policy-saved")
    admin.close()
