"""`relreg serve` answers at once on any start: it serves the cases as they were last
brought in line, labelled with the day and facts version they hold, while a thread loads
the facts and re-evaluates; then the fresh findings take their place (issue 27).

The refresh is held at its first step by a store whose load waits for the test, so that
what the service says meanwhile is seen for certain, with no sleeps."""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.identity.accounts
from api.identity import AccountRole, SessionKind
from api.main import create_app
from api.service import Register
from api.settings import Settings
from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
from graph.model import World
from graph.store.embedded import EmbeddedStore
from graph.store.neo4j import Neo4jStore
from tests.api_world import FAST_HASHER, PASSWORD
from tests.builder import WorldBuilder, school_with_leaders

ROOT = Path(__file__).resolve().parent.parent
# X1 left in 2025 and turns 18 on 15 December 2026: their case fires on the 14th, not after.
YESTERDAY, TODAY = dt.date(2026, 12, 14), dt.date(2026, 12, 15)
NOW = 1_000_000.0


def world():
    return (school_with_leaders()
            .pupil("X1", start="2016-09-01", end="2025-07-20", born="2008-12-15")
            .pupil("P1", start="2020-09-01", end="2027-07-20", born="2012-05-05")
            .connect("T1", "X1").connect("T1", "P1").build())


class HeldStore(EmbeddedStore):
    """The embedded store as it is while a big register loads: its load (the refresh's
    first step), and whatever needs the facts in memory, wait until the test releases them;
    `wanted` says that something besides the refresh waits."""

    def __init__(self, data_dir):
        super().__init__(data_dir)
        self.loading, self.wanted, self.release = (threading.Event(), threading.Event(),
                                                   threading.Event())

    def load(self) -> None:
        if self.loading.is_set():  # the refresh called first: this is someone waiting for it
            self.wanted.set()
        self.loading.set()
        assert self.release.wait(60), "the test never released the load"
        super().load()

    @property
    def facts(self):
        self.wanted.set()
        assert self.release.wait(60), "something waited for the facts the test never released"
        return super().facts


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)


def served_yesterday(data: Path) -> int:
    """The service ran yesterday: its cases were brought in line then. The facts version."""
    with EmbeddedStore(data) as store:
        store.import_world(world())
        app = create_app(store, data / SERVICE_DATABASE_NAME, settings=Settings(),
                         today=lambda: YESTERDAY, clock=lambda: NOW)
        register = app.state.register
        register.accounts.create("l1-user", PASSWORD, AccountRole.SENIOR_LEADER, "L1", "S1")
        register.accounts.create("t1-user", PASSWORD, AccountRole.STAFF, "T1", "S1")
        version = store.facts_version()
        register.close()
    return version


class Started:
    """The service started (today) with its refresh held at the load: a client, and the
    tokens of L1 and T1 if they have accounts."""

    def __init__(self, data: Path, on: dt.date = TODAY):
        self.store = HeldStore(data)
        self.app = create_app(self.store, data / SERVICE_DATABASE_NAME, settings=Settings(),
                              today=lambda: on, clock=lambda: NOW, refresh_in_background=True)
        self.register = self.app.state.register
        self.http = TestClient(self.app, base_url="https://testserver")
        assert self.store.loading.wait(60)
        self.tokens = {}
        for who in ("L1", "T1"):
            account = self.register.accounts.by_username(f"{who.lower()}-user")
            if account is not None:
                self.tokens[who], _ = self.register.accounts.start_session(
                    account, SessionKind.BEARER)

    def api(self, method: str, url: str, who: str = "L1", **kwargs):
        return self.http.request(method, url, headers={"Authorization": f"Bearer {self.tokens[who]}"},
                                 **kwargs)

    def finish_refresh(self) -> None:
        self.store.release.set()
        self.app.state.refresh.join(60)
        assert not self.app.state.refresh.is_alive()

    def close(self) -> None:
        self.store.release.set()
        self.app.state.refresh.join(60)
        self.http.close()
        self.register.close()
        self.store.close()


def cases_by_counterpart(started: Started) -> dict[str, dict]:
    answer = started.api("GET", "/api/cases")
    assert answer.status_code == 200
    return {case["finding"]["counterpart_id"]: case for case in answer.json()}


