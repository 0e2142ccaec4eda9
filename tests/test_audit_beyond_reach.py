"""What an auditor of a trust learns of the trail beyond their trust (api/routes/audit.py):
checking the chain tells them the verdict and the count of their own part, never the whole
chain's; an entry about one of their people and someone of another trust shows the other's
ids and names redacted. The world is the scope table's (tests/test_scope_table.py): S1 and
S2 are trust TR's, S3 another trust's.
"""

from __future__ import annotations

import pytest

from api.routes.audit import BEYOND
from tests.test_audit import tamper
from tests.test_audit_scope import auditor_of, trail
from tests.test_scope_table import three  # noqa: F401 (a fixture)


def test_checking_the_chain_tells_a_trusts_auditor_only_their_parts_count(three):
    trusts = auditor_of(three, "trust-auditor", "S1")
    whole = three.get("auditor", "/api/audit/verify").json()
    part = three.get(trusts, "/api/audit/verify").json()
    assert whole["ok"] and part["ok"]
    readable = trail(three, trusts)
    assert part["entries"] == len(readable) < whole["entries"]
    assert whole["entries"] == len(trail(three, "auditor"))
    page = three.get(trusts, "/audit").text
    assert f"{whole['entries']} entries" not in page
    # A broken chain: the verdict, and where it breaks only for the whole register's auditor.
    tamper(three.register.audit, "UPDATE audit_entries SET action = 'forged' WHERE seq = 2")
    broken = three.get(trusts, "/api/audit/verify").json()
    assert not broken["ok"] and broken["first_bad_seq"] is None
    assert "entry 2" not in broken["problem"]
    assert three.get("auditor", "/api/audit/verify").json()["first_bad_seq"] == 2


@pytest.mark.parametrize("by", ["register", "trust-admin"])
def test_an_entry_about_a_trusts_person_and_another_trusts_redacts_the_other(three, by):
    register = three.register
    stranger = register.store.person("CP1")  # S3's pupil
    actor = register.accounts.by_username("admin-user").actor if by == "trust-admin" \
        else "register"
    with register.writing():
        seq = register.audit.record(
            actor=actor, action="connection.report", object_kind="connection",
            object_id="CP1", subjects=["P1", "CP1"],
            note=f"{stranger.name} (CP1) follows P1; {stranger.family_name} "
                 f"{stranger.given_name} too")
    trusts = auditor_of(three, "trust-auditor", "S1")
    [seen] = [e for e in trail(three, trusts) if e["seq"] == seq]
    shown = str(seen["details"])
    assert "CP1" not in shown and stranger.family_name not in shown, shown
    assert sorted(seen["details"]["subjects"]) == sorted(["P1", BEYOND])
    assert seen["details"]["object_id"] == BEYOND
    assert "follows P1" in seen["details"]["note"], "the trust's own person stays"
    page = three.get(trusts, "/audit", params={"action": "connection.report"}).text
    assert stranger.family_name not in page and "CP1" not in page
    [whole] = [e for e in trail(three, "auditor") if e["seq"] == seq]
    assert whole["details"]["subjects"] == ["CP1", "P1"], "the whole register's auditor"
    assert stranger.name in whole["details"]["note"]
