"""The dependencies routes ask for, as Annotated aliases: the service, the signed-in
account (by bearer token, or by session cookie with its CSRF token on unsafe methods), the
actor the audit trail names, and the accounts of each role."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer

from api.identity import (
    REVIEWER_ROLES,
    SCHOOL_ROLES,
    Account,
    AccountRole,
    Session,
    SessionKind,
    csrf_matches,
)
from api.identity import COOKIE_NAME
from api.service import Actor, Register

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
cookie_scheme = APIKeyCookie(name=COOKIE_NAME, auto_error=False,
                             description="The page session cookie set by POST /api/auth/login")


def get_register(request: Request) -> Register:
    return request.app.state.register


RegisterDep = Annotated[Register, Depends(get_register)]


def _not_signed_in(why: str = "sign in first") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, why,
                         headers={"WWW-Authenticate": "Bearer"})


async def get_any_session(
    request: Request,
    register: RegisterDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Session:
    if bearer:
        session = await _session(request, register, bearer, SessionKind.BEARER)
        if session is None:
            raise _not_signed_in("the token is not valid or has expired")
        return session
    if not cookie:
        raise _not_signed_in()
    session = await _session(request, register, cookie, SessionKind.COOKIE)
    if session is None:
        raise _not_signed_in("the session is not valid or has expired")
    if request.method in UNSAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER)
        if presented is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            presented = (await request.form()).get(CSRF_FIELD)
        if not csrf_matches(session, presented if isinstance(presented, str) else None):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"a cookie session must send its CSRF token ({CSRF_HEADER})")
    return session


AnySession = Annotated[Session, Depends(get_any_session)]


async def get_current_session(register: RegisterDep, session: AnySession) -> Session:
    """The session, while its account still fits its holder's memberships as of today
    (a leader who has left, a DSL whose position ended, are refused). Worked out in a worker
    thread when not known: it reads the store, which would hold up every request on the
    event loop (all of them at once after a restart)."""
    known = register.known_refusal(session.account)
    refusal = known[0] if known is not None else \
        await run_in_threadpool(register.refusal, session.account)
    if refusal is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
    return session


async def _session(request: Request, register: Register, token: str,
                   kind: SessionKind) -> Session | None:
    # A write's guards (api/guards.py) have looked it up already; most other requests
    # come with a session already known; only a new one needs the database.
    state = request.scope.get("state", {})
    if "guard_session" in state and (state["guard_session"] is None
                                     or state["guard_session"].kind is kind):
        return state["guard_session"]
    return (register.accounts.known_session(token, kind)
            or await run_in_threadpool(register.session, token, kind))


CurrentSession = Annotated[Session, Depends(get_current_session)]


def get_current_account(session: CurrentSession) -> Account:
    return session.account


CurrentAccount = Annotated[Account, Depends(get_current_account)]


def get_actor(request: Request, account: CurrentAccount) -> Actor:
    return Actor(account, request.client.host if request.client else None)


ActorDep = Annotated[Actor, Depends(get_actor)]


def _role_in(roles: Iterable[AccountRole], what: str):
    roles = frozenset(roles)

    def check(account: CurrentAccount) -> Account:
        if account.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"only {what} may do this")
        return account

    return check


# Anyone who works with the register's facts (everyone but the auditor).
RegisterUser = Annotated[Account, Depends(_role_in(set(AccountRole) - {AccountRole.AUDITOR},
                                                   "users of the register"))]
SchoolAccount = Annotated[Account, Depends(_role_in(SCHOOL_ROLES, "staff and leaders"))]
ReviewerAccount = Annotated[Account, Depends(_role_in(REVIEWER_ROLES,
                                                      "senior leaders and the DSL"))]
# The review pages: reviewers, and trust admins for the cases no one at a school or trust
# was free to review (routed to the register's administrators; api/access.py says which).
CaseAccount = Annotated[Account, Depends(_role_in(
    REVIEWER_ROLES | {AccountRole.TRUST_ADMIN},
    "senior leaders, the DSL and, for cases no one at a school could review, trust admins"))]
TrustAdmin = Annotated[Account, Depends(_role_in({AccountRole.TRUST_ADMIN}, "trust admins"))]
Auditor = Annotated[Account, Depends(_role_in({AccountRole.AUDITOR}, "the auditor"))]