def test_a_stale_start_answers_at_once_labelled_and_swaps_in_fresh_findings(tmp_path):
    data = tmp_path / "data"
    version = served_yesterday(data)
    started = Started(data)
    try:
        # The load is held: whatever answers now did not wait for it.
        health = started.http.get("/api/health")
        assert health.json() == {"status": "ok", "findings": {
            "state": "refreshing", "as_of": "2026-12-14", "facts_version": version,
            "step": "loading the facts"}}
        cases = started.api("GET", "/api/cases")
        assert (cases.headers["Findings-State"], cases.headers["Findings-As-Of"],
                cases.headers["Findings-Facts-Version"]) == ("refreshing", "2026-12-14",
                                                             str(version))
        assert cases_by_counterpart(started)["X1"]["fires"] is True  # as it was yesterday
        page = started.http.get("/sign-in").text
        assert f"Findings as of 14 December 2026 (facts version {version}), refreshing." in page
        assert "Step 1 of 2: loading the facts." in page

        started.finish_refresh()

        assert started.http.get("/api/health").json()["findings"] == {
            "state": "current", "as_of": "2026-12-15", "facts_version": version, "step": None}
        fresh = cases_by_counterpart(started)
        assert fresh["X1"]["fires"] is False and fresh["X1"]["state"] == "resolved"
        assert fresh["P1"]["fires"] is True
        page = started.http.get("/sign-in").text
        assert f"Findings as of 15 December 2026 (facts version {version})." in page
        assert "refreshing" not in page
    finally:
        started.close()


def test_a_restart_on_the_same_day_is_current_at_once_and_loads_the_facts_after(tmp_path):
    data = tmp_path / "data"
    version = served_yesterday(data)
    started = Started(data, on=YESTERDAY)  # the refresh waits in the load, called after
    try:
        assert started.http.get("/api/health").json()["findings"] == {
            "state": "current", "as_of": "2026-12-14", "facts_version": version, "step": None}
        assert cases_by_counterpart(started)["X1"]["fires"] is True
    finally:
        started.close()


def test_a_decision_made_while_refreshing_is_not_lost(tmp_path):
    data = tmp_path / "data"
    served_yesterday(data)
    started = Started(data)
    try:
        finding_id = cases_by_counterpart(started)["P1"]["finding_id"]
        moved = started.api("POST", f"/api/cases/{finding_id}/moves",
                            json={"to_state": "in_review", "reason": "looking into it"})
        assert moved.status_code == 200, moved.text
        assert moved.headers["Findings-State"] == "refreshing"
        # X1 turned 18 overnight: the refresh resolves her case, after this move of it.
        x1 = cases_by_counterpart(started)["X1"]["finding_id"]
        assert started.api("POST", f"/api/cases/{x1}/moves", json={
            "to_state": "in_review", "reason": "asking the teacher"}).status_code == 200

        started.finish_refresh()

        case = started.api("GET", f"/api/cases/{finding_id}").json()
        assert case["state"] == "in_review"
        assert [(e["to_state"], e["reason"]) for e in case["history"]
                if e["kind"] == "moved"] == [("in_review", "looking into it")]
        x1_history = started.api("GET", f"/api/cases/{x1}").json()["history"]
        assert [e["to_state"] for e in x1_history][-2:] == ["in_review", "resolved"], \
            "the refresh brought in line the case as moved, not as it was read before"
        # The day's re-evaluation happened after it, and took nothing back.
        assert started.api("GET", "/api/health").json()["findings"]["state"] == "current"
    finally:
        started.close()


def test_a_change_to_the_facts_while_refreshing_waits_and_the_day_is_not_put_down_to_it(
        tmp_path):
    data = tmp_path / "data"
    served_yesterday(data)
    started = Started(data)
    try:
        answers = []
        writer = threading.Thread(target=lambda: answers.append(started.api(
            "POST", "/api/connections", "T1",
            json={"other_id": "P1", "channel": "instagram", "direction": "mutual"})))
        writer.start()
        assert started.store.wanted.wait(60)  # the write waits for the facts
        assert not answers
        started.finish_refresh()
        writer.join(60)

        assert answers[0].status_code == 201, answers[0].text
        # The cases were brought in line as of today before the change was made, so what
        # the new day changed is put down to the start, not to the connection.
        label = started.api("GET", "/api/health").json()["findings"]
        assert (label["state"], label["as_of"]) == ("current", "2026-12-15")
        assert label["facts_version"] == started.store.facts_version()
        x1 = cases_by_counterpart(started)["X1"]
        history = started.api("GET", f"/api/cases/{x1['finding_id']}").json()["history"]
        assert history[-1]["reason"] == "the rule no longer fires: the service started"
    finally:
        started.close()


