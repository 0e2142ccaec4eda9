"""The resources of the review service as their users work with them: people and
memberships, declarations, connections, approach reports with their evidence, profiles,
imports; bad input answered 404, 409 or 422 naming the field; no personal data logged."""

import io
import logging
import zipfile

import pytest

from api.settings import Settings
from graph.intake.exchange import write_folder
from tests.api_world import service  # noqa: F401
from tests.builder import WorldBuilder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n% retained message\n"


def loc(response):
    assert response.status_code == 422, response.text
    return response.json()["detail"][0]["loc"]


# -- people and memberships ----------------------------------------------------------------------

def test_a_trust_admin_adds_a_person_and_their_membership(service):
    made = service.post("admin", "/api/people",
                        json={"person_id": "N1", "given_name": "Nia", "family_name": "Okafor",
                              "date_of_birth": "1990-02"})
    assert made.status_code == 201 and made.json()["date_of_birth"] == "1990-02"
    assert service.post("admin", "/api/people", json={"person_id": "N1",
                                                      "given_name": "Again"}).status_code == 409
    membership = service.post("admin", "/api/people/N1/memberships",
                              json={"school_id": "S1", "role": "staff",
                                    "start_date": "2026-09-01"})
    assert membership.status_code == 201
    found = service.get("L1", "/api/people", params={"name": "okaf"}).json()
    assert [p["person_id"] for p in found] == ["N1"]
    detail = service.get("L1", "/api/people/N1").json()
    assert detail["memberships"][0]["role"] == "staff"


def test_people_are_found_by_the_name_they_go_by(service):
    from graph.intake.identity import IdentityTable

    with IdentityTable(service.register.data_dir) as identity:  # as an import keeps them
        identity.add_preferred_names({"P1": ("Pip", "")})
    found = service.get("L1", "/api/people", params={"name": "pip"}).json()
    assert [p["person_id"] for p in found] == ["P1"]
    assert service.get("BL1", "/api/people", params={"name": "pip"}).json() == [], \
        "at their own school only"


@pytest.mark.parametrize("url, body, field", [
    ("/api/people", {"person_id": "N2", "given_name": "X", "date_of_birth": "2010-02-30"},
     "date_of_birth"),
    ("/api/people", {"person_id": "N 2", "given_name": "X"}, "person_id"),
    ("/api/people", {"person_id": "N2", "given_name": ""}, "given_name"),
    ("/api/people/T1/memberships", {"school_id": "S9", "role": "staff",
                                    "start_date": "2026-09-01"}, "school_id"),
    ("/api/people/T1/memberships", {"school_id": "S1", "role": "janitor",
                                    "start_date": "2026-09-01"}, "role"),
    ("/api/people/T1/memberships", {"school_id": "S1", "role": "staff",
                                    "start_date": "2026-13-01"}, "start_date"),
])
def test_bad_people_and_memberships_are_422_naming_the_field(service, url, body, field):
    assert loc(service.post("admin", url, json=body))[-1] == field


def test_a_pupil_who_leaves_turns_the_case_into_an_ex_pupil_case(service):
    pupil_case = service.case_of("pupil-contact", "T1", "P1")
    ended = service.post("admin", "/api/people/P1/memberships/end",
                         json={"school_id": "S1", "role": "pupil", "start_date": "2020-09-01",
                               "end_date": "2026-11-20"})
    assert ended.status_code == 200
    resolved = service.get("L1", f"/api/cases/{pupil_case['finding_id']}").json()
    assert resolved["state"] == "resolved"
    assert "P1's pupil membership at S1 ends on 2026-11-20" in resolved["history"][-1]["reason"]
    assert service.case_of("ex-pupil-contact", "T1", "P1")["state"] == "open"
    missing = service.post("admin", "/api/people/P1/memberships/end",
                           json={"school_id": "S1", "role": "staff", "start_date": "2020-09-01",
                                 "end_date": "2026-11-20"})
    assert missing.status_code == 404


