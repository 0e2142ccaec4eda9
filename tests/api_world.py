"""A small register served by the review service, with one account per person who uses
it, for the API tests (tests/test_api_*.py).

S1: headteacher H1, senior leader L1, DSL D1, chair of governors G1, teachers T1 and T2,
pupil P1 (born 2015) and P1's mother M1. S2: the same with a B prefix, and pupil P2.
T1 follows P1 (C1) and BT1 follows P2 (C2): a pupil-contact finding at each school.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import api.identity.accounts
from api.identity import AccountRole, SessionKind
from api.main import create_app
from api.settings import Settings
from graph.model import World
from graph.store.base import Store
from graph.store.embedded import EmbeddedStore
from tests.builder import add_leaders, school_with_leaders

TODAY = dt.date(2026, 11, 23)  # a Monday
PASSWORD = "correct horse battery staple"

# name -> (role, person, school)
ACCOUNTS = {
    "T1": (AccountRole.STAFF, "T1", "S1"),
    "T2": (AccountRole.STAFF, "T2", "S1"),
    "L1": (AccountRole.SENIOR_LEADER, "L1", "S1"),
    "H1": (AccountRole.HEADTEACHER, "H1", "S1"),
    "D1": (AccountRole.DSL, "D1", "S1"),
    "BL1": (AccountRole.SENIOR_LEADER, "BL1", "S2"),
    "admin": (AccountRole.TRUST_ADMIN, None, None),
    "auditor": (AccountRole.AUDITOR, None, None),
}


def small_trust() -> World:
    builder = school_with_leaders("ninestiles", "S1").staff("T2", "S1", start="2019-09-01")
    builder.pupil("P1").family("M1", "parent", "P1")
    builder.school("S2", "ninestiles")
    add_leaders(builder, "S2", prefix="B").pupil("P2", "S2")
    builder.connect("T1", "P1", connection_id="C1").connect("BT1", "P2", connection_id="C2")
    return builder.build()


def app_routes(routes):
    """The routes of the app (FastAPI's own included routers opened), each as it answers:
    with its full path."""
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # an included router
            yield from route.effective_route_contexts()
        elif hasattr(route, "dependant"):
            yield route


class ServiceUnderTest:
    """The app on a fresh embedded store, a clock the test can move, and a bearer token
    per account (made directly: signing in itself is tested in test_api_auth.py)."""

    def __init__(self, folder: Path, world: World | None = None,
                 settings: Settings | None = None, store: Store | None = None):
        self.today = TODAY
        self.now = 1_000_000.0
        self.store = store if store is not None else EmbeddedStore(folder / "data")
        self.store.import_world(world if world is not None else small_trust())
        self.app = create_app(self.store, folder / "data" / "service.sqlite3",
                              settings=settings or Settings(), today=lambda: self.today,
                              clock=lambda: self.now)
        self.register = self.app.state.register
        self.http = TestClient(self.app, base_url="https://testserver")
        self.tokens: dict[str, str] = {}
        self.accounts = {}
        for name, (role, person_id, school_id) in ACCOUNTS.items():
            account = self.register.accounts.create(f"{name.lower()}-user", PASSWORD, role,
                                                    person_id, school_id)
            self.accounts[name] = account
            self.tokens[name], _ = self.register.accounts.start_session(account,
                                                                        SessionKind.BEARER)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **kwargs):
        return self.http.get(url, headers=self.headers(who), **kwargs)

    def post(self, who: str, url: str, **kwargs):
        return self.http.post(url, headers=self.headers(who), **kwargs)

    def put(self, who: str, url: str, **kwargs):
        return self.http.put(url, headers=self.headers(who), **kwargs)

    def patch(self, who: str, url: str, **kwargs):
        return self.http.patch(url, headers=self.headers(who), **kwargs)

    def delete(self, who: str, url: str, **kwargs):
        return self.http.delete(url, headers=self.headers(who), **kwargs)

    def case_of(self, rule: str, adult: str, counterpart: str, who: str = "L1") -> dict:
        cases = self.get(who, "/api/cases", params={"rule": rule}).json()
        [case] = [c for c in cases if c["finding"]["adult_id"] == adult
                  and c["finding"]["counterpart_id"] == counterpart]
        return case

    def close(self) -> None:
        self.http.close()
        self.register.close()
        self.store.close()


FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def service(tmp_path, monkeypatch):
    """The small trust served; argon2 made cheap, as its real cost would make each account
    take ~50 ms (test_api_auth.py checks the real thing)."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path)
    yield served
    served.close()
