"""Findings move with time: `relreg reevaluate` and the daily run inside the service raise
and resolve cases as pupils leave and ex-pupils come of age, and say why."""

import datetime as dt
import shutil
import subprocess
import time

from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
from api.service import Register
from api.settings import Settings
from graph.intake.exchange import write_folder
from graph.store.embedded import EmbeddedStore
from tests.builder import school_with_leaders

RELREG = shutil.which("relreg")


def world():
    """X1 left in 2025 and turns 18 on 15 December 2026; P1 leaves on 18 December 2026."""
    return (school_with_leaders()
            .pupil("X1", start="2016-09-01", end="2025-07-20", born="2008-12-15")
            .pupil("P1", start="2020-09-01", end="2026-12-18", born="2012-05-05")
            .connect("T1", "X1").connect("T1", "P1").build())


def reevaluate(data, as_of):
    return subprocess.run([RELREG, "reevaluate", "--as-of", as_of, "--data", str(data)],
                          capture_output=True, text=True, check=True).stdout.splitlines()


def test_reevaluate_reports_what_changed_since_the_last_run_and_why(tmp_path):
    write_folder(world(), tmp_path / "trust")
    subprocess.run([RELREG, "import", str(tmp_path / "trust"), "--data", str(tmp_path / "data")], check=True,
                   capture_output=True)
    first = reevaluate(tmp_path / "data", "2026-12-01")
    assert first[0] == "re-evaluated as of 2026-12-01; first run: 2 change(s)"
    assert all(line.startswith("raised: ") and line.endswith("first evaluation") for line in first[1:])

    assert reevaluate(tmp_path / "data", "2026-12-02") == [
        "re-evaluated as of 2026-12-02; last run as of 2026-12-01: 0 change(s)"]

    later = reevaluate(tmp_path / "data", "2026-12-20")
    assert later[0] == "re-evaluated as of 2026-12-20; last run as of 2026-12-02: 3 change(s)"
    changes = sorted(later[1:])
    # People and schools by name (the builder's names are Given Family<id>), never by id.
    assert any(line.startswith("raised: ") and "Given FamilyT1 and Given FamilyP1: Given FamilyP1's "
               "pupil membership at School S1 ended on 2026-12-18" in line
               for line in changes), "P1 is now an ex-pupil under 18"
    assert any(line.startswith("resolved: ") and "Given FamilyT1 and Given FamilyP1: Given "
               "FamilyP1's pupil membership" in line for line in changes)
    assert any(line.startswith("resolved: ") and "Given FamilyT1 and Given FamilyX1: Given "
               "FamilyX1 turned 18 on 2026-12-15" in line for line in changes)


def test_the_daily_run_resolves_a_case_when_an_ex_pupil_turns_18(tmp_path):
    today = {"date": dt.date(2026, 12, 14)}
    store = EmbeddedStore(tmp_path / "data")
    store.import_world(world())
    register = Register(store, open_service_db(tmp_path / "data" / SERVICE_DATABASE_NAME), Settings(),
                        tmp_path / "data", today=lambda: today["date"])
    register.keep_current()
    [x_case] = [c for c in register.cases.find() if c.finding["counterpart_id"] == "X1"]
    assert x_case.state == "open"
    stop = register.run_daily(check_every_seconds=0.05)
    try:
        today["date"] = dt.date(2026, 12, 15)
        # Read under the register's lock, as the service does: between the daily run's
        # state change and its history entry the case is not to be read.
        for _ in range(100):
            with register.lock:
                if register.cases.get(x_case.finding_id).state == "resolved":
                    break
            time.sleep(0.05)
        with register.lock:
            case = register.cases.get(x_case.finding_id, with_history=True)
        assert case.state == "resolved"
        assert "re-evaluated as of 2026-12-15" in case.history[-1].reason
    finally:
        stop.set()
        register.close()
        store.close()
