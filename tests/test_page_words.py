"""Words and places people expect (issue 28 item 6), through the pages: every page a role
can open names itself in its title, before the register's name."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from fastapi.routing import APIRoute

from tests.test_pages import Browser, service, text  # noqa: F401 (the story's school, served)

ROLES = ["T2", "L1", "H1", "D1", "admin", "auditor"]
# A case's number, a hash, or the id of a person or school of the story's world.
INTERNAL_ID = re.compile(r"\bF-[0-9a-f]{8,}\b|\b[0-9a-f]{32,}\b|"
                         r"\b(?:T1|T2|L1|H1|D1|BL1|P1|P2|P3|M1|G1|S1|S2)\b")


def page_addresses(service, browser) -> list[str]:
    """Every GET page of the app (not the API, not downloads), with a path parameter filled
    by a case or person this role may see: the pages a person reaches from the menus."""
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    fill = {"finding_id": case_id, "person_id": "P1", "account_id": "admin-user"}
    addresses = []
    for path in get_paths(service.app.routes):
        if path.startswith(("/api", "/docs", "/openapi", "/redoc", "/static")):
            continue
        names = re.findall(r"{(\w+)}", path)
        if any(name not in fill for name in names):
            continue
        addresses.append(re.sub(r"{(\w+)}", lambda m: fill[m.group(1)], path))
    assert {"/my", "/cases", "/audit", "/sign-in", "/admin/accounts"} <= set(addresses)
    return sorted(set(addresses))


def get_paths(routes, prefix: str = ""):
    """The paths of the GET routes, through included routers (FastAPI keeps an included
    router whole, with its prefix beside it)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from get_paths(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute) and "GET" in route.methods:
            yield prefix + route.path


def title_of(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    return found.group(1).strip() if found else ""


def test_the_pages_before_signing_in_are_named_in_their_titles(service):  # noqa: F811
    signed_out = TestClient(service.app, base_url="https://testserver")
    assert title_of(signed_out.get("/sign-in").text) == "Sign in – Relationship register"
    assert title_of(signed_out.get("/reset").text) == \
        "Forgotten your password? – Relationship register"


@pytest.mark.parametrize("who", ROLES)
def test_every_page_a_role_opens_names_itself_in_its_title(service, who):  # noqa: F811
    browser = Browser(service, who)
    opened, unnamed, with_ids = 0, [], []
    for address in page_addresses(service, browser):
        answer = browser.get(address, follow_redirects=False)
        if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        opened += 1
        title = title_of(answer.text)
        before, dash, after = title.partition(" – ")
        if not (dash and before.strip() and after == "Relationship register"):
            unnamed.append((address, title))
        # Left out: the scripts' data, and the audit trail's head, a hash the data protection
        # officer writes down to check the trail later (docs/data-protection.md).
        words = text(re.sub(r'<script.*?</script>|<code id="audit-head">.*?</code>', "",
                            answer.text, flags=re.S))
        shown_ids = INTERNAL_ID.findall(words)
        if address == "/audit":  # the trail names a case by its number, the record's reference
            shown_ids = [found for found in shown_ids if not found.startswith("F-")]
        if shown_ids:
            with_ids.append((address, sorted(set(shown_ids))))
    assert unnamed == [], f"pages whose title names no page, as {who}"
    assert with_ids == [], f"pages showing internal ids or hashes, as {who}"
    assert opened >= 3, f"{who} opened only {opened} pages"


def test_an_error_is_summarised_linked_to_its_field_and_shown_beside_it(service):  # noqa: F811
    leader = Browser(service, "L1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    refused = leader.post(f"/cases/{case_id}/moves", {"to_state": "in_review", "reason": ""})
    assert refused.status_code == 422
    page = refused.text
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus>'
                        r'(.*?)</div>', page, re.S)
    assert summary, "announced, and focused when the page opens"
    assert '<a href="#reason">Reason: fill this in</a>' in summary.group(1)
    field = re.search(r'<textarea id="reason"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="reason-hint reason-error"' in field
    assert re.search(r'<p class="field-error" id="reason-error">Reason: fill this in</p>', page)
    assert page.count("autofocus") == 1


def test_the_sign_in_error_sits_beside_the_username(service):  # noqa: F811
    signed_out = TestClient(service.app, base_url="https://testserver")
    form = signed_out.get("/sign-in").text
    token = re.search(r'name="sign_in_token" value="([^"]*)"', form).group(1)
    refused = signed_out.post("/sign-in", data={"username": "l1-user", "password": "wrong",
                                                "sign_in_token": token}).text
    assert '<li><a href="#username">' in refused
    username = re.search(r'<input id="username"[^>]*>', refused).group(0)
    assert 'aria-invalid="true"' in username and "autofocus" not in username
    assert 'id="sign-in-problem"' in refused


def test_a_case_history_is_in_the_school_time_zone(service):  # noqa: F811
    # A decision at 09:45 UTC on 23 November is 09:45 in London (winter); its <time> keeps
    # the UTC moment, its words the school's. In summer the hour would differ.
    leader = Browser(service, "L1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    assert leader.post(f"/cases/{case_id}/moves", {"to_state": "in_review",
                                                   "reason": "looking"}).status_code == 303
    history = leader.get(f"/cases/{case_id}").text
    moments = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', history)
    assert moments and "UTC" not in history
    from graph.clock import school_time
    for at, words in moments:
        local = school_time(at)
        assert words == f"{local.day} {local:%B %Y} at {local:%H:%M}"


def test_times_are_read_in_london_time():
    from api.pages.common import uk_time
    assert uk_time("2026-07-01T10:05:00+00:00") == "1 July 2026 at 11:05", "summer"
    assert uk_time("2026-12-01T10:05:00+00:00") == "1 December 2026 at 10:05", "winter"
    assert uk_time(1782900300.0, seconds=True) == "1 July 2026 at 11:05:00"
    assert uk_time(None) == ""


def test_a_case_title_names_the_state_of_its_declaration(service):  # noqa: F811
    teacher = Browser(service, "T2")
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                     "direction": "mutual"})
    case_id = service.case_of("declaration-required", "T2", "M1")["finding_id"]
    page = Browser(service, "L1").get(f"/cases/{case_id}").text
    assert title_of(page) == \
        "Relationship declared, awaiting a decision: case – Relationship register"
