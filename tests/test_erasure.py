"""Erasure (UK GDPR Art. 17), safeguarding holds and subject access (Art. 15), as a trust
admin or DPO uses them: preview first, nothing pointing at nobody afterwards, refused with
a reason while held, and every request audited."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from api.privacy import PrivacyError, erase, place_hold, lift_hold, plan_erasure, subject_access
from tests.api_world import service  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent


def export_text(store) -> str:
    world = store.export_world()
    return repr(world)


def test_the_preview_lists_what_would_go_and_changes_nothing(service):
    register = service.register
    before = export_text(register.store)
    entries_before = register.audit.head().seq
    plan = plan_erasure(register, "P1")
    text = "\n".join(plan.lines())
    assert "P1" in text
    assert "family links: 1" in text and "connections: 1" in text
    assert "cases where they are a party, closed as erased: 1" in text
    assert export_text(register.store) == before
    assert register.audit.head().seq == entries_before


def test_erasure_leaves_nothing_naming_the_person_and_nothing_pointing_at_nobody(service):
    register = service.register
    [case_id] = register.cases.of_party("P1")
    register.record(service_actor(service, "D1"), "person.network.view", "person",
                    object_id="P1", subjects=["P1"])
    erase(register, "account:admin", "P1")
    world = register.store.export_world()
    assert "P1" not in world.people
    mentioned = world.people_involved()
    assert "P1" not in mentioned
    assert mentioned <= set(world.people), "every fact points at someone who exists"
    case = register.cases.get(case_id, with_history=True)
    assert str(case.state) == "closed" and case.history[-1].reason == "erased"
    assert case.finding["counterpart_id"] is None and "P1" not in json.dumps(case.finding)
    assert not any("P1" in str(e.details) for e in register.audit.entries(limit=10_000))
    [erasure] = register.audit.entries(action="person.erase")
    assert erasure.details["subjects"] == [], "the entry says an erasure happened, not whose"
    assert register.audit.verify().ok
    with pytest.raises(PrivacyError, match="no person P1"):
        plan_erasure(register, "P1")


def test_erasure_blanks_reviewers_reasons_that_named_the_person(service):
    """A leader's reason is free text: after an erasure, no reason in the case history of
    the person's cases, nor any other reason holding their name, still says who they were."""
    register = service.register
    name = register.store.person("P1").name
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    moved = service.post("L1", f"/api/cases/{case_id}/moves",
                         json={"to_state": "in_review", "reason": f"spoke to {name}'s mother"})
    assert moved.status_code == 200
    other_id = service.case_of("pupil-contact", "BT1", "P2", who="BL1")["finding_id"]
    service.post("BL1", f"/api/cases/{other_id}/moves",
                 json={"to_state": "in_review", "reason": f"{name} is P2's cousin"})
    service.post("BL1", f"/api/cases/{other_id}/moves",
                 json={"to_state": "dismissed", "reason": "known to the school"})
    erase(register, "account:admin", "P1")
    dump = "\n".join(register.db.iterdump())
    assert name not in dump
    history = register.cases.get(case_id, with_history=True).history
    assert {e.reason for e in history} == {"erased"}, "the shape stays, the words go"
    other = register.cases.get(other_id, with_history=True).history
    assert [e.reason for e in other][-2:] == ["erased", "known to the school"]
    with pytest.raises(Exception, match="append-only"):
        register.db.execute("UPDATE case_events SET reason = 'anything else'")


def service_actor(service, name):
    from api.service import Actor

    return Actor(service.accounts[name], "10.0.0.1")


def test_an_erased_staff_member_loses_their_account(service):
    register = service.register
    account_id = service.accounts["T1"].account_id
    with register.writing():
        register.db.execute("INSERT INTO account_contacts (account_id, email) VALUES (?, ?)",
                            (account_id, "tom@school.example"))
    erase(register, "account:admin", "T1")
    assert register.db.execute("SELECT COUNT(*) FROM account_contacts WHERE account_id = ?",
                               (account_id,)).fetchone()[0] == 0
    account = register.accounts.get(service.accounts["T1"].account_id)
    assert account.person_id is None and account.disabled
    assert service.get("T1", "/api/cases").status_code == 401


