"""First steps as a newcomer takes them: a new data folder says how to make the first trust
admin (in `serve`'s output and on the sign-in page), a busy port is a plain one-line error
before anything happens, and the demo's sign-ins stay the same from one start to the next."""

from __future__ import annotations

import socket
import subprocess
import sys

from fastapi.testclient import TestClient

from api.main import create_app
from graph.store.embedded import EmbeddedStore
from tests.test_api_serve import ROOT, free_port, stop
from tests.test_pages import text


def test_a_busy_port_is_one_plain_line_and_nothing_is_written_or_announced(tmp_path):
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [sys.executable, "-m", "api.cli", "serve", "--demo", "--data", str(data),
             "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"Error: port {port} is already in use: choose another with --port"]
    assert refused.stdout == "", "nothing announced as serving"
    assert not data.exists(), "nothing written to the data folder"


def test_a_new_data_folder_says_how_to_make_the_first_trust_admin(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--data", str(data), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = [server.stdout.readline() for _ in range(2)]
    finally:
        stop(server)
    assert printed[0].startswith(f"relreg review service on http://127.0.0.1:{port}")
    assert printed[1].strip() == (
        f"no account yet: make the first trust admin with `relreg add-account USERNAME "
        f"--role trust_admin --data {data}` (it asks for a password), then sign in at "
        f"http://127.0.0.1:{port}")


def test_the_sign_in_page_of_a_new_register_shows_the_command_until_an_account_exists(
        tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        app = create_app(store, tmp_path / "data" / "service.sqlite3")
        register = app.state.register
        try:
            with TestClient(app) as client:
                first = text(client.get("/", follow_redirects=True).text)
                assert "No account yet" in first
                assert "relreg add-account USERNAME --role trust_admin" in first
                from api.identity import AccountRole

                with register.writing():
                    register.accounts.create("first-admin", "a long enough password",
                                             AccountRole.TRUST_ADMIN, None, None)
                later = text(client.get("/sign-in").text)
                assert "Sign in" in later and "No account yet" not in later
                assert "add-account" not in later
        finally:
            register.close()


def start_demo(data, check) -> list:
    """`relreg serve --demo` of the folder `data`, as far as its sign-ins: `check(register,
    client, sign_ins)` runs against the app; the demo's sign-ins."""
    from api.demo import demo_sign_ins, seed_demo_trust

    with EmbeddedStore(data) as store:
        seed_demo_trust(store, data, people=400)
        app = create_app(store, data / "service.sqlite3")
        try:
            sign_ins = demo_sign_ins(app.state.register)
            with TestClient(app) as client:
                check(app.state.register, client, sign_ins)
        finally:
            app.state.register.close()
    return sign_ins


def test_the_demo_passwords_stay_the_same_from_one_start_to_the_next(tmp_path):
    """Printed at each start and the same each time, kept sealed in the demo folder (never
    as plain text), and they sign in after a restart."""
    from api.demo import DEMO_PASSWORDS

    data = tmp_path / "data"

    def each_signs_in(register, client, sign_ins):
        for _, username, password in sign_ins:
            assert client.post("/api/auth/token", data={
                "username": username, "password": password}).status_code == 200

    def start():
        return start_demo(data, each_signs_in)

    first, second = start(), start()
    assert len(first) == 6 and first == second
    kept = (data / DEMO_PASSWORDS).read_text()
    assert all(password not in kept for _, _, password in first)
    assert kept.count("sealed:") == 6


def test_a_demo_restart_keeps_its_sign_ins_signed_in(tmp_path):
    """Each start sets the demo accounts as the demo wants them; one that already is keeps
    its sessions, so a browser signed in before the restart is still signed in after it.
    A demo password changed in between is set back, and that ends its sessions."""
    data = tmp_path / "data"
    tokens = {}

    def sign_in_everyone(register, client, sign_ins):
        teacher = register.accounts.by_username("demo-staff")
        register.accounts.update(teacher.account_id, password="changed-by-its-holder-1")
        passwords = {username: password for _, username, password in sign_ins}
        passwords["demo-staff"] = "changed-by-its-holder-1"
        for username, password in passwords.items():
            answer = client.post("/api/auth/token", data={"username": username,
                                                           "password": password})
            tokens[username] = answer.json()["access_token"]

    def still_signed_in(register, client, sign_ins):
        answers = {username: client.get("/api/auth/me", headers={
            "Authorization": f"Bearer {token}"}).status_code for username, token in tokens.items()}
        assert answers.pop("demo-staff") == 401, "its password was set back: its sessions end"
        assert len(answers) == 5 and set(answers.values()) == {200}

    start_demo(data, sign_in_everyone)
    start_demo(data, still_signed_in)
