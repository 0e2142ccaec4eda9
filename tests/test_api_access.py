"""Least privilege: each rule of api/access.py proven by a request that is denied (and,
beside it, the same request by someone who is allowed, so the denial means something)."""

import dataclasses
import datetime as dt

import pytest

import api.identity.accounts
from tests.api_world import PASSWORD, FAST_HASHER, ServiceUnderTest, service, small_trust  # noqa: F401
from tests.builder import WorldBuilder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def made(service):
    """Things T1 made: a declaration, a declared connection, an approach report; and the
    pupil-contact case about T1 at S1."""
    declaration = service.post("T1", "/api/declarations",
                                json={"counterpart_id": "M1", "basis": "other"}).json()
    connection = service.post("T1", "/api/connections",
                              json={"other_id": "M1", "channel": "whatsapp"}).json()
    report = service.post("T1", "/api/approaches",
                          data={"from_id": "P1", "channel": "instagram",
                                "occurred_on": "2026-11-20"},
                          files={"evidence": ("shot.png", PNG, "image/png")}).json()
    case = service.case_of("pupil-contact", "T1", "P1")
    return {"declaration": declaration["declaration_id"], "connection": connection["connection_id"],
            "report": report["report_id"], "evidence": report["evidence"][0]["evidence_id"],
            "case": case["finding_id"]}


def check(service, allowed, denied, method, url, **kwargs):
    """`denied` gets 403 (or, for a person beyond their reach, 404: the answer of no one);
    `allowed` (if any) does not."""
    if allowed is not None:
        response = getattr(service, method)(allowed, url, **kwargs)
        assert response.status_code < 400, (allowed, url, response.text)
    response = getattr(service, method)(denied, url, **kwargs)
    assert response.status_code in (403, 404), (denied, url, response.status_code, response.text)
    return response


# -- staff: only their own, never a finding about someone else ---------------------------------

def test_staff_see_only_their_own_declarations(service, made):
    check(service, "T1", "T2", "get", f"/api/declarations/{made['declaration']}")
    assert service.get("T2", "/api/declarations").json() == []


def test_staff_withdraw_only_their_own_declarations(service, made):
    check(service, None, "T2", "post", f"/api/declarations/{made['declaration']}/withdraw",
          json={"reason": "not mine"})


def test_staff_cannot_decide_declarations(service, made):
    check(service, None, "T1", "post", f"/api/declarations/{made['declaration']}/decision",
          json={"decision": "accepted", "reason": "my own"})


def test_staff_see_only_their_own_connections(service, made):
    check(service, "T1", "T2", "get", f"/api/connections/{made['connection']}")
    check(service, "T1", "T2", "get", "/api/connections", params={"person_id": "T1"})
    assert service.get("T2", "/api/connections").json() == []


def test_staff_withdraw_only_connections_they_declared(service, made):
    check(service, None, "T2", "delete", f"/api/connections/{made['connection']}")
    # C1 is T1's, but found by monitoring: not T1's to withdraw.
    check(service, None, "T1", "delete", "/api/connections/C1")


def test_staff_see_only_their_own_approach_reports(service, made):
    check(service, "T1", "T2", "get", f"/api/approaches/{made['report']}")
    check(service, "T1", "T2", "get",
          f"/api/approaches/{made['report']}/evidence/{made['evidence']}")
    check(service, None, "T2", "post", f"/api/approaches/{made['report']}/evidence",
          files={"evidence": ("more.png", PNG, "image/png")})


def test_staff_never_see_a_finding_about_someone_else(service, made):
    check(service, "T1", "T2", "get", f"/api/cases/{made['case']}")
    assert service.get("T2", "/api/cases").json() == []
    assert service.get("T2", "/api/findings").json()["findings"] == []
    assert {f["adult_id"] for f in service.get("T1", "/api/findings").json()["findings"]} == {"T1"}


def test_staff_cannot_move_a_case_about_themselves(service, made):
    check(service, "L1", "T1", "post", f"/api/cases/{made['case']}/moves",
          json={"to_state": "in_review", "reason": "looking"})


