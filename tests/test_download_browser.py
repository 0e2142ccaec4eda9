"""A teacher checks her Facebook download in a real browser (Debian's Chromium through
Playwright): she sees how much of it is sent, the likely matches with what the policy
says, and declares the one that is a family friendship in one step."""

from __future__ import annotations

import os
import shutil

from tests.download_world import facebook_zip
from tests.test_browser import SCREENSHOTS, Person, browser, served  # noqa: F401  (fixtures)

FRIENDS = ["Ella Morgan", "Sarah Morgan", "Jack Morgan", "Sam Okoro", "Helen Achebe",
           "Zoë Wiśniewska", "Ella"]


def test_a_teacher_checks_her_download_and_declares_in_one_step(served, browser, tmp_path):
    base, register = served
    shots = tmp_path / "screenshots"
    download = tmp_path / "facebook-priyashah-2026.zip"
    download.write_bytes(facebook_zip(FRIENDS))
    teacher = Person(browser, base, shots)
    page = teacher.page
    teacher.sign_in("priya.shah")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check a download").click()
    assert page.get_by_role("heading", name="Private to you").is_visible()
    page.get_by_label("Your download", exact=True).set_input_files(str(download))
    page.get_by_label("Platform").select_option("facebook")
    teacher.shot("10-staff-check-a-download")
    page.get_by_role("button", name="Check my download").click()
    page.get_by_role("heading", name="What your download shows").wait_for()
    assert "7 entries read from Facebook. 3 of them are probably people at your school" \
        in page.locator("main").inner_text()
    sarah = page.get_by_role("row", name="Sarah Morgan")
    assert "parent of Ella Morgan and Jack Morgan" in sarah.inner_text()
    assert "Remove the connection" in sarah.inner_text()
    teacher.shot("11-staff-download-matches")
    page.get_by_label("Your choice for Sarah Morgan").select_option("family_friend")
    page.get_by_label("Your choice for Jack Morgan").select_option("")
    page.get_by_role("button", name="Record my choices").click()
    done = page.locator("main").inner_text()
    assert "Sarah Morgan: declared as family friend" in done
    assert "Jack Morgan" not in done
    teacher.shot("12-staff-download-choices-recorded")
    teacher.close()
    assert [d.counterpart_id for d in register.store.declarations_of("T2")] == ["M1"]
    [check] = register.audit.entries(action="download.check")
    assert check.details["entries_read"] == 7
    if os.environ.get("RELREG_UPDATE_SCREENSHOTS") == "1":
        for shot in shots.glob("1[012]-*.png"):
            shutil.copy(shot, SCREENSHOTS / shot.name)


def test_a_download_over_the_limit_is_refused_before_it_is_sent(served, browser, tmp_path,
                                                                monkeypatch):
    from api.pages.downloads import too_large
    from tests.download_world import facebook_friends

    base, register = served
    monkeypatch.setattr(register.settings, "max_download_bytes", 1024 * 1024)
    download = tmp_path / "your_friends.json"
    download.write_bytes(facebook_friends(FRIENDS) + b" " * (2 * 1024 * 1024))
    teacher = Person(browser, base, tmp_path / "screenshots")
    page = teacher.page
    teacher.sign_in("priya.shah")
    page.goto(f"{base}/my/download-check")
    assert "It may be up to 1 MB." in page.locator("main").inner_text()
    page.get_by_label("Your download", exact=True).set_input_files(str(download))
    page.get_by_role("button", name="Check my download").click()
    assert page.locator("#upload-status").inner_text() == too_large(1024 * 1024)
    teacher.close()
    assert register.audit.entries(action="download.check") == []
