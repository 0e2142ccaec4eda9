"""Data protection through the service: the API for trust admins and the safeguarding lead,
and the /privacy page (audit head, holds, erasure preview and erasure, subject access)."""


from tests.api_world import service  # noqa: F401 (a fixture)
import re

from tests.test_pages import Browser, field, region, text


def test_the_api_previews_then_erases_and_refuses_what_it_must(service):
    preview = service.get("admin", "/api/privacy/people/P1/erasure")
    assert preview.status_code == 200
    assert preview.json()["connections"] == 1 and preview.json()["cases"] == 1
    assert (preview.json()["import_previews"], preview.json()["others_words"]) == (0, 0)
    assert service.get("admin", "/api/people/P1").status_code == 200
    assert service.get("L1", "/api/privacy/people/P1/erasure").status_code == 403
    assert service.get("admin", "/api/privacy/people/NOBODY/erasure").status_code == 404

    held = service.post("D1", "/api/privacy/holds",
                        json={"person_id": "P1", "reason": "section 47 enquiry"})
    assert held.status_code == 201, held.text
    refused = service.post("admin", "/api/privacy/people/P1/erasure")
    assert refused.status_code == 409 and "held for safeguarding" in refused.json()["detail"]
    assert "section 47" not in refused.text, "held, never why"
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


# -- holds belong to the school whose DSL placed them (issue 25) ------------------------------

def account_for(service, name, role, person, school):
    from api.identity import SessionKind

    from tests.api_world import PASSWORD

    account = service.register.accounts.create(f"{name.lower()}-user", PASSWORD, role,
                                               person, school)
    service.tokens[name], _ = service.register.accounts.start_session(account,
                                                                      SessionKind.BEARER)
    return account


def test_a_hold_is_its_schools_alone_and_no_one_erases_while_it_stands(service):
    from api.identity import AccountRole

    account_for(service, "BD1", AccountRole.DSL, "BD1", "S2")
    account_for(service, "trust-admin", AccountRole.TRUST_ADMIN, None, "S1")
    placed = service.post("D1", "/api/privacy/holds",
                          json={"person_id": "P1", "reason": "section 47 enquiry"})
    assert placed.status_code == 201 and placed.json()["school_id"] == "S1"

    # the other school's DSL: sees nothing of it, and lifting it is lifting no hold at all
    assert service.get("BD1", "/api/privacy/holds").json() == []
    other = service.post("BD1", "/api/privacy/holds/P1/lift", json={"reason": "mine now"})
    nobody = service.post("BD1", "/api/privacy/holds/P2/lift", json={"reason": "mine now"})
    assert (other.status_code, other.text) == (nobody.status_code,
                                               nobody.text.replace("P2", "P1"))
    assert service.post("BD1", "/api/privacy/holds",
                        json={"person_id": "P1", "reason": "x"}).status_code == 404

    # trust admins: see that P1 is held, never why; cannot lift it; cannot erase P1
    for admin in ("admin", "trust-admin"):
        [seen] = service.get(admin, "/api/privacy/holds").json()
        assert seen["person_id"] == "P1" and seen["reason"] is None
        assert service.post(admin, "/api/privacy/holds/P1/lift",
                            json={"reason": "tidying up"}).status_code == 403
        refused = service.post(admin, "/api/privacy/people/P1/erasure")
        assert refused.status_code == 409 and "section 47" not in refused.text
        preview = service.get(admin, "/api/privacy/people/P1/erasure").json()
        assert preview["held"] is True and "section 47" not in str(preview)
    assert service.register.store.person("P1") is not None

    # the school's own DSL sees why and lifts it, saying why: audited
    assert service.get("D1", "/api/privacy/holds").json()[0]["reason"] == "section 47 enquiry"
    assert service.post("D1", "/api/privacy/holds/P1/lift",
                        json={"reason": "enquiry closed"}).status_code == 204
    [lifted] = service.register.audit.entries(action="hold.lift", limit=10)
    assert lifted.actor == service.accounts["D1"].actor
    assert lifted.details["reason"] == "enquiry closed"


def test_a_trust_admin_reaches_only_their_trusts_people(service):
    """S1 and S2 are in no trust, so each is a trust of its own: an admin of S1 neither
    finds, erases nor exports anyone of S2; those are answered as no one."""
    from api.identity import AccountRole

    account_for(service, "trust-admin", AccountRole.TRUST_ADMIN, None, "S1")
    for url in ("/api/privacy/people/{}/erasure", "/api/people/{}"):
        other = service.get("trust-admin", url.format("P2"))
        nobody = service.get("trust-admin", url.format("NOBODY"))
        assert other.status_code == nobody.status_code == 404
        assert service.get("trust-admin", url.format("P1")).status_code == 200
    assert service.post("trust-admin", "/api/privacy/people/P2/subject-access",
                        json={}).status_code == 404
    assert service.post("trust-admin", "/api/privacy/people/P2/erasure").status_code == 404
    admin = Browser(service, "trust-admin")
    found = text(admin.get("/privacy", params={"name": "familyp"}).text)
    assert "Given FamilyP1" in found and "FamilyP2" not in found


