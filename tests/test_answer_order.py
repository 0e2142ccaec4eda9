"""An answer leaves as soon as its own work is done: in a burst of requests (clients coming
back after a restart), the first does not wait for the work of every request behind it."""

from __future__ import annotations

import inspect
import threading

import anyio
import httpx
import pytest

import api.routes.cases
from tests.api_world import app_routes, service  # noqa: F401  (fixture)


def test_every_route_answers_from_the_event_loop(service):  # noqa: F811
    """Every route's work runs in a worker thread from a coroutine, so that its answer is
    checked and sent on the event loop, not after another turn in the threads' queue."""
    routes = list(app_routes(service.app.routes))
    assert len(routes) > 100, "the routes were read"
    plain = sorted(f"{sorted(route.methods)} {route.path}" for route in routes
                   if not inspect.iscoroutinefunction(route.dependant.call))
    assert plain == []


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_an_answer_does_not_wait_for_the_work_of_the_requests_behind_it(
        service, monkeypatch):  # noqa: F811
    """One worker thread; two leaders ask for their queue at once. The second one's work
    waits until the first one has its answer: when the first answer had to take another
    turn in the threads' queue behind the second one's work, it never came."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = 1
    first_answered = threading.Event()
    second_waited_for_it: list[bool] = []
    listing = api.routes.cases.visible_cases
    calls = 0

    def visible_cases(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            second_waited_for_it.append(first_answered.wait(timeout=5))
        return listing(*args, **kwargs)

    monkeypatch.setattr(api.routes.cases, "visible_cases", visible_cases)
    transport = httpx.ASGITransport(app=service.app)
    plug = threading.Event()  # holds the one thread until both requests wait their turn
    limiter = anyio.to_thread.current_default_thread_limiter()
    answers = {}
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:

        async def ask(who: str) -> None:
            answers[who] = await client.get("/api/cases", headers=service.headers(who))
            if who == "L1":
                first_answered.set()

        async with anyio.create_task_group() as group:
            group.start_soon(anyio.to_thread.run_sync, plug.wait)
            while limiter.borrowed_tokens < 1:
                await anyio.sleep(0)
            group.start_soon(ask, "L1")
            while limiter.statistics().tasks_waiting < 1:
                await anyio.sleep(0)
            group.start_soon(ask, "H1")
            while limiter.statistics().tasks_waiting < 2:
                await anyio.sleep(0)
            plug.set()

    assert answers["L1"].status_code == answers["H1"].status_code == 200
    assert calls == 2
    assert second_waited_for_it == [True]


@pytest.mark.anyio
async def test_working_out_whether_an_account_still_fits_does_not_hold_up_other_requests(
        service, monkeypatch):  # noqa: F811
    """Whether an account still fits its holder is read from the store when not known
    (after a restart, for everyone at once). While that read waits, another request is
    answered: the read does not hold up the event loop that every request goes through."""
    reading, other_answered = threading.Event(), threading.Event()
    read_waited_for_it: list[bool] = []
    memberships_of = service.store.memberships_of

    def slow_memberships_of(person_id):
        if person_id == "T1":
            reading.set()
            read_waited_for_it.append(other_answered.wait(timeout=5))
        return memberships_of(person_id)

    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        assert (await client.get("/api/auth/me", headers=service.headers("L1"))).status_code == 200
        monkeypatch.setattr(service.store, "memberships_of", slow_memberships_of)
        answers = {}

        async def ask(who: str) -> None:
            answers[who] = await client.get("/api/auth/me", headers=service.headers(who))
            if who == "L1":
                other_answered.set()

        async with anyio.create_task_group() as group:
            group.start_soon(ask, "T1")
            while not reading.is_set():
                await anyio.sleep(0.001)
            group.start_soon(ask, "L1")

    assert answers["T1"].status_code == answers["L1"].status_code == 200
    assert read_waited_for_it == [True]
