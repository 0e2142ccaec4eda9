"""The retention schedule, tested by moving time, never by waiting: who is due and why, a
dry run that changes nothing, --apply erasing as `relreg erase` does, held people kept and
listed, and a trust's own periods over the shipped ones."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

import api.identity.accounts
from api.privacy import place_hold, retention
from graph.retention import RetentionError, due_for_erasure, shipped
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.builder import school_with_leaders

ROOT = Path(__file__).resolve().parent.parent


def trust():
    """T9 taught at S1 until summer 2019; ex-pupil X1 (born 2001) left in 2017, with her
    mother XM; T1 and pupil P1 are still on the roll."""
    builder = school_with_leaders("ninestiles", "S1", trust="TR1")
    builder.staff("T9", "S1", start="2010-09-01", end="2019-08-31")
    builder.pupil("X1", "S1", born="2001-05-05", start="2012-09-01", end="2017-07-21")
    builder.family("XM", "parent", "X1")
    builder.pupil("P1").connect("T1", "P1")
    return builder.build()


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, world=trust())
    yield service
    service.close()


def test_each_shipped_period_says_where_it_comes_from():
    periods = shipped()
    assert periods["adult"].years == 6 and "termination of employment + 6 years" in periods["adult"].source
    assert "IRMS" in periods["pupil"].source and periods["pupil"].years == 25
    assert "Keeping Children Safe in Education" in periods["safeguarding"].source


@pytest.mark.parametrize("today, due", [
    ("2025-08-30", []),  # T9's six years run to 2025-08-31
    ("2025-09-01", ["T9"]),
    ("2026-05-06", ["T9", "X1", "XM"]),  # X1 turned 25 on 2026-05-05; her mother goes with her
])
def test_who_is_due_moves_with_time(served, today, due):
    with time_machine.travel(dt.datetime.fromisoformat(today + "T12:00:00+00:00"), tick=False):
        run = retention(served.register, "os:dpo", dt.date.fromisoformat(today))
    assert [d.person_id for d in run.due] == due
    assert run.erased == []


def test_the_dry_run_changes_nothing_and_apply_erases_through_the_erasure_path(served):
    register = served.register
    with time_machine.travel("2026-06-01T12:00:00+00:00", tick=False):
        before = repr(register.store.export_world())
        dry = retention(register, "os:dpo", dt.date(2026, 6, 1))
        assert repr(register.store.export_world()) == before
        place_hold(register, "account:dsl", "T9", "allegation under investigation")
        run = retention(register, "os:dpo", dt.date(2026, 6, 1), apply=True)
    assert [d.person_id for d in dry.due] == ["T9", "X1", "XM"]
    assert run.erased == ["X1", "XM"]
    assert [(d.person_id, h.reason) for d, h in run.held] == [("T9", "allegation under investigation")]
    people = register.store.export_world().people
    assert "T9" in people and "X1" not in people and "XM" not in people and "P1" in people
    bases = [e.details["basis"] for e in register.audit.entries(action="person.erase")]
    assert bases == ["retention: pupil", "retention: relative"]
    assert register.audit.verify().ok


def test_a_trust_sets_its_own_period(tmp_path):
    (tmp_path / "retention.toml").write_text("[trusts.TR1]\nadult = 10\n")
    world = trust()
    on = dt.date(2026, 1, 1)
    assert "T9" in [d.person_id for d in due_for_erasure(world, on, None)]
    assert "T9" not in [d.person_id for d in due_for_erasure(world, on, tmp_path)]
    (tmp_path / "retention.toml").write_text("[trusts.TR1]\nadult = 'ten'\n")
    with pytest.raises(RetentionError, match="not a number of years"):
        due_for_erasure(world, on, tmp_path)


def test_relreg_retention(tmp_path):
    from graph.intake.exchange import write_folder

    write_folder(trust(), tmp_path / "trust")
    data = tmp_path / "data"
    run = lambda *a: subprocess.run([sys.executable, "-m", "api.cli", *map(str, a)], cwd=ROOT,
                                    capture_output=True, text=True)
    assert run("import", tmp_path / "trust", "--data", data).returncode == 0
    held = run("hold", "place", "T9", "--reason", "allegation under investigation",
               "--data", data)
    assert held.returncode == 0, held.stderr
    kept = run("retention", "--as-of", "2026-06-01", "--data", data)
    assert "kept: T9" in kept.stdout and "held for safeguarding since" in kept.stdout
    assert "allegation" not in kept.stdout, "held, never why: that is the DSL's to see"
    lifted = run("hold", "lift", "T9", "--reason", "closed", "--data", data)
    assert lifted.returncode == 0, lifted.stderr
    dry = run("retention", "--as-of", "2026-06-01", "--data", data)
    assert dry.returncode == 0, dry.stderr
    assert "due: T9 (adult, due 2025-08-31)" in dry.stdout and "add --apply" in dry.stdout
    applied = run("retention", "--apply", "--as-of", "2026-06-01", "--data", data)
    assert applied.returncode == 0, applied.stderr
    assert "erased: T9" in applied.stdout
    assert "0 due" in run("retention", "--as-of", "2026-06-01", "--data", data).stdout