def test_the_privacy_page_shows_a_dsl_only_their_schools_holds(service):
    from api.identity import AccountRole

    account_for(service, "BD1", AccountRole.DSL, "BD1", "S2")
    dsl = Browser(service, "D1")
    chosen = dsl.get("/privacy", params={"person_id": "P1"}).text
    assert dsl.post("/privacy/holds", {"person_id": field(chosen, "person_id"),
                                       "reason": "open concern"}).status_code == 303
    other = text(Browser(service, "BD1").get("/privacy").text)
    assert "Given FamilyP1" not in other and "open concern" not in other
    assert Browser(service, "BD1").get("/privacy", params={"person_id": "P1"}).status_code == 404
    admin = text(Browser(service, "admin").get("/privacy").text)
    assert "Given FamilyP1" in admin and "open concern" not in admin
    assert "Lift the hold" not in admin and "Place a hold" not in admin


# -- a subject access export withholds what others wrote --------------------------------------

def test_what_reviewers_wrote_is_withheld_until_the_school_releases_it(service):
    case = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    moved = service.post("L1", f"/api/cases/{case}/moves",
                         json={"to_state": "in_review", "reason": "Mr T seemed evasive"})
    assert moved.status_code == 200
    first = service.post("admin", "/api/privacy/people/P1/subject-access", json={})
    assert first.status_code == 200
    assert "evasive" not in first.text
    [item] = first.json()["withheld"]
    assert item.startswith(f"case:{case}:")
    decisions = first.json()["cases"][0]["decisions"]
    assert any(item in d["reason"] for d in decisions), "the export says what is withheld"

    released = service.post("admin", "/api/privacy/people/P1/subject-access",
                            json={"release": {item: "the reviewer agreed"}})
    assert "Mr T seemed evasive" in released.text
    assert released.json()["released"] == {item: "the reviewer agreed"}
    [entry] = service.register.audit.entries(action="subject_access.release", limit=10)
    assert entry.actor == service.accounts["admin"].actor
    assert entry.details["reason"] == "the reviewer agreed"
    unknown = service.post("admin", "/api/privacy/people/P1/subject-access",
                           json={"release": {"case:nothing:1": "why not"}})
    assert unknown.status_code == 409 and "no withheld item" in unknown.json()["detail"]
    unsaid = service.post("admin", "/api/privacy/people/P1/subject-access",
                          json={"release": {item: " "}})
    assert unsaid.status_code == 422


def test_a_declarations_decision_reason_is_withheld_from_the_declarer(service):
    made = service.post("T1", "/api/declarations",
                        json={"counterpart_id": "M1", "basis": "family_member"}).json()
    service.post("H1", f"/api/declarations/{made['declaration_id']}/decision",
                 json={"decision": "rejected", "reason": "no proof of kinship"})
    export = service.post("admin", "/api/privacy/people/T1/subject-access", json={})
    assert "no proof of kinship" not in export.text
    [row] = [d for d in export.json()["declarations"] if d["status"] == "rejected"]
    [withheld] = row["reasons"]
    assert "withheld" in withheld and withheld.split("item ")[1].rstrip(")") \
        in export.json()["withheld"]


def test_relreg_subject_access_withholds_and_releases_too(service, tmp_path):
    import json
    import subprocess
    import sys

    case = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    service.post("L1", f"/api/cases/{case}/moves",
                 json={"to_state": "in_review", "reason": "Mr T seemed evasive"})
    data = service.register.data_dir

    def relreg(*args):
        return subprocess.run([sys.executable, "-m", "api.cli", "subject-access", "P1",
                               "--data", str(data), *map(str, args)],
                              capture_output=True, text=True)

    first = relreg("--out", tmp_path / "first")
    assert first.returncode == 0, first.stderr
    page = (tmp_path / "first" / "subject-access.html").read_text()
    assert "evasive" not in page
    [item] = json.loads((tmp_path / "first" / "subject-access.json").read_text())["withheld"]
    assert item in page, "the page lists what it withholds"
    second = relreg("--out", tmp_path / "second", "--release", f"{item}=the reviewer agreed")
    assert second.returncode == 0, second.stderr
    assert "Mr T seemed evasive" in (tmp_path / "second" / "subject-access.html").read_text()
    assert relreg("--out", tmp_path / "third", "--release", f"{item}=").returncode != 0


