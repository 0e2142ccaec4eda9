"""A trust admin sets the mail server in the pages and tests it with a message to a real
SMTP server (tests/mail_world.py); the password is kept sealed, never written down; what the
service's environment sets wins; and while no mail can go the admin is told so, and the
reset page gives every address the same answer."""

from __future__ import annotations

import pytest

import api.identity.accounts
from api.notify import mail_settings
from api.settings import Settings
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.mail_world import mail_server  # noqa: F401 (a fixture)
from tests.test_pages import Browser, text


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path)
    yield service
    service.close()


def test_a_trust_admin_sets_the_mail_server_and_sends_a_test_message(served, mail_server):
    admin = Browser(served, "admin")
    assert "No mail can be sent yet" in text(admin.get("/admin/accounts").text)
    assert "No mail can be sent yet" in text(admin.get("/admin/mail").text)
    saved = admin.post("/admin/mail", {
        "smtp_host": "127.0.0.1", "smtp_port": str(mail_server.port), "smtp_security": "none",
        "smtp_from": "register@trust.example.org"})
    assert saved.status_code == 303
    page = text(admin.get(saved.headers["location"]).text)
    assert "The mail settings are saved" in page and "No mail can be sent yet" not in page
    assert "No mail can be sent yet" not in text(admin.get("/admin/accounts").text)
    sent = admin.post("/admin/mail/test", {"to": "bursar@ninestiles.example.org"})
    assert sent.status_code == 303, sent.text
    assert "The test message was sent" in text(admin.get(sent.headers["location"]).text)
    [message] = mail_server.to("bursar@ninestiles.example.org")
    assert message.subject == "Relationship register: a test message"
    assert message.sender == "register@trust.example.org"
    [change] = served.register.audit.entries(action="mail_settings.change")
    assert change.details["changed"] == ["smtp_from", "smtp_host", "smtp_port",
                                         "smtp_security"]
    assert served.register.audit.entries(action="notification.test")


def test_a_failed_test_message_says_what_to_check(served):
    admin = Browser(served, "admin")
    admin.post("/admin/mail", {"smtp_host": "127.0.0.1", "smtp_port": "1",
                               "smtp_security": "none", "smtp_from": "r@trust.example.org"})
    failed = admin.post("/admin/mail/test", {"to": "bursar@ninestiles.example.org"})
    assert failed.status_code == 502
    assert "Could not reach the mail server at 127.0.0.1:1" in text(failed.text)


def test_the_mail_password_is_kept_sealed_and_never_written_down(served):
    admin = Browser(served, "admin")
    secret = "s3cret-mail-passphrase"
    admin.post("/admin/mail", {"smtp_host": "smtp.example.org", "smtp_security": "starttls",
                               "smtp_from": "r@trust.example.org", "smtp_user": "register",
                               "smtp_password": secret})
    [(kept,)] = served.register.db.execute(
        "SELECT value FROM mail_settings WHERE field = 'smtp_password'").fetchall()
    assert kept.startswith("sealed:") and secret not in kept
    assert mail_settings(served.register).smtp_password.get_secret_value() == secret
    [change] = served.register.audit.entries(action="mail_settings.change")
    assert "smtp_password" in change.details["changed"] and secret not in str(change.details)
    page = admin.get("/admin/mail").text
    assert secret not in page and "A password is kept (sealed)" in text(page)
    # Saving again without typing it keeps it.
    admin.post("/admin/mail", {"smtp_host": "smtp2.example.org", "smtp_security": "starttls",
                               "smtp_from": "r@trust.example.org", "smtp_user": "register"})
    assert mail_settings(served.register).smtp_password.get_secret_value() == secret
    refused = admin.post("/admin/mail", {"smtp_host": "smtp.example.org", "smtp_port": "99999",
                                         "smtp_security": "none", "smtp_user": "x",
                                         "smtp_from": "not an address"})
    assert refused.status_code == 400
    words = text(refused.text)
    assert "Port: enter a number from 1 to 65535" in words
    assert "Sender address: enter one e-mail address" in words
    assert "the password would cross the network unencrypted" in words


def test_the_environment_wins_over_the_page_and_the_page_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path, settings=Settings(smtp_host="env.example.org"))
    try:
        admin = Browser(served, "admin")
        page = text(admin.get("/admin/mail").text)
        assert "env.example.org (set by RELREG_SMTP_HOST where the service runs)" in page
        assert "win over this page" in page
        admin.post("/admin/mail", {"smtp_host": "page.example.org", "smtp_security": "tls",
                                   "smtp_from": "r@trust.example.org"})
        effective = mail_settings(served.register)
        assert effective.smtp_host == "env.example.org", "the environment wins"
        assert effective.smtp_security == "tls" and effective.smtp_from == "r@trust.example.org"
    finally:
        served.close()


def test_only_the_registers_administrator_changes_the_mail_server(served):
    from api.identity import AccountRole
    from tests.api_world import PASSWORD

    served.register.accounts.create("s1-admin-user", PASSWORD, AccountRole.TRUST_ADMIN,
                                    None, "S1")
    school_admin = Browser(served, "S1-admin")
    assert "Only the register's administrator" in text(school_admin.get("/admin/mail").text)
    refused = school_admin.post("/admin/mail", {"smtp_host": "evil.example.org",
                                                "smtp_from": "r@trust.example.org"})
    assert refused.status_code == 403
    assert mail_settings(served.register).smtp_host is None
    assert school_admin.post("/admin/mail/test", {"to": "x@example.org"}).status_code == 403


def test_without_mail_the_reset_page_answers_every_address_alike_and_says_why(served):
    from fastapi.testclient import TestClient

    answers = set()
    for who in ("t1-user", "nobody-at-all", "t1@ninestiles.example.org"):
        http = TestClient(served.app, base_url="https://testserver")
        asked = http.post("/reset", data={"who": who}, follow_redirects=False)
        assert asked.status_code == 303
        answers.add(text(http.get(asked.headers["location"]).text))
    [answer] = answers
    assert "cannot send e-mail yet" in answer and "ask your trust admin" in answer


def test_a_server_set_in_the_page_starts_notifications_without_a_restart(
        tmp_path, monkeypatch, mail_server):
    import threading

    import tests.api_world
    from api.notify.mail import save_mail_settings
    from api.notify.notifier import start_notifier
    from tests.mail_world import address_of, give_addresses
    from tests.test_notify import RAISED_ON
    from tests.pages_world import story_world

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", RAISED_ON)
    service = ServiceUnderTest(tmp_path, world=story_world(),
                               settings=Settings(public_url="https://register.example.org"))
    give_addresses(service)
    stop = start_notifier(service.register, every_seconds=0.05)
    try:
        threading.Event().wait(0.3)
        assert mail_server.arrived == [], "no mail server yet: nothing sent"
        with service.register.writing():
            save_mail_settings(service.register.db, service.register.sealer, {
                "smtp_host": "127.0.0.1", "smtp_port": str(mail_server.port),
                "smtp_security": "none", "smtp_from": "register@trust.example.org"})
        for _ in range(200):
            if mail_server.to(address_of("L1")):
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        threading.Event().wait(0.2)
        service.close()
    [digest] = mail_server.to(address_of("L1"))
    assert "routed to you for review" in digest.body
