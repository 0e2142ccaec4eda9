"""The cases no one at a school or trust was free to review go to the register's
administrators (api/access.py routed_to_administrators): a trust admin sees, moves and is
told of only those at their trust's schools. S1 and S2 have no trust (each is a trust of
its own); S3 has no one in post, so its cases go to the administrators."""

import api.identity.accounts
from api.identity import AccountRole, SessionKind
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.mail_world import mail_server  # noqa: F401
from tests.test_api_unreviewed_schools import with_unled_school


def admin_of(service, school_id: str) -> str:
    account = service.register.accounts.create(f"admin-{school_id}", PASSWORD,
                                               AccountRole.TRUST_ADMIN, None, school_id)
    service.tokens[school_id], _ = service.register.accounts.start_session(
        account, SessionKind.BEARER)
    return school_id


def test_a_trust_admin_sees_only_their_trusts_cases_for_the_administrators(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, with_unled_school())
    try:
        other, own = admin_of(service, "S1"), admin_of(service, "S3")
        cases = service.get(own, "/api/cases").json()
        assert sorted(c["finding"]["rule"] for c in cases) == ["data-quality", "pupil-contact"]
        assert service.get(other, "/api/cases").json() == []
        findings = service.get(other, "/api/findings").json()["findings"]
        assert all(f["school_id"] != "S3" for f in findings)
        [contact] = [c for c in cases if c["finding"]["rule"] == "pupil-contact"]
        url = f"/api/cases/{contact['finding_id']}"
        assert service.get(other, url).status_code == 404, "answered as no case"
        refused = service.post(other, f"{url}/moves",
                               json={"to_state": "in_review", "reason": "not ours"})
        assert refused.status_code == 404, "answered as no case"
        assert service.get(own, url).json()["state"] == "open", "nothing moved"
        moved = service.post(own, f"{url}/moves",
                             json={"to_state": "in_review", "reason": "recording S3's head"})
        assert moved.status_code == 200, moved.text
    finally:
        service.close()


def test_only_the_schools_trust_admins_are_told_of_such_a_case(tmp_path, monkeypatch,
                                                                mail_server):
    from api.notify.notifier import Notifier
    from tests.mail_world import give_addresses, mail_settings

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, with_unled_school(),
                               settings=mail_settings(mail_server.port))
    try:
        admin_of(service, "S1")
        admin_of(service, "S3")
        give_addresses(service)
        Notifier(service.register).run(digest=True)
        told = {username for (username,) in service.register.db.execute(
            "SELECT DISTINCT a.username FROM notice_items n JOIN accounts a "
            "ON a.account_id = n.account_id WHERE n.kind = 'case_routed'")}
        assert told >= {"admin-S3"} and "admin-S1" not in told
    finally:
        service.close()
