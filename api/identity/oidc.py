"""Signing in through the trust's identity provider (Microsoft Entra ID, Google Workspace or
any OpenID Connect provider), with Authlib doing the protocol: the authorization-code flow
with PKCE, state and nonce; the code exchanged at the provider's token endpoint; the ID
token's signature checked against the provider's published keys, and its issuer, audience,
nonce, expiry and access-token hash validated.

The trust's sign-in settings (the provider, the e-mail domains it accepts, whether local
passwords are still allowed, which roles need a second factor) are kept in the service
database and set by a trust admin on /admin/sign-in: one place, documented in
docs/sign-in-and-notifications.md.

A sign-in is linked to an account by the provider's subject once it has been linked by a
verified e-mail address matching the account's e-mail. A first sign-in by an address that
no account has gets no access: it waits for a trust admin to approve it (giving the
account a role and a person) or refuse it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from urllib.parse import urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from api.identity import Account, AccountNoLongerFits, AccountRole, SessionKind
from api.notify import BadAddress, Contacts, create_tables as create_notify_tables, normal_address
from api.identity import anonymous
from api.service import Actor, Register

FLOW_SECONDS = 600  # from leaving for the provider to coming back
LEEWAY_SECONDS = 60  # clocks disagree a little
HTTP_TIMEOUT_SECONDS = 10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trust_sign_in (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oidc_flows (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    next_path TEXT,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS oidc_links (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (account_id),
    PRIMARY KEY (issuer, subject)
);
CREATE TABLE IF NOT EXISTS oidc_requests (
    request_id INTEGER PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    requested_at REAL NOT NULL,
    status TEXT NOT NULL,  -- waiting, approved, refused, revoked (its link ended)
    UNIQUE (issuer, subject)
);
"""


def create_tables(db) -> None:
    db.executescript(_SCHEMA)
    # An earlier release kept the address of a decided request (see settle_request).
    db.execute("UPDATE oidc_requests SET email = '' WHERE status != 'waiting' AND email != ''")
    create_notify_tables(db)


# -- the trust's sign-in settings ------------------------------------------------------------

@dataclass(frozen=True)
class SignInPolicy:
    provider_name: str = ""  # on the button: "Sign in with Microsoft"
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""  # never shown back
    allowed_domains: tuple[str, ...] = ()
    local_passwords: bool = True  # off: only trust admins keep theirs, for emergencies
    totp_roles: tuple[str, ...] = ()  # roles whose local sign-ins need a second factor

    @property
    def provider_on(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret)

    def needs_totp(self, role: AccountRole) -> bool:
        return str(role) in self.totp_roles


def load_policy(register: Register) -> SignInPolicy:
    """The caller holds the lock. The client secret is kept sealed (api/identity/sealing.py)."""
    row = register.db.execute("SELECT settings FROM trust_sign_in WHERE id = 1").fetchone()
    if row is None:
        return SignInPolicy()
    values = json.loads(row[0])
    values["client_secret"] = register.sealer.open(values.get("client_secret", ""))
    values["allowed_domains"] = tuple(values.get("allowed_domains", ()))
    values["totp_roles"] = tuple(values.get("totp_roles", ()))
    return SignInPolicy(**values)


def save_policy(register: Register, policy: SignInPolicy) -> None:
    """The caller holds a transaction."""
    values = asdict(policy)
    values["client_secret"] = register.sealer.seal(policy.client_secret)
    register.db.execute("INSERT OR REPLACE INTO trust_sign_in VALUES (1, ?)",
                        (json.dumps(values, sort_keys=True),))


class ProviderError(Exception):
    """The provider is misconfigured or unreachable: a sentence saying which and what to do."""


