"""Data protection through the service: the API for trust admins and the safeguarding lead,
and the /privacy page (audit head, holds, erasure preview and erasure, subject access)."""


from tests.api_world import service  # noqa: F401 (a fixture)
import re

from tests.test_pages import Browser, field, region, text


def test_the_api_previews_then_erases_and_refuses_what_it_must(service):
    preview = service.get("admin", "/api/privacy/people/P1/erasure")
    assert preview.status_code == 200
    assert preview.json()["connections"] == 1 and preview.json()["cases"] == 1
    assert service.get("admin", "/api/people/P1").status_code == 200
    assert service.get("L1", "/api/privacy/people/P1/erasure").status_code == 403
    assert service.get("admin", "/api/privacy/people/NOBODY/erasure").status_code == 404

    held = service.post("D1", "/api/privacy/holds",
                        json={"person_id": "P1", "reason": "section 47 enquiry"})
    assert held.status_code == 201, held.text
    refused = service.post("admin", "/api/privacy/people/P1/erasure")
    assert refused.status_code == 409 and "held for safeguarding" in refused.json()["detail"]
    assert [h["person_id"] for h in service.get("admin", "/api/privacy/holds").json()] == ["P1"]
    assert service.post("D1", "/api/privacy/holds/P1/lift",
                        json={"reason": "enquiry closed"}).status_code == 204
    erased = service.post("admin", "/api/privacy/people/P1/erasure")
    assert erased.status_code == 200
    assert service.get("admin", "/api/people/P1").status_code == 404


def test_no_one_erases_their_own_person_while_signed_in(service):
    from api.identity import AccountRole, SessionKind

    register = service.register
    account = register.accounts.create("admin-with-person", "a long enough password",
                                       AccountRole.TRUST_ADMIN, "T2", None)
    token, _ = register.accounts.start_session(account, SessionKind.BEARER)
    refused = service.http.post("/api/privacy/people/T2/erasure",
                                headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and "your own person" in refused.json()["detail"]
    assert register.store.person("T2") is not None


def test_subject_access_through_the_api_is_redacted_and_audited(service):
    answer = service.post("admin", "/api/privacy/people/P1/subject-access", json={})
    assert answer.status_code == 200
    t1 = service.register.store.person("T1")
    assert t1.family_name not in answer.text
    revealed = service.post("admin", "/api/privacy/people/P1/subject-access",
                            json={"reveal": {"T1": "the parent asked who it was"}})
    assert t1.family_name in revealed.text
    blank = service.post("admin", "/api/privacy/people/P1/subject-access",
                         json={"reveal": {"T1": " "}})
    assert blank.status_code == 422


def test_the_audit_head_for_trust_admins_and_the_auditor(service):
    head = service.get("admin", "/api/privacy/audit-head").json()
    assert head["head"] == str(service.register.audit.head())
    assert service.get("auditor", "/api/privacy/audit-head").status_code == 200
    assert service.get("T1", "/api/privacy/audit-head").status_code == 403


def test_the_privacy_page(service):
    dsl = Browser(service, "D1")
    page = dsl.get("/privacy")
    assert page.status_code == 200
    assert str(service.register.audit.head()) in page.text
    assert "Erase a person" not in page.text, "erasure is for trust admins"
    found = dsl.get("/privacy", params={"name": "familyp"}).text
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', found)
    assert rows == [("Given FamilyP1", "pupil at School S1"),
                    ("Given FamilyM1", "parent of Given FamilyP1")], \
        "found by name, a parent through their child; P2 is at another school"
    assert not re.search(r"\b[PM]\d\b", text(found)), "never an id"
    chosen = dsl.get("/privacy", params={"person_id": "P1"}).text
    assert "Given FamilyP1" in region(chosen, "chosen-heading")
    placed = dsl.post("/privacy/holds", {"person_id": field(chosen, "person_id"),
                                         "reason": "open concern"})
    assert placed.status_code == 303
    held = text(dsl.get("/privacy").text)
    assert "Given FamilyP1" in held and "open concern" in held
    admin = Browser(service, "admin")
    everywhere = text(admin.get("/privacy", params={"name": "familyp2"}).text)
    assert "Given FamilyP2 pupil at School S2" in everywhere, "a trust admin finds anyone"
    preview = admin.get("/privacy", params={"person_id": "P1"})
    assert "Given FamilyM1" in preview.text, "a SAR may name the people in the records"
    assert "The hold must be lifted first" in text(preview.text)
    assert dsl.post("/privacy/holds/P1/lift", {"reason": "closed"}).status_code == 303
    preview = admin.get("/privacy", params={"person_id": "P1"})
    assert "would remove" in text(preview.text) and "for good" in text(preview.text)
    assert admin.post("/privacy/erase", {"person_id": "P1"}, csrf=False).status_code == 403
    assert admin.post("/privacy/erase", {"person_id": "P1"}).status_code == 303
    assert service.register.store.person("P1") is None
    sar = admin.post("/privacy/subject-access", {"person_id": "T1"})
    assert sar.status_code == 200 and "What the relationship register holds about" in sar.text
    assert sar.headers["Content-Security-Policy"]
    staff = Browser(service, "T1")
    assert staff.get("/privacy").status_code == 403


def test_the_service_logs_the_head_when_it_starts_its_day_and_when_it_stops(service, caplog):
    import logging

    head = str(service.register.audit.head())
    with caplog.at_level(logging.INFO, logger="api.service"):
        stop = service.register.run_daily(check_every_seconds=3600)
        stop.set()
    assert f"audit trail head {head}" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="api.service"):
        service.register.close()
        service.register.close = lambda: None  # the fixture's close: already done
    assert f"audit trail head {head}" in caplog.text