def test_the_network_around_a_person_is_drawn_and_every_view_audited(service):
    network = service.get("L1", "/api/people/P1/network", params={"depth": 2}).json()
    assert {p["person_id"] for p in network["people"]} == {"P1", "M1", "T1"}
    assert [c["connection_id"] for c in network["connections"]] == ["C1"]
    assert network["family_links"] == [{"person_id": "M1", "relative_id": "P1",
                                        "kind": "parent", "source": "records"}]
    assert loc(service.get("L1", "/api/people/P1/network", params={"depth": 4})) == [
        "query", "depth"]
    [view] = service.get("auditor", "/api/audit",
                         params={"action": "person.network.view"}).json()
    assert view["actor"] == service.accounts["L1"].actor
    assert view["details"]["object_id"] == "P1" and view["details"]["subjects"] == ["P1"]
    assert view["details"]["client"] == "testclient"


# -- declarations and connections --------------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"counterpart_id": "NOBODY", "basis": "other"}, "counterpart_id"),
    ({"counterpart_id": "T1", "basis": "other"}, "counterpart_id"),
    ({"counterpart_id": "P1", "basis": "cousin"}, "basis"),
    ({"basis": "other"}, "counterpart_id"),
])
def test_a_bad_declaration_is_422_naming_the_field(service, body, field):
    assert loc(service.post("T1", "/api/declarations", json=body))[-1] == field


def test_declarations_are_listed_by_status(service):
    made = service.post("T1", "/api/declarations",
                        json={"counterpart_id": "M1", "basis": "prior_friendship",
                              "details": "school friends"}).json()
    assert made["status"] == "pending" and made["declared_on"] == "2026-11-23"
    pending = service.get("L1", "/api/declarations", params={"status": "pending"}).json()
    assert [d["declaration_id"] for d in pending] == [made["declaration_id"]]
    assert service.get("L1", "/api/declarations", params={"status": "accepted"}).json() == []
    assert service.get("T1", "/api/declarations").json()[0]["details"] == "school friends"


@pytest.mark.parametrize("url, body, field", [
    ("/api/connections", {"other_id": "NOBODY", "channel": "x"}, "other_id"),
    ("/api/connections", {"other_id": "P1", "channel": "Face Book"}, "channel"),
    ("/api/connections", {"other_id": "P1", "channel": "x", "direction": "sideways"},
     "direction"),
    ("/api/connections/reports", {"person_id": "T2", "other_id": "T2", "channel": "x"},
     "other_id"),
    ("/api/connections/reports", {"person_id": "NOBODY", "other_id": "T2", "channel": "x"},
     "person_id"),
])
def test_a_bad_connection_is_422_naming_the_field(service, url, body, field):
    assert loc(service.post("T1", url, json=body))[-1] == field


def test_a_withdrawn_connection_resolves_its_case(service):
    made = service.post("T2", "/api/connections", json={"other_id": "P1", "channel": "tiktok"})
    assert made.status_code == 201 and made.json()["source"] == "declared"
    connection_id = made.json()["connection_id"]
    case = service.case_of("pupil-contact", "T2", "P1")
    assert service.delete("T2", f"/api/connections/{connection_id}").status_code == 204
    assert service.get("T2", f"/api/connections/{connection_id}").status_code == 404
    resolved = service.get("L1", f"/api/cases/{case['finding_id']}").json()
    assert resolved["history"][-1]["reason"] == (
        "the rule no longer fires: T2 withdrew a connection with P1")


# -- approach reports and their evidence ---------------------------------------------------------

def report(service, evidence=("message.png", PNG, "image/png"), who="T1", **form):
    data = {"from_id": "P1", "channel": "instagram", "occurred_on": "2026-11-20",
            "summary": "asked to follow me", **form}
    files = {"evidence": evidence} if evidence else None
    return service.post(who, "/api/approaches", data=data, files=files)


