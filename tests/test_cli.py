"""The command line as a senior leader or a trust admin uses it."""

import csv
import json
import os
import pty
import re
import shutil
import subprocess

import pytest

RELREG = shutil.which("relreg")
pytestmark = pytest.mark.skipif(RELREG is None, reason="the relreg console script is not installed")


def relreg(*args, check=True):
    return subprocess.run([RELREG, *map(str, args)], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def trust(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeded") / "trust"
    relreg("seed", "--out", folder, "--people", 2500, "--seed", 7)
    return folder


def test_store_and_folder_give_the_same_findings(trust, tmp_path):
    imported = relreg("import", trust, "--data", tmp_path / "data")
    assert imported.stdout.startswith("imported ")
    assert imported.stderr == "", "progress stays quiet when output is piped"
    alone = json.loads(relreg("detect", trust, "--as-of", "2026-11-22", "--format", "json").stdout)
    stored = json.loads(relreg("detect", "--data", tmp_path / "data", "--as-of", "2026-11-22",
                               "--format", "json").stdout)
    assert stored == alone
    assert alone["as_of"] == "2026-11-22"
    assert {f["rule"] for f in alone["findings"]} >= {"pupil-contact", "parent-contact", "declaration-required"}


def test_export_then_import_gives_the_same_state(trust, tmp_path):
    relreg("import", trust, "--data", tmp_path / "a")
    relreg("export", tmp_path / "out", "--data", tmp_path / "a")
    relreg("import", tmp_path / "out", "--data", tmp_path / "b")
    relreg("export", tmp_path / "out2", "--data", tmp_path / "b")
    for file in sorted((tmp_path / "out").iterdir()):
        assert file.read_bytes() == (tmp_path / "out2" / file.name).read_bytes(), file.name
    assert (tmp_path / "out" / "people.csv").read_text().count("\n") > 2000


def test_export_refuses_a_folder_that_holds_files(trust, tmp_path):
    result = relreg("export", trust, "--data", tmp_path / "data", check=False)
    assert result.returncode != 0
    assert "not empty" in result.stderr


def test_findings_are_stable_across_evaluation_dates(trust):
    early = json.loads(relreg("detect", trust, "--as-of", "2026-11-01", "--format", "json").stdout)
    late = json.loads(relreg("detect", trust, "--as-of", "2026-11-22", "--format", "json").stdout)
    ids_early = {(f["rule"], f["adult_id"], f["counterpart_id"]): f["id"] for f in early["findings"]}
    ids_late = {(f["rule"], f["adult_id"], f["counterpart_id"]): f["id"] for f in late["findings"]}
    shared = ids_early.keys() & ids_late.keys()
    assert shared
    assert all(ids_early[key] == ids_late[key] for key in shared)


def test_table_is_a_summary_a_leader_can_scan(trust):
    table = relreg("detect", trust, "--as-of", "2026-11-22").stdout
    assert "finding(s) as of 2026-11-22" in table
    assert "pupil-contact" in table and "route to" in table
    # People by name and role, schools by name: the ids stay in the JSON.
    assert not re.search(r"\b[PS]\d{3,}\b", table), "no internal identifiers"
    assert "(pupil)" in table and "(headteacher)" in table
    people = {row["person_id"]: f"{row['given_name']} {row['family_name']}"
              for row in csv.DictReader(open(trust / "people.csv", encoding="utf-8"))}
    findings = json.loads(relreg("detect", trust, "--as-of", "2026-11-22", "--format",
                                 "json").stdout)["findings"]
    pupils = [f["counterpart_id"] for f in findings if f["rule"] == "pupil-contact"]
    assert pupils and all(p in people for p in pupils), "the JSON keeps ids"
    short = next(p for p in pupils if len(people[p]) < 18)  # one that fits its column
    assert f"{people[short]} (pupil)" in table


def test_bad_date_is_a_clear_error(trust):
    result = relreg("detect", trust, "--as-of", "22/11/2026", check=False)
    assert result.returncode == 2
    assert "'22/11/2026' is not a date (YYYY-MM-DD)" in result.stderr


def test_profiles_list_each_value_with_its_clause():
    listing = relreg("profiles").stdout
    for name in ("ninestiles", "millfields", "aspire", "great-chart", "mowbray"):
        assert name in listing
    assert "ex_pupil_age_limit" in listing and "mowbray 6.5.3" in listing


def test_profiles_mark_the_registers_defaults_apart_from_clauses():
    """A value no policy states (a review window in school days, the approach-count window)
    is shown as the register's default with its reason, not dressed as a clause."""
    listing = " ".join(relreg("profiles").stdout.split())
    assert "review_days 5 register's default: the policy asks for prompt handling" in listing
    assert "approach_window_days 30 register's default:" in listing
    assert "declaration_approvers headteacher, chair_of_governors aspire c" in listing


def test_profiles_say_none_where_a_list_is_empty():
    """great-chart's list of relationships that excuse contact with a pupil is empty: the
    listing says so in a word instead of leaving the cell blank."""
    listing = relreg("profiles").stdout
    great_chart = listing[listing.index("great-chart"):listing.index("mowbray")]
    row = next(line for line in great_chart.splitlines() if "pupil_contact_exemptions" in line)
    assert row.split()[1] == "none", row


def on_a_terminal(*args) -> tuple[str, bytes]:
    """(stdout, what stderr showed) of a relreg command whose stderr is a terminal."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([RELREG, *map(str, args)], stdout=subprocess.PIPE,
                               stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    out = process.stdout.read()
    assert process.wait() == 0, shown
    os.close(controller)
    return out, shown


def test_long_work_shows_progress_on_a_terminal(trust, tmp_path):
    """Trap: the same command that is silent when piped must show its progress to a person
    at a terminal."""
    _, shown = on_a_terminal("import", trust, "--data", tmp_path / "data")
    assert b"reading" in shown or b"storing people" in shown


def test_a_common_transfer_file_through_the_command_line(tmp_path):
    """A trust admin imports a school's CTF; a hostile one is refused and stores nothing."""
    from graph.intake.exchange import write_folder
    from tests.builder import school_with_leaders
    from tests.ctf_factory import billion_laughs, synthetic_roll, write_ctf

    write_folder(school_with_leaders().build(), tmp_path / "school")
    relreg("import", tmp_path / "school", "--data", tmp_path / "data")
    roll = write_ctf(tmp_path / "roll.xml", synthetic_roll(20))
    imported = relreg("import", roll, "--school", "S1", "--data", tmp_path / "data")
    assert "20" in imported.stdout
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(billion_laughs())
    refused = relreg("import", hostile, "--school", "S1", "--data", tmp_path / "data", check=False)
    assert refused.returncode == 1
    assert "nothing was stored" in refused.stderr
    relreg("export", tmp_path / "out", "--data", tmp_path / "data")
    pupils = (tmp_path / "out" / "memberships.csv").read_text().count(",pupil,")
    assert pupils == 20


def test_holds_name_the_person_beside_the_id_a_command_takes(trust, tmp_path):
    data = tmp_path / "data"
    relreg("import", trust, "--data", data)
    first = next(csv.DictReader(open(trust / "people.csv", encoding="utf-8")))
    name = f"{first['given_name']} {first['family_name']}"
    placed = relreg("hold", "place", first["person_id"], "--reason", "open concern",
                    "--data", data).stdout
    assert f"{first['person_id']} ({name}) is held" in placed
    assert f"({name})" in relreg("hold", "list", "--data", data).stdout