def test_a_start_with_no_findings_answers_and_says_it_is_loading(tmp_path):
    data = tmp_path / "data"
    with EmbeddedStore(data) as store:
        store.import_world(world())
    started = Started(data)
    try:
        health = started.http.get("/api/health")
        assert health.json() == {"status": "ok", "findings": {
            "state": "loading", "as_of": None, "facts_version": None,
            "step": "loading the facts"}}
        assert health.headers["Findings-State"] == "loading"
        assert "Findings-As-Of" not in health.headers
        page = started.http.get("/sign-in").text
        assert "The register is loading: there are no findings yet." in page
        assert "Step 1 of 2: loading the facts." in page

        started.finish_refresh()

        label = started.http.get("/api/health").json()["findings"]
        assert (label["state"], label["as_of"]) == ("current", "2026-12-15")
    finally:
        started.close()


def test_kill_9_during_a_refresh_leaves_the_last_good_findings(tmp_path):
    data = tmp_path / "data"
    version = served_yesterday(data)
    # The refresh has brought the cases in line in its transaction, not yet committed.
    refresher = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import datetime as dt, threading
        from api.service import Register
        from api.settings import Settings
        from graph.sqlite import open_service_db
        from graph.store.embedded import EmbeddedStore
        data = {str(data)!r}
        store = EmbeddedStore(data)
        register = Register(store, open_service_db(data + "/service.sqlite3"), Settings(),
                            data, today=lambda: dt.date(2026, 12, 15))
        sync = register.cases.sync
        def sync_and_hang(*args, **kwargs):
            changes = sync(*args, **kwargs)
            print("brought in line", len(changes), flush=True)
            threading.Event().wait()
        register.cases.sync = sync_and_hang
        register.start_refresh().join()
    """)], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1)
    line = refresher.stdout.readline()
    os.kill(refresher.pid, signal.SIGKILL)
    refresher.wait()
    assert line.startswith("brought in line") and line.split()[-1] != "0"

    with EmbeddedStore(data) as store:
        register = Register(store, open_service_db(data / SERVICE_DATABASE_NAME), Settings(),
                            data, today=lambda: TODAY)
        try:
            label = register.findings_label()
            assert (label.as_of, label.facts_version) == (YESTERDAY, version)
            x1 = next(c for c in register.cases.find() if c.finding["counterpart_id"] == "X1")
            assert x1.fires and x1.state == "open"
            # The next start brings them in line.
            register.start_refresh().join(60)
            assert register.findings_label().as_of == TODAY
            assert not register.cases.get(x1.finding_id).fires
        finally:
            register.close()


def test_detect_shows_progress_on_a_terminal_and_its_json_is_unchanged(tmp_path):
    import json
    import pty
    import shutil

    data = tmp_path / "data"
    with EmbeddedStore(data) as store:
        store.import_world(world())
    command = [shutil.which("relreg"), "detect", "--data", str(data), "--as-of", "2026-12-14",
               "--format", "json"]
    piped = subprocess.run(command, capture_output=True, text=True, check=True)
    assert piped.stderr == "", "no progress when stderr is not a terminal"

    # The saved findings are dropped, so that this run loads the facts and evaluates.
    with EmbeddedStore(data) as store:
        store.upsert(world())
    terminal, stderr = pty.openpty()
    shown = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, text=True,
                           check=True, env={**os.environ, "COLUMNS": "120"})
    os.close(stderr)
    progress = b""
    try:
        while chunk := os.read(terminal, 4096):
            progress += chunk
    except OSError:  # the other end is closed: all of it is read
        pass
    os.close(terminal)
    assert "loading the facts and evaluating" in progress.decode(errors="replace")
    assert json.loads(shown.stdout) == json.loads(piped.stdout)
    assert json.loads(shown.stdout)["as_of"] == "2026-12-14"


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request, tmp_path):
    if request.param == "neo4j":
        return request.getfixturevalue("neo4j_store")
    return EmbeddedStore(tmp_path / "data")


def test_every_store_labels_its_findings_with_the_facts_version_a_change_moves_on(
        any_store, tmp_path):
    any_store.import_world(world())
    app = create_app(any_store, tmp_path / "service.sqlite3", settings=Settings(),
                     today=lambda: TODAY, clock=lambda: NOW, refresh_in_background=True)
    register = app.state.register
    try:
        app.state.refresh.join(60)
        staff = register.accounts.create("t1-user", PASSWORD, AccountRole.STAFF, "T1", "S1")
        token, _ = register.accounts.start_session(staff, SessionKind.BEARER)
        with TestClient(app, base_url="https://testserver") as http:
            before = http.get("/api/health").json()["findings"]
            assert (before["state"], before["as_of"]) == ("current", "2026-12-15")
            assert before["facts_version"] == any_store.facts_version()
            declared = http.post("/api/connections", headers={"Authorization": f"Bearer {token}"},
                                 json={"other_id": "P1", "channel": "instagram"})
            assert declared.status_code == 201, declared.text
            assert int(declared.headers["Findings-Facts-Version"]) > before["facts_version"]
            assert declared.headers["Findings-Facts-Version"] == str(any_store.facts_version())
    finally:
        register.close()
        any_store.close()


def test_a_read_that_needs_the_facts_waits_for_the_load_without_stopping_the_others(tmp_path):
    """T1 opens their declarations while the facts load: that answer waits for the load,
    and meanwhile everyone else's requests (the queue, health) still answer at once."""
    data = tmp_path / "data"
    served_yesterday(data)
    started = Started(data)
    try:
        answers = {}
        waiting = threading.Thread(target=lambda: answers.update(
            declarations=started.api("GET", "/api/declarations", who="T1")))
        waiting.start()
        waiting.join(0.5)  # it waits for the held load (no clock is read: a bounded join)
        assert waiting.is_alive(), "a read of the facts waits for their load"
        assert started.api("GET", "/api/cases").status_code == 200
        assert started.http.get("/api/health").json()["findings"]["state"] == "refreshing"
        started.finish_refresh()
        waiting.join(60)
        assert answers["declarations"].status_code == 200
    finally:
        started.close()


