"""A school with no one in post: its findings go to the register's administrators, and the
service shows them to the trust admins (and to no one else), who can take them through
review; a trust admin who is a party to the finding is passed over like any reviewer."""

import api.identity.accounts
from api.identity import AccountRole, SessionKind
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest, small_trust
from tests.builder import WorldBuilder
from tests.mail_world import mail_server  # noqa: F401


def with_unled_school():
    """The small trust, plus S3 with a teacher X1 following pupil Q1, and no one in post."""
    world = small_trust()
    extra = (WorldBuilder().school("S3", "ninestiles").staff("X1", "S3", start="2018-09-01")
             .pupil("Q1", "S3").connect("X1", "Q1", connection_id="C3").build())
    return world.merged(extra)


def test_cases_no_one_at_the_school_may_review_go_to_the_trust_admins(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, with_unled_school())
    try:
        cases = service.get("admin", "/api/cases").json()
        unled = sorted((c["finding"]["rule"], c["finding"]["counterpart_id"]) for c in cases)
        assert unled == [("data-quality", None), ("pupil-contact", "Q1")]
        assert all(c["finding"]["route_to"] == ["register administrators"] for c in cases)
        [contact] = [c for c in cases if c["finding"]["rule"] == "pupil-contact"]
        assert "It goes to the register's administrators" in contact["finding"]["explanation"]

        # No leader of another school sees them.
        for reviewer in ("L1", "H1", "D1", "BL1"):
            seen = service.get(reviewer, "/api/cases").json()
            assert all(c["finding"]["school_id"] != "S3" for c in seen), reviewer

        moved = service.post("admin", f"/api/cases/{contact['finding_id']}/moves",
                             json={"to_state": "in_review", "reason": "recording S3's head"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["history"][-1]["actor"] == service.accounts["admin"].actor
    finally:
        service.close()


def test_a_trust_admin_who_is_a_party_does_not_see_the_case(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = with_unled_school()
    # X1 is current staff of the trust, so may hold a trust admin's account.
    service = ServiceUnderTest(tmp_path, world)
    try:
        account = service.register.accounts.create("x1-admin", PASSWORD, AccountRole.TRUST_ADMIN,
                                                   "X1", None)
        token, _ = service.register.accounts.start_session(account, SessionKind.BEARER)
        seen = service.http.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).json()
        assert [c["finding"]["rule"] for c in seen] == ["data-quality"]
    finally:
        service.close()


def test_the_trust_admins_are_told_of_a_case_routed_to_the_administrators(tmp_path, monkeypatch,
                                                                          mail_server):
    from api.notify.notifier import Notifier
    from tests.mail_world import address_of, give_addresses, mail_settings

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, with_unled_school(),
                               settings=mail_settings(mail_server.port))
    try:
        give_addresses(service)
        Notifier(service.register).run(digest=True)
        [to_admin] = mail_server.to(address_of("admin"))
        assert "routed to you for review" in to_admin.body
        assert "Q1" not in to_admin.body and "X1" not in to_admin.body
    finally:
        service.close()


def test_a_trust_admin_reviews_such_a_case_on_its_page(tmp_path, monkeypatch):
    """The review queue and the case page open for a trust admin, for these cases only; a
    finding about no two people (the school's own gap) shows why there is no picture."""
    from tests.test_pages import Browser, text

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, with_unled_school())
    try:
        browser = Browser(service, "admin")
        queue = browser.get("/cases")
        assert queue.status_code == 200 and "School S3" in text(queue.text)
        for case in service.get("admin", "/api/cases").json():
            page = browser.get(f"/cases/{case['finding_id']}")
            assert page.status_code == 200, case["finding"]["rule"]
            words = text(page.text)
            assert "Routed to: register administrators." in words
            assert "Give the case to" not in words, "no person to give it to"
        [gap] = [c for c in service.get("admin", "/api/cases").json()
                 if c["finding"]["rule"] == "data-quality"]
        assert "This finding is not about two people." in text(
            browser.get(f"/cases/{gap['finding_id']}").text)
    finally:
        service.close()