def test_a_hold_refuses_erasure_until_lifted_and_each_step_is_audited(service):
    register = service.register
    place_hold(register, "account:dsl", "P1", "open safeguarding concern, LADO informed")
    before = export_text(register.store)
    with pytest.raises(PrivacyError, match="held for safeguarding"):
        erase(register, "account:admin", "P1")
    assert export_text(register.store) == before
    assert "HELD" in "\n".join(plan_erasure(register, "P1").lines())
    lift_hold(register, "account:dsl", "P1", "concern closed")
    erase(register, "account:admin", "P1")
    actions = [e.action for e in register.audit.entries(limit=10_000)]
    assert actions.count("hold.place") == 1 and actions.count("hold.lift") == 1
    assert actions.count("person.erase") == 1


def test_bad_requests_change_nothing(service):
    register = service.register
    before = export_text(register.store)
    with pytest.raises(PrivacyError, match="no person NOBODY"):
        erase(register, "account:admin", "NOBODY")
    with pytest.raises(PrivacyError, match="your own person"):
        erase(register, "account:T1", "T1", own_person_id="T1")
    with pytest.raises(PrivacyError, match="reason"):
        place_hold(register, "account:dsl", "P1", "  ")
    assert export_text(register.store) == before


def test_subject_access_redacts_others_unless_revealed_with_a_reason(service):
    register = service.register
    report = subject_access(register, "account:admin", "P1")
    text = json.dumps(report.to_json())
    assert report.person["person_id"] == "P1"
    assert [c["channel"] for c in report.connections] == ["facebook"]
    t1 = register.store.person("T1")
    m1 = register.store.person("M1")
    assert t1.family_name not in text and m1.family_name not in text
    assert report.connections[0]["with"] == "a member of staff of School S1"
    assert report.family[0]["relative"] == "a family member"
    assert report.cases and report.cases[0]["outcome"] == "open"
    revealed = subject_access(register, "account:admin", "P1",
                              reveal={"M1": "the request came from the mother"})
    assert m1.family_name in json.dumps(revealed.to_json())
    [reveal] = register.audit.entries(action="subject_access.reveal")
    assert reveal.details["reason"] == "the request came from the mother"
    assert len(register.audit.entries(action="subject_access.make")) == 2


def relreg(*args):
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)


def test_the_commands(tmp_path):
    from graph.intake.exchange import write_folder
    from tests.scenarios import school

    data = tmp_path / "data"
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    assert relreg("import", tmp_path / "trust", "--data", data).returncode == 0
    preview = relreg("erase", "P1", "--data", data)
    assert preview.returncode == 0 and "add --yes" in preview.stdout
    unknown = relreg("erase", "NOBODY", "--yes", "--data", data)
    assert unknown.returncode == 1 and "no person NOBODY" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    access = relreg("subject-access", "P1", "--out", tmp_path / "sar", "--data", data)
    assert access.returncode == 0, access.stderr
    page = (tmp_path / "sar" / "subject-access.html").read_text()
    assert "<h1>What the relationship register holds about" in page
    assert json.loads((tmp_path / "sar" / "subject-access.json").read_text())["person"]
    assert relreg("hold", "place", "P1", "--reason", "concern", "--data", data).returncode == 0
    held = relreg("erase", "P1", "--yes", "--data", data)
    assert held.returncode == 1 and "held for safeguarding" in held.stderr
    assert "P1" in relreg("hold", "list", "--data", data).stdout
    assert relreg("hold", "lift", "P1", "--reason", "closed", "--data", data).returncode == 0
    done = relreg("erase", "P1", "--yes", "--data", data)
    assert done.returncode == 0, done.stderr
    assert relreg("audit", "verify", "--data", data).returncode == 0
    assert relreg("erase", "P1", "--data", data).returncode == 1


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def on_each_store(request, tmp_path, monkeypatch):
    import api.identity.accounts
    from graph.store.embedded import EmbeddedStore
    from tests.api_world import FAST_HASHER, ServiceUnderTest

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    store = (request.getfixturevalue("neo4j_store") if request.param == "neo4j"
             else EmbeddedStore(tmp_path / "data"))
    served = ServiceUnderTest(tmp_path, store=store)
    yield served
    served.http.close()
    served.register.close()


