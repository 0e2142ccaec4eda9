"""A trust admin administers only their trust's accounts and schools (api/access.py
may_see_account, reach): the lists show no other trust's, and finding staff to give an
account (by name, or in bulk) answers another trust's staff exactly as someone no one has
heard of; a waiting first sign-in, no trust's yet, is the whole register's admin's. The routes that take one account or school are
in the scope table (tests/test_scope_table.py).

The world is the scope table's: S1 and S2 are the trust's, S3 another trust's, and the
trust admin is S1's; at each school, teacher T1 (BT1 at S2, CT1 at S3) has an account
subject-s1, -s2, -s3 besides the acting accounts, all S1's but the auditor's, which is
tied to no school: the whole register's.
"""

from __future__ import annotations

from api.identity import AccountRole, SessionKind
from tests.api_world import PASSWORD
from tests.test_scope_table import ISSUER, three  # noqa: F401 (a fixture)

STRANGER, NOBODY = "Given FamilyCT1", "Given FamilyZZ9"  # S3's teacher; no one at all
TRUSTS = {"t1-user", "l1-user", "h1-user", "d1-user", "admin-user", "subject-s1", "subject-s2"}


def whole_register_admin(three) -> str:
    """A trust admin tied to no school or person: the whole register's."""
    account = three.register.accounts.create("register-admin", PASSWORD,
                                             AccountRole.TRUST_ADMIN, None, None)
    three.tokens["register"], _ = three.register.accounts.start_session(account,
                                                                        SessionKind.BEARER)
    return "register"


def same_answer(stranger, nobody) -> None:
    """Another trust's person answers exactly as a name no one has."""
    assert (stranger.status_code, stranger.text.replace(STRANGER, NOBODY)) \
        == (nobody.status_code, nobody.text)


def test_a_trust_admin_lists_only_their_trusts_accounts_schools_and_links(three):
    listed = {a["username"] for a in three.get("admin", "/api/accounts").json()}
    assert listed == TRUSTS, "no other trust's account, nor the whole register's auditor"
    assert [s["school_id"] for s in three.get("admin", "/api/schools").json()] == ["S1", "S2"]
    links = three.get("admin", "/api/identity-links").json()
    assert sorted(link["username"] for link in links) == ["subject-s1", "subject-s2"]
    for page in ("/admin/accounts", "/admin/sign-in"):
        shown = three.get("admin", page).text
        assert "subject-s2" in shown and "subject-s3" not in shown, page
        assert "School S3" not in shown and "auditor-user" not in shown, page
    assert "School S3" not in three.get("admin", "/admin/schools").text
    register = whole_register_admin(three)
    everyone = {a["username"] for a in three.get(register, "/api/accounts").json()}
    assert everyone == TRUSTS | {"subject-s3", "auditor-user", "register-admin"}
    assert len(three.get(register, "/api/schools").json()) == 3


def test_a_trust_admin_makes_no_account_of_the_whole_register(three):
    """An account of no school or person would reach past the trust: only an admin of the
    whole register makes one."""
    register = whole_register_admin(three)
    for role in ("auditor", "trust_admin"):
        body = {"username": f"new-{role}", "password": "a long enough password", "role": role}
        refused = three.post("admin", "/api/accounts", json=body)
        assert refused.status_code == 422, refused.text
        assert "belongs to a school of the trust" in refused.text
        assert three.post(register, "/api/accounts", json=body).status_code == 201
    tied = three.post("admin", "/api/accounts", json={
        "username": "new-s2-admin", "password": "a long enough password",
        "role": "trust_admin", "school_id": "S2"})
    assert tied.status_code == 201, tied.text


def test_finding_staff_for_an_account_finds_no_one_of_another_trust(three):
    def search(name):
        return three.get("admin", "/admin/accounts", params={"name": name})

    assert "Given FamilyBT1" in search("FamilyBT1").text, "the trust's other school is found"
    same_answer(search(STRANGER), search(NOBODY))
    chosen = three.get("admin", "/admin/accounts", params={"person": "CT1"})
    assert STRANGER not in chosen.text
    assert chosen.text == three.get("admin", "/admin/accounts",
                                    params={"person": "ZZ9"}).text


def test_bulk_accounts_find_no_one_of_another_trust(three):
    def preview(rows, **form):
        return three.post("admin", "/admin/accounts/bulk", data={
            "rows_csv": "username,role,school,name\n" + rows, **form})

    same_answer(preview(f"new-ct1,staff,,{STRANGER}\n"), preview(f"new-ct1,staff,,{NOBODY}\n"))
    named = preview(f"new-ct1,staff,S3,{STRANGER}\n")
    assert "no school “S3”" in named.text
    assert named.text.replace("S3", "S9") == preview(f"new-ct1,staff,S9,{STRANGER}\n").text
    forced = preview(f"new-bt1,staff,,Given FamilyBT1\nnew-ct1,staff,S3,{STRANGER}\n",
                     confirm="yes")
    assert forced.status_code == 422, "all or none"
    made = preview("new-bt1,staff,,Given FamilyBT1\n", confirm="yes")
    assert made.status_code == 200
    made = {a.username: a for a in three.register.accounts.all()}
    assert made["new-bt1"].school_id == "S2" and "new-ct1" not in made