def test_a_refresh_that_failed_leaves_the_findings_labelled_as_of_their_day(tmp_path):
    """The refresh at start fails: yesterday's findings are not passed off as current."""
    data = tmp_path / "data"
    version = served_yesterday(data)

    class FailingStore(EmbeddedStore):
        def load(self) -> None:
            raise OSError("the disk went away")

    store = FailingStore(data)
    app = create_app(store, data / SERVICE_DATABASE_NAME, settings=Settings(),
                     today=lambda: TODAY, clock=lambda: NOW, refresh_in_background=True)
    try:
        app.state.refresh.join(60)
        with TestClient(app, base_url="https://testserver") as http:
            assert http.get("/api/health").json()["findings"] == {
                "state": "refreshing", "as_of": "2026-12-14", "facts_version": version,
                "step": None}
    finally:
        app.state.register.close()
        store.close()


def test_an_erasure_while_refreshing_waits_and_the_day_is_not_put_down_to_it(tmp_path):
    """As a change to the facts: what the new day changed is put down to the start."""
    from api.privacy import erase

    data = tmp_path / "data"
    served_yesterday(data)
    started = Started(data)
    try:
        done = threading.Thread(target=lambda: erase(started.register, "account:admin", "P1"))
        done.start()
        assert started.store.wanted.wait(60)  # the erasure waits for the facts
        started.finish_refresh()
        done.join(60)
        x1 = cases_by_counterpart(started)["X1"]
        history = started.api("GET", f"/api/cases/{x1['finding_id']}").json()["history"]
        assert history[-1]["reason"] == "the rule no longer fires: the service started"
    finally:
        started.close()


def test_a_register_from_before_the_label_starts_labelled_with_its_last_reevaluation(tmp_path):
    """An older release kept no findings_held: the cases it brought in line are shown as of
    its last re-evaluation, not as "loading, no findings yet" beside a full queue."""
    data = tmp_path / "data"
    served_yesterday(data)
    db = open_service_db(data / SERVICE_DATABASE_NAME)
    db.execute("DROP TABLE findings_held")
    db.close()
    started = Started(data)
    try:
        assert started.http.get("/api/health").json()["findings"] == {
            "state": "refreshing", "as_of": "2026-12-14", "facts_version": None,
            "step": "loading the facts"}
    finally:
        started.close()


