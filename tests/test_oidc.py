"""Signing in through the trust's identity provider, against a real OpenID Connect
provider process started by the tests (oidc-provider-mock, in a thread of this process):
the redirect, the code exchange, the ID token's signature, issuer, audience, nonce and
expiry, a tampered token refused, and a first sign-in waiting for a trust admin."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from urllib.parse import parse_qs, quote, urlparse

import httpx
import oidc_provider_mock
import pytest
import time_machine
from fastapi.testclient import TestClient

import api.identity.accounts
from api.identity import oidc
from api.notify import Contacts
from api.settings import Settings
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.test_pages import field, text

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
CLIENT_ID, CLIENT_SECRET = "relreg-test-client", "a-client-secret"


@pytest.fixture(scope="module")
def provider():
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def served(tmp_path, monkeypatch, provider, clock):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    oidc.providers.__init__()  # nothing cached from another test's provider
    service = ServiceUnderTest(tmp_path, settings=Settings(public_url="https://testserver"))
    service.now = NOW.timestamp()
    service.register.accounts.clock = lambda: service.now
    service.tokens["admin"], _ = service.register.accounts.start_session(
        service.accounts["admin"], api.identity.accounts.SessionKind.BEARER)
    with service.register.writing():
        Contacts(service.register.db).set_email(service.accounts["T1"].account_id,
                                                "tom@ninestiles.org.uk")
    yield service
    service.close()


def set_up_provider(service, provider, **changes):
    form = {"provider_name": "Microsoft", "issuer": provider, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "domains": "ninestiles.org.uk", **changes}
    return service.post("admin", "/admin/sign-in/provider", data=form, follow_redirects=False)


def person_at_provider(provider, sub, **claims):
    response = httpx.put(f"{provider}/users/{quote(sub)}", json=claims)
    assert response.status_code == 204


def sign_in_through(service, provider, sub, base_url="https://testserver", client=None):
    """A browser's whole trip: to the register, to the provider, back with a code."""
    browser = TestClient(service.app, base_url=base_url,
                         **({"client": client} if client else {}))
    start = browser.get("/sign-in/oidc", follow_redirects=False)
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(f"{provider}/oauth2/authorize?")
    asked = parse_qs(urlparse(authorize).query)
    assert asked["client_id"] == [CLIENT_ID] and asked["code_challenge_method"] == ["S256"]
    assert asked["nonce"][0] and asked["state"][0]
    assert asked["redirect_uri"] == ["https://testserver/sign-in/oidc/callback"]
    consent = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    back = consent.headers["location"]
    assert back.startswith("https://testserver/sign-in/oidc/callback?")
    back = back.replace("https://testserver", base_url)
    return browser, browser.get(back, follow_redirects=False), back


def test_the_whole_sign_in_links_the_verified_e_mail_to_its_account(served, provider):
    assert set_up_provider(served, provider).status_code == 303
    page = TestClient(served.app, base_url="https://testserver").get("/sign-in").text
    assert "Sign in with Microsoft" in page
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    browser, landed, _ = sign_in_through(served, provider, "tom-sub")
    assert landed.status_code == 303 and landed.headers["location"] == "/my"
    me = browser.get("/api/auth/me").json()
    assert me["account"]["username"] == "t1-user"
    [entry] = [e for e in served.register.audit.entries(action="sign_in", limit=50)
               if e.details.get("method") == "oidc"]
    assert entry.actor == served.accounts["T1"].actor and entry.outcome == "ok"
    # Linked by the provider's subject from now on.
    assert served.register.db.execute("SELECT account_id FROM oidc_links").fetchall() == [
        (served.accounts["T1"].account_id,)]


def test_a_first_sign_in_by_an_unknown_address_waits_for_a_trust_admin(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "new-sub", email="nia@ninestiles.org.uk", email_verified=True)
    browser, landed, _ = sign_in_through(served, provider, "new-sub")
    assert landed.status_code == 403
    assert "Your trust admin has not yet given you access" in text(landed.text)
    assert "relreg_session" not in browser.cookies
    admin_page = served.get("admin", "/admin/sign-in").text
    assert "nia@ninestiles.org.uk" in admin_page
    [request_id] = oidc.waiting_requests(served.register.db)
    approved = served.post("admin", f"/admin/sign-in/requests/{request_id}", data={
        "decision": "approve", "role": "staff", "name": "Given FamilyT2", "school_id": "S1"},
        follow_redirects=False)
    assert approved.status_code == 303, approved.text
    browser, landed, _ = sign_in_through(served, provider, "new-sub")
    assert landed.status_code == 303
    me = browser.get("/api/auth/me").json()["account"]
    assert (me["username"], me["role"], me["person_id"]) == (
        "nia@ninestiles.org.uk", "staff", "T2")