def test_only_the_whole_registers_admin_settles_a_waiting_first_sign_in(three):
    """A waiting first sign-in holds only an e-mail address: nothing says which trust it
    is for, so a trust's admin neither sees the waiting addresses nor approves or refuses
    one (answered as a sign-in no longer waiting); the whole register's admin does."""
    with three.register.writing():
        requests = [three.register.db.execute(
            "INSERT INTO oidc_requests (issuer, subject, email, requested_at, status) "
            "VALUES (?, ?, ?, 0, 'waiting')",
            (ISSUER, f"who-{n}", f"someone-{n}@example.org")).lastrowid for n in (1, 2)]

    def settle(who, request, decision, name="Given FamilyBT1"):
        return three.post(who, f"/admin/sign-in/requests/{request}", data={
            "decision": decision, "role": "staff", "name": name, "school_id": ""},
            follow_redirects=False)

    assert "someone-1@example.org" not in three.get("admin", "/admin/sign-in").text
    nobody = settle("admin", 999_999, "refuse")
    for decision in ("refuse", "approve"):
        refused = settle("admin", requests[0], decision)
        assert (refused.status_code, refused.text) == (nobody.status_code, nobody.text)
    assert nobody.status_code == 404
    waiting = dict(three.register.db.execute("SELECT request_id, status FROM oidc_requests"))
    assert waiting[requests[0]] == "waiting", "the trust's admin changed nothing"
    register = whole_register_admin(three)
    assert "someone-1@example.org" in three.get(register, "/admin/sign-in").text
    assert settle(register, requests[0], "approve").status_code == 303
    assert settle(register, requests[1], "refuse").status_code == 303
    made = {a.username: a.person_id for a in three.register.accounts.all()}
    assert made["someone-1@example.org"] == "BT1" and "someone-2@example.org" not in made


def test_a_trust_admin_sees_and_retries_only_their_trusts_failed_messages(three):
    accounts = {a.username: a.account_id for a in three.register.accounts.all()}
    with three.register.writing():
        failed = {school: three.register.db.execute(
            "INSERT INTO outbox (account_id, to_address, kinds, subject, body, created_at, "
            "status, attempts, next_attempt_at, last_error) VALUES (?, ?, '[]', 'Cases', "
            "'', 0, 'failed', 5, 0, 'refused')",
            (accounts[f"subject-{school}"], f"teacher-{school}@example.org")).lastrowid
            for school in ("s2", "s3")}
    shown = three.get("admin", "/admin/notifications").text
    assert "subject-s2" in shown and "subject-s3" not in shown
    assert "teacher-s3@example.org" not in shown
    for message in (failed["s3"], 999):  # another trust's, and none at all: alike
        retried = three.post("admin", f"/admin/notifications/{message}/retry",
                             follow_redirects=False)
        assert retried.status_code == 303
    three.post("admin", f"/admin/notifications/{failed['s2']}/retry", follow_redirects=False)
    status = dict(three.register.db.execute("SELECT message_id, status FROM outbox"))
    assert status == {failed["s2"]: "pending", failed["s3"]: "failed"}
    retries = three.get("auditor", "/api/audit", params={"action": "notification.retry"})
    assert [e["details"]["object_id"] for e in retries.json()] == [str(failed["s2"])]


def test_the_failed_messages_page_finds_the_trusts_among_many_of_another_trusts(three):
    """The page shows the latest failed messages: the trust's are chosen first, then cut,
    so another trust's many failures hide none of them."""
    accounts = {a.username: a.account_id for a in three.register.accounts.all()}
    rows = [(accounts["subject-s2"], "teacher-s2@example.org")] \
        + [(accounts["subject-s3"], f"teacher-s3-{n}@example.org") for n in range(250)]
    with three.register.writing():
        three.register.db.executemany(
            "INSERT INTO outbox (account_id, to_address, kinds, subject, body, created_at, "
            "status, attempts, next_attempt_at, last_error) VALUES (?, ?, '[]', 'Cases', "
            "'', 0, 'failed', 5, 0, 'refused')", rows)
    shown = three.get("admin", "/admin/notifications").text
    assert "subject-s2" in shown, "the trust's one failure, older than 250 of another's"
    assert "teacher-s3" not in shown


def test_a_trust_admin_ties_a_new_admin_or_auditor_of_staff_elsewhere_to_a_school(three):
    """T1 is staff at S1 and also at S3, another trust's school: an account tied to T1
    alone would reach S3's trust too, so the trust's admin must tie it to one of theirs."""
    import datetime as dt

    from graph.model import Membership, Role, World

    three.register.store.import_world(World(memberships=[
        Membership("T1", "S3", Role.STAFF, None, dt.date(2020, 9, 1), None)]))
    for role in ("trust_admin", "auditor"):
        body = {"username": f"t1-{role}", "password": "a long enough password", "role": role,
                "person_id": "T1"}
        refused = three.post("admin", "/api/accounts", json=body)
        assert refused.status_code == 422, refused.text
        assert "belongs to a school of the trust" in refused.text
        assert "S3" not in refused.text, "nothing said of the other trust"
        made = three.post("admin", "/api/accounts", json={**body, "school_id": "S1"})
        assert made.status_code == 201, made.text