def check_provider(issuer: str, client_id: str, client_secret: str,
                   domains: list[str]) -> list[str]:
    """What is wrong with provider settings before asking the provider anything."""
    problems = []
    parsed = urlparse(issuer)
    if not parsed.scheme or not parsed.netloc:
        problems.append("Issuer: give the provider's issuer address, like "
                        "https://login.microsoftonline.com/TENANT-ID/v2.0 or "
                        "https://accounts.google.com.")
    elif parsed.scheme != "https" and parsed.hostname not in ("localhost", "127.0.0.1"):
        problems.append("Issuer: the address must start with https://.")
    if not client_id:
        problems.append("Client id: copy it from the app registration at your provider.")
    if not client_secret:
        problems.append("Client secret: copy it from the app registration at your provider.")
    if not domains:
        problems.append("Allowed e-mail domains: give at least one, like ninestiles.org.uk.")
    for domain in domains:
        if "." not in domain or "@" in domain or " " in domain:
            problems.append(f"Allowed e-mail domains: {domain} is not a domain, like "
                            f"ninestiles.org.uk.")
    return problems


class _ProviderCache:
    """Each issuer's metadata and keys, fetched when first needed and again after an hour
    (or at once when a token names a key not yet seen)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._metadata: dict[str, tuple[dict, float]] = {}
        self._keys: dict[str, tuple[dict, float]] = {}

    def metadata(self, issuer: str, now: float) -> dict:
        with self._lock:
            known = self._metadata.get(issuer)
        if known and known[1] > now:
            return known[0]
        metadata = discover(issuer)
        with self._lock:
            self._metadata[issuer] = (metadata, now + 3600)
        return metadata

    def keys(self, issuer: str, metadata: dict, now: float, fresh: bool = False) -> dict:
        with self._lock:
            known = self._keys.get(issuer)
        if known and known[1] > now and not fresh:
            return known[0]
        keys = _get_json(metadata["jwks_uri"], "the provider's signing keys")
        with self._lock:
            self._keys[issuer] = (keys, now + 3600)
        return keys


providers = _ProviderCache()


def _get_json(url: str, what: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise ProviderError(f"Could not reach {what} at {url} ({type(error).__name__}): check "
                            f"the issuer address.") from None
    if response.status_code != 200:
        raise ProviderError(f"{what.capitalize()} at {url} answered {response.status_code}: "
                            f"check the issuer address.")
    try:
        return response.json()
    except ValueError:
        raise ProviderError(f"{what.capitalize()} at {url} is not JSON: check the issuer "
                            f"address.") from None


def discover(issuer: str) -> dict:
    """The provider's metadata, checked: it must name the same issuer and the endpoints
    the sign-in needs."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    metadata = _get_json(url, "the provider's configuration")
    if metadata.get("issuer") != issuer:
        raise ProviderError(f"The provider says its issuer is {metadata.get('issuer')!r}, not "
                            f"{issuer!r}: give exactly the issuer it publishes.")
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
               if not metadata.get(k)]
    if missing:
        raise ProviderError(f"The provider's configuration lacks {', '.join(missing)}: it is "
                            f"not an OpenID Connect provider.")
    return metadata


# -- the sign-in ---------------------------------------------------------------------------

def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SignInRefused(Exception):
    """No access: a sentence for the person signing in."""

    def __init__(self, message: str, outcome: str = "refused"):
        self.outcome = outcome
        super().__init__(message)


class AccessWaiting(SignInRefused):
    def __init__(self):
        super().__init__("Your trust admin has not yet given you access to the register. "
                         "They have been told; try again once they have.", "waiting")


class IdTokenRefused(SignInRefused):
    pass


@dataclass(frozen=True)
class SignedIn:
    account: Account
    token: str
    next_path: str | None