def test_a_refused_first_sign_in_stays_refused(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "odd-sub", email="odd@ninestiles.org.uk", email_verified=True)
    sign_in_through(served, provider, "odd-sub")
    [request_id] = oidc.waiting_requests(served.register.db)
    served.post("admin", f"/admin/sign-in/requests/{request_id}", data={"decision": "refuse"})
    assert served.register.db.execute("SELECT email FROM oidc_requests").fetchall() == [("",)]
    _, landed, _ = sign_in_through(served, provider, "odd-sub")
    assert landed.status_code == 403
    assert "has not given you access" in text(landed.text)


def test_an_unverified_address_or_another_domain_gets_nothing_and_nothing_is_kept(
        served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "unverified", email="tom@ninestiles.org.uk",
                       email_verified=False)
    _, landed, _ = sign_in_through(served, provider, "unverified")
    assert landed.status_code == 403 and "did not confirm your e-mail address" in text(landed.text)
    person_at_provider(provider, "elsewhere", email="tom@elsewhere.example", email_verified=True)
    _, landed, _ = sign_in_through(served, provider, "elsewhere")
    assert landed.status_code == 403 and "does not accept sign-ins from that organisation" \
        in text(landed.text)
    assert served.register.db.execute("SELECT COUNT(*) FROM oidc_requests").fetchone()[0] == 0
    assert served.register.db.execute("SELECT COUNT(*) FROM oidc_links").fetchone()[0] == 0


