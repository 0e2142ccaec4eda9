"""Pages for signing in beyond a password, and for each person's own settings: signing in
through the trust's provider, the one-time code (and setting it up), a forgotten password,
and how often to be told about what needs attention.

`install(app)` adds them, with the sign-in form (api/identity/sign_in_page.py) and the admin
pages (api/identity/admin_pages.py), and puts the second-factor and passwords-off checks
into the register's sign-in: it is how the app takes in all of sign-in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, FastAPI, Form, Request, status
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter, ValidationError

from api.identity import (
    AccountNoLongerFits,
    SecondFactorWrong,
    SignInError,
    SignInLocked,
    SignInSlowed,
    admin_pages,
    local_sign_in,
    oidc,
    routes,
    sign_in_page,
)
from api.identity.cookies import over_https, plain_http_from_elsewhere, set_session_cookie
from api.deps import ActorDep, CurrentSession, RegisterDep
from api.notify import Contacts, Mode, mail_problems, mail_settings
from api.pages.common import NOTICES, home_for, page, see_other, templates
from api.identity.sign_in_page import SECOND_STEP_COOKIE, _safe_next
from api.routing import InOrderRoute
from api.schemas import Password

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

OIDC_COOKIE = "relreg_oidc_state"

NOTICES.update({
    "reset-sent": "If an account matches, we have sent a link to its e-mail address. It "
                  "works once, for 30 minutes.",
    "reset-no-mail": "The register cannot send e-mail yet, so no link can be sent: ask your "
                     "trust admin to set a new password for you.",
    "password-set": "Your new password is set. Sign in with it.",
    "notifications": "Your choice is saved.",
    "second-factor": "Your one-time code is set up: you will be asked for it when you sign in.",
})


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _set_session(register, request: Request, response, token: str) -> None:
    set_session_cookie(response, request, register.settings, token)


def _redirect_uri(register) -> str:
    return register.settings.public_url.rstrip("/") + "/sign-in/oidc/callback"


def sign_in_provider(request: Request) -> str | None:
    """The provider's name for the sign-in page's button, if one is set up."""
    register = request.app.state.register
    with register.lock:
        policy = oidc.load_policy(register)
    return (policy.provider_name or "your organisation") if policy.provider_on else None


# -- the provider -------------------------------------------------------------------------------

@router.get("/sign-in/oidc")
def oidc_begin(request: Request, register: RegisterDep, next: str | None = None):
    try:
        url, state = oidc.begin(register, _redirect_uri(register), _safe_next(next))
    except oidc.ProviderError:
        return page(request, "sign_in_problem.html", {
            "title": "Signing in is not working",
            "message": "Signing in through your organisation is not working right now. Tell "
                       "your trust admin; they can see why on the sign-in settings page."},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    # Lax: the provider sends the browser back with a top-level GET from its own site.
    response.set_cookie(OIDC_COOKIE, state, httponly=True, secure=over_https(request),
                        samesite="lax", max_age=oidc.FLOW_SECONDS, path="/sign-in/oidc")
    return response


@router.get("/sign-in/oidc/callback")
def oidc_callback(request: Request, register: RegisterDep, state: str | None = None,
                  code: str | None = None, error: str | None = None):
    try:
        signed_in = oidc.finish(register, state=state, kept_state=request.cookies.get(OIDC_COOKIE),
                                code=code, error=error, redirect_uri=_redirect_uri(register),
                                client=_client(request),
                                unencrypted=plain_http_from_elsewhere(request))
    except oidc.SignInRefused as refused:
        response = page(request, "sign_in_problem.html", {
            "title": "Waiting for approval" if isinstance(refused, oidc.AccessWaiting)
            else "You are not signed in", "message": str(refused)},
            status_code=status.HTTP_403_FORBIDDEN)
    else:
        response = RedirectResponse(signed_in.next_path or home_for(signed_in.account.role),
                                    status_code=status.HTTP_303_SEE_OTHER)
        _set_session(register, request, response, signed_in.token)
    response.delete_cookie(OIDC_COOKIE, path="/sign-in/oidc")
    return response


# -- the one-time code ------------------------------------------------------------------------

def _second_factor_page(request, register, account, next_path, error=None, status_code=200):
    with register.writing():
        totp = local_sign_in.Totp(register)
        enrolled = totp.enrolled(account.account_id)
        secret = None if enrolled else totp.pending_secret(account.account_id)
        if not enrolled and secret is None:
            secret, _ = totp.new_secret(account)
    return page(request, "second_factor.html", {
        "title": "Your one-time code" if enrolled else "Set up a one-time code",
        "enrolling": not enrolled, "secret": secret,
        "uri": local_sign_in.Totp.uri(account, secret) if secret else None,
        "next": next_path or "", "error": error, "action": "/sign-in/second-factor"},
        status_code=status_code)


@router.get("/sign-in/second-factor")
def second_factor_form(request: Request, register: RegisterDep, next: str | None = None):
    account = local_sign_in.second_step_account(register, request.cookies.get(SECOND_STEP_COOKIE))
    if account is None:
        return see_other("/sign-in")
    return _second_factor_page(request, register, account, _safe_next(next))


@router.post("/sign-in/second-factor")
def second_factor(request: Request, register: RegisterDep,
                  code: Annotated[str, Form(max_length=20)] = "",
                  next: Annotated[str, Form(max_length=2000)] = ""):
    token = request.cookies.get(SECOND_STEP_COOKIE)
    account = local_sign_in.second_step_account(register, token)
    if account is None:
        return see_other("/sign-in")
    next_path = _safe_next(next)
    with register.lock:
        enrolling = not local_sign_in.Totp(register).enrolled(account.account_id)
    try:
        account, session_token = local_sign_in.finish_second_step(
            register, token, code, _client(request), enrolling,
            unencrypted=plain_http_from_elsewhere(request))
    except AccountNoLongerFits as misfit:
        response = page(request, "sign_in_problem.html", {
            "title": "You are not signed in", "message": str(misfit)},
            status_code=status.HTTP_403_FORBIDDEN)
        response.delete_cookie(SECOND_STEP_COOKIE, path="/sign-in")
        return response
    except SecondFactorWrong:
        return _second_factor_page(request, register, account, next_path,
                                   "That code is not right. Type the 6 digits your app shows "
                                   "now.", status.HTTP_401_UNAUTHORIZED)
    except (SignInSlowed, SignInLocked):
        return _second_factor_page(request, register, account, next_path,
                                   "Too many wrong codes: wait a while, then sign in again.",
                                   status.HTTP_429_TOO_MANY_REQUESTS)
    except SignInError:
        return see_other("/sign-in")
    response = RedirectResponse(next_path or home_for(account.role),
                                status_code=status.HTTP_303_SEE_OTHER)
    _set_session(register, request, response, session_token)
    response.delete_cookie(SECOND_STEP_COOKIE, path="/sign-in")
    return response


# -- a forgotten password ------------------------------------------------------------------

@router.get("/reset")
def reset_form(request: Request):
    return page(request, "reset_request.html", {"title": "Forgotten your password?"})


@router.post("/reset")
def reset_request(request: Request, register: RegisterDep, background: BackgroundTasks,
                  who: Annotated[str, Form(max_length=254)] = ""):
    if not who.strip():
        return page(request, "reset_request.html", {
            "title": "Forgotten your password?",
            "error": "Enter your username or your e-mail address."},
            status_code=status.HTTP_400_BAD_REQUEST)
    link = local_sign_in.request_reset(register, who, _client(request))
    if link is not None:  # sent after the answer: the answer is the same either way
        background.add_task(local_sign_in.send_reset, register, *link)
    # Whether mail can go is the register's, not the account's: the same for every address.
    return see_other("/sign-in", "reset-no-mail" if mail_problems(mail_settings(register))
                     else "reset-sent")


@router.get("/reset/{token}")
def new_password_form(request: Request, register: RegisterDep, token: str):
    if local_sign_in.reset_account(register, token) is None:
        return _link_gone(request)
    return page(request, "reset_password.html", {"title": "Set a new password",
                                                 "token": token})


def _link_gone(request):
    return page(request, "sign_in_problem.html", {
        "title": "This link no longer works",
        "message": "A reset link works once, for 30 minutes. Ask for a new one.",
        "link": ("/reset", "Ask for a new link")}, status_code=status.HTTP_410_GONE)


@router.post("/reset/{token}")
def new_password(request: Request, register: RegisterDep, token: str,
                 password: Annotated[str, Form(max_length=200)] = "",
                 again: Annotated[str, Form(max_length=200)] = ""):
    if local_sign_in.reset_account(register, token) is None:
        return _link_gone(request)
    error = None
    try:
        TypeAdapter(Password).validate_python(password)
    except ValidationError:
        error = "Choose a password of at least 12 characters."
    if error is None and password != again:
        error = "The two passwords are not the same."
    if error:
        return page(request, "reset_password.html", {"title": "Set a new password",
                                                     "token": token, "error": error},
                    status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    if not local_sign_in.use_reset(register, token, password, _client(request)):
        return _link_gone(request)
    return see_other("/sign-in", "password-set")


# -- each person's own settings ---------------------------------------------------------------

@router.get("/my/notifications")
def notifications_page(request: Request, register: RegisterDep, session: CurrentSession):
    security = local_sign_in.security_of(register, session.account)
    return page(request, "my_notifications.html", {"title": "Notifications and sign-in",
                                                   "security": security}, session=session)


@router.post("/my/notifications")
def set_notifications(register: RegisterDep, session: CurrentSession, actor: ActorDep,
                      mode: Annotated[str, Form(max_length=20)] = ""):
    if mode not in (Mode.DIGEST, Mode.IMMEDIATE):
        mode = Mode.DIGEST
    with register.writing():
        Contacts(register.db).set_mode(session.account.account_id, mode)
        register.audit.record(actor=actor.name, action="notifications.choose",
                              object_kind="account", object_id=str(session.account.account_id),
                              client=actor.client, mode=mode)
    return see_other("/my/notifications", "notifications")


@router.get("/my/second-factor")
def my_second_factor(request: Request, register: RegisterDep, session: CurrentSession):
    account = session.account
    with register.writing():
        totp = local_sign_in.Totp(register)
        enrolled = totp.enrolled(account.account_id)
        secret = None if enrolled else (totp.pending_secret(account.account_id)
                                        or totp.new_secret(account)[0])
    return page(request, "second_factor.html", {
        "title": "Your one-time code" if enrolled else "Set up a one-time code",
        "enrolling": not enrolled, "already": enrolled, "secret": secret,
        "uri": local_sign_in.Totp.uri(account, secret) if secret else None,
        "action": "/my/second-factor"}, session=session)


@router.post("/my/second-factor")
def confirm_my_second_factor(request: Request, register: RegisterDep, session: CurrentSession,
                             actor: ActorDep, code: Annotated[str, Form(max_length=20)] = ""):
    account = session.account
    with register.writing():
        right = local_sign_in.Totp(register).check(account.account_id, code, confirming=True)
        if right:
            register.audit.record(actor=actor.name, action="second_factor.enrol",
                                  object_kind="account", object_id=str(account.account_id),
                                  client=actor.client)
    if right:
        return see_other("/my/notifications", "second-factor")
    with register.lock:
        secret = local_sign_in.Totp(register).pending_secret(account.account_id)
    return page(request, "second_factor.html", {
        "title": "Set up a one-time code", "enrolling": True, "secret": secret,
        "uri": local_sign_in.Totp.uri(account, secret) if secret else None,
        "action": "/my/second-factor",
        "error": "That code is not right. Type the 6 digits your app shows now."},
        session=session, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install(app: FastAPI) -> None:
    local_sign_in.install(app.state.register)
    app.include_router(sign_in_page.router)
    app.include_router(router)
    app.include_router(admin_pages.router)
    app.include_router(routes.router)
    templates.env.globals["sign_in_provider"] = sign_in_provider
