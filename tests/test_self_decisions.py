"""No one decides about themself (issue 24, item 1): a declaration accepted or rejected by one
of its own parties stays pending for the rules, the exchange reader says so with the line,
and the service refuses such decisions: of declarations, cases, holds. The rules' side, on
both stores, is held by the scenarios in tests/scenarios.py ("no one decides about
themselves")."""

import csv
import datetime as dt

from graph.intake.exchange import read_folder, write_folder
from graph.model import DeclarationStatus
from tests.api_world import service  # noqa: F401 (a fixture)
from tests.scenarios import school

DAY = dt.date(2026, 11, 22)


def test_a_decision_by_a_party_leaves_the_declaration_pending_but_a_withdrawal_holds():
    world = (school().declare("L1", "M1", "family_friend", "accepted", "L1", declaration_id="D1")
             .declare("T1", "H1", "family_friend", "rejected", "H1", declaration_id="D2")
             .declare("T1", "M1", "family_friend", "rejected", "T1", declaration_id="D3")
             .declare("T1", "P1", "family_member", "accepted", "H1", declaration_id="D4").build())
    status = {key: d.status_on(DAY) for key, d in world.declarations.items()}
    assert status == {"D1": DeclarationStatus.PENDING,  # accepted by its own declarer
                      "D2": DeclarationStatus.PENDING,  # rejected by the person it names
                      "D3": DeclarationStatus.REJECTED,  # the declarer's withdrawal
                      "D4": DeclarationStatus.ACCEPTED}  # decided by someone else


def test_the_exchange_reader_reports_each_self_decided_declaration_with_its_line(tmp_path):
    world = (school().declare("L1", "M1", "family_friend", "accepted", "L1", declaration_id="D1")
             .declare("T1", "H1", "family_friend", "rejected", "H1", declaration_id="D2")
             .declare("T1", "M1", "family_friend", "rejected", "T1", declaration_id="D3")
             .declare("T1", "P1", "family_member", "accepted", "H1", declaration_id="D4").build())
    write_folder(world, tmp_path)
    with open(tmp_path / "declarations.csv", encoding="utf-8", newline="") as handle:
        line_of = {row[0]: number for number, row in enumerate(csv.reader(handle), start=1)}
    notices: list[str] = []
    read = read_folder(tmp_path, notices=notices)
    assert notices == [
        f"declarations.csv:{line_of[key]}: decided_by: data-quality: decided by one of its own "
        f"parties; no one decides about themself, so it stays pending until someone else "
        f"decides it" for key in sorted(("D1", "D2"), key=line_of.get)]
    assert not any(person in " ".join(notices) for person in ("L1", "H1", "M1", "T1"))
    assert read.declarations == world.declarations, "read as it stands; the rules read it pending"


def test_the_service_refuses_a_party_deciding_their_own_declaration(service):
    made = service.post("L1", "/api/declarations", json={"counterpart_id": "M1",
                                                          "basis": "family_friend"})
    assert made.status_code == 201, made.text
    declaration_id = made.json()["declaration_id"]
    refused = service.post("L1", f"/api/declarations/{declaration_id}/decision",
                           json={"decision": "accepted", "reason": "I know them"})
    assert refused.status_code == 403
    assert "party to this declaration" in refused.json()["detail"]
    assert service.get("H1", f"/api/declarations/{declaration_id}").json()["status"] == "pending"
    accepted = service.post("H1", f"/api/declarations/{declaration_id}/decision",
                            json={"decision": "accepted", "reason": "known to the school"})
    assert accepted.status_code == 200, accepted.text


def test_a_party_to_a_finding_cannot_move_its_case(service):
    """T1 follows P1: the case is routed to H1, L1 and D1. A senior leader who is the adult of
    a finding is never routed it: their own case is answered as not there."""
    declared = service.post("L1", "/api/connections", json={"other_id": "P1", "channel": "whatsapp"})
    assert declared.status_code == 201, declared.text
    case = service.case_of("pupil-contact", "L1", "P1", who="H1")
    moved = service.post("L1", f"/api/cases/{case['finding_id']}/moves",
                         json={"to_state": "in_review", "reason": "my own"})
    assert moved.status_code == 404
    assert service.post("H1", f"/api/cases/{case['finding_id']}/moves",
                        json={"to_state": "in_review", "reason": "looking"}).status_code == 200


def test_no_one_places_or_lifts_a_hold_on_themself(service):
    refused = service.post("D1", "/api/privacy/holds",
                           json={"person_id": "D1", "reason": "about me"})
    assert refused.status_code == 403
    assert "no one decides about themself" in refused.json()["detail"]
    assert service.post("D1", "/api/privacy/holds",
                        json={"person_id": "P1", "reason": "section 47 enquiry"}).status_code == 201