def test_staff_see_no_one_but_themselves(service):
    check(service, "T1", "T2", "get", "/api/people/T1")
    check(service, "L1", "T1", "get", "/api/people", params={"school_id": "S1"})
    check(service, "L1", "T1", "get", "/api/people/P1/network")


# -- senior leaders and the DSL: their own school only ------------------------------------------

def test_leaders_see_only_their_own_school(service, made):
    check(service, "L1", "BL1", "get", "/api/people/P1")
    check(service, "L1", "BL1", "get", "/api/people/P1/network")
    check(service, "L1", "BL1", "get", "/api/people", params={"school_id": "S1"})
    check(service, "L1", "BL1", "get", f"/api/declarations/{made['declaration']}")
    check(service, "L1", "BL1", "get", "/api/connections", params={"person_id": "T1"})
    check(service, "L1", "BL1", "get", f"/api/approaches/{made['report']}")
    check(service, "L1", "BL1", "get", f"/api/cases/{made['case']}")
    check(service, "D1", "BL1", "get", f"/api/cases/{made['case']}")
    assert {c["finding"]["school_id"] for c in service.get("BL1", "/api/cases").json()} == {"S2"}


def test_leaders_decide_only_declarations_at_their_school(service, made):
    check(service, "H1", "BL1", "post", f"/api/declarations/{made['declaration']}/decision",
          json={"decision": "accepted", "reason": "known"})


def test_a_leader_cannot_decide_their_own_declaration(service):
    declaration = service.post("L1", "/api/declarations",
                               json={"counterpart_id": "P1", "basis": "family_member"}).json()
    url = f"/api/declarations/{declaration['declaration_id']}/decision"
    check(service, "H1", "L1", "post", url, json={"decision": "accepted", "reason": "aunt"})


def test_the_dsl_does_not_decide_declarations(service, made):
    check(service, "L1", "D1", "post", f"/api/declarations/{made['declaration']}/decision",
          json={"decision": "rejected", "reason": "no"})


def test_a_recused_leader_never_sees_the_case(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = small_trust()
    world.family_links += WorldBuilder().family("L1", "sibling", "T1").build().family_links
    served = ServiceUnderTest(tmp_path, world)
    try:
        case = served.case_of("pupil-contact", "T1", "P1", who="H1")
        assert case["finding"]["recused"] == [{"person_id": "L1", "reason": "family of T1"}]
        assert "L1" not in case["finding"]["route_to"]
        check(served, "H1", "L1", "get", f"/api/cases/{case['finding_id']}")
        check(served, "H1", "L1", "post", f"/api/cases/{case['finding_id']}/moves",
              json={"to_state": "in_review", "reason": "mine to review"})
        assert served.get("L1", "/api/cases").json() == []
    finally:
        served.close()


def test_leaders_manage_no_accounts_imports_or_profiles(service):
    check(service, "admin", "L1", "get", "/api/accounts")
    check(service, "admin", "H1", "put", "/api/schools/S1/profile", json={"profile": "mowbray"})
    check(service, None, "H1", "post", "/api/imports",
          files={"file": ("trust.zip", b"PK\x05\x06" + b"\x00" * 18, "application/zip")})
    check(service, "admin", "L1", "post", "/api/people",
          json={"person_id": "N1", "given_name": "New"})


# -- trust admins: imports, accounts and profiles, not cases -------------------------------------

def test_trust_admins_see_no_cases_networks_or_declarations(service, made):
    check(service, "L1", "admin", "get", f"/api/cases/{made['case']}")
    check(service, "L1", "admin", "get", "/api/people/P1/network")
    check(service, "L1", "admin", "get", "/api/declarations")
    check(service, "L1", "admin", "get", f"/api/approaches/{made['report']}")
    check(service, "T1", "admin", "post", "/api/declarations",
          json={"counterpart_id": "P1", "basis": "other"})


# -- the auditor: only the audit trail -----------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/cases", "/api/schools", "/api/people/P1",
                                 "/api/findings", "/api/profiles", "/api/accounts"])
