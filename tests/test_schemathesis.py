"""Schemathesis against the service's own OpenAPI schema: generated requests, valid and
not, to every operation, signed in as someone who may use it. No answer may be a 5xx, and
every answer must be one the schema documents, in the shape it documents."""

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

import api.identity.accounts
from api.identity import SessionKind
from tests.api_world import ACCOUNTS, FAST_HASHER, ServiceUnderTest

# Made once, as the schema is loaded when the module is; its accounts hashed cheaply.
_real_hasher, api.identity.accounts._hasher = api.identity.accounts._hasher, FAST_HASHER
_FOLDER = Path(tempfile.mkdtemp(prefix="relreg-schemathesis-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
SERVED = ServiceUnderTest(_FOLDER)
api.identity.accounts._hasher = _real_hasher
schema = schemathesis.openapi.from_asgi("/openapi.json", SERVED.app)

# Who calls each operation: someone it is meant for, so that most requests get past the
# role checks and reach the code that reads the input.
CALLERS = (
    ("/api/accounts", "admin"), ("/api/identity-links", "admin"), ("/api/imports", "admin"),
    ("/api/schools/", "admin"),
    ("POST /api/people", "admin"), ("/api/audit", "auditor"), ("POST /api/declarations", "T1"),
    ("POST /api/connections", "T1"), ("POST /api/approaches", "T1"),
    ("DELETE /api/connections", "T1"),
)


def caller(method: str, path: str) -> str:
    for prefix, who in CALLERS:
        if f"{method} {path}".startswith(prefix) or path.startswith(prefix):
            return who
    return "L1"


def fresh_token(who: str) -> str:
    """A new token each time, the account enabled as it was made: a generated request may
    have signed it out or disabled it."""
    register = SERVED.register
    role, person_id, school_id = ACCOUNTS[who]
    account = SERVED.accounts[who]
    with register.writing():
        register.accounts.update(account.account_id, role=role, person_id=person_id,
                                 school_id=school_id, disabled=False)
        token, _ = register.accounts.start_session(account, SessionKind.BEARER)
    return token


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_every_request_as_its_schema_says(case):
    who = caller(case.method.upper(), case.path)
    # Left out: "a request the schema allows is accepted". The schema cannot say which ids
    # exist, and a body naming an unknown person is rightly a 422 naming that field.
    case.call_and_validate(headers={"Authorization": f"Bearer {fresh_token(who)}"},
                           excluded_checks=[positive_data_acceptance])
