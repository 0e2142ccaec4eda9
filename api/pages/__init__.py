"""Pages for the people who use the register: staff, senior leaders, safeguarding leads and
trust admins. Server-rendered (Jinja2), on the same service functions and access rules as
the API; every form carries the session's CSRF token.

`install_pages(app)` adds them to the app made by `api.main.create_app`.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.identity import SessionKind
from api.deps import COOKIE_NAME
from api.pages import admin, cases, chronology, downloads, network, policy, privacy, staff
from api.pages.common import STATIC_DIR, VIS_DIR, messages_of, page
from api.pages.confirmations import YearlyConfirmations

NOT_PAGES = ("/api/", "/api", "/docs", "/redoc", "/openapi.json", "/static/")


def is_page(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


def install_pages(app: FastAPI) -> None:
    """Mount the pages and their static files; make errors on a page a page (the API's
    errors stay JSON). Call it after the API's error handlers are installed."""
    for module in (staff, downloads, cases, network, chronology, admin, privacy, policy):
        app.include_router(module.router)
    app.mount("/static/vis-network", StaticFiles(directory=VIS_DIR), name="vis-network")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    register = app.state.register
    with register.lock:  # executescript commits by itself: no transaction around it
        YearlyConfirmations.create_table(register.db)

    api_http_error = app.exception_handlers[StarletteHTTPException]
    api_validation_error = app.exception_handlers[RequestValidationError]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        if not is_page(request.url.path):
            return await api_http_error(request, error)
        if error.status_code == status.HTTP_401_UNAUTHORIZED:
            return RedirectResponse(f"/sign-in?{urlencode(_back_after_sign_in(request))}",
                                    status_code=status.HTTP_303_SEE_OTHER)
        if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED and request.method == "GET":
            # The address of a form's action, opened as a page: show the page of the form.
            return RedirectResponse(_nearest_page(request), status_code=status.HTTP_303_SEE_OTHER)
        return await _error_page(request, error.status_code, messages_of(error))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        if not is_page(request.url.path):
            return await api_validation_error(request, error)
        return await _error_page(request, status.HTTP_400_BAD_REQUEST,
                                 [f"{e['loc'][-1]}: {e['msg']}" for e in error.errors()])


def _back_after_sign_in(request: Request) -> dict[str, str]:
    """Where to go once signed in again: the page asked for; for a form sent after the
    session ended, the page the form was on (its address answers only POST)."""
    if request.method in ("GET", "HEAD"):
        return {"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")}
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.url.netloc and referer.scheme in ("http", "https")
    if same_site and referer.path.startswith("/") and not referer.path.startswith("/sign-in"):
        return {"next": referer.path + (f"?{referer.query}" if referer.query else ""),
                "ended": "1"}
    return {"ended": "1"}


def _nearest_page(request: Request) -> str:
    """The closest address above this one that is a page."""
    path = request.url.path.rstrip("/")
    while path:
        path = path.rpartition("/")[0]
        scope = {"type": "http", "path": path or "/", "method": "GET"}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.routes):
            return path or "/"
    return "/"


async def _error_page(request: Request, status_code: int, messages: list[str]):
    register = request.app.state.register
    cookie = request.cookies.get(COOKIE_NAME)
    session = await run_in_threadpool(register.session, cookie, SessionKind.COOKIE) \
        if cookie else None
    titles = {403: "You may not see this page", 404: "Not found",
              409: "That cannot be done now"}
    return page(request, "error.html", {"title": titles.get(status_code, "Something is wrong"),
                                        "messages": messages, "status_code": status_code},
                session=session, status_code=status_code)