def test_the_auditor_reads_nothing_but_the_audit_trail(service, url):
    check(service, None, "auditor", "get", url)


def test_only_the_auditor_reads_the_audit_trail(service):
    check(service, "auditor", "admin", "get", "/api/audit")
    check(service, "auditor", "L1", "get", "/api/audit/verify")
    check(service, None, "auditor", "post", "/api/findings/refresh")


def test_nothing_without_signing_in(service):
    for url in ("/api/cases", "/api/people/P1", "/api/audit"):
        response = service.http.get(url)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert service.http.get("/api/cases", headers={"Authorization": "Bearer forged"}).status_code == 401


@pytest.mark.parametrize("role, person, school, wrong", [
    ("dsl", "P1", "S1", "Given FamilyP1 is not a current member of staff at School S1"),
    ("staff", "M1", "S1", "is not a current member of staff at School S1"),
    ("dsl", "T1", "S1", "is not the designated safeguarding lead at School S1"),
    ("headteacher", "L1", "S1", "is not the headteacher at School S1"),
    ("senior_leader", "BL1", "S1", "is not a current member of staff at School S1"),
    ("trust_admin", "P1", None, "not a current member of staff at any school of the trust"),
])
def test_an_account_role_is_given_only_to_someone_whose_membership_fits(service, role, person,
                                                                        school, wrong):
    body = {"username": "new-account", "password": "a long enough password", "role": role,
            "person_id": person, "school_id": school}
    refused = service.post("admin", "/api/accounts", json=body)
    assert refused.status_code == 422
    assert any(wrong in problem["msg"] for problem in refused.json()["detail"])
    teacher = service.accounts["T1"].account_id
    moved = service.patch("admin", f"/api/accounts/{teacher}", json={"role": "dsl"})
    assert moved.status_code == 422, "a teacher is not made the DSL either"
    fits = service.post("admin", "/api/accounts", json={**body, "role": "dsl", "person_id": "D1",
                                                        "school_id": "S1"})
    assert fits.status_code == 201


