"""An auditor tied to a school (or a person) reads their trust's part of the audit trail
(api/access.py audit_reach, api/routes/audit.py AuditScope): the entries about people
within the trust's reach, or made by its accounts; any other entry is answered as if it
did not exist, on the API and the audit page alike, filtered before a page is cut. An
auditor tied to nothing reads the whole trail. The world is the scope table's
(tests/test_scope_table.py): S1 and S2 are trust TR's, S3 another trust's; starting the
service raised each school's cases and each school's DSL placed a hold on its pupil P1
(BP1, CP1), all audited with the people they are about.
"""

from __future__ import annotations

import pytest

from api.identity import AccountRole, SessionKind
from tests.api_world import PASSWORD
from tests.test_account_scope import three, whole_register_admin  # noqa: F401 (a fixture)

OUTSIDE = {"CT1", "CP1", "CM1"}  # S3's people


def auditor_of(three, name: str, school_id: str | None, person_id: str | None = None) -> str:
    account = three.register.accounts.create(name, PASSWORD, AccountRole.AUDITOR, person_id,
                                             school_id)
    three.tokens[name], _ = three.register.accounts.start_session(account, SessionKind.BEARER)
    return name


def subjects(three) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for person_id, seq in three.register.db.execute("SELECT person_id, seq FROM audit_subjects"):
        found.setdefault(seq, set()).add(person_id)
    return found


def trail(three, who, **params) -> list[dict]:
    answer = three.get(who, "/api/audit", params={"limit": 1000, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("tied", [("S1", None), (None, "T1")], ids=["school", "person"])
def test_an_auditor_of_a_trust_reads_only_the_trusts_part_of_the_trail(three, tied):
    register_admin = whole_register_admin(three)
    made = {}
    for who, school in (("admin", "S2"), (register_admin, "S3")):
        made[who] = three.post(who, "/api/accounts", json={
            "username": f"new-{school}", "password": "a long enough password",
            "role": "auditor", "school_id": school})
        assert made[who].status_code == 201, made[who].text
    auditor = auditor_of(three, "trust-auditor", *tied)
    about = subjects(three)
    whole = trail(three, "auditor")
    outside = [e["seq"] for e in whole if about.get(e["seq"], set()) & OUTSIDE]
    assert outside, "the whole register's auditor reads S3's entries"
    assert any(e["actor"] == three.register.accounts.by_username("register-admin").actor
               for e in whole)
    seen = trail(three, auditor)
    assert not {e["seq"] for e in seen} & set(outside), "nothing about S3's people"
    creations = [e for e in seen if e["action"] == "account.create"]
    assert [e["actor"] for e in creations] == [three.accounts["admin"].actor], \
        "the trust admin's entry, not the whole register's admin's"
    held = [e["details"]["object_id"] for e in seen if e["action"] == "hold.place"]
    assert held == ["P1", "BP1"], "the trust's two schools, not S3"
    # Filtered first, then cut: the first entry after entry 2 is the next of the trust's.
    [first] = trail(three, auditor, after=2, limit=1)
    assert first["seq"] == min(e["seq"] for e in seen if e["seq"] > 2)
    assert not about.get(first["seq"], set()) & OUTSIDE


def test_the_audit_page_shows_an_auditor_of_a_trust_only_the_trusts_part(three):
    register_admin = whole_register_admin(three)
    made = three.post(register_admin, "/api/accounts", json={
        "username": "new-s3", "password": "a long enough password", "role": "auditor",
        "school_id": "S3"})
    assert made.status_code == 201
    auditor = auditor_of(three, "trust-auditor", "S1")
    everything = three.get("auditor", "/audit").text
    assert "Given FamilyCP1" in everything and "Given FamilyBP1" in everything
    assert "register-admin" in everything
    page = three.get(auditor, "/audit").text
    assert "Given FamilyBP1" in page, "S2's pupil is the trust's"
    assert "Given FamilyCP1" not in page and "Given FamilyCT1" not in page
    assert "register-admin" not in page, "nor, in the list of who did what, S3's actors"
    held = three.get(auditor, "/audit", params={"action": "hold.place"}).text
    assert "Given FamilyBP1" in held and "Given FamilyCP1" not in held


@pytest.mark.parametrize("tied", [("S1", None), (None, None)], ids=["trust", "whole"])
def test_an_auditor_sees_that_a_hold_had_a_reason_never_what_it_says(three, tied):
    """Why a hold was placed is the placing school's DSL's alone: the trail keeps it, and
    an auditor reads that it was given, on the API and the page alike."""
    who = auditor_of(three, "holds-auditor", *tied)
    placed = [e for e in trail(three, who) if e["action"] == "hold.place"]
    assert placed and all(e["details"]["reason"].startswith("given; withheld") for e in placed)
    assert "section 47" not in three.get(who, "/api/audit", params={"limit": 1000}).text
    page = three.get(who, "/audit", params={"action": "hold.place"}).text
    assert "withheld" in page and "section 47" not in page