def test_where_the_profile_reaches_the_trust_a_dsl_keeps_the_trusts_holds(tmp_path, monkeypatch):
    """Mowbray's policy means the whole trust by 'school': its DSLs are trust DSLs, who
    see and lift the holds of the trust's other schools; its leaders still see their own
    school only."""
    import dataclasses

    import api.identity.accounts
    from api.identity import AccountRole
    from tests.api_world import FAST_HASHER, ServiceUnderTest, small_trust

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = small_trust()
    for school_id in ("S1", "S2"):
        world.schools[school_id] = dataclasses.replace(world.schools[school_id],
                                                       profile="mowbray", trust_id="TR")
    served = ServiceUnderTest(tmp_path, world)
    try:
        account_for(served, "BD1", AccountRole.DSL, "BD1", "S2")
        assert served.post("BD1", "/api/privacy/holds",
                           json={"person_id": "P2", "reason": "LADO referral"}).status_code == 201
        [kept] = served.get("D1", "/api/privacy/holds").json()
        assert kept["reason"] == "LADO referral" and kept["school_id"] == "S2"
        assert served.get("L1", "/api/people/P2").status_code == 404, "a leader: own school"
        assert served.post("D1", "/api/privacy/holds/P2/lift",
                           json={"reason": "referral closed"}).status_code == 204

        # keeping two schools' holds on P2, D1 lifts their own unless they name another
        for dsl, why in (("BD1", "second referral"), ("D1", "S1's own concern")):
            assert served.post(dsl, "/api/privacy/holds",
                               json={"person_id": "P2", "reason": why}).status_code == 201
        assert len(served.get("D1", "/api/privacy/holds").json()) == 2
        assert served.post("D1", "/api/privacy/holds/P2/lift",
                           json={"reason": "ours closed"}).status_code == 204
        [left] = served.get("D1", "/api/privacy/holds").json()
        assert (left["school_id"], left["reason"]) == ("S2", "second referral")
        assert served.post("D1", "/api/privacy/holds/P2/lift",
                           json={"reason": "x", "school_id": "S1"}).status_code == 409
        assert served.post("D1", "/api/privacy/holds/P2/lift",
                           json={"reason": "closed", "school_id": "S2"}).status_code == 204
        assert served.get("BD1", "/api/privacy/holds").json() == []
    finally:
        served.close()


# -- one hold per school: two schools may each hold the same child ----------------------------

def test_two_schools_each_hold_the_same_child_and_neither_learns_of_the_other(tmp_path,
                                                                              monkeypatch):
    """P1 is a pupil at S1 and S2 (dual registration). Each school's DSL places, sees and
    lifts their own hold; the child stays unerasable while either stands."""
    import datetime as dt

    import api.identity.accounts
    from api.identity import AccountRole
    from graph.model import Membership, Role
    from tests.api_world import FAST_HASHER, ServiceUnderTest, small_trust

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = small_trust()
    world.memberships.append(Membership("P1", "S2", Role.PUPIL, None, dt.date(2024, 9, 1), None))
    served = ServiceUnderTest(tmp_path, world)
    try:
        account_for(served, "BD1", AccountRole.DSL, "BD1", "S2")
        first = served.post("BD1", "/api/privacy/holds",
                            json={"person_id": "P1", "reason": "S2: LADO referral"})
        assert first.status_code == 201, first.text
        placed = served.post("D1", "/api/privacy/holds",
                             json={"person_id": "P1", "reason": "S1: section 47 enquiry"})
        assert placed.status_code == 201, placed.text
        assert placed.json()["school_id"] == "S1"
        again = served.post("D1", "/api/privacy/holds",
                            json={"person_id": "P1", "reason": "a second concern"})
        assert again.status_code == 409 and "your school already holds P1" in again.text

        # each DSL sees only their own school's hold, on the API and on the page
        [own] = served.get("D1", "/api/privacy/holds").json()
        [theirs] = served.get("BD1", "/api/privacy/holds").json()
        assert (own["school_id"], own["reason"]) == ("S1", "S1: section 47 enquiry")
        assert (theirs["school_id"], theirs["reason"]) == ("S2", "S2: LADO referral")
        assert "LADO" not in text(Browser(served, "D1").get("/privacy").text)
        assert "section 47" not in text(Browser(served, "BD1").get("/privacy").text)

        # S1 lifts theirs: S2's still stands, so no one erases P1
        assert served.post("D1", "/api/privacy/holds/P1/lift",
                           json={"reason": "enquiry closed"}).status_code == 204
        assert served.get("D1", "/api/privacy/holds").json() == []
        assert served.get("BD1", "/api/privacy/holds").json() == [theirs]
        assert served.get("admin", "/api/privacy/people/P1/erasure").json()["held"] is True
        refused = served.post("admin", "/api/privacy/people/P1/erasure")
        assert refused.status_code == 409 and "LADO" not in refused.text
        assert served.register.store.person("P1") is not None
        # lifting S1's hold again is lifting no hold, as for someone never held
        again = served.post("D1", "/api/privacy/holds/P1/lift", json={"reason": "x"})
        never = served.post("D1", "/api/privacy/holds/T1/lift", json={"reason": "x"})
        assert (again.status_code, again.text) == (never.status_code,
                                                   never.text.replace("T1", "P1"))

        [lifted] = served.register.audit.entries(action="hold.lift", limit=10)
        assert (lifted.details["reason"], lifted.details["school_id"]) == ("enquiry closed", "S1")
        assert served.post("BD1", "/api/privacy/holds/P1/lift",
                           json={"reason": "referral closed"}).status_code == 204
        assert served.post("admin", "/api/privacy/people/P1/erasure").status_code == 200
    finally:
        served.close()