def test_under_aspire_only_the_principal_or_chair_accepts_a_declaration(tmp_path, monkeypatch):
    """aspire c: contact with a child's family needs a reason "clearly and firmly
    established by the principal or chair of governors": a senior leader may reject, but an
    acceptance is the headteacher's."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = small_trust()
    world.schools["S1"] = dataclasses.replace(world.schools["S1"], profile="aspire")
    world.declarations.update(WorldBuilder().declare("T1", "M1", "family_friend",
                                                     declaration_id="DF1").build().declarations)
    served = ServiceUnderTest(tmp_path, world)
    try:
        url = "/api/declarations/DF1/decision"
        by_leader = served.post("L1", url, json={"decision": "accepted", "reason": "known"})
        assert by_leader.status_code == 403
        assert "only the headteacher or the chair of governors may accept" in by_leader.json()["detail"]
        assert served.get("L1", "/api/declarations/DF1").json()["status"] == "pending"
        by_head = served.post("H1", url, json={"decision": "accepted", "reason": "known"})
        assert by_head.status_code == 200 and by_head.json()["status"] == "accepted"
    finally:
        served.close()


def test_under_aspire_a_leader_accepting_a_case_leaves_the_declaration_pending(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = small_trust()
    world.schools["S1"] = dataclasses.replace(world.schools["S1"], profile="aspire")
    world.declarations.update(WorldBuilder().declare("T1", "P1", "family_friend",
                                                     declaration_id="DF1").build().declarations)
    served = ServiceUnderTest(tmp_path, world)
    try:
        case = served.case_of("declaration-required", "T1", "P1")
        url = f"/api/cases/{case['finding_id']}/moves"
        served.post("L1", url, json={"to_state": "in_review", "reason": "looking"})
        moved = served.post("L1", url, json={"to_state": "accepted", "reason": "known to us"})
        assert moved.status_code == 200
        assert served.get("L1", "/api/declarations/DF1").json()["status"] == "pending"
    finally:
        served.close()


# -- a role is re-checked as memberships change ---------------------------------------------

def end_membership(service, person, school, start, end):
    ended = service.post("admin", f"/api/people/{person}/memberships/end", json={
        "school_id": school, "role": "staff", "start_date": start, "end_date": end})
    assert ended.status_code == 200, ended.text


def test_a_leader_whose_membership_ends_can_no_longer_decide_cases(service):
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    assert service.get("L1", f"/api/cases/{case_id}").status_code == 200
    end_membership(service, "L1", "S1", "2012-09-01", "2026-11-20")  # left last Friday

    moved = service.post("L1", f"/api/cases/{case_id}/moves",
                         json={"to_state": "in_review", "reason": "looking"})
    assert moved.status_code == 403
    said = moved.json()["detail"]
    assert "can no longer be used" in said and "is not a current member of staff" in said
    assert "Ask a trust admin" in said and "Given FamilyL1" in said, "named, never by id"
    assert service.get("L1", "/api/cases").status_code == 403, "nor see the queue"
    signed_in = service.http.post("/api/auth/token", data={"username": "l1-user",
                                                          "password": PASSWORD})
    assert signed_in.status_code == 403 and "Ask a trust admin" in signed_in.json()["detail"]
    assert service.post("L1", "/api/auth/logout").status_code == 204, "signing out still works"

    accounts = {a["username"]: a for a in service.get("admin", "/api/accounts").json()}
    assert "is not a current member of staff" in accounts["l1-user"]["no_longer_fits"]
    assert accounts["h1-user"]["no_longer_fits"] is None
    listed = service.get("admin", "/admin/accounts").text
    assert "1 account(s) no longer fit their holder's place in the register" in listed
    assert "Refused:" in listed and "l1-user" in listed
    disabled = service.patch("admin", f"/api/accounts/{accounts['l1-user']['account_id']}",
                             json={"disabled": True})
    assert disabled.status_code == 200, "an account that no longer fits can still be disabled"
    assert move(service, case_id, "in_review", "H1").status_code == 200, "others go on"


def test_a_membership_that_ends_later_counts_from_the_day_it_ends(service):
    end_membership(service, "D1", "S1", "2014-09-01", "2026-11-27")
    assert service.get("D1", "/api/cases").status_code == 200, "still the DSL this week"
    service.today = dt.date(2026, 11, 30)
    refused = service.get("D1", "/api/cases")
    assert refused.status_code == 403 and "designated safeguarding lead" in refused.json()["detail"]


def move(service, case_id, to_state, who):
    return service.post(who, f"/api/cases/{case_id}/moves",
                        json={"to_state": to_state, "reason": f"to {to_state}"})


# -- naming someone beyond your reach teaches nothing (issue 25) ----------------------------

@pytest.mark.parametrize("who, method, url, body, field", [
    ("T1", "json", "/api/declarations", {"basis": "family_member"}, "counterpart_id"),
    ("T1", "json", "/api/connections", {"channel": "instagram"}, "other_id"),
    ("L1", "json", "/api/connections/reports", {"other_id": "P1", "channel": "snapchat"},
     "person_id"),
    ("T1", "data", "/api/approaches", {"channel": "instagram", "occurred_on": "2026-11-20"},
     "from_id"),
])
def test_naming_someone_beyond_reach_is_answered_as_no_one(service, who, method, url, body,
                                                          field):
    """P2 is a pupil of S2: to S1's staff, P2 is exactly as absent as an id no one has."""
    before = service.register.store.facts_about("P2").counts()
    stranger = service.post(who, url, **{method: {**body, field: "P2"}})
    nobody = service.post(who, url, **{method: {**body, field: "NOBODY"}})
    assert stranger.status_code == 422
    assert stranger.text == nobody.text.replace("NOBODY", "P2")
    assert "FamilyP2" not in stranger.text
    assert service.register.store.facts_about("P2").counts() == before, "nothing about P2"
    named = service.post(who, url, **{method: {**body, field: "M1" if field != "from_id" else "P1"}})
    assert named.status_code == 201, named.text