def test_the_callback_is_used_once_and_only_by_the_browser_that_started(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    browser, landed, back = sign_in_through(served, provider, "tom-sub")
    assert landed.status_code == 303
    replay = TestClient(served.app, base_url="https://testserver").get(back)
    assert replay.status_code == 403, "another browser, without the state cookie"
    browser.cookies.set("relreg_oidc_state", parse_qs(urlparse(back).query)["state"][0],
                        domain="testserver.local", path="/sign-in/oidc")
    again = browser.get(back, follow_redirects=False)
    assert again.status_code == 403, "the same state twice"
    refusals = [e.details["why"] for e in served.register.audit.entries(action="sign_in",
                                                                        limit=50)
                if e.details.get("method") == "oidc" and e.outcome != "ok"]
    assert refusals == ["refused:state", "refused:expired"]


def test_an_id_token_after_its_expiry_is_refused(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    served.now = NOW.timestamp() + 2 * 3600  # the register's clock is ahead of the token
    served.tokens  # bearer tokens last 12 hours: still valid
    _, landed, _ = sign_in_through(served, provider, "tom-sub")
    assert landed.status_code == 403
    assert "could not be checked" in text(landed.text)
    [entry] = [e for e in served.register.audit.entries(action="sign_in", limit=50)
               if e.details.get("method") == "oidc"]
    assert entry.outcome == "bad_id_token"
    assert entry.details["why"] == "bad_id_token:ExpiredTokenError"


def real_id_token(provider, nonce):
    """An ID token the provider really issued for this client, through its own front door."""
    redirect_uri = "https://testserver/sign-in/oidc/callback"
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    authorize = httpx.post(f"{provider}/oauth2/authorize", params={
        "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "response_type": "code",
        "scope": "openid email", "state": "s", "nonce": nonce}, data={"sub": "tom-sub"})
    code = parse_qs(urlparse(authorize.headers["location"]).query)["code"][0]
    token = httpx.post(f"{provider}/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=(CLIENT_ID, CLIENT_SECRET)).json()
    return token["id_token"], token["access_token"]


def test_the_id_token_checks_refuse_a_tampered_token_and_a_wrong_issuer_audience_or_nonce(
        provider, clock):
    oidc.providers.__init__()
    nonce = secrets.token_urlsafe(16)
    id_token, access_token = real_id_token(provider, nonce)
    metadata = oidc.discover(provider)
    keys = oidc.providers.keys(provider, metadata, NOW.timestamp())
    right = dict(issuer=provider, client_id=CLIENT_ID, nonce=nonce, access_token=access_token,
                 keys=keys, algorithms=["RS256"], now=NOW.timestamp())
    claims = oidc.validate_id_token(id_token, **right)
    assert claims["email"] == "tom@ninestiles.org.uk" and CLIENT_ID in claims["aud"]

    head, body, signature = id_token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["email"] = "head@ninestiles.org.uk"
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    wrong = {
        "tampered": (f"{head}.{body}.{signature}", {}),
        "issuer": (id_token, {"issuer": "https://login.example.org"}),
        "audience": (id_token, {"client_id": "someone-else"}),
        "nonce": (id_token, {"nonce": "another-nonce"}),
        "expired": (id_token, {"now": NOW.timestamp() + 3600 + oidc.LEEWAY_SECONDS + 5}),
        "access token": (id_token, {"access_token": "another-access-token"}),
    }
    for what, (token, change) in wrong.items():
        with pytest.raises(oidc.IdTokenRefused):
            oidc.validate_id_token(token, **{**right, **change})
            pytest.fail(f"a token with a wrong {what} was accepted")


def test_misconfigured_provider_settings_are_refused_with_what_to_do(served, provider):
    wrong_issuer = set_up_provider(served, provider, issuer=provider + "/tenant")
    assert wrong_issuer.status_code == 422
    assert "answered 404: check the issuer address" in text(wrong_issuer.text)
    not_https = set_up_provider(served, provider, issuer="http://login.example.org")
    assert "the address must start with https://" in text(not_https.text)
    no_domain = set_up_provider(served, provider, domains="")
    assert "give at least one" in text(no_domain.text)
    assert not oidc.load_policy(served.register).provider_on, "nothing saved"


def test_local_passwords_turned_off_leave_only_trust_admins_theirs(served, provider):
    refused = served.post("admin", "/admin/sign-in/policy", data={"local_passwords": "off"})
    assert refused.status_code == 422 and "Set up the sign-in provider" in text(refused.text)
    set_up_provider(served, provider)
    assert served.post("admin", "/admin/sign-in/policy", data={"local_passwords": "off"},
                       follow_redirects=False).status_code == 303
    browser = TestClient(served.app, base_url="https://testserver")
    token = field(browser.get("/sign-in").text, "sign_in_token")
    teacher = browser.post("/sign-in", data={"username": "t1-user", "password": PASSWORD,
                                             "sign_in_token": token})
    assert teacher.status_code == 403
    assert "signs in through your organisation" in text(teacher.text)
    api = served.http.post("/api/auth/token", data={"username": "t1-user",
                                                    "password": PASSWORD})
    assert api.status_code == 403
    admin = served.http.post("/api/auth/token", data={"username": "admin-user",
                                                      "password": PASSWORD})
    assert admin.status_code == 200, "trust admins keep a way in when the provider is down"


def test_only_an_address_the_provider_vouches_for_counts():
    assert oidc.email_of({"email": "Tom@NineStiles.org.uk", "email_verified": True}) \
        == "tom@ninestiles.org.uk"
    assert oidc.email_of({"email": "tom@ninestiles.org.uk", "xms_edov": True}) \
        == "tom@ninestiles.org.uk", "Entra ID: the domain's owner verified it"
    assert oidc.email_of({"email": "tom@ninestiles.org.uk"}) is None, "Entra ID without it"
    assert oidc.email_of({"email": "tom@ninestiles.org.uk", "email_verified": False}) is None
    assert oidc.email_of({"email_verified": True}) is None


def test_a_provider_sign_in_over_plain_http_from_another_machine_warns_the_trust_admins(
        served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    _, landed, _ = sign_in_through(served, provider, "tom-sub", base_url="http://testserver",
                                   client=("192.0.2.41", 50123))
    assert landed.status_code == 303 and landed.headers["location"] == "/my"
    assert served.register.plain_http_sign_in_on == dt.date(2026, 11, 23)


def test_a_provider_sign_in_is_refused_once_the_account_no_longer_fits(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    left = served.post("admin", "/api/people/T1/memberships/end", json={
        "school_id": "S1", "role": "staff", "start_date": "2018-09-01",
        "end_date": "2026-11-20"})
    assert left.status_code == 200
    _, landed, _ = sign_in_through(served, provider, "tom-sub")
    assert landed.status_code == 403
    assert "can no longer be used" in text(landed.text)
    assert "Ask a trust admin" in text(landed.text)
    [entry] = [e for e in served.register.audit.entries(action="sign_in", limit=50)
               if e.details.get("method") == "oidc"]
    assert entry.outcome == "no_longer_fits"


def test_a_waiting_sign_in_is_tied_to_its_person_by_name_or_by_the_e_mail_an_import_gave(
        served, provider):
    from graph.intake.identity import Identity, IdentityTable

    set_up_provider(served, provider)
    person_at_provider(provider, "new-sub", email="nia@ninestiles.org.uk", email_verified=True)
    sign_in_through(served, provider, "new-sub")
    [request_id] = oidc.waiting_requests(served.register.db)
    wrong = served.post("admin", f"/admin/sign-in/requests/{request_id}", data={
        "decision": "approve", "role": "staff", "name": "Nia Nobody", "school_id": "S1"})
    assert wrong.status_code == 422
    assert "no current member of staff at School S1 has the name Nia Nobody" in text(wrong.text)
    unknown = served.post("admin", f"/admin/sign-in/requests/{request_id}", data={
        "decision": "approve", "role": "staff", "name": "", "school_id": ""})
    assert "has e-mail nia@ninestiles.org.uk" in text(unknown.text)
    with IdentityTable(served.register.data_dir) as identity:  # as an MIS import leaves it
        identity.add({"T2": Identity.of("Nia", "Given", emails=["nia@ninestiles.org.uk"])})
    approved = served.post("admin", f"/admin/sign-in/requests/{request_id}", data={
        "decision": "approve", "role": "staff", "name": "", "school_id": ""},
        follow_redirects=False)
    assert approved.status_code == 303, approved.text
    account = served.register.accounts.by_username("nia@ninestiles.org.uk")
    assert (account.person_id, account.school_id) == ("T2", "S1")


def test_a_trust_admin_lists_and_revokes_a_link_and_it_stays_revoked(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    browser, landed, _ = sign_in_through(served, provider, "tom-sub")
    assert landed.status_code == 303
    assert browser.get("/api/identity-links").status_code == 403, "trust admins only"
    [link] = served.get("admin", "/api/identity-links").json()
    assert (link["username"], link["subject"], link["issuer"]) == ("t1-user", "tom-sub", provider)
    assert "tom-sub" in text(served.get("admin", "/admin/sign-in").text)
    preview = text(served.get("admin", f"/admin/sign-in/links/{link['link_id']}").text)
    assert "ends every session of t1-user" in preview and "cannot be linked again" in preview
    assert browser.get("/api/auth/me").status_code == 200, "a preview changes nothing"

    assert served.delete("admin", f"/api/identity-links/{link['link_id']}").status_code == 204
    assert browser.get("/api/auth/me").status_code == 401, "its sessions ended"
    assert served.get("admin", "/api/identity-links").json() == []
    [entry] = served.register.audit.entries(action="account.unlink", limit=5)
    assert entry.actor == served.accounts["admin"].actor
    assert entry.details["object_id"] == str(served.accounts["T1"].account_id)
    _, again, _ = sign_in_through(served, provider, "tom-sub")
    assert again.status_code == 403 and "ended this sign-in's access" in text(again.text)
    assert served.get("admin", "/api/identity-links").json() == [], "not linked again by e-mail"
    assert served.delete("admin", f"/api/identity-links/{link['link_id']}").status_code == 404


def test_a_link_is_revoked_from_the_page_after_its_preview(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "tom-sub", email="tom@ninestiles.org.uk", email_verified=True)
    sign_in_through(served, provider, "tom-sub")
    [link] = oidc.links_of(served.register)
    done = served.post("admin", f"/admin/sign-in/links/{link.link_id}/revoke",
                       follow_redirects=False)
    assert done.status_code == 303 and "link-revoked" in done.headers["location"]
    assert oidc.links_of(served.register) == []


def test_an_address_with_a_line_break_is_refused_at_entry_and_leaves_nothing(served, provider):
    set_up_provider(served, provider)
    person_at_provider(provider, "crlf-sub", email="nia\r\nbcc@ninestiles.org.uk",
                       email_verified=True)
    _, landed, _ = sign_in_through(served, provider, "crlf-sub")
    assert landed.status_code == 403 and "cannot use" in text(landed.text)
    assert served.register.db.execute("SELECT COUNT(*) FROM oidc_requests").fetchone()[0] == 0
    [entry] = [e for e in served.register.audit.entries(action="sign_in", limit=20)
               if e.details.get("method") == "oidc"]
    assert entry.details["why"] == "refused:bad_email"
    # One an earlier release let wait: its approval is refused with why, and makes no account.
    with served.register.writing():
        served.register.db.execute(
            "INSERT INTO oidc_requests (issuer, subject, email, requested_at, status) "
            "VALUES (?, 'old-sub', ?, 0, 'waiting')", (provider, "old\r\n@ninestiles.org.uk"))
    [request_id] = oidc.waiting_requests(served.register.db)
    accounts_before = len(served.register.accounts.all())
    answer = served.post("admin", f"/admin/sign-in/requests/{request_id}", data={
        "decision": "approve", "role": "auditor", "school_id": ""})
    assert answer.status_code == 422 and "line break" in text(answer.text)
    assert len(served.register.accounts.all()) == accounts_before
    refused = served.post("admin", f"/admin/sign-in/requests/{request_id}",
                          data={"decision": "refuse"}, follow_redirects=False)
    assert refused.status_code == 303


def test_an_address_with_a_control_character_is_refused_when_a_trust_admin_sets_it(served):
    answer = served.post("admin", "/admin/sign-in/emails",
                         data={"username": "t2-user", "email": "t2@school.org.uk\r\nBcc: x@y.z"})
    assert answer.status_code == 422 and "line break" in text(answer.text)
    with served.register.lock:
        assert Contacts(served.register.db).get(served.accounts["T2"].account_id) is None
