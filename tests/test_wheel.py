"""What a user installs is what was tested: the wheel `pip install .` builds carries every
file the packages need, and the `relreg` installed from it, in a fresh virtual environment
and run away from the checkout, imports a trust, finds the same findings on the embedded
store and on Neo4j, and serves a signed-in page.

Both tests are marked `installed`: they build and install (about a minute), so CI runs them
once, not again at each of its clock instants.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import sys
import time
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.test_api_serve import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_FOLDERS = ("graph", "api", "cypher", "seed")
AS_OF = "2026-11-22"

pytestmark = pytest.mark.installed


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _tracked() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        _missing("needs a git checkout to know which files are tracked")
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.splitlines()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from the tracked files alone, as on a clean clone: a build in the
    checkout would reuse build/lib, where files a broken rule no longer copies linger."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in _tracked():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(out), str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    [found] = out.glob("relationship_register-*.whl")
    return found


def test_the_wheel_carries_every_file_git_tracks_in_the_packages(wheel):
    tracked = [name for name in _tracked() if name.split("/")[0] in PACKAGE_FOLDERS]
    assert any(name.startswith("cypher/import/empty/") for name in tracked)
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert sorted(set(tracked) - in_wheel) == []


@pytest.fixture(scope="module")
def relreg(wheel, tmp_path_factory) -> Path:
    """The `relreg` of a fresh virtual environment with the wheel installed (not editable)."""
    environment = tmp_path_factory.mktemp("venv")
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=1200)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.run([str(python), "-c", "import cypher, api; print(cypher.__file__)"],
                           cwd=tmp_path_factory.mktemp("elsewhere"), capture_output=True,
                           text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(environment), "imported from the installed wheel"
    return environment / "bin" / "relreg"


def run(relreg: Path, *arguments: str, cwd: Path) -> str:
    done = subprocess.run([str(relreg), *arguments], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, f"relreg {' '.join(arguments)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def findings(json_text: str) -> list[dict]:
    return json.loads(json_text)["findings"]


def test_the_installed_register_imports_detects_on_both_stores_and_serves(
        relreg, neo4j_uri, neo4j_store, tmp_path):  # neo4j_store: the database emptied first
    trust, data = tmp_path / "trust", tmp_path / "data"
    run(relreg, "seed", "--out", str(trust), "--schools", "2", "--people", "400", cwd=tmp_path)
    run(relreg, "import", str(trust), "--data", str(data), cwd=tmp_path)
    embedded = findings(run(relreg, "detect", "--as-of", AS_OF, "--format", "json",
                            "--data", str(data), cwd=tmp_path))
    assert embedded, "a seeded trust has findings"

    on_neo4j = ["--store", neo4j_uri, "--data", str(tmp_path / "neo4j-service")]
    run(relreg, "import", str(trust), *on_neo4j, cwd=tmp_path)
    neo4j = findings(run(relreg, "detect", "--as-of", AS_OF, "--format", "json", *on_neo4j,
                         cwd=tmp_path))
    assert neo4j == embedded

    _signed_in_page(relreg, tmp_path)


def _signed_in_page(relreg: Path, tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([str(relreg), "serve", "--demo", "--data", str(tmp_path / "demo"),
                               "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONPATH": ""})
    # A serve that prints fewer sign-ins than expected would leave the loop below waiting
    # for a line forever: past the deadline the server is killed, the loop sees the end of
    # its output and the assertion shows what was printed.
    deadline = threading.Timer(180, server.kill)
    deadline.start()
    try:
        printed = []
        for line in server.stdout:
            printed.append(line)
            if line.split()[:1] == ["auditor"] or len(printed) > 40:
                break
        deadline.cancel()
        sign_ins = dict(re.findall(r"^  (\w+)\s+(demo-[\w-]+)\s+\S+$", "".join(printed),
                                   re.MULTILINE))
        password = re.search(r"^  senior_leader\s+demo-[\w-]+\s+(\S+)$", "".join(printed),
                             re.MULTILINE)
        assert password, "".join(printed)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(200):
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            form = client.get("/sign-in")
            token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text).group(1)
            answer = client.post("/sign-in", data={
                "username": sign_ins["senior_leader"], "password": password.group(1),
                "sign_in_token": token}, follow_redirects=True)
            assert answer.status_code == 200
            assert "Sign out" in answer.text or "sign-out" in answer.text
            assert "/sign-in" not in str(answer.url)
    finally:
        deadline.cancel()
        stop(server)
