"""`relreg serve --demo` as a person starts it, and the load benchmark in miniature: real
processes on loopback."""

import datetime as dt
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("staff", "senior_leader", "headteacher", "dsl", "trust_admin", "auditor")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(method, url, token=None, form=None):
    data = urllib.parse.urlencode(form).encode() if form else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def demo_server(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--data", str(tmp_path),
         "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in server.stdout:
        lines.append(line)
        if len(lines) > 20 or line.split()[:1] == ["auditor"]:
            break
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if http("GET", f"{base}/api/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    yield base, "".join(lines), tmp_path
    stop(server)


def stop(server: subprocess.Popen) -> None:
    """Stop a served register as an operator would (SIGTERM), killing it if it hangs."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for stream in (server.stdout, server.stderr):
        if stream is not None:
            stream.close()


def test_serve_demo_seeds_a_trust_and_prints_one_sign_in_per_role(demo_server):
    base, printed, data = demo_server
    assert f"seeded a demo trust into {data}" in printed
    assert f"relreg review service on {base} (API docs at {base}/docs)" in printed
    found = re.findall(r"^  (\w+)\s+(demo-[\w-]+)\s+(\S+)$", printed, re.MULTILINE)
    sign_ins = {role: (username, password) for role, username, password in found}
    assert tuple(sign_ins) == ROLES
    tokens = {}
    for role, (username, password) in sign_ins.items():
        status, body = http("POST", f"{base}/api/auth/token",
                            form={"username": username, "password": password})
        assert status == 200, (role, body)
        tokens[role] = json.loads(body)["access_token"]
    status, body = http("GET", f"{base}/api/cases", tokens["staff"])
    assert status == 200 and json.loads(body), "the demo teacher has a finding to see"
    status, body = http("GET", f"{base}/api/cases", tokens["senior_leader"])
    assert len(json.loads(body)) > 5
    assert http("GET", f"{base}/api/cases", tokens["auditor"])[0] == 403
    assert http("GET", f"{base}/docs")[0] == 200
    status, body = http("GET", f"{base}/openapi.json")
    assert "/api/cases/{finding_id}/moves" in json.loads(body)["paths"]
    assert (data / "service.sqlite3").exists() and (data / "register.sqlite3").exists()


def test_the_load_benchmark_loses_no_acknowledged_write():
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--clients", "5", "--requests", "150",
         "--p99-ms", "5000"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"p99=\s*[\d.]+ ms", result.stdout)
    assert ", 0 lost" in result.stdout
    assert "audit: audit trail intact" in result.stdout


def test_the_first_trust_admin_is_made_on_the_command_line(tmp_path):
    command = [sys.executable, "-m", "api.cli", "add-account", "first-admin", "--role",
               "trust_admin", "--data", str(tmp_path)]
    short = subprocess.run([*command, "--password", "short"], cwd=ROOT, capture_output=True,
                           text=True)
    assert short.returncode != 0 and "at least 12 characters" in short.stderr
    made = subprocess.run([*command, "--password", "a long enough password"], cwd=ROOT,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert "account made: first-admin, Trust admin" in made.stdout
    again = subprocess.run([*command, "--password", "a long enough password"], cwd=ROOT,
                           capture_output=True, text=True)
    assert "taken" in again.stderr

    from fastapi.testclient import TestClient

    from api.main import create_app
    from graph.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path) as store:
        app = create_app(store, tmp_path / "service.sqlite3")
        with TestClient(app) as client:
            signed_in = client.post("/api/auth/token", data={
                "username": "first-admin", "password": "a long enough password"})
            assert signed_in.status_code == 200
        app.state.register.close()


def test_serve_demo_refuses_a_folder_that_holds_a_real_register(tmp_path):
    """--demo on a register it did not seed would add demo accounts, a trust admin among
    them, tied to real people: it refuses, says what to do, and makes no account."""
    from click.testing import CliRunner

    from api.cli import main
    from graph.store.embedded import EmbeddedStore
    from tests.api_world import small_trust

    with EmbeddedStore(tmp_path) as store:
        store.import_world(small_trust())
    refused = CliRunner().invoke(main, ["serve", "--demo", "--data", str(tmp_path)])
    assert refused.exit_code == 1
    assert "is not the demo" in refused.output and "Run without --demo" in refused.output
    assert "Traceback" not in refused.output
    assert not (tmp_path / "service.sqlite3").exists(), "no account was made"


def test_add_account_gives_a_role_only_to_someone_whose_membership_fits(tmp_path):
    from click.testing import CliRunner

    from api.cli import main
    from graph.store.embedded import EmbeddedStore
    from tests.api_world import small_trust

    with EmbeddedStore(tmp_path) as store:
        store.import_world(small_trust())

    def add(*options):
        return CliRunner().invoke(main, ["add-account", "someone", "--data", str(tmp_path),
                                         "--password", "a long enough password", *options])

    pupil = add("--role", "dsl", "--person", "P1", "--school", "S1")
    assert pupil.exit_code == 1
    assert "Given FamilyP1 is not a current member of staff at School S1" in pupil.output
    teacher = add("--role", "dsl", "--person", "T1", "--school", "S1")
    assert teacher.exit_code == 1 and "is not the designated safeguarding lead at" in teacher.output
    elsewhere = add("--role", "staff", "--person", "BT1", "--school", "S1")
    assert elsewhere.exit_code == 1
    parent = add("--role", "trust_admin", "--person", "M1")
    assert parent.exit_code == 1 and "not a current member of staff at any school" in parent.output
    made = add("--role", "dsl", "--person", "D1", "--school", "S1")
    assert made.exit_code == 0, made.output


def test_relreg_demo_seeds_a_trust_and_prints_its_findings_by_name(tmp_path):
    """`relreg demo` as a new user types it: it seeds, then shows the findings table with
    people by name (it used to seed and then crash printing the table)."""
    from click.testing import CliRunner

    from api.cli import main
    from graph.store.embedded import EmbeddedStore

    shown = CliRunner().invoke(main, ["demo", "--people", "400", "--data", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "seeded a demo trust of" in shown.output
    assert re.search(r"\d+ finding\(s\) as of \d{4}-\d\d-\d\d", shown.output)
    as_of = dt.date.fromisoformat(re.search(r"finding\(s\) as of (\S+)", shown.output)[1])
    with EmbeddedStore(tmp_path) as store:
        adults = {f.adult_id for f in store.findings(as_of) if f.adult_id}
        family_names = {store.person(adult).family_name for adult in adults}
    assert adults and any(name in shown.output for name in family_names)
    assert not any(adult in shown.output for adult in adults), "names, never ids"
