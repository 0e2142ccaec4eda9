"""`relreg import` as a trust admin at a terminal sees it (issue 28 item 1): a progress bar
of the import's steps on stderr, and output that says what was done and how to undo it,
never an internal import id."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from graph.intake.exchange import write_folder
from tests.builder import school_with_leaders
from tests.ctf_factory import FakePupil, ctf_xml, make_upn
from tests.test_cli import on_a_terminal

RELREG = shutil.which("relreg")
pytestmark = pytest.mark.skipif(RELREG is None, reason="the relreg console script is not installed")
INTERNAL_ID = re.compile(r"\b[0-9a-f]{12}\b")


def relreg(*args):
    return subprocess.run([RELREG, *map(str, args)], capture_output=True, text=True, check=True)


@pytest.fixture
def school(tmp_path):
    write_folder(school_with_leaders().build(), tmp_path / "school")
    relreg("import", tmp_path / "school", "--data", tmp_path / "data")
    autumn = tmp_path / "autumn.xml"
    autumn.write_text(ctf_xml([FakePupil(make_upn(5), "Newly", "Arrived")]))
    return tmp_path


def test_an_import_shows_its_steps_as_a_progress_bar_on_a_terminal(school):
    out, shown = on_a_terminal("import", school / "autumn.xml", "--school", "S1",
                               "--data", school / "data")
    # The bar is redrawn ten times a second, so a quick import may skip the middle steps.
    assert b"import: reading the file" in shown, "the step it is at"
    assert re.search(rb"\d/4", shown), "how many of the four steps are done"
    assert "\u2501".encode() in shown, "a bar is drawn"
    assert out.startswith(f"imported {school / 'autumn.xml'}"), "the result on stdout"


def test_an_import_prints_how_to_undo_it_and_no_internal_id(school):
    piped = subprocess.run([RELREG, "import", school / "autumn.xml", "--school", "S1",
                            "--data", school / "data"], capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == "", "no bar when stderr is piped"
    assert "1 memberships added" in piped.stdout
    assert "`relreg undo-import --school S1` takes it back while it is the last import of " \
           "its school" in piped.stdout
    assert not INTERNAL_ID.search(piped.stdout), piped.stdout
    undone = relreg("undo-import", "--school", "S1", "--data", school / "data").stdout
    assert undone.startswith("undid the import of autumn.xml (ctf): ")
    assert not INTERNAL_ID.search(undone)
