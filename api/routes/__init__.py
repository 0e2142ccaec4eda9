"""One router per resource, all under /api (pages will live at /)."""

from fastapi import APIRouter

from api.errors import COMMON_RESPONSES
from api.routes import (
    accounts,
    approaches,
    audit,
    auth,
    cases,
    connections,
    declarations,
    findings,
    imports,
    people,
    privacy,
    schools,
)

api_router = APIRouter(prefix="/api", responses=COMMON_RESPONSES)
for module in (auth, accounts, people, declarations, connections, approaches, cases, findings,
               schools, imports, audit, privacy):
    api_router.include_router(module.router)


@api_router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    return {"status": "ok"}
