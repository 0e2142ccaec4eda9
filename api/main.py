"""The review service: `create_app(store, service_db)` builds the FastAPI app on a store of
the register (embedded or Neo4j) and the service database beside it.

OpenAPI docs are at /docs and /openapi.json; every route of the API is under /api.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from graph.sqlite import open_service_db
from api import previews
from api.errors import install_error_handlers, route_template
from api.guards import BodyLimit, SecurityHeaders, WriteLimit, install_guards
from api.pages import install_pages, queue_actions
from api.identity.security_pages import install as install_sign_in_pages
from api.routes import api_router
from api.service import Register
from api.settings import Settings
from graph.store.base import Store

log = logging.getLogger("relreg.api")
DOCS_ASSETS = "/docs-assets"


def create_app(store: Store, service_db: str | os.PathLike, *, settings: Settings | None = None,
               today: Callable[[], dt.date] = dt.date.today,
               clock: Callable[[], float] = time.time,
               refresh_in_background: bool = False) -> FastAPI:
    """The app, serving `store` with cases, accounts and the audit trail in the SQLite
    database at `service_db` (evidence files go in the folder beside it). Whoever made the
    app closes them: `app.state.register.close()`, then the store.

    The cases are brought in line with the findings as of today before it returns, or,
    with `refresh_in_background` (`relreg serve`), by a thread of their own, in
    `app.state.refresh`, while the app serves them as they were, labelled (FindingsLabel)."""
    settings = settings or Settings()
    register = Register(store, open_service_db(service_db), settings,
                        Path(service_db).parent, today=today, clock=clock)
    refresh = None
    if refresh_in_background:
        refresh = register.start_refresh()
    else:
        register.keep_current()
    previews.drop_expired(register)  # import previews past their time, left when it stopped

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        # Requests take turns on the register's lock anyway: a few threads wait in line
        # fairly, where the default forty jostle for it and for the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield

    # fastapi-offline serves Swagger UI and ReDoc from files it bundles: /docs and /redoc
    # work with no network.
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        lifespan=lifespan,
        title="Relationship register",
        summary="Staff's relationships with pupils, ex-pupils and parents, reviewed by senior "
                "leaders as their school's social media policy demands.",
        version="0.1.0",
    )
    app.state.register = register
    app.state.refresh = refresh
    app.include_router(api_router)
    install_error_handlers(app)
    install_guards(app)
    install_pages(app)
    app.include_router(queue_actions.router)  # bulk and one-step decisions from the queue
    install_sign_in_pages(app)  # provider, one-time codes, resets, notifications

    app.add_middleware(WriteLimit)
    app.add_middleware(BodyLimit)  # before the write limit: a refused body costs no write
    app.add_middleware(SecurityHeaders)
    app.add_middleware(FindingsLabelHeaders)
    app.add_middleware(RequestLog)
    # Outermost: the scheme and client address a trusted proxy reports (api/identity/cookies.py).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


class RequestLog:
    """Logs each request as method, route template, status and time: the ids in its path,
    the client's address and the body stay out of the logs, which hold no personal data.
    (A plain ASGI middleware: BaseHTTPMiddleware costs a task and streams per request.)"""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            log.info("%s %s %d %.1f ms", scope["method"], route_template(scope), status,
                     (time.perf_counter() - started) * 1000)


class FindingsLabelHeaders:
    """Labels every answer of the API with the findings the cases hold: the day and facts
    version they were evaluated for, and whether they are current, being refreshed or not
    there yet (docs/deployment.md)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        register = scope["app"].state.register

        async def send_labelled(message):
            if message["type"] == "http.response.start":
                label = register.findings_label()
                headers = list(message.get("headers", []))
                headers += [(name.encode(), value.encode())
                            for name, value in label_headers(label).items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_labelled)


def label_headers(label) -> dict[str, str]:
    headers = {"Findings-State": label.state}
    if label.as_of is not None:
        headers["Findings-As-Of"] = label.as_of.isoformat()
    if label.facts_version is not None:
        headers["Findings-Facts-Version"] = str(label.facts_version)
    return headers