def test_an_approach_report_keeps_the_communication_and_raises_a_case(service):
    made = report(service)
    assert made.status_code == 201
    [evidence] = made.json()["evidence"]
    assert evidence["media_type"] == "image/png" and evidence["size"] == len(PNG)
    more = service.post("T1", f"/api/approaches/{made.json()['report_id']}/evidence",
                        files={"evidence": ("chat.pdf", PDF, "application/pdf")})
    assert [e["media_type"] for e in more.json()["evidence"]] == ["image/png", "application/pdf"]
    download = service.get("L1", f"/api/approaches/{made.json()['report_id']}/evidence/"
                                 f"{evidence['evidence_id']}")
    assert download.content == PNG and download.headers["content-type"] == "image/png"
    case = service.case_of("approach-reported", "T1", "P1")
    assert case["finding"]["severity"] == "medium"
    views = service.get("auditor", "/api/audit", params={"action": "approach.evidence.view"})
    assert len(views.json()) == 1


def test_evidence_is_checked_by_what_it_is_not_what_it_claims(service):
    lying = report(service, evidence=("photo.png", b"MZ\x90\x00\x03\x00\x00\x00", "image/png"))
    assert loc(lying)[-1] == "evidence"
    assert service.get("T1", "/api/approaches").json() == [], "nothing was stored"


def test_evidence_is_size_limited(service):
    limit = Settings().max_evidence_bytes
    too_big = report(service, evidence=("long.txt", b"a" * (limit + 1), "text/plain"))
    assert too_big.status_code == 413
    assert report(service, evidence=("ok.txt", b"a" * 1000, "text/plain")).status_code == 201


@pytest.mark.parametrize("form, field", [
    ({"from_id": "M1"}, "from_id"),  # a parent, not a pupil or ex-pupil
    ({"from_id": "NOBODY"}, "from_id"),
    ({"occurred_on": "2026-12-25"}, "occurred_on"),
    ({"occurred_on": "yesterday"}, "occurred_on"),
])
def test_a_bad_approach_report_is_422_naming_the_field(service, form, field):
    assert loc(report(service, **form))[-1] == field


# -- profiles and schools --------------------------------------------------------------------------

def test_profiles_are_listed_with_their_clauses(service):
    profiles = service.get("L1", "/api/profiles").json()
    assert [p["name"] for p in profiles] == ["ninestiles", "millfields", "aspire",
                                             "great-chart", "mowbray"]
    mowbray = service.get("T1", "/api/profiles/mowbray").json()
    assert mowbray["settings"]["ex_pupil_age_limit"] == {"value": 18, "clause": "mowbray 6.5.3",
                                                         "default": None}
    assert mowbray["settings"]["review_days"]["clause"] is None
    assert "school week" in mowbray["settings"]["review_days"]["default"]
    assert service.get("T1", "/api/profiles/nowhere").status_code == 404


def test_a_school_changes_profile_and_its_findings_follow(service):
    changed = service.put("admin", "/api/schools/S1/profile", json={"profile": "mowbray"})
    assert changed.json()["profile"] == "mowbray"
    case = service.case_of("pupil-contact", "T1", "P1")
    assert case["finding"]["clauses"] == ["mowbray 6.5.3"]
    assert service.put("admin", "/api/schools/S9/profile",
                       json={"profile": "mowbray"}).status_code == 404
    assert loc(service.put("admin", "/api/schools/S1/profile",
                           json={"profile": "lenient"}))[-1] == "profile"


# -- imports ---------------------------------------------------------------------------------------

def zipped(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"export/{file.name}")
    return buffer.getvalue()


def test_an_import_adds_every_fact_and_raises_its_cases(service, tmp_path):
    world = (WorldBuilder().school("S1").staff("T5", "S1").pupil("P5", "S1")
             .connect("T5", "P5", connection_id="C5").build())
    write_folder(world, tmp_path / "folder")
    imported = service.post("admin", "/api/imports",
                            files={"file": ("s1.zip", zipped(tmp_path / "folder"))})
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"]["people"] == 2
    assert service.case_of("pupil-contact", "T5", "P5", who="H1")["state"] == "open"