def test_erasure_on_every_store(on_each_store):
    register = on_each_store.register
    made = on_each_store.post("T1", "/api/declarations",
                              json={"counterpart_id": "M1", "basis": "family_member"})
    assert made.status_code == 201
    erase(register, "account:admin", "M1")
    erase(register, "account:admin", "T1")
    world = register.store.export_world()
    assert not {"M1", "T1"} & world.people_involved()
    assert world.people_involved() <= set(world.people)
    assert "P1" in world.people, "the child stays; only the links to the erased go"
    assert world.declarations == {} and "C1" not in world.connections
    assert [e.outcome for e in register.audit.entries(action="person.erase")] == ["ok", "ok"]
    assert register.cases.of_party("T1") == []


def test_erasing_a_leader_keeps_their_decisions_with_no_one_named(on_each_store, tmp_path):
    """A headteacher who accepted a teacher's declaration, reviewed an approach report and
    authorised an account's administrator is erased: the decisions stay, who made them is
    blank, and the store still exports a folder that reads back."""
    import datetime as dt

    from graph.intake.exchange import read_folder, record_rows, write_folder
    from graph.model import (AccountAdmin, ApproachReport, ApproachStatus, Basis, Declaration,
                             DeclarationStatus, SchoolAccount, World)

    register = on_each_store.register
    day = dt.date(2026, 10, 1)
    register.store.import_world(World(
        declarations={"DH": Declaration("DH", "T1", "M1", Basis.FAMILY_FRIEND, None, day,
                                        DeclarationStatus.ACCEPTED, "H1", day)},
        approaches={"RH": ApproachReport("RH", "T1", "P1", "instagram", day, day, "",
                                         ApproachStatus.REVIEWED, day, "H1")},
        school_accounts={"AH": SchoolAccount("AH", "S1", "instagram", "@s1")},
        account_admins=[AccountAdmin("AH", "L1", "H1", day)],
    ))
    erase(register, "account:admin", "H1")
    world = register.store.export_world()
    assert "H1" not in world.people
    assert world.declarations["DH"].status == DeclarationStatus.ACCEPTED
    assert world.declarations["DH"].decided_by is None
    assert world.approaches["RH"].reviewed_by is None
    assert [(a.person_id, a.authorised_by) for a in world.account_admins] == [("L1", None)]
    write_folder(world, tmp_path / "export")
    def rows(w):
        return {name: list(records) for name, records in record_rows(w).items()}

    assert rows(read_folder(tmp_path / "export")) == rows(world)


def test_others_words_that_name_the_erased_lose_the_name_and_keep_the_rest(on_each_store):
    """T1's declaration about M1 and T1's report of an approach by P2 name the pupil P1 in
    their words: after P1's erasure the name is "[erased]" there, on each store, whoever
    wrote it and however (in capitals, family name first); the rest of the words, and a
    mention of P1's given name alone, stay (docs/data-protection.md)."""
    import datetime as dt

    from graph.model import (ApproachReport, ApproachStatus, Basis, Declaration,
                             DeclarationStatus, World)

    register = on_each_store.register
    day = dt.date(2026, 10, 1)
    register.store.import_world(World(
        declarations={"DW": Declaration("DW", "T1", "M1", Basis.FAMILY_FRIEND,
                                        "M1 is the mother of GIVEN FAMILYP1, my neighbour",
                                        day, DeclarationStatus.PENDING, None, None)},
        approaches={"RW": ApproachReport("RW", "BT1", "P2", "instagram", day, day,
                                         "P2 said FamilyP1, Given asked Given to add me",
                                         ApproachStatus.OPEN)},
    ))
    plan = plan_erasure(register, "P1")
    assert set(plan.others_words.declarations) == {"DW"}
    assert set(plan.others_words.approaches) == {"RW"}
    assert ("  others' declarations and reports that name them, the name replaced by "
            "[erased]: 2") in plan.lines()
    erase(register, "account:admin", "P1")
    store = register.store
    assert store.declaration("DW").details == "M1 is the mother of [erased], my neighbour"
    assert store.approach("RW").summary == "P2 said [erased] asked Given to add me"
    assert (store.declaration("DW").declarer_id, store.approach("RW").from_id) == ("T1", "P2")
    words = json.dumps([d.details for d in store.export_world().declarations.values()]
                       + [r.summary for r in store.export_world().approaches.values()])
    assert "FamilyP1".lower() not in words.lower()


