"""Local accounts: a one-time code (TOTP) that a trust admin requires per role, and a
password reset by a single-use link sent by e-mail (to a real SMTP server started by the
tests) that says nothing about whether an account exists."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

import api.identity.accounts
from api.identity.local_sign_in import RESET_SECONDS
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.mail_world import address_of, give_addresses, mail_server, mail_settings  # noqa: F401
from tests.test_pages import field, text


@pytest.fixture
def served(tmp_path, monkeypatch, mail_server):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, settings=mail_settings(mail_server.port))
    give_addresses(service)
    yield service
    service.close()


def password_step(service, username, password=PASSWORD, **elsewhere):
    browser = TestClient(service.app, **({"base_url": "https://testserver"} | elsewhere))
    token = field(browser.get("/sign-in").text, "sign_in_token")
    response = browser.post("/sign-in", data={"username": username, "password": password,
                                              "sign_in_token": token}, follow_redirects=False)
    return browser, response


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret).at(when)


def require_codes_for(service, *roles):
    response = service.post("admin", "/admin/sign-in/policy",
                            data={"local_passwords": "on", "totp_roles": list(roles)},
                            follow_redirects=False)
    assert response.status_code == 303, response.text


def test_a_role_that_needs_a_code_sets_it_up_at_its_next_sign_in_then_always_gives_it(served):
    require_codes_for(served, "senior_leader")
    browser, step = password_step(served, "l1-user")
    assert step.status_code == 303 and step.headers["location"] == "/sign-in/second-factor"
    assert "relreg_session" not in browser.cookies, "no session on the password alone"
    setup = browser.get("/sign-in/second-factor").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup).group(1)
    wrong = browser.post("/sign-in/second-factor", data={"code": "000000"})
    assert wrong.status_code == 401 and "That code is not right" in text(wrong.text)
    done = browser.post("/sign-in/second-factor", data={"code": code_at(secret, served.now)},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/cases"
    assert browser.get("/api/auth/me").json()["account"]["username"] == "l1-user"

    # The next sign-in asks for the code; a code already used does not work again.
    browser, step = password_step(served, "l1-user")
    assert step.headers["location"] == "/sign-in/second-factor"
    replay = browser.post("/sign-in/second-factor", data={"code": code_at(secret, served.now)})
    assert replay.status_code == 401
    served.now += 30
    good = browser.post("/sign-in/second-factor", data={"code": code_at(secret, served.now)},
                        follow_redirects=False)
    assert good.status_code == 303
    actions = [(e.action, e.details.get("method")) for e in
               served.register.audit.entries(actor=served.accounts["L1"].actor, limit=50)]
    assert ("second_factor.enrol", None) in actions and ("sign_in", "totp") in actions


def test_roles_not_named_sign_in_with_the_password_alone(served):
    require_codes_for(served, "senior_leader")
    _, step = password_step(served, "t1-user")
    assert step.status_code == 303 and step.headers["location"] == "/my"


def test_an_api_client_of_an_account_with_a_code_sends_it_with_the_password(served):
    with served.register.writing():
        from api.identity.local_sign_in import Totp

        secret, _ = Totp(served.register).new_secret(served.accounts["H1"])
        assert Totp(served.register).check(served.accounts["H1"].account_id,
                                           code_at(secret, served.now), confirming=True)
    token = {"username": "h1-user", "password": PASSWORD}
    without = served.http.post("/api/auth/token", data=token)
    assert without.status_code == 401 and "totp_code" in without.json()["detail"]
    served.now += 30
    wrong = served.http.post("/api/auth/token", data={**token, "totp_code": "123456"})
    assert wrong.status_code == 401
    served.now += 30
    right = served.http.post("/api/auth/token",
                             data={**token, "totp_code": code_at(secret, served.now)})
    assert right.status_code == 200, right.text
    outcomes = [e.outcome for e in served.register.audit.entries(action="sign_in", limit=50)]
    assert outcomes == ["second_factor", "failed", "ok"]


def test_wrong_codes_count_like_wrong_passwords(served):
    require_codes_for(served, "senior_leader")
    browser, _ = password_step(served, "l1-user")
    browser.get("/sign-in/second-factor")
    for _ in range(served.register.settings.sign_in_slow_after):
        browser.post("/sign-in/second-factor", data={"code": "000000"})
    slowed = browser.post("/sign-in/second-factor", data={"code": "000000"})
    assert slowed.status_code == 429


def test_a_trust_admin_removes_a_lost_code(served):
    with served.register.writing():
        from api.identity.local_sign_in import Totp

        secret, _ = Totp(served.register).new_secret(served.accounts["T2"])
        Totp(served.register).check(served.accounts["T2"].account_id,
                                    code_at(secret, served.now), confirming=True)
    _, step = password_step(served, "t2-user")
    assert step.headers["location"] == "/sign-in/second-factor"
    removed = served.post("admin", f"/admin/sign-in/second-factor/"
                                   f"{served.accounts['T2'].account_id}/remove",
                          follow_redirects=False)
    assert removed.status_code == 303
    _, step = password_step(served, "t2-user")
    assert step.headers["location"] == "/my"


# -- password reset ----------------------------------------------------------------------------

def ask_for_reset(service, who):
    browser = TestClient(service.app, base_url="https://testserver")
    return browser.post("/reset", data={"who": who}, follow_redirects=False)


def test_a_reset_answers_the_same_whether_or_not_the_account_exists(served, mail_server):
    answers = [ask_for_reset(served, who) for who in
               ("t2-user", "nobody-at-all", address_of("T1"), "ghost@ninestiles.example.org")]
    assert {(a.status_code, a.headers["location"]) for a in answers} == {
        (303, "/sign-in?notice=reset-sent")}
    assert sorted(m.to[0] for m in mail_server.arrived) == sorted(
        [address_of("T2"), address_of("T1")])
    for message in mail_server.arrived:
        assert "t1-user" not in message.body and "t2-user" not in message.body


def test_the_reset_link_sets_a_new_password_once_and_ends_the_old_sessions(served,
                                                                          mail_server):
    old_token = served.tokens["T2"]
    ask_for_reset(served, "t2-user")
    [message] = mail_server.arrived
    link = re.search(r"https://register\.example\.org(/reset/\S+)", message.body).group(1)
    browser = TestClient(served.app, base_url="https://testserver")
    assert "Set a new password" in browser.get(link).text
    short = browser.post(link, data={"password": "short", "again": "short"})
    assert short.status_code == 422 and "at least 12 characters" in text(short.text)
    new = "a brand new passphrase"
    done = browser.post(link, data={"password": new, "again": new}, follow_redirects=False)
    assert done.headers["location"] == "/sign-in?notice=password-set"
    assert browser.get(link).status_code == 410, "single use"
    assert served.http.get("/api/auth/me", headers={
        "Authorization": f"Bearer {old_token}"}).status_code == 401
    _, step = password_step(served, "t2-user", new)
    assert step.status_code == 303
    _, old = password_step(served, "t2-user", PASSWORD)
    assert old.status_code == 401


def test_using_one_reset_link_voids_the_others(served, mail_server):
    ask_for_reset(served, "t2-user")
    ask_for_reset(served, "t2-user")
    first, second = (re.search(r"(/reset/\S+)", m.body).group(1) for m in mail_server.arrived)
    browser = TestClient(served.app, base_url="https://testserver")
    new = "a brand new passphrase"
    done = browser.post(second, data={"password": new, "again": new}, follow_redirects=False)
    assert done.headers["location"] == "/sign-in?notice=password-set"
    assert browser.get(first).status_code == 410
    other = "another new passphrase"
    assert browser.post(first, data={"password": other, "again": other}).status_code == 410
    _, step = password_step(served, "t2-user", new)
    assert step.status_code == 303, "the password the used link set stands"


def test_a_reset_link_expires_within_the_hour(served, mail_server):
    ask_for_reset(served, "t2-user")
    link = re.search(r"(/reset/\S+)", mail_server.arrived[0].body).group(1)
    served.now += RESET_SECONDS + 1
    assert RESET_SECONDS <= 3600
    assert TestClient(served.app, base_url="https://testserver").get(link).status_code == 410


def test_a_failed_reset_mail_is_shown_to_trust_admins_without_the_link(tmp_path, monkeypatch):
    from tests.mail_world import free_port

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, settings=mail_settings(free_port()))
    try:
        give_addresses(service)
        assert ask_for_reset(service, "t2-user").status_code == 303, "the answer is the same"
        page = service.get("admin", "/admin/notifications").text
        assert "Password reset link" in page and "Could not reach the mail server" in page
        dump = "\n".join(service.register.db.iterdump())
        assert "/reset/" not in dump, "the link itself is not kept"
    finally:
        service.close()


def test_a_code_sign_in_over_plain_http_from_another_machine_warns_the_trust_admins(served):
    require_codes_for(served, "senior_leader")
    browser, step = password_step(served, "l1-user", base_url="http://testserver",
                                  client=("192.0.2.41", 50123))
    assert step.headers["location"] == "/sign-in/second-factor"
    assert served.register.plain_http_sign_in_on is None, "not signed in yet"
    setup = browser.get("/sign-in/second-factor").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup).group(1)
    done = browser.post("/sign-in/second-factor", data={"code": code_at(secret, served.now)},
                        follow_redirects=False)
    assert done.status_code == 303
    assert served.register.plain_http_sign_in_on == served.today


def test_a_code_sign_in_is_refused_once_the_account_no_longer_fits(served):
    require_codes_for(served, "senior_leader")
    browser, _ = password_step(served, "l1-user")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>',
                       browser.get("/sign-in/second-factor").text).group(1)
    moved = served.post("admin", "/api/people/L1/memberships/end", json={
        "school_id": "S1", "role": "staff", "start_date": "2012-09-01",
        "end_date": "2026-11-20"})
    assert moved.status_code == 200
    refused = browser.post("/sign-in/second-factor", data={"code": code_at(secret, served.now)},
                           follow_redirects=False)
    assert refused.status_code == 403 and "can no longer be used" in text(refused.text)
    assert "relreg_session" not in browser.cookies
    outcomes = [e.outcome for e in served.register.audit.entries(action="sign_in", limit=50)
                if e.details.get("method") == "totp"]
    assert outcomes == ["no_longer_fits"]
