"""The review queue in Chromium, as the senior leader clears it (issue 28, item 3): a
one-step decision on a row (its error announced and focused beside the field), the
queue by adult, a whole group decided with one reason, and "assigned to me"."""

from __future__ import annotations

import re

from tests.test_browser import Person, browser, served  # noqa: F401 (fixtures)


def test_a_leader_clears_the_queue_from_the_queue_page(served, browser, tmp_path):  # noqa: F811
    base, register = served
    leader = Person(browser, base, tmp_path / "screenshots")
    page = leader.page
    leader.sign_in("liam.brennan")
    assert page.url == f"{base}/cases"
    ella = page.get_by_role("form", name="Decide Personal contact with a pupil: "
                                          "Tom Fairweather and Ella Morgan")

    # One step, no reason: refused beside the row, announced and focused there.
    ella.get_by_label("Decision on Tom Fairweather and Ella Morgan", exact=True).select_option(
        label="Escalate to the DSL")
    ella.get_by_role("button", name="Decide").click()
    ella = page.get_by_role("form", name="Decide Personal contact with a pupil: "
                                          "Tom Fairweather and Ella Morgan")
    assert "Reason" in ella.get_by_role("alert").inner_text()
    focused = page.evaluate("[document.activeElement.name, "
                            "document.activeElement.getAttribute('aria-describedby')]")
    assert focused[0] == "reason" and focused[1].startswith("error-"), focused
    leader.shot("queue-01-one-step-error")
    ella.get_by_label("Reason for the decision on Tom Fairweather and Ella Morgan").fill(
        "Dana should see this before the parents' evening")
    ella.get_by_role("button", name="Decide").click()
    assert page.get_by_text("The case is updated and the decision recorded.").is_visible()
    assert "Escalated" in page.get_by_role("row", name=re.compile("Ella Morgan")).inner_text()

    # By adult: all of Tom Fairweather's cases, one reason.
    page.get_by_role("link", name="By adult").click()
    page.get_by_label("All 2 in this group (Tom Fairweather)").check()
    page.get_by_label("Decision", exact=True).select_option(label="Dismiss")
    page.get_by_label("Reason (recorded on each case)").fill("Family friends, known to us")
    leader.shot("queue-02-by-adult")
    page.get_by_role("button", name="Apply to the ticked cases").click()
    results = page.locator("#bulk-results").inner_text()
    assert "1 case decided" in results, results
    assert "1 refused" in results and "cannot move to dismissed" in results, \
        "the escalated case is refused by the same rule as on its page"
    leader.shot("queue-03-bulk-results")

    # Assign Jack's case to oneself, then the "assigned to me" view.
    page.goto(f"{base}/cases")
    page.get_by_label("Choose Personal contact with a pupil: Tom Fairweather and Jack Morgan"
                      ).check()
    page.get_by_label("Assign", exact=True).check()
    page.get_by_label("Give them to").select_option(label="Liam Brennan")
    page.get_by_label("Reason (recorded on each case)").fill("I know the family")
    page.get_by_role("button", name="Apply to the ticked cases").click()
    assert "1 case assigned" in page.locator("#bulk-results").inner_text()
    page.get_by_role("link", name="Assigned to me").click()
    summary = page.locator("#queue-summary").inner_text()
    assert summary.startswith("1 case") and "assigned to you" in summary
    assert page.locator("tbody tr").count() == 1
    assert "Jack Morgan" in page.locator("tbody tr").inner_text()
    leader.shot("queue-04-assigned-to-me")
    leader.close()

    jack = [c for c in register.cases.find(rule="pupil-contact")
            if c.finding["counterpart_id"] == "P3"][0]
    history = register.cases.get(jack.finding_id, with_history=True).history
    assert [e.reason for e in history if e.kind == "moved"] == ["Family friends, known to us"] * 2
