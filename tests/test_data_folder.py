"""The data folder holds children's personal data: only the account that runs the register
may open it, whatever the umask of whoever started it."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from graph.intake.exchange import write_folder
from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
from graph.store.embedded import EmbeddedStore
from tests.scenarios import school

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_under(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): mode(p) for p in [folder, *folder.rglob("*")]}


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_store_and_service_database_are_their_owners_only(tmp_path, open_umask):
    data = tmp_path / "school" / "data"
    with EmbeddedStore(data) as store:
        store.import_world(school().build())
    open_service_db(data / SERVICE_DATABASE_NAME).close()
    assert mode(data) == 0o700 and mode(data.parent) == 0o700
    files = [p for p in data.iterdir()]
    assert {p.name for p in files} >= {"register.sqlite3", SERVICE_DATABASE_NAME}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_the_command_line_writes_nothing_others_can_read(tmp_path):
    data = tmp_path / "data"
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    result = subprocess.run(
        ["sh", "-c", f"umask 022 && {sys.executable} -m api.cli import {tmp_path / 'trust'} "
                     f"--data {data} && {sys.executable} -m api.cli reevaluate --data {data}"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    modes = modes_under(data)
    assert modes.pop(".") == 0o700
    assert modes and all(m == 0o600 for name, m in modes.items()
                         if (data / name).is_file()), modes


def test_serve_warns_when_others_can_open_the_folder(tmp_path):
    data = tmp_path / "data"
    with EmbeddedStore(data) as store:
        store.import_world(school().build())
    os.chmod(data, 0o755)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--data", str(data), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stdout:
            if "review service on" in line:
                break
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert f"other users of this machine can open {data}" in stderr
    assert f"chmod 700 {data}" in stderr
