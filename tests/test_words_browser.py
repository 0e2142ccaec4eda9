"""Words and places people expect, in Chromium (issue 28 item 6): no table makes a phone's
screen scroll sideways, an error is focused where the user is, and axe-core finds no
critical or serious problem on any page of any role."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import PASSWORD, USERS, Person, browser, served  # noqa: F401 (fixtures)

PHONE = {"width": 390, "height": 844}


def signed_in(browser, base, username, viewport=None, bypass_csp=False):  # noqa: F811
    # axe-core is injected into the page, which the pages' content security policy refuses
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  locale="en-GB", bypass_csp=bypass_csp)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize("username, path", [
    ("liam.brennan", "/cases"), ("liam.brennan", "/declarations"), ("priya.shah", "/my"),
    ("trust.admin", "/admin/accounts"), ("audit.officer", "/audit"),
])
def test_no_page_scrolls_sideways_on_a_phone(served, browser, username, path):  # noqa: F811
    base, _ = served
    context, page = signed_in(browser, base, username, PHONE, bypass_csp=True)
    page.goto(f"{base}{path}")
    if path != "/declarations":  # a page of panels, no table
        assert page.locator("table").count() >= 1, "the page has a table to fit"
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide on a 390 px screen"
    assert serious_problems(page) == [], "a table's box scrolls by keyboard too"
    context.close()


def test_a_sign_in_error_is_focused_and_leads_to_the_field(served, browser):  # noqa: F811
    base, _ = served
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill("liam.brennan")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    # The browser moves focus to an autofocus element when it next renders, which may be
    # after the load event: wait for it (a summary never focused fails here).
    page.wait_for_function("document.activeElement.className === 'error-summary'",
                           timeout=10_000)
    page.get_by_role("alert").get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "username"
    assert page.get_by_label("Username").get_attribute("aria-invalid") == "true"
    context.close()


def pages_of(page, base) -> list[str]:
    """The pages a signed-in person reaches: their menu, and from the queue a case, its
    printed view, and the chronology of a person in it."""
    found = page.eval_on_selector_all("nav[aria-label=Main] a", "links => links.map(a => a.href)")
    addresses = [href.removeprefix(base) for href in found]
    if "/cases" in addresses:
        page.goto(f"{base}/cases")
        case = page.locator("tbody th a").first
        if case.count():
            address = case.get_attribute("href")
            addresses += [address, address + "/print"]
            page.goto(f"{base}{address}")
            chronology = page.locator("a[href*='/chronology']").first
            if chronology.count():
                addresses.append(chronology.get_attribute("href"))
    if "/network" in addresses:
        addresses.append("/network?person=P1")
    if "/my/declare" in addresses:
        addresses.append("/my/declare?name=Morgan")
    return list(dict.fromkeys(addresses + ["/my/second-factor"]))


def serious_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            for v in violations if v["impact"] in ("critical", "serious")]


def test_axe_finds_no_critical_or_serious_problem_on_any_page(served, browser):  # noqa: F811
    base, _ = served
    found: dict[str, list[str]] = {}
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    for address in ("/sign-in", "/reset"):
        page.goto(f"{base}{address}")
        found[f"signed out {address}"] = serious_problems(page)
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill("liam.brennan")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    found["signed out, a sign-in refused"] = serious_problems(page)
    context.close()
    scanned = 0
    for username in USERS:
        context, page = signed_in(browser, base, username, bypass_csp=True)
        for address in pages_of(page, base):
            answer = page.goto(f"{base}{address}")
            if answer.status != 200:
                continue
            scanned += 1
            found[f"{username} {address}"] = serious_problems(page)
        context.close()
    assert scanned >= 25, scanned
    assert {where: problems for where, problems in found.items() if problems} == {}