def test_the_erasure_preview_says_a_person_is_held_never_why(tmp_path):
    """`relreg erase` previews and refuses a held person as the page does: held, until the
    safeguarding lead lifts it; why is the lead's to see, never in the preview."""
    from graph.intake.exchange import write_folder
    from tests.scenarios import school

    data = tmp_path / "data"
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    assert relreg("import", tmp_path / "trust", "--data", data).returncode == 0
    why = "LADO informed of the allegation against the uncle"
    assert relreg("hold", "place", "P1", "--reason", why, "--data", data).returncode == 0
    shown = relreg("erase", "P1", "--data", data)
    assert shown.returncode == 0, shown.stderr
    assert "HELD for safeguarding: the records are kept until the safeguarding lead who " \
           "placed the hold lifts it" in shown.stdout
    assert "nothing changed: the hold must be lifted" in shown.stdout
    refused = relreg("erase", "P1", "--yes", "--data", data)
    assert refused.returncode == 1 and "held for safeguarding" in refused.stderr
    for said in (shown, refused):
        assert "LADO" not in said.stdout + said.stderr and "uncle" not in said.stdout + said.stderr


@pytest.mark.parametrize("old_table", [
    # as a register made before holds had a school kept them
    "CREATE TABLE safeguarding_holds (person_id TEXT PRIMARY KEY, placed_by TEXT NOT NULL, "
    "placed_at TEXT NOT NULL, reason TEXT NOT NULL)",
    # as one made while a person had a single hold, of one school
    "CREATE TABLE safeguarding_holds (person_id TEXT PRIMARY KEY, placed_by TEXT NOT NULL, "
    "placed_at TEXT NOT NULL, reason TEXT NOT NULL, school_id TEXT)"])
def test_an_old_register_keeps_its_holds_and_the_commands_hold_beside_a_schools(tmp_path,
                                                                                old_table):
    """A register whose holds table was one hold per person opens with every hold kept;
    then a command-line hold stands beside a school's, and `relreg hold` places, lists and
    lifts only the command line's."""
    import sqlite3

    from graph.intake.exchange import write_folder
    from graph.sqlite import SERVICE_DATABASE_NAME
    from tests.scenarios import school

    data = tmp_path / "data"
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    assert relreg("import", tmp_path / "trust", "--data", data).returncode == 0
    assert relreg("hold", "list", "--data", data).returncode == 0  # the service database
    db = sqlite3.connect(data / SERVICE_DATABASE_NAME)
    with db:
        db.execute("DROP TABLE safeguarding_holds")
        db.execute(old_table)
        db.execute("INSERT INTO safeguarding_holds (person_id, placed_by, placed_at, reason) "
                   "VALUES ('P1', 'account:dsl', '2026-01-05T10:00:00+00:00', 'LADO referral')")
        db.execute("INSERT INTO safeguarding_holds (person_id, placed_by, placed_at, reason) "
                   "VALUES ('T1', 'os:it', '2026-01-06T10:00:00+00:00', 'allegation')")
        if "school_id" in old_table:
            db.execute("UPDATE safeguarding_holds SET school_id = 'S1' WHERE person_id = 'P1'")
    db.close()

    listed = relreg("hold", "list", "--data", data)
    assert listed.returncode == 0, listed.stderr
    assert "LADO referral" in listed.stdout and "allegation" in listed.stdout
    assert relreg("erase", "T1", "--yes", "--data", data).returncode == 1

    # the command line's hold on T1 is one per person; lifting it leaves T1 erasable
    twice = relreg("hold", "place", "T1", "--reason", "again", "--data", data)
    assert twice.returncode == 1 and "already has a hold placed from the command line" \
        in twice.stderr
    assert relreg("hold", "lift", "T1", "--reason", "closed", "--data", data).returncode == 0
    assert relreg("erase", "T1", "--yes", "--data", data).returncode == 0

    if "school_id" not in old_table:
        return  # P1's hold came without a school: it is the command line's
    # P1: the command line places its own hold beside S1's, and lifts only its own
    assert relreg("hold", "place", "P1", "--reason", "police request",
                  "--data", data).returncode == 0
    both = relreg("hold", "list", "--data", data).stdout
    assert "(school S1): LADO referral" in both and "(the command line): police request" in both
    assert relreg("hold", "lift", "P1", "--reason", "done", "--data", data).returncode == 0
    assert relreg("hold", "lift", "P1", "--reason", "done", "--data", data).returncode == 1
    left = relreg("hold", "list", "--data", data).stdout
    assert "LADO referral" in left and "police request" not in left
    held = relreg("erase", "P1", "--yes", "--data", data)
    assert held.returncode == 1 and "held for safeguarding" in held.stderr