def test_an_import_looks_its_session_up_once_however_many_guards_ask(service, tmp_path,
                                                                      monkeypatch):
    world = WorldBuilder().school("S1").staff("T5", "S1").build()
    write_folder(world, tmp_path / "folder")
    asked = []
    looked_up, known = service.register.session, service.register.accounts.known_session
    monkeypatch.setattr(service.register, "session",
                        lambda *args: asked.append(args) or looked_up(*args))
    monkeypatch.setattr(service.register.accounts, "known_session",
                        lambda *args: asked.append(args) or known(*args))
    imported = service.post("admin", "/api/imports",
                            files={"file": ("s1.zip", zipped(tmp_path / "folder"))})
    assert imported.status_code == 200, imported.text
    assert len(asked) == 2, "the body cap, the write limit and the route share one lookup " \
        "(first in memory, then, for a session not yet known, in the database)"


def test_a_bad_import_is_rejected_whole_with_line_precise_problems(service, tmp_path):
    world = WorldBuilder().school("S1").staff("T6", "S1").pupil("P6", "S1").build()
    write_folder(world, tmp_path / "folder")
    people = tmp_path / "folder" / "people.csv"
    people.write_text(people.read_text().replace("2015-03-03", "2015-02-30"))
    rejected = service.post("admin", "/api/imports",
                            files={"file": ("s1.zip", zipped(tmp_path / "folder"))})
    assert rejected.status_code == 422
    assert [p["msg"] for p in rejected.json()["detail"]] == [
        "people.csv:2: date_of_birth: '2015-02-30' is not a date that exists: "
        "write it as YYYY-MM-DD (2012-02-15), or as YYYY-MM (2012-02) or YYYY (2012) when "
        "only the month or the year is known"]
    assert rejected.json()["detail"][0]["loc"] == ["body", "file"]
    assert service.get("admin", "/api/people/T6").status_code == 404, "nothing was imported"


def test_an_import_that_is_not_a_zip_is_422(service):
    assert loc(service.post("admin", "/api/imports",
                            files={"file": ("s1.zip", b"people,at,large")}))[-1] == "file"


# -- unknown ids and logs ----------------------------------------------------------------------------

@pytest.mark.parametrize("who, url", [
    ("L1", "/api/people/NOBODY"), ("L1", "/api/people/NOBODY/network"),
    ("L1", "/api/declarations/D-none"), ("L1", "/api/connections/C-none"),
    ("L1", "/api/approaches/R-none"), ("L1", "/api/cases/F-none"),
    ("admin", "/api/accounts/12345"), ("L1", "/api/profiles/none"),
])
def test_unknown_ids_are_404(service, who, url):
    assert service.get(who, url).status_code == 404


def test_the_logs_hold_no_personal_data(service, caplog):
    caplog.set_level(logging.DEBUG)
    service.get("L1", "/api/people/P1")
    service.get("L1", "/api/people/P1/network", params={"depth": 2})
    service.get("L1", "/api/people", params={"name": "FamilyP1"})
    service.post("T1", "/api/declarations", json={"counterpart_id": "M1", "basis": "other",
                                                  "details": "my neighbour Mrs FamilyM1"})
    service.get("L1", "/api/people/Jane Smith 2010-01-01")
    # httpx is the test's own client, logging what it sends; everything else is the service.
    text = "\n".join(r.getMessage() for r in caplog.records
                     if not r.name.startswith(("httpx", "httpcore")))
    assert "GET /api/people/{person_id}/network 200" in text
    for personal in ("FamilyP1", "FamilyM1", "2015-03-03", "Jane", "testclient", "/P1"):
        assert personal not in text, personal
