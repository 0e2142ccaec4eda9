"""Signing in and out: a bearer token for API clients, a session cookie (with its CSRF
token) for pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from api.identity import (
    AccountNoLongerFits,
    PasswordsTurnedOff,
    SecondFactorNeeded,
    SessionKind,
    SignInFailed,
    SignInLocked,
    SignInSlowed,
)
from api.identity.cookies import (
    COOKIE_NAME,
    delete_session_cookie,
    plain_http_from_elsewhere,
    set_session_cookie,
)
from api.deps import AnySession, CurrentSession, RegisterDep
from api.routing import InOrderRoute
from api.service import Actor
from api.schemas import AccountPublic, SessionPublic, SignIn, Token

router = APIRouter(route_class=InOrderRoute, prefix="/auth", tags=["auth"])

SIGN_IN_RESPONSES = {
    401: {"description": "Wrong username or password"},
    403: {"description": "Plain HTTP from another machine while RELREG_REQUIRE_HTTPS is set, "
                         "or the account no longer fits its holder's place in the register"},
    423: {"description": "Locked after too many failed sign-ins"},
    429: {"description": "Too many failed sign-ins: wait Retry-After seconds"},
}


REFUSED_OVER_PLAIN_HTTP = (
    "Signing in over plain HTTP from another machine is turned off here "
    "(RELREG_REQUIRE_HTTPS): use the register's https:// address.")


def _sign_in(register, request: Request, username: str, password: str, kind: SessionKind,
             totp_code: str | None = None):
    client = request.client.host if request.client else None
    if plain_http_from_elsewhere(request) and register.settings.require_https:
        raise HTTPException(status.HTTP_403_FORBIDDEN, REFUSED_OVER_PLAIN_HTTP)
    try:
        signed_in = register.sign_in(username, password, kind, client, totp_code,
                                     unencrypted=plain_http_from_elsewhere(request))
    except SecondFactorNeeded as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            str(error) if error.enrolled else
                            "this account must set up its one-time code: sign in on the pages "
                            "first", headers={"WWW-Authenticate": "Bearer"}) from None
    except (PasswordsTurnedOff, AccountNoLongerFits) as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    except SignInFailed as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error),
                            headers={"WWW-Authenticate": "Bearer"}) from None
    except SignInSlowed as error:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(error),
                            headers={"Retry-After": str(max(1, round(error.retry_after)))}) \
            from None
    except SignInLocked as error:
        raise HTTPException(status.HTTP_423_LOCKED, str(error),
                            headers={"Retry-After": str(max(1, round(error.retry_after)))}) \
            from None
    return signed_in


@router.post("/token", response_model=Token, responses=SIGN_IN_RESPONSES)
def sign_in_for_token(register: RegisterDep, request: Request,
                      form: Annotated[OAuth2PasswordRequestForm, Depends()],
                      totp_code: Annotated[str | None, Form(max_length=20)] = None) -> Token:
    """Sign in as an API client (OAuth2 password flow): answers a bearer token. An account
    with a second factor also sends the one-time code from its app as totp_code."""
    _, token, _ = _sign_in(register, request, form.username, form.password, SessionKind.BEARER,
                           totp_code)
    return Token(access_token=token)


@router.post("/login", response_model=SessionPublic, responses=SIGN_IN_RESPONSES)
def sign_in_for_pages(register: RegisterDep, request: Request, response: Response,
                      body: SignIn) -> SessionPublic:
    """Sign in for pages: sets the session cookie (HttpOnly, SameSite=Lax, and Secure when
    the request came over HTTPS) and answers the CSRF token that unsafe requests with the
    cookie must send back."""
    account, token, csrf = _sign_in(register, request, body.username, body.password,
                                    SessionKind.COOKIE)
    set_session_cookie(response, request, register.settings, token)
    return SessionPublic(account=AccountPublic.of(account), csrf_token=csrf)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(register: RegisterDep, request: Request, session: AnySession) -> Response:
    """End the session or token used for this request."""
    actor = Actor(session.account, request.client.host if request.client else None)
    if session.kind is SessionKind.BEARER:
        token = request.headers["Authorization"].partition(" ")[2]
    else:
        token = request.cookies[COOKIE_NAME]
    register.sign_out(actor, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    delete_session_cookie(response, request)
    return response


@router.get("/me", response_model=SessionPublic)
def who_am_i(session: CurrentSession) -> SessionPublic:
    return SessionPublic(account=AccountPublic.of(session.account), csrf_token=session.csrf_token)
