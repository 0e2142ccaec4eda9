"""Content-free e-mail notifications, sent to a real SMTP server (aiosmtpd) started by the
tests: who is told about what, digest or immediate, retried when the server fails, and
recorded in the audit trail; never a child's name, a relationship or a finding's details."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from click.testing import CliRunner

import api.identity.accounts
from api.identity import SessionKind
import tests.api_world
from api.cli import main
from api.notify.notifier import Kind, Notifier
from api.notify import Contacts, Mode, mail_problems
from api.settings import Settings
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.mail_world import (
    address_of,
    assert_content_free,
    free_port,
    give_addresses,
    mail_server,  # noqa: F401
    mail_settings,
)
from tests.pages_world import story_world

RAISED_ON = dt.date(2026, 11, 9)  # a Monday: the story's cases are raised then


@pytest.fixture
def served(tmp_path, monkeypatch, mail_server):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", RAISED_ON)
    service = ServiceUnderTest(tmp_path, world=story_world(),
                               settings=mail_settings(mail_server.port))
    give_addresses(service)
    yield service
    service.close()


def notifier(service) -> Notifier:
    return Notifier(service.register)


def test_the_digest_tells_each_leader_of_the_cases_routed_to_them_and_nothing_of_a_child(
        served, mail_server):
    report = notifier(served).run(digest=True)
    assert report.sent == len(report.composed) and not report.failed
    findings = served.store.findings(RAISED_ON)
    routed_to = {p for f in findings for p in f.route_to}
    assert {"L1", "H1"} <= routed_to, "the story's cases go to its leaders"
    [to_leader] = mail_server.to(address_of("L1"))
    assert "cases have been routed to you for review" in to_leader.body
    assert "https://register.example.org/cases" in to_leader.body
    assert to_leader.sender == "register@trust.example.org"
    # Every school account is due its first yearly confirmation; a teacher has no cases.
    [to_teacher] = mail_server.to(address_of("T2"))
    assert "Your yearly confirmation is due." in to_teacher.body
    assert "routed" not in to_teacher.body
    assert not mail_server.to(address_of("auditor")), "nothing for the auditor to do"
    for message in mail_server.arrived:
        assert len(message.to) == 1, "one person per message"
        assert_content_free(message, story_world(), findings)


def test_every_message_is_in_the_audit_trail_as_to_whom_which_kind_and_when(served,
                                                                           mail_server):
    notifier(served).run(digest=True)
    entries = served.register.audit.entries(action="notification.send", limit=100)
    assert len(entries) == len(mail_server.arrived) > 0
    leader = served.accounts["L1"]
    [entry] = [e for e in entries if e.details["recipient"] == leader.actor]
    assert entry.outcome == "ok" and entry.at
    assert Kind.CASE_ROUTED in entry.details["kinds"]
    assert entry.details["subjects"] == ["L1"], "erasable with the leader's data"
    assert address_of("L1") not in str(entry.details), "the account, not the address"


def test_a_second_run_tells_nobody_the_same_thing_again(served, mail_server):
    notifier(served).run(digest=True)
    count = len(mail_server.arrived)
    again = notifier(served).run(digest=True)
    assert again.composed == [] and len(mail_server.arrived) == count


def test_immediate_people_are_told_at_once_and_the_rest_in_the_next_digest(served,
                                                                          mail_server):
    notifier(served).run(digest=True)  # the first day's digest
    mail_server.arrived.clear()
    with served.register.writing():
        Contacts(served.register.db).set_mode(served.accounts["T1"].account_id, Mode.IMMEDIATE)
    # The leader decides a declaration of each teacher.
    for who in ("T1", "T2"):
        made = served.post(who, "/api/declarations", json={
            "counterpart_id": "M1", "basis": "family_friend", "details": "We met at church."})
        assert made.status_code == 201, made.text
        decided = served.post("L1", f"/api/declarations/{made.json()['declaration_id']}/decision",
                              json={"decision": "accepted", "reason": "A family friend, open."})
        assert decided.status_code == 200, decided.text
    notifier(served).run(digest=False)
    [told] = mail_server.arrived
    assert told.to == [address_of("T1")]
    assert "A declaration you made has been decided." in told.body
    assert_content_free(told, story_world())
    mail_server.arrived.clear()
    served.today += dt.timedelta(days=1)
    notifier(served).run(digest=True)
    [later] = mail_server.to(address_of("T2"))
    assert "A declaration you made has been decided." in later.body


def test_cases_due_by_the_next_school_day_and_overdue_come_in_one_digest(served, mail_server):
    cases = served.register.cases.find(state="open")
    due = {c.due_on for c in cases if "L1" in c.finding["route_to"]}
    assert due, "the leader has open cases"
    first_due = min(due)
    # The school day before the first case falls due: it is due tomorrow.
    served.today = first_due - dt.timedelta(days=1)
    while served.today.weekday() >= 5:
        served.today -= dt.timedelta(days=1)
    notifier(served).run(digest=True)
    [digest] = mail_server.to(address_of("L1"))
    assert "due for a decision by the next school day" in digest.body
    assert "overdue" not in digest.body
    mail_server.arrived.clear()
    served.today = first_due + dt.timedelta(days=3)
    notifier(served).run(digest=True)
    [digest] = mail_server.to(address_of("L1"))
    assert "overdue for a decision" in digest.body
    assert digest.body.count("\n- ") == 1 or "routed" not in digest.body, \
        "one digest, not one mail per case"


def test_a_locked_account_is_told_at_once_and_so_are_the_trust_admins(served, mail_server):
    for _ in range(served.register.settings.sign_in_lock_after):
        served.now += 3600  # no waiting between attempts
        served.http.post("/api/auth/token", data={"username": "t2-user", "password": "wrong"})
    assert served.register.accounts.is_locked("t2-user")
    notifier(served).run(digest=False)
    [owner] = mail_server.to(address_of("T2"))
    assert owner.subject == "Relationship register: your account was locked"
    [admin] = mail_server.to(address_of("admin"))
    assert "An account was locked after repeated failed sign-ins." in admin.body
    assert "t2-user" not in admin.body


def test_a_failed_send_never_blocks_the_action_is_retried_and_shown_to_trust_admins(
        tmp_path, monkeypatch, mail_server):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", RAISED_ON)
    closed_port = free_port()
    service = ServiceUnderTest(tmp_path, world=story_world(), settings=mail_settings(closed_port))
    try:
        give_addresses(service)
        with service.register.writing():
            Contacts(service.register.db).set_mode(service.accounts["T2"].account_id,
                                                   Mode.IMMEDIATE)
        notifier(service).run(digest=True)  # nobody reachable
        made = service.post("T2", "/api/declarations", json={
            "counterpart_id": "M1", "basis": "family_friend", "details": "Neighbours."})
        decided = service.post("L1", f"/api/declarations/{made.json()['declaration_id']}"
                                     f"/decision", json={"decision": "accepted",
                                                          "reason": "Neighbours, open."})
        assert decided.status_code == 200, "the decision does not wait for the mail server"
        report = notifier(service).run(digest=False)
        [(message, why)] = report.failed
        assert f"Could not reach the mail server at 127.0.0.1:{closed_port}" in why
        assert "RELREG_SMTP_HOST and RELREG_SMTP_PORT" in why
        failed = service.register.audit.entries(action="notification.send", limit=500)
        assert {e.outcome for e in failed} == {"failed"}
        page = service.get("admin", "/admin/notifications").text
        assert "Could not reach the mail server" in page and "will try again" in page
        assert service.get("T2", "/admin/notifications").status_code == 403

        # The server comes back: the message goes at its next try, not before.
        service.register.settings.smtp_port = mail_server.port
        assert notifier(service).send_due().sent == 0, "waiting before trying again"
        service.now += 3600
        assert notifier(service).send_due().sent >= 1
        assert "A declaration you made has been decided." in mail_server.to(
            address_of("T2"))[-1].body
        assert any(e.outcome == "ok" for e in service.register.audit.entries(
            action="notification.send", limit=500))
    finally:
        service.close()


def test_after_the_last_attempt_a_message_is_given_up_and_an_admin_can_retry_it(
        tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, settings=mail_settings(free_port(), notify_attempts=2))
    try:
        give_addresses(service)
        notifier(service).run(digest=True)
        for _ in range(3):
            service.now += 86400
            notifier(service).send_due()
        [(status, attempts)] = set(service.register.db.execute(
            "SELECT status, attempts FROM outbox"))
        assert (status, attempts) == ("failed", 2)
        service.tokens["admin"], _ = service.register.accounts.start_session(
            service.accounts["admin"], SessionKind.BEARER)  # days have passed
        page = service.get("admin", "/admin/notifications").text
        assert "given up" in page
        [message_id] = {r[0] for r in service.register.db.execute(
            "SELECT message_id FROM outbox LIMIT 1")}
        retried = service.post("admin", f"/admin/notifications/{message_id}/retry",
                               follow_redirects=False)
        assert retried.status_code == 303
        assert service.register.db.execute("SELECT status FROM outbox WHERE message_id = ?",
                                           (message_id,)).fetchone()[0] == "pending"
    finally:
        service.close()


def test_misconfigured_mail_settings_say_what_to_set():
    assert mail_problems(Settings(smtp_host="mail.example.org")) == [
        "Set RELREG_SMTP_FROM to the address the register's messages come from, like "
        "register@trust.org.uk."]
    assert "unencrypted" in " ".join(mail_problems(Settings(
        smtp_host="mail.example.org", smtp_from="r@example.org", smtp_user="u",
        smtp_password="p", smtp_security="none")))
    assert mail_problems(Settings(smtp_host="mail.example.org", smtp_from="r@example.org")) == []


def test_each_person_chooses_digest_or_immediate_on_their_page(served):
    from tests.test_pages import Browser

    teacher = Browser(served, "T2")
    page = teacher.get("/my/notifications").text
    assert address_of("T2") in page and 'value="digest" checked' in page
    assert teacher.post("/my/notifications", {"mode": "immediate"}).status_code == 303
    assert Contacts(served.register.db).get(served.accounts["T2"].account_id).mode == "immediate"


def test_relreg_notify_dry_run_says_who_would_be_told_and_sends_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", RAISED_ON)
    service = ServiceUnderTest(tmp_path, world=story_world())
    give_addresses(service)
    service.close()
    for name in ("RELREG_SMTP_HOST", "RELREG_SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    refused = runner.invoke(main, ["notify", "--data", str(tmp_path / "data")])
    assert refused.exit_code == 1
    assert "No mail server is set: set RELREG_SMTP_HOST" in refused.output
    with time_machine.travel(dt.datetime(2026, 11, 9, 12, tzinfo=dt.UTC), tick=False):
        runs = [runner.invoke(main, ["notify", "--dry-run", "--data", str(tmp_path / "data")])
                for _ in range(2)]
    for dry in runs:
        assert dry.exit_code == 0, dry.output
        assert f"l1-user <{address_of('L1')}>: Case routed, Yearly confirmation due\n" \
            in dry.output
        assert "would write 6 new message(s) with the daily digest" in dry.output
    assert runs[0].output == runs[1].output, "the dry run recorded nothing"


@pytest.mark.parametrize("security, said", [
    ("starttls", "does not offer STARTTLS (or sign-in): check RELREG_SMTP_SECURITY"),
    ("tls", "No secure connection to the mail server at 127.0.0.1:"),
])
def test_a_mail_server_that_does_not_speak_the_security_asked_for_is_named_clearly(
        mail_server, security, said):
    from api.notify import MailError, Mailer

    settings = mail_settings(mail_server.port, smtp_security=security, smtp_timeout_seconds=5)
    with pytest.raises(MailError) as raised:
        Mailer(settings).send("someone@example.org", "subject", "body", 0)
    assert said in str(raised.value)
    assert "someone@example.org" not in str(raised.value)
    assert mail_server.arrived == []


def test_the_service_sends_by_itself_as_it_runs(served, mail_server):
    from api.notify.notifier import start_notifier

    stop = start_notifier(served.register, every_seconds=0.05)
    try:
        for _ in range(200):
            if mail_server.to(address_of("L1")):
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
    [digest] = mail_server.to(address_of("L1"))
    assert "routed to you for review" in digest.body


def test_without_mail_settings_the_service_sends_nothing_and_says_why(tmp_path, monkeypatch,
                                                                     caplog):
    from api.notify.notifier import start_notifier

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path)
    stop = start_notifier(service.register, every_seconds=0.05)
    try:
        assert "no notifications are sent: No mail server is set" in caplog.text
    finally:
        stop.set()  # it keeps looking for a server set on the Mail page until stopped
        service.close()