def test_a_days_reevaluation_rolled_back_is_done_again(tmp_path):
    """The day's re-evaluation fails before it commits: the day is not taken as done, so
    the next request brings the cases in line again instead of waiting for tomorrow."""
    import sqlite3

    data = tmp_path / "data"
    served_yesterday(data)
    with EmbeddedStore(data) as store:
        day = [TODAY]
        app = create_app(store, data / SERVICE_DATABASE_NAME, settings=Settings(),
                         today=lambda: day[0], clock=lambda: NOW)
        register = app.state.register
        register.keep_current()
        day[0] = TODAY + dt.timedelta(days=1)  # the service runs on into the next day
        register.db.execute("CREATE TEMP TRIGGER disk_full BEFORE INSERT ON reevaluations "
                            "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        with pytest.raises(sqlite3.IntegrityError):
            register.keep_current()
        register.db.execute("DROP TRIGGER disk_full")
        register.keep_current()
        days = register.db.execute("SELECT as_of FROM reevaluations ORDER BY as_of").fetchall()
        assert days[-1] == (day[0].isoformat(),), "the day was done again"
        register.close()


# -- Neo4j keeps no findings of its own: a restart takes the cases' copy when it holds ----

class CountingNeo4jStore(Neo4jStore):
    """A Neo4jStore that counts its evaluations of every finding."""

    full_evaluations = 0

    def _evaluate(self, as_of, people, profiles=None):
        if people is None:
            self.full_evaluations += 1
        return super()._evaluate(as_of, people, profiles)


def start_on_neo4j(uri: str, data: Path):
    """The service started today on Neo4j, its refresh at start done: (app, store)."""
    store = CountingNeo4jStore(uri)
    app = create_app(store, data / SERVICE_DATABASE_NAME, settings=Settings(),
                     today=lambda: TODAY, clock=lambda: NOW, refresh_in_background=True)
    app.state.refresh.join(60)
    assert not app.state.refresh.is_alive()
    return app, store


def world_and_p2(*, connected: bool = False):
    """world(), with a pupil P2 whom T1 has not (yet) connected with."""
    built = (school_with_leaders()
             .pupil("X1", start="2016-09-01", end="2025-07-20", born="2008-12-15")
             .pupil("P1", start="2020-09-01", end="2027-07-20", born="2012-05-05")
             .pupil("P2", start="2020-09-01", end="2027-07-20", born="2012-06-06")
             .connect("T1", "X1").connect("T1", "P1"))
    return (built.connect("T1", "P2") if connected else built).build()


def served_earlier_today(neo4j_store, data: Path) -> None:
    neo4j_store.replace_world(world_and_p2())
    app, store = start_on_neo4j(neo4j_store.uri, data)
    assert store.full_evaluations == 1
    register = app.state.register
    register.accounts.create("l1-user", PASSWORD, AccountRole.SENIOR_LEADER, "L1", "S1")
    register.accounts.create("t1-user", PASSWORD, AccountRole.STAFF, "T1", "S1")
    register.close()


def queue_and_findings(app, store) -> tuple[list[tuple], list[tuple]]:
    """The cases whose finding fires, as a leader's queue lists them, and the findings a
    full evaluation gives now: (id, counterpart) of each."""
    register = app.state.register
    token, _ = register.accounts.start_session(register.accounts.by_username("l1-user"),
                                               SessionKind.BEARER)
    with TestClient(app, base_url="https://testserver") as http:
        cases = http.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).json()
    firing = sorted((case["finding"]["id"], case["finding"]["counterpart_id"])
                    for case in cases if case["state"] != "resolved")
    return firing, sorted((f.id, f.counterpart_id) for f in store._evaluate(TODAY, None)[0])


@pytest.mark.neo4j
def test_a_restart_on_neo4j_the_same_day_evaluates_nothing_and_a_change_still_raises_its_case(
        neo4j_store, tmp_path):
    data = tmp_path / "data"
    served_earlier_today(neo4j_store, data)
    app, store = start_on_neo4j(neo4j_store.uri, data)
    register = app.state.register
    try:
        assert app.state.register.findings_label().state == "current"
        assert store.full_evaluations == 0
        token, _ = register.accounts.start_session(register.accounts.by_username("t1-user"),
                                                   SessionKind.BEARER)
        with TestClient(app, base_url="https://testserver") as http:
            reported = http.post("/api/connections", headers={"Authorization": f"Bearer {token}"},
                                 json={"other_id": "P2", "channel": "instagram"})
        assert reported.status_code == 201, reported.text
        assert store.full_evaluations == 0
        firing, found = queue_and_findings(app, store)
        assert "P2" in {counterpart for _, counterpart in firing}
        assert firing == found
    finally:
        register.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("while_down, full_evaluations", [
    ("the facts changed", 1), ("the rules changed", 1), ("a write the cases missed", 0),
    ("a write the cases missed, which reached no one", 0)])