def _client(policy: SignInPolicy, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(policy.client_id, policy.client_secret, scope="openid email profile",
                         redirect_uri=redirect_uri, code_challenge_method="S256")


def begin(register: Register, redirect_uri: str, next_path: str | None) -> tuple[str, str]:
    """(the provider's address to send the browser to, the state to keep in a cookie)."""
    policy = load_policy(register)
    if not policy.provider_on:
        raise ProviderError("No sign-in provider is set up.")
    now = register.accounts.clock()
    metadata = providers.metadata(policy.issuer, now)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    url, _ = _client(policy, redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce)
    with register.writing():
        register.db.execute("DELETE FROM oidc_flows WHERE expires_at < ?", (now,))
        register.db.execute("INSERT INTO oidc_flows VALUES (?, ?, ?, ?, ?)",
                            (_hash(state), nonce, verifier, next_path, now + FLOW_SECONDS))
    return url, state


def validate_id_token(id_token: str, *, issuer: str, client_id: str, nonce: str,
                      access_token: str | None, keys: dict, algorithms: list[str],
                      now: float) -> dict:
    """The ID token's claims once its signature, issuer, audience, nonce, expiry and
    access-token hash are right; otherwise IdTokenRefused."""
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=algorithms)
        params = {"nonce": nonce, "client_id": client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(token.claims, token.header,
                             {"iss": {"essential": True, "value": issuer},
                              "aud": {"essential": True, "value": client_id}}, params)
        claims.validate(now=int(now), leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as error:
        raise IdTokenRefused(
            "The sign-in could not be checked, so it was refused. Try again; if it happens "
            "again, tell your trust admin.", f"bad_id_token:{type(error).__name__}") from None
    return dict(claims)


def finish(register: Register, *, state: str | None, kept_state: str | None,
           code: str | None, error: str | None, redirect_uri: str,
           client: str | None, unencrypted: bool = False) -> SignedIn:
    """Complete the sign-in the provider sent the browser back from: a session, or
    SignInRefused (audited either way)."""
    try:
        signed_in = _finish(register, state, kept_state, code, error, redirect_uri, client,
                            unencrypted)
    except SignInRefused as refused:
        details = getattr(refused, "details", {})
        with register.writing():
            anonymous.record(register, client, "sign_in", "session",
                             outcome=refused.outcome.split(":")[0], method="oidc",
                             why=refused.outcome, **details)
        raise
    return signed_in


def _finish(register, state, kept_state, code, error, redirect_uri, client,
            unencrypted) -> SignedIn:
    if not state or not kept_state or not secrets.compare_digest(state, kept_state):
        raise SignInRefused("The sign-in took too long or was started elsewhere. Please "
                            "sign in again.", "refused:state")
    now = register.accounts.clock()
    with register.writing():
        row = register.db.execute("SELECT nonce, code_verifier, next_path, expires_at FROM "
                                  "oidc_flows WHERE state_hash = ?", (_hash(state),)).fetchone()
        register.db.execute("DELETE FROM oidc_flows WHERE state_hash = ?", (_hash(state),))
    if row is None or row[3] < now:
        raise SignInRefused("The sign-in took too long. Please sign in again.", "refused:expired")
    nonce, verifier, next_path, _ = row
    if error or not code:
        raise SignInRefused("The sign-in provider did not sign you in. Please try again.",
                            f"refused:provider_{error or 'no_code'}"[:60])
    policy = load_policy(register)
    if not policy.provider_on:
        raise SignInRefused("Signing in with the provider is turned off.", "refused:off")
    try:
        metadata = providers.metadata(policy.issuer, now)
        oauth = _client(policy, redirect_uri)
        token = oauth.fetch_token(metadata["token_endpoint"], code=code,
                                  code_verifier=verifier, timeout=HTTP_TIMEOUT_SECONDS)
    except (ProviderError, OAuth2Error, requests.RequestException) as problem:
        raise SignInRefused("The sign-in provider could not be reached or refused the "
                            "register: tell your trust admin.",
                            f"refused:exchange_{type(problem).__name__}") from None
    if "id_token" not in token:
        raise IdTokenRefused("The sign-in provider sent no ID token: tell your trust admin.",
                             "bad_id_token:missing")
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in algorithms if a != "none"]
    check = dict(issuer=policy.issuer, client_id=policy.client_id, nonce=nonce,
                 access_token=token.get("access_token"), algorithms=algorithms, now=now)
    try:
        try:
            claims = validate_id_token(token["id_token"],
                                       keys=providers.keys(policy.issuer, metadata, now), **check)
        except IdTokenRefused:  # perhaps the provider has rolled its keys over
            claims = validate_id_token(token["id_token"], keys=providers.keys(
                policy.issuer, metadata, now, fresh=True), **check)
    except ProviderError:
        raise SignInRefused("The sign-in provider's keys could not be read: tell your trust "
                            "admin.", "refused:keys") from None
    account = _account_for(register, policy, claims)
    with register.writing():
        try:
            session_token, _ = register.begin_session(account, SessionKind.COOKIE, client,
                                                      method="oidc", unencrypted=unencrypted)
        except AccountNoLongerFits as misfit:
            raise SignInRefused(str(misfit), "no_longer_fits") from None
    return SignedIn(account, session_token, next_path)


def email_of(claims: dict) -> str | None:
    """The e-mail address the provider vouches for: Google says email_verified; Entra ID
    says xms_edov (the domain's owner verified it) when that optional claim is turned on."""
    email = claims.get("email")
    vouched = any(claims.get(k) in (True, "true", "True") for k in ("email_verified", "xms_edov"))
    return email.strip().lower() if isinstance(email, str) and vouched and "@" in email else None


def _account_for(register: Register, policy: SignInPolicy, claims: dict) -> Account:
    issuer, subject = policy.issuer, str(claims["sub"])
    email = email_of(claims)
    if email is None:
        raise SignInRefused("Your sign-in provider did not confirm your e-mail address, so "
                            "the register cannot tell who you are. Tell your trust admin.",
                            "refused:unverified_email")
    try:
        email = normal_address(email)
    except BadAddress:  # a line break in it, say: refused before anything is kept
        raise SignInRefused("Your sign-in provider gave an e-mail address the register cannot "
                            "use (it holds a line break or another character no address "
                            "has). Tell your trust admin.", "refused:bad_email") from None
    domain = email.rpartition("@")[2]
    if domain not in policy.allowed_domains:
        raise SignInRefused("This register does not accept sign-ins from that organisation.",
                            "refused:domain")
    with register.writing():
        db = register.db
        row = db.execute("SELECT account_id FROM oidc_links WHERE issuer = ? AND subject = ?",
                         (issuer, subject)).fetchone()
        revoked = row is None and db.execute(
            "SELECT 1 FROM oidc_requests WHERE issuer = ? AND subject = ? AND status = 'revoked'",
            (issuer, subject)).fetchone()
        if revoked:  # the address alone does not link it again
            raise SignInRefused("Your trust admin has ended this sign-in's access to the "
                                "register.", "refused:revoked")
        if row is None:
            contact = Contacts(db).by_email(email)
            if contact is not None:
                db.execute("INSERT INTO oidc_links VALUES (?, ?, ?)",
                           (issuer, subject, contact.account_id))
                register.audit.record(actor="register", action="account.link",
                                      object_kind="account", object_id=str(contact.account_id),
                                      method="oidc")
                row = (contact.account_id,)
        if row is None:
            waiting = db.execute("SELECT status FROM oidc_requests WHERE issuer = ? AND "
                                 "subject = ?", (issuer, subject)).fetchone()
            if waiting is not None and waiting[0] == "refused":
                raise SignInRefused("Your trust admin has not given you access to the "
                                    "register.", "refused:not_approved")
            if waiting is None:
                db.execute("INSERT INTO oidc_requests (issuer, subject, email, requested_at, "
                           "status) VALUES (?, ?, ?, ?, 'waiting')",
                           (issuer, subject, email, register.accounts.clock()))
    if row is None:
        refused = AccessWaiting()
        refused.details = {"email": email}
        raise refused
    with register.lock:
        account = register.accounts.get(row[0])
    if account is None or account.disabled:
        raise SignInRefused("Your account is turned off: ask your trust admin.",
                            "refused:disabled")
    return account


# -- first sign-ins, for trust admins -----------------------------------------------------------

@dataclass(frozen=True)
class AccessRequest:
    request_id: int
    email: str
    requested_at: float
    status: str


def waiting_requests(db) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT request_id FROM oidc_requests WHERE status = 'waiting' ORDER BY request_id")]


def requests_of(register: Register) -> list[AccessRequest]:
    with register.lock:
        return [AccessRequest(*row) for row in register.db.execute(
            "SELECT request_id, email, requested_at, status FROM oidc_requests "
            "WHERE status = 'waiting' ORDER BY request_id")]


def request_of(register: Register, request_id: int) -> AccessRequest | None:
    with register.lock:
        row = register.db.execute("SELECT request_id, email, requested_at, status FROM "
                                  "oidc_requests WHERE request_id = ?", (request_id,)).fetchone()
    return AccessRequest(*row) if row else None


def settle_request(register: Register, actor: Actor, request_id: int,
                   account: Account | None) -> None:
    """Approve a waiting first sign-in by linking it to `account` (just made for it), or
    refuse it (account None)."""
    with register.writing():
        row = register.db.execute("SELECT issuer, subject, email FROM oidc_requests WHERE "
                                  "request_id = ? AND status = 'waiting'",
                                  (request_id,)).fetchone()
        if row is None:
            return
        issuer, subject, email = row
        if account is not None:
            register.db.execute("INSERT OR REPLACE INTO oidc_links VALUES (?, ?, ?)",
                                (issuer, subject, account.account_id))
            Contacts(register.db).set_email(account.account_id, email)
        # Decided: the address lives on in the account's contacts if approved, and in the
        # audit entry below as the record of the decision; the request keeps only who
        # asked at the provider, so that a refused person stays refused.
        register.db.execute("UPDATE oidc_requests SET status = ?, email = '' "
                            "WHERE request_id = ?",
                            ("approved" if account else "refused", request_id))
        register.audit.record(actor=actor.name, action="access_request.settle",
                              object_kind="account",
                              object_id=str(account.account_id) if account else None,
                              client=actor.client, approved=account is not None,
                              email=email)


# -- links between the provider's identities and accounts, for trust admins --------------------

@dataclass(frozen=True)
class IdentityLink:
    link_id: int
    account_id: int
    username: str
    issuer: str
    subject: str


_LINKS = ("SELECT l.rowid, l.account_id, a.username, l.issuer, l.subject FROM oidc_links l "
          "JOIN accounts a ON a.account_id = l.account_id")


def links_of(register: Register) -> list[IdentityLink]:
    with register.lock:
        return [IdentityLink(*row) for row in register.db.execute(
            _LINKS + " ORDER BY a.username, l.rowid")]


def link_of(register: Register, link_id: int) -> IdentityLink | None:
    with register.lock:
        row = register.db.execute(_LINKS + " WHERE l.rowid = ?", (link_id,)).fetchone()
    return IdentityLink(*row) if row else None


def revoke_link(register: Register, actor: Actor, link_id: int) -> IdentityLink | None:
    """End a link: that identity at the provider no longer signs in, not even by its e-mail
    address (it is kept as revoked), and the account's sessions end. None if no such link."""
    with register.writing():
        row = register.db.execute(_LINKS + " WHERE l.rowid = ?", (link_id,)).fetchone()
        if row is None:
            return None
        link = IdentityLink(*row)
        register.db.execute("DELETE FROM oidc_links WHERE rowid = ?", (link_id,))
        register.db.execute(
            "INSERT INTO oidc_requests (issuer, subject, email, requested_at, status) "
            "VALUES (?, ?, '', ?, 'revoked') ON CONFLICT (issuer, subject) DO UPDATE SET "
            "status = 'revoked', email = ''",
            (link.issuer, link.subject, register.accounts.clock()))
        register.accounts.end_sessions(link.account_id)
        register.audit.record(actor=actor.name, action="account.unlink", object_kind="account",
                              object_id=str(link.account_id), client=actor.client,
                              method="oidc", issuer=link.issuer)
    return link
