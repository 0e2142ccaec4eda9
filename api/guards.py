"""The service under hostile input: request bodies capped before anything reads them (413),
security headers on every answer (the API and its docs as well as the pages), a per-account
limit on writes (429), and validation errors (422) that name the field without repeating
what was sent.

Body caps (Settings, environment RELREG_...):
- `max_body_bytes` (1 MiB) for every request but these three;
- evidence uploads (`POST /api/approaches...`, `/my/approaches`): `max_evidence_bytes` plus
  room for the form around it;
- the own-download check (`POST /my/download-check`): `max_download_bytes` plus room for the
  form;
- imports (`POST /api/imports`, `/admin/import`): `max_import_bytes` plus room for the form.
Each of these larger uploads is only for a signed-in account of a role that may make it
(trust admins import; staff and leaders of a school upload evidence and check downloads),
checked from the headers before a byte of the body is read or spooled.
"""

from __future__ import annotations

import json
import math
import threading
import time

import anyio.to_thread
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.identity import AccountRole, SessionKind
from api.deps import COOKIE_NAME, SCHOOL_ROLES, UNSAFE_METHODS

FORM_SLACK = 64 * 1024  # a multipart form's own fields and boundaries
IMPORT_PATHS = ("/api/imports", "/admin/import")
EVIDENCE_PATHS = ("/api/approaches", "/my/approaches")
DOWNLOAD_CHECK_PATH = "/my/download-check"  # exactly: its /choices form is a small one

API_HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
               "Cache-Control": "no-store", "X-Frame-Options": "DENY"}
# The OpenAPI pages run Swagger UI and ReDoc from files the app serves (fastapi-offline)
# and start them inline; nothing comes from outside.
DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            "worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
DOCS_HEADERS = {**API_HEADERS, "Content-Security-Policy": DOCS_CSP}


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def _answer(send, status_code: int, detail: str, extra: dict | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = {**API_HEADERS, "content-type": "application/json",
               "content-length": str(len(body)), **(extra or {})}
    await send({"type": "http.response.start", "status": status_code,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})
    await send({"type": "http.response.body", "body": body})


def _token(headers: dict[str, str]) -> tuple[str, SessionKind] | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip(), SessionKind.BEARER
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value:
            return value, SessionKind.COOKIE
    return None


async def _session_of(scope):
    """The session the request's token or cookie names (None if none), looked up once
    per request however many guards ask: kept in the request's state."""
    state = scope.setdefault("state", {})
    if "guard_session" not in state:
        found = _token(_headers(scope))
        session = None
        if found is not None:
            register = scope["app"].state.register
            session = (register.accounts.known_session(*found)
                       or await anyio.to_thread.run_sync(register.session, *found))
        state["guard_session"] = session
    return state["guard_session"]


class BodyLimit:
    """Refuse a body over its cap with 413 before the app reads any of it: by its declared
    length at once, or, sent in chunks, as soon as the count passes the cap."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            return await self.app(scope, receive, send)
        register = scope["app"].state.register
        settings = register.settings
        path = scope["path"]
        headers = _headers(scope)
        if path.startswith(IMPORT_PATHS):
            limit, roles, who = (settings.max_import_bytes + FORM_SLACK,
                                 {AccountRole.TRUST_ADMIN}, "trust admins")
        elif path.startswith(EVIDENCE_PATHS):
            limit, roles, who = (settings.max_evidence_bytes + FORM_SLACK, SCHOOL_ROLES,
                                 "staff and leaders")
        elif path == DOWNLOAD_CHECK_PATH:
            limit, roles, who = (settings.max_download_bytes + FORM_SLACK, SCHOOL_ROLES,
                                 "staff and leaders")
        else:
            limit, roles, who = settings.max_body_bytes, None, ""
        if roles is not None:  # a larger upload: refused before any of it is read
            session = await _session_of(scope)
            if session is None:
                return await _answer(send, 401, f"sign in first: only {who} may send this",
                                     {"WWW-Authenticate": "Bearer"})
            if session.account.role not in roles:
                return await _answer(send, 403, f"only {who} may do this")
        too_big = f"the request is larger than {limit} bytes: send less"
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _answer(send, status.HTTP_413_CONTENT_TOO_LARGE, too_big)
        received = 0
        refused = False

        async def counted():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await _answer(send, status.HTTP_413_CONTENT_TOO_LARGE, too_big)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded_send)


class SecurityHeaders:
    """The API's and the docs' answers get the headers the pages send; a page keeps its own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        wanted = DOCS_HEADERS if path.startswith(("/docs", "/redoc")) else API_HEADERS

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k.lower().encode(), v.encode()) for k, v in wanted.items()
                    if k.lower().encode() not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


class WriteLimit:
    """At most `write_burst` writes at once per account, refilled at `writes_per_minute`:
    a person never notices it; a script writing thousands a second is told to wait (429)."""

    def __init__(self, app, clock=time.monotonic):
        self.app = app
        self.clock = clock
        self.buckets: dict[int, tuple[float, float]] = {}
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            return await self.app(scope, receive, send)
        session = await _session_of(scope)
        if session is None:  # no account (sign-in has its own limits), or refused anyway
            return await self.app(scope, receive, send)
        register = scope["app"].state.register
        key = session.account.account_id
        settings = register.settings
        rate = settings.writes_per_minute / 60
        with self.lock:
            now = self.clock()
            tokens, then = self.buckets.get(key, (float(settings.write_burst), now))
            tokens = min(settings.write_burst, tokens + (now - then) * rate)
            allowed = tokens >= 1
            self.buckets[key] = (tokens - 1 if allowed else tokens, now)
        if not allowed:
            wait = math.ceil((1 - tokens) / rate) if rate > 0 else 60
            return await _answer(send, status.HTTP_429_TOO_MANY_REQUESTS,
                                 f"too many changes at once: wait {wait} s and try again",
                                 {"Retry-After": str(wait)})
        await self.app(scope, receive, send)


def install_guards(app: FastAPI) -> None:
    """Validation errors without the input; call before the pages install their handlers."""

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError):
        return JSONResponse(
            {"detail": [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                        for e in error.errors()]},
            status.HTTP_422_UNPROCESSABLE_CONTENT)
