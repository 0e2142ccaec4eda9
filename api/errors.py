"""Bad input never gives a 500: the errors every route may answer with, and how the
domain's exceptions become them (404 unknown id, 403 not allowed, 409 not from this state,
422 naming the field)."""

from __future__ import annotations

import logging
import re
import traceback

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.review import CaseNotFound, MissingDetail, MoveNotAllowed
from graph.store.base import StoreError

log = logging.getLogger("relreg.api")


def not_found(what: str, identifier: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} {identifier}")


def invalid(field: str, message: str, where: str = "body") -> HTTPException:
    """A 422 in FastAPI's own shape, naming the field that is wrong."""
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                         [{"loc": [where, field], "msg": message, "type": "value_error"}])


def conflict(message: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, message)


# Documented on every route under /api, so that the OpenAPI schema says what may come back.
COMMON_RESPONSES = {
    400: {"description": "The body could not be parsed at all"},
    401: {"description": "Not signed in, or the session or token has expired"},
    403: {"description": "Signed in, but not allowed"},
    404: {"description": "An id in the path names nothing"},
    413: {"description": "The request body is larger than its cap (api/guards.py)"},
    422: {"description": "A field is wrong: `detail[].loc` names it"},
    429: {"description": "Too many changes at once from one account: wait `Retry-After` seconds"},
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            # Starlette names only the methods of the first route that matched the path.
            allowed = allowed_methods(app, request.url.path)
            if allowed:
                error.headers = {**(error.headers or {}), "Allow": ", ".join(allowed)}
        return await http_exception_handler(request, error)

    @app.exception_handler(CaseNotFound)
    async def case_not_found(_request: Request, error: CaseNotFound):
        return JSONResponse({"detail": f"no case {error}"}, status.HTTP_404_NOT_FOUND)

    @app.exception_handler(MoveNotAllowed)
    async def move_not_allowed(_request: Request, error: MoveNotAllowed):
        return JSONResponse({"detail": str(error)}, status.HTTP_409_CONFLICT)

    @app.exception_handler(MissingDetail)
    async def missing_detail(_request: Request, error: MissingDetail):
        return JSONResponse(
            {"detail": [{"loc": ["body", error.field], "msg": str(error), "type": "missing"}]},
            status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(StoreError)
    async def store_error(_request: Request, error: StoreError):
        return JSONResponse({"detail": str(error)}, status.HTTP_409_CONFLICT)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        log.error("unexpected %s in %s %s at %s", type(error).__name__, request.method,
                  route_template(request.scope), where(error))
        return JSONResponse({"detail": "internal error"}, status.HTTP_500_INTERNAL_SERVER_ERROR)


def where(error: BaseException) -> str:
    """Where `error` was raised, as the innermost frames (file:line function): what a log
    may say of it. Its message may hold personal data, so it is never logged."""
    frames = traceback.extract_tb(error.__traceback__)
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                      for f in reversed(frames[-6:]))


def route_template(scope: dict) -> str:
    """The path with each path parameter's value put back as its {name}: what a log may
    say of a request. A path that matched no route is not repeated at all."""
    if scope.get("route") is None:
        return "(no route)"
    names = {str(value): name for name, value in scope.get("path_params", {}).items()}
    return "/".join(f"{{{names[part]}}}" if part in names else part
                    for part in scope["path"].split("/"))


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI schema documents for the route template that matches `path`
    most closely (/connections/reports before /connections/{connection_id})."""
    by_parameters: dict[int, set[str]] = {}
    for template, operations in app.openapi()["paths"].items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            by_parameters.setdefault(template.count("{"), set()).update(
                m.upper() for m in operations)
    return sorted(by_parameters[min(by_parameters)]) if by_parameters else []
