"""Signing in as schools deploy the register: the session cookie is Secure whenever the
request came over HTTPS (directly or through a proxy the admin trusts), a sign-in over plain
HTTP from another machine works and warns the trust admins, or is refused with a page that
says what to set, and a form sent after the session ended leads back through sign-in."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient

import api.identity.accounts
from api.main import create_app
from api.settings import Settings
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.test_pages import field, text

STAFFROOM = ("192.0.2.41", 50123)  # another machine on the school's network


@pytest.fixture
def make_service(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    made = []

    def make(**settings):
        service = ServiceUnderTest(tmp_path / str(len(made)), settings=Settings(**settings))
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


def sign_in_on_page(http: TestClient, username: str, next_path: str = ""):
    form = http.get("/sign-in" + (f"?next={next_path}" if next_path else ""))
    return http.post("/sign-in", data={"username": username, "password": PASSWORD,
                                       "sign_in_token": field(form.text, "sign_in_token"),
                                       "next": next_path}, follow_redirects=False)


def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.get_list("set-cookie")
                if c.startswith("relreg_session=")]
    return cookie


def test_over_https_the_session_cookie_is_secure(make_service):
    service = make_service()
    http = TestClient(service.app, base_url="https://register.school.example", client=STAFFROOM)
    assert "Secure" in session_cookie(sign_in_on_page(http, "t1-user"))


def test_over_plain_http_from_the_staffroom_sign_in_works_and_the_admins_are_warned(make_service):
    service = make_service()
    http = TestClient(service.app, base_url="http://register.school.example", client=STAFFROOM)
    form = http.get("/sign-in")
    assert "This connection is not encrypted" in text(form.text)
    signed_in = sign_in_on_page(http, "t1-user")
    assert signed_in.status_code == 303
    assert "Secure" not in session_cookie(signed_in), "a browser would drop it over HTTP"
    assert http.get("/my").status_code == 200, "the teacher is signed in"

    admin = TestClient(service.app, base_url="https://register.school.example")
    sign_in_on_page(admin, "admin-user")
    warning = text(admin.get("/admin/accounts").text)
    assert "Someone signed in over plain HTTP from another machine on 23 November 2026" \
        in warning and "RELREG_REQUIRE_HTTPS" in warning
    assert "signed in over plain HTTP" not in text(http.get("/my").text), "only admins"


def test_from_this_machine_plain_http_raises_no_warning(make_service):
    service = make_service()
    http = TestClient(service.app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5000))
    assert "not encrypted" not in text(http.get("/sign-in").text)
    assert sign_in_on_page(http, "t1-user").status_code == 303
    assert service.register.plain_http_sign_in_on is None


def test_with_https_required_plain_http_from_elsewhere_is_refused_with_what_to_do(make_service):
    service = make_service(require_https=True)
    http = TestClient(service.app, base_url="http://register.school.example", client=STAFFROOM)
    refused = http.get("/sign-in")
    assert refused.status_code == 403
    words = text(refused.text)
    assert "Open the address that starts with https://" in words
    assert "RELREG_TRUSTED_PROXIES" in words and "RELREG_REQUIRE_HTTPS" in words
    assert http.post("/api/auth/login", json={"username": "t1-user", "password": PASSWORD}
                     ).status_code == 403
    secure = TestClient(service.app, base_url="https://register.school.example", client=STAFFROOM)
    assert sign_in_on_page(secure, "t1-user").status_code == 303


def test_a_trusted_proxy_says_https_and_only_it_is_believed(make_service):
    service = make_service(trusted_proxies="10.0.0.5")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": STAFFROOM[0]}
    proxy = TestClient(service.app, base_url="http://register.internal",
                       client=("10.0.0.5", 40000), headers=forwarded)
    form = proxy.get("/sign-in")
    assert "not encrypted" not in text(form.text)
    # The browser speaks HTTPS to the proxy, so it sends the Secure sign-in cookie back.
    token = re.search(r"relreg_sign_in=([^;]+)", form.headers["set-cookie"]).group(1)
    signed_in = proxy.post("/sign-in", data={
        "username": "t1-user", "password": PASSWORD,
        "sign_in_token": field(form.text, "sign_in_token")},
        headers={"Cookie": f"relreg_sign_in={token}"}, follow_redirects=False)
    assert "Secure" in session_cookie(signed_in)

    stranger = TestClient(service.app, base_url="http://register.internal",
                          client=STAFFROOM, headers=forwarded)
    assert "not encrypted" in text(stranger.get("/sign-in").text)
    assert "Secure" not in session_cookie(sign_in_on_page(stranger, "t2-user"))


def test_a_form_sent_after_the_session_ended_leads_to_sign_in_then_back(make_service):
    service = make_service()
    http = TestClient(service.app, base_url="https://testserver")
    sign_in_on_page(http, "t1-user")
    page = http.get("/my/declare?name=Morgan")
    csrf = field(page.text, "csrf_token")
    service.now += 9 * 3600  # the page session lasts 8 hours
    sent = http.post("/my/confirmation", data={"csrf_token": csrf, "nothing_to_declare": "yes"},
                     headers={"Referer": "https://testserver/my/declare?name=Morgan"},
                     follow_redirects=False)
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location.startswith("/sign-in?") and "ended=1" in location
    form = http.get(location)
    assert "the last thing you sent was not saved" in text(form.text)
    back = http.post("/sign-in", data={"username": "t1-user", "password": PASSWORD,
                                       "sign_in_token": field(form.text, "sign_in_token"),
                                       "next": html.unescape(field(form.text, "next"))},
                     follow_redirects=False)
    assert back.headers["location"] == "/my/declare?name=Morgan"


def test_a_form_address_opened_as_a_page_shows_the_page_of_the_form(make_service):
    service = make_service()
    http = TestClient(service.app, base_url="https://testserver")
    sign_in_on_page(http, "l1-user")
    [case] = service.register.cases.find(adult_id="T1")
    opened = http.get(f"/cases/{case.finding_id}/moves", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/cases/{case.finding_id}"


@pytest.mark.parametrize("how", ["page", "api_token", "api_login"])
def test_every_password_sign_in_over_plain_http_from_elsewhere_warns(make_service, how):
    service = make_service()
    http = TestClient(service.app, base_url="http://register.school.example", client=STAFFROOM)
    if how == "page":
        assert sign_in_on_page(http, "t1-user").status_code == 303
    elif how == "api_token":
        assert http.post("/api/auth/token", data={"username": "t1-user", "password": PASSWORD}
                         ).status_code == 200
    else:
        assert http.post("/api/auth/login", json={"username": "t1-user", "password": PASSWORD}
                         ).status_code == 200
    assert service.register.plain_http_sign_in_on == service.today


def test_the_warning_survives_a_restart_until_a_trust_admin_has_seen_it(make_service, tmp_path):
    service = make_service()
    http = TestClient(service.app, base_url="http://register.school.example", client=STAFFROOM)
    sign_in_on_page(http, "t1-user")
    folder = tmp_path / "0" / "data"
    service.http.close()
    service.register.close()
    service.app = create_app(service.store, folder / "service.sqlite3", settings=Settings(),
                             today=lambda: service.today, clock=lambda: service.now)
    service.register = service.app.state.register
    service.http = TestClient(service.app, base_url="https://testserver")

    admin = TestClient(service.app, base_url="https://register.school.example")
    sign_in_on_page(admin, "admin-user")
    shown = admin.get("/admin/import")
    assert "Someone signed in over plain HTTP" in text(shown.text), "kept over the restart"
    seen = admin.post("/admin/plain-http-warning",
                      data={"csrf_token": field(shown.text, "csrf_token")},
                      headers={"Referer": "https://register.school.example/admin/import"},
                      follow_redirects=False)
    assert seen.status_code == 303 and seen.headers["location"] == "/admin/import"
    assert "signed in over plain HTTP" not in text(admin.get("/admin/import").text)
    [entry] = service.register.audit.entries(action="plain_http_warning.seen", limit=5)
    assert entry.actor == service.accounts["admin"].actor

    service.today += dt.timedelta(days=2)  # it happens again: the warning comes back
    http = TestClient(service.app, base_url="http://register.school.example", client=STAFFROOM)
    sign_in_on_page(http, "t2-user")
    assert "on 25 November 2026" in text(admin.get("/admin/import").text)
