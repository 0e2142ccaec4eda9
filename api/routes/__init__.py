"""One router per resource, all under /api (pages will live at /)."""

from fastapi import APIRouter

from api.deps import RegisterDep
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
from api.routing import InOrderRoute
from api.schemas import FindingsLabelPublic, HealthPublic

api_router = APIRouter(route_class=InOrderRoute, prefix="/api", responses=COMMON_RESPONSES)
for module in (auth, accounts, people, declarations, connections, approaches, cases, findings,
               schools, imports, audit, privacy):
    api_router.include_router(module.router)


@api_router.get("/health", tags=["health"], response_model=HealthPublic)
def health(register: RegisterDep) -> HealthPublic:
    """The service answers; and what its findings are (they may still be refreshing)."""
    return HealthPublic(status="ok", findings=FindingsLabelPublic.of(register.findings_label()))
