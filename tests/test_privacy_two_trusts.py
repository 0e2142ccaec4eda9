"""A person at two trusts (api/privacy.py plan_erasure, subject_access): each trust is a
controller of its own under UK GDPR, so a trust's admin exports only what their trust holds
and erases nobody another trust also keeps records of; the whole register's admin may.

The world is the scope table's (tests/test_scope_table.py): S1 and S2 are the trust's, S3
another trust's, and the trust admin acting is S1's. M1, mother of S1's pupil P1, is also
staff at S3, where she follows S3's pupil CP1 (a case at S3) and an S3 account looked her up.
"""

from __future__ import annotations

import datetime as dt

from api.privacy import KEPT_ELSEWHERE
from graph.model import Connection, ConnectionSource, Direction, Membership, Role, World
from tests.test_account_scope import whole_register_admin
from tests.test_scope_table import three  # noqa: F401 (a fixture)

OTHER_TRUST = ("S3", "School S3", "OTHER", "CP1", "CT1")


def at_two_trusts(three) -> None:
    """M1 at S3 too; an audit entry by S3's account and one by S1's, both about her."""
    register = three.register
    register.store.import_world(World(
        memberships=[Membership("M1", "S3", Role.STAFF, None, dt.date(2020, 9, 1), None)],
        connections={"X1": Connection("X1", "M1", "CP1", "instagram", Direction.MUTUAL,
                                      dt.date(2026, 3, 1), ConnectionSource.DECLARED)}))
    register.reevaluate(three.today)
    accounts = {a.username: a for a in register.accounts.all()}
    with register.writing():
        for who in ("subject-s3", "subject-s1"):
            register.audit.record(actor=accounts[who].actor, action=f"person.view.by-{who}",
                                  object_kind="person", object_id="M1", subjects=["M1"])


def test_a_trusts_subject_access_export_holds_only_the_trusts_part(three):
    at_two_trusts(three)
    export = three.post("admin", "/api/privacy/people/M1/subject-access", json={})
    assert export.status_code == 200, export.text
    for other in OTHER_TRUST:
        assert other not in export.text, f"{other} is the other trust's"
    part = export.json()
    assert part["memberships"] == [], "a parent at S1: her membership is S3's"
    assert [c["with"] for c in part["connections"]] == ["a member of staff of School S1"]
    assert [c["school"] for c in part["cases"]] == ["School S1"], "not her case at S3"
    actions = {e["action"] for e in part["audit"]}
    assert "person.view.by-subject-s1" in actions, "an S1 account's look"
    assert "person.view.by-subject-s3" not in actions, "an S3 account's look"
    assert len(part["audit"]) == 2, "and the case at S1 raised"

    whole = three.post(whole_register_admin(three), "/api/privacy/people/M1/subject-access",
                       json={}).json()
    assert [m["school"] for m in whole["memberships"]] == ["School S3"]
    assert len(whole["connections"]) == 2
    assert "School S3" in {c["school"] for c in whole["cases"]}, "her case at S3"
    assert "person.view.by-subject-s3" in {e["action"] for e in whole["audit"]}


def test_a_trust_admin_cannot_erase_someone_another_trust_keeps(three):
    at_two_trusts(three)
    erasures = len(three.get("auditor", "/api/audit", params={"action": "person.erase"}).json())
    preview = three.get("admin", "/api/privacy/people/M1/erasure")
    assert preview.status_code == 409
    assert preview.json()["detail"] == KEPT_ELSEWHERE
    refused = three.post("admin", "/api/privacy/people/M1/erasure")
    assert (refused.status_code, refused.json()["detail"]) == (409, KEPT_ELSEWHERE)
    page = three.get("admin", "/privacy", params={"person_id": "M1"})
    assert KEPT_ELSEWHERE.split(";")[0] in page.text
    posted = three.post("admin", "/privacy/erase", data={"person_id": "M1"},
                        follow_redirects=False)
    assert posted.status_code == 409
    for answer in (preview, refused, page, posted):
        assert not any(other in answer.text for other in OTHER_TRUST), answer.text[:300]
    assert three.register.store.person("M1") is not None, "nothing written"
    assert len(three.get("auditor", "/api/audit",
                         params={"action": "person.erase"}).json()) == erasures
    # Someone of the trust alone is still the trust admin's to erase.
    assert three.post("admin", "/api/privacy/people/BM1/erasure").status_code == 200

    register_admin = whole_register_admin(three)
    assert three.get(register_admin, "/api/privacy/people/M1/erasure").status_code == 200
    assert three.post(register_admin, "/api/privacy/people/M1/erasure").status_code == 200
    assert three.register.store.person("M1") is None
