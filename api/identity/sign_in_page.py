"""Signing in and out of the pages: a form that sets the session cookie. The sign-in form
carries a token of its own (a cookie echoed in the form), so that no other site can sign a
browser in to an account of its choosing."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse

from api.identity import (
    AccountNoLongerFits,
    PasswordsTurnedOff,
    SecondFactorNeeded,
    SessionKind,
    SignInFailed,
    SignInLocked,
    SignInSlowed,
)
from api.identity import local_sign_in
from api.identity.cookies import (
    COOKIE_NAME,
    delete_session_cookie,
    over_https,
    plain_http_from_elsewhere,
    set_session_cookie,
)
from api.deps import AnySession, RegisterDep
from api.routing import InOrderRoute
from api.service import Actor
from api.pages.common import home_for, page, see_other

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

SIGN_IN_COOKIE = "relreg_sign_in"

# What makes the first trust admin of a new data folder, who then makes the other accounts.
FIRST_ADMIN_COMMAND = "relreg add-account USERNAME --role trust_admin"


def no_account_yet(register) -> bool:
    """A new data folder: nobody can sign in until the first trust admin is made."""
    with register.lock:
        return register.db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None

SECOND_STEP_COOKIE = "relreg_second_step"


def _safe_next(wanted: str | None) -> str | None:
    """Only a path of this app: never another site."""
    if wanted and wanted.startswith("/") and not wanted.startswith(("//", "/\\")):
        return wanted
    return None


def _sign_in_page(request: Request, register, *, next_path: str | None, username: str = "",
                  error: str | None = None, status_code: int = 200):
    if plain_http_from_elsewhere(request) and register.settings.require_https:
        return page(request, "https_required.html", status_code=status.HTTP_403_FORBIDDEN)
    token = secrets.token_urlsafe(32)
    ended = request.query_params.get("ended") == "1"
    response = page(request, "sign_in.html", {
        "sign_in_token": token, "next": next_path or "", "username": username, "error": error,
        "ended": ended, "unencrypted": plain_http_from_elsewhere(request),
        "first_admin_command": FIRST_ADMIN_COMMAND if no_account_yet(register) else None},
        status_code=status_code)
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, secure=over_https(request),
                        samesite="strict", max_age=3600, path="/sign-in")
    return response


@router.get("/")
def home(request: Request, register: RegisterDep):
    cookie = request.cookies.get(COOKIE_NAME)
    session = register.session(cookie, SessionKind.COOKIE) if cookie else None
    if session is None:
        return RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    return RedirectResponse(home_for(session.account.role), status_code=status.HTTP_303_SEE_OTHER)


@router.get("/sign-in")
def sign_in_form(request: Request, register: RegisterDep, next: str | None = None):
    return _sign_in_page(request, register, next_path=_safe_next(next))


@router.post("/sign-in")
def sign_in(request: Request, register: RegisterDep,
            username: Annotated[str, Form(max_length=100)] = "",
            password: Annotated[str, Form(max_length=200)] = "",
            sign_in_token: Annotated[str, Form(max_length=100)] = "",
            next: Annotated[str, Form(max_length=2000)] = ""):
    next_path = _safe_next(next)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not (expected and hmac.compare_digest(expected, sign_in_token)):
        return _sign_in_page(request, register, next_path=next_path, username=username,
                             error="The sign-in form had expired. Please sign in again.",
                             status_code=status.HTTP_400_BAD_REQUEST)
    if not username or not password:
        return _sign_in_page(request, register, next_path=next_path, username=username,
                             error="Enter your username and your password.",
                             status_code=status.HTTP_400_BAD_REQUEST)
    if plain_http_from_elsewhere(request) and register.settings.require_https:
        return page(request, "https_required.html", status_code=status.HTTP_403_FORBIDDEN)
    client = request.client.host if request.client else None
    try:
        account, token, _ = register.sign_in(username, password, SessionKind.COOKIE, client,
                                             unencrypted=plain_http_from_elsewhere(request))
    except SignInFailed:
        error, code = "The username or password is wrong.", status.HTTP_401_UNAUTHORIZED
    except SignInSlowed as slowed:
        error = (f"Too many failed sign-ins. Wait {max(1, round(slowed.retry_after))} "
                 f"seconds, then try again.")
        code = status.HTTP_429_TOO_MANY_REQUESTS
    except SignInLocked:
        error = ("Too many failed sign-ins: this account is locked for a while. A trust "
                 "admin can unlock it.")
        code = status.HTTP_423_LOCKED
    except SecondFactorNeeded as needed:  # the one-time code comes next (security_pages.py)
        return second_step(register, request, needed.account, next_path)
    except PasswordsTurnedOff:
        error = "Your trust signs in through your organisation, not with a password here."
        code = status.HTTP_403_FORBIDDEN
    except AccountNoLongerFits as misfit:
        error, code = str(misfit), status.HTTP_403_FORBIDDEN
    else:
        response = RedirectResponse(next_path or home_for(account.role),
                                    status_code=status.HTTP_303_SEE_OTHER)
        set_session_cookie(response, request, register.settings, token)
        response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
        return response
    return _sign_in_page(request, register, next_path=next_path, username=username,
                         error=error, status_code=code)


@router.post("/sign-out")
def sign_out(request: Request, register: RegisterDep, session: AnySession):
    # Any session may end, even one whose account no longer fits.
    register.sign_out(Actor(session.account, request.client.host if request.client else None),
                      request.cookies[COOKIE_NAME])
    response = see_other("/sign-in", "signed-out")
    delete_session_cookie(response, request)
    return response


def second_step(register, request: Request, account, next_path: str | None) -> RedirectResponse:
    """After a right password for an account with a second factor: ask for the code (or
    set it up first), with a short-lived token instead of the password."""
    token = local_sign_in.start_second_step(register, account)
    response = see_other("/sign-in/second-factor", next=next_path)
    response.set_cookie(SECOND_STEP_COOKIE, token, httponly=True,
                        secure=over_https(request), samesite="strict",
                        max_age=local_sign_in.SECOND_STEP_SECONDS, path="/sign-in")
    return response