def test_a_restart_on_neo4j_evaluates_again_what_the_cases_no_longer_hold(
        neo4j_store, neo4j_uri, tmp_path, while_down, full_evaluations):
    """`relreg import` with the service down, or an upgrade: every finding is evaluated
    again. A service killed between a write and its cases: only what the write reached."""
    data = tmp_path / "data"
    served_earlier_today(neo4j_store, data)
    old = set(world_and_p2().connections)
    t1_and_p2 = World(connections={
        key: connection for key, connection in world_and_p2(connected=True).connections.items()
        if key not in old})
    if while_down == "the facts changed":  # as `relreg import` would, with the service down
        neo4j_store.upsert(t1_and_p2)
    elif while_down == "a write the cases missed":  # as the service writes, findings at hand
        with Neo4jStore(neo4j_uri) as writer:
            writer.findings(TODAY)
            writer.upsert(t1_and_p2)
    elif while_down.startswith("a write the cases missed, "):  # a declaration, no connection
        declared = WorldBuilder().declare("T1", "P2", "prior_friendship", declaration_id="D9")
        with Neo4jStore(neo4j_uri) as writer:
            writer.findings(TODAY)
            writer.upsert(World(declarations=declared.build().declarations))
    else:  # an upgrade: the cases were brought in line by other rules
        db = open_service_db(data / SERVICE_DATABASE_NAME)
        with db:
            db.execute("UPDATE findings_held SET rules = 'an earlier release'")
        db.close()
    app, store = start_on_neo4j(neo4j_store.uri, data)
    try:
        assert store.full_evaluations == full_evaluations
        firing, found = queue_and_findings(app, store)
        assert firing == found
        if while_down in ("the facts changed", "a write the cases missed"):
            assert "P2" in {counterpart for _, counterpart in firing}
    finally:
        app.state.register.close()


def test_on_every_store_a_client_back_after_a_restart_is_answered_from_what_the_start_looked_up(
        any_store, tmp_path, monkeypatch):
    """Clients signed in before a restart come back all at once. The start has already
    looked up their sessions and whether their accounts still fit: the first request of each
    reads neither the sessions' table nor the store. A session ended before the restart
    stays ended."""
    any_store.import_world(world())
    database = tmp_path / "service.sqlite3"
    tokens = {}
    first = create_app(any_store, database, settings=Settings(), today=lambda: TODAY,
                       clock=lambda: NOW)
    for who in ("T1", "L1"):
        account = first.state.register.accounts.create(
            f"{who.lower()}-user", PASSWORD, AccountRole.STAFF if who == "T1"
            else AccountRole.SENIOR_LEADER, who, "S1")
        tokens[who], _ = first.state.register.accounts.start_session(account, SessionKind.BEARER)
    first.state.register.accounts.end_session(tokens["L1"])
    first.state.register.close()

    app = create_app(any_store, database, settings=Settings(), today=lambda: TODAY,
                     clock=lambda: NOW, refresh_in_background=True)
    register = app.state.register
    try:
        app.state.refresh.join(60)
        looked_up = []
        for name in ("person", "memberships_of", "schools"):
            read = getattr(any_store, name)
            monkeypatch.setattr(any_store, name, lambda *a, _name=name, _read=read, **k: (
                looked_up.append(_name), _read(*a, **k))[1])
        session = register.accounts.session
        monkeypatch.setattr(register.accounts, "session",
                            lambda *a: (looked_up.append("session"), session(*a))[1])
        with TestClient(app, base_url="https://testserver") as http:
            me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['T1']}"})
            assert me.status_code == 200, me.text
            assert me.json()["account"]["username"] == "t1-user"
            assert looked_up == []
            ended = http.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['L1']}"})
            assert ended.status_code == 401
    finally:
        register.close()
