"""Signing in: argon2 hashes, bearer tokens for API clients, session cookies with CSRF
protection for pages, and failed sign-ins slowed and then locked."""

import sqlite3

import pytest

import api.identity.accounts
from api.identity import AccountBook, AccountRole
from api.settings import Settings
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest, service  # noqa: F401


def test_passwords_are_hashed_with_argon2id_at_its_recommended_cost():
    db = sqlite3.connect(":memory:", isolation_level=None)
    book = AccountBook(db, Settings())
    book.create("head", PASSWORD, AccountRole.HEADTEACHER, None, None)
    [(stored,)] = db.execute("SELECT password_hash FROM accounts")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert book.sign_in("head", PASSWORD).username == "head"


def sign_in(service, username, password):
    return service.http.post("/api/auth/token", data={"username": username, "password": password})


def test_a_bearer_token_from_signing_in(service):
    response = sign_in(service, "l1-user", PASSWORD)
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = service.http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["account"]["username"] == "l1-user"
    assert me.json()["account"]["role"] == "senior_leader"
    assert me.json()["csrf_token"] is None
    out = service.http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204
    assert service.http.get("/api/auth/me",
                            headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_wrong_password_is_401_and_audited_without_the_password(service):
    response = sign_in(service, "l1-user", "not the password at all")
    assert response.status_code == 401
    entries = service.get("auditor", "/api/audit", params={"action": "sign_in"}).json()
    assert [e["outcome"] for e in entries] == ["failed"]
    dump = "\n".join(service.register.db.iterdump())
    assert "not the password at all" not in dump


@pytest.fixture
def strict(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path, settings=Settings(
        sign_in_slow_after=2, sign_in_delay_seconds=1, sign_in_lock_after=4,
        sign_in_lock_minutes=15))
    yield served
    served.close()


@pytest.mark.parametrize("username", ["t1-user", "nobody-at-all"])
def test_failed_sign_ins_are_slowed_then_locked(strict, username):
    assert sign_in(strict, username, "wrong").status_code == 401
    assert sign_in(strict, username, "wrong").status_code == 401
    slowed = sign_in(strict, username, PASSWORD)
    assert slowed.status_code == 429, "too soon after two failures: not even checked"
    assert slowed.headers["retry-after"] == "1"
    strict.now += 1
    assert sign_in(strict, username, "wrong").status_code == 401
    strict.now += 1
    assert sign_in(strict, username, "wrong").status_code == 429, "now it must wait 2 s"
    strict.now += 2
    assert sign_in(strict, username, "wrong").status_code == 401  # the fourth failure
    locked = sign_in(strict, username, PASSWORD)
    assert locked.status_code == 423
    assert locked.headers["retry-after"] == str(15 * 60)
    strict.now += 15 * 60 + 1
    expected = 200 if username == "t1-user" else 401
    assert sign_in(strict, username, PASSWORD).status_code == expected


def test_a_trust_admin_unlocks_an_account(strict):
    for _ in range(2):
        sign_in(strict, "t1-user", "wrong")
    for _ in range(2):
        strict.now += 10
        sign_in(strict, "t1-user", "wrong")
    assert sign_in(strict, "t1-user", PASSWORD).status_code == 423
    account_id = strict.accounts["T1"].account_id
    assert strict.get("admin", f"/api/accounts/{account_id}").json()["locked"]
    strict.patch("admin", f"/api/accounts/{account_id}", json={"unlock": True})
    assert sign_in(strict, "t1-user", PASSWORD).status_code == 200


def cookie_session(service, username="t1-user"):
    response = service.http.post("/api/auth/login",
                                 json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return response


def test_a_page_session_cookie_is_http_only_secure_and_same_site(service):
    response = cookie_session(service)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("relreg_session=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag in cookie
    assert response.json()["csrf_token"]
    assert service.http.get("/api/auth/me").json()["account"]["username"] == "t1-user"


def test_unsafe_requests_with_the_cookie_need_the_csrf_token(service):
    csrf = cookie_session(service).json()["csrf_token"]
    body = {"counterpart_id": "M1", "basis": "family_friend"}
    refused = service.http.post("/api/declarations", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    forged = service.http.post("/api/declarations", json=body, headers={"X-CSRF-Token": "guess"})
    assert forged.status_code == 403
    assert service.http.get("/api/declarations").status_code == 200, "reads need no token"
    made = service.http.post("/api/declarations", json=body, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    # A form posted by a page sends the token as a field instead.
    form = {"from_id": "P1", "channel": "instagram", "occurred_on": "2026-11-20"}
    refused = service.http.post("/api/approaches", data=form,
                                files={"evidence": ("m.txt", b"hi miss", "text/plain")})
    assert refused.status_code == 403
    posted = service.http.post("/api/approaches", data={**form, "csrf_token": csrf},
                               files={"evidence": ("m.txt", b"hi miss", "text/plain")})
    assert posted.status_code == 201


def test_signing_out_ends_the_page_session(service):
    csrf = cookie_session(service).json()["csrf_token"]
    assert service.http.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert service.http.get("/api/auth/me").status_code == 401


def test_disabling_an_account_ends_its_sessions(service):
    assert service.get("T1", "/api/auth/me").status_code == 200
    account_id = service.accounts["T1"].account_id
    service.patch("admin", f"/api/accounts/{account_id}", json={"disabled": True})
    assert service.get("T1", "/api/auth/me").status_code == 401
    assert sign_in(service, "t1-user", PASSWORD).status_code == 401


def test_binding_an_account_to_another_person_ends_its_sessions(service):
    assert service.get("T1", "/api/auth/me").status_code == 200
    account_id = service.accounts["T1"].account_id
    same = service.patch("admin", f"/api/accounts/{account_id}", json={"person_id": "T1"})
    assert same.status_code == 200
    assert service.get("T1", "/api/auth/me").status_code == 200, "the same person: kept"
    moved = service.patch("admin", f"/api/accounts/{account_id}", json={"person_id": "T2"})
    assert moved.status_code == 200 and moved.json()["person_id"] == "T2"
    assert service.get("T1", "/api/auth/me").status_code == 401, "another person: ended"
    assert service.get("T2", "/api/auth/me").status_code == 200, "nobody else's"


@pytest.mark.parametrize("body, field", [
    ({"username": "new-staff", "password": PASSWORD, "role": "staff", "school_id": "S1"},
     "person_id"),
    ({"username": "new-staff", "password": PASSWORD, "role": "staff", "person_id": "NOBODY",
      "school_id": "S1"}, "person_id"),
    ({"username": "new-staff", "password": PASSWORD, "role": "dsl", "person_id": "D1",
      "school_id": "S9"}, "school_id"),
    ({"username": "new-staff", "password": "short", "role": "auditor"}, "password"),
    ({"username": "new staff", "password": PASSWORD, "role": "auditor"}, "username"),
    ({"username": "new-staff", "password": PASSWORD, "role": "superuser"}, "role"),
])
def test_a_bad_account_is_422_naming_the_field(service, body, field):
    response = service.post("admin", "/api/accounts", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_accounts_are_made_once_per_username(service):
    body = {"username": "second-dsl", "password": PASSWORD, "role": "dsl", "person_id": "D1",
            "school_id": "S1"}
    made = service.post("admin", "/api/accounts", json=body)
    assert made.status_code == 201 and made.json()["role"] == "dsl"
    assert service.post("admin", "/api/accounts", json=body).status_code == 409
    assert service.get("admin", "/api/accounts/999").status_code == 404
    assert sign_in(service, "second-dsl", PASSWORD).status_code == 200


def test_an_anonymous_entry_is_cut_short_and_loses_its_control_characters(service):
    typed = "evil\r\nactor=account:1 action=case.decide\x00" + "x" * 5000
    assert sign_in(service, typed, "wrong").status_code == 401
    [entry] = service.register.audit.entries(action="sign_in", limit=10)
    username = entry.details["username"]
    assert entry.actor == "anonymous" and entry.outcome == "failed"
    assert username.startswith("evilactor=account:1 action=case.decide")
    assert len(username) <= 100 and not any(c in username for c in "\r\n\x00")


def test_a_flood_of_anonymous_requests_cannot_grow_the_trail_without_bound(service):
    from api.identity.anonymous import ENTRIES_PER_MINUTE

    service.now = 60 * 1000.0  # the start of a minute
    for n in range(ENTRIES_PER_MINUTE + 100):  # a new username each time: never slowed
        assert sign_in(service, f"guess-{n}", "wrong").status_code == 401
    assert service.register.db.execute(
        "SELECT COUNT(*) FROM sign_in_failures").fetchone()[0] == ENTRIES_PER_MINUTE + 100, \
        "every failure still counts against its username"
    minute = service.register.audit.entries(limit=1000)
    assert [e.actor for e in minute].count("anonymous") == ENTRIES_PER_MINUTE
    [limit] = [e for e in minute if e.action == "audit.anonymous_limit"]
    assert limit.outcome == "limited"
    service.now += 60
    assert sign_in(service, "one-more", "wrong").status_code == 401
    after = service.register.audit.entries(after=minute[-1].seq, limit=10)
    assert [(e.action, e.actor) for e in after] == [("audit.anonymous_left_out", "register"),
                                                    ("sign_in", "anonymous")]
    assert after[0].details["left_out"] == 100
