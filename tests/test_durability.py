"""The embedded store loses nothing acknowledged: proven by killing a real process."""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from graph.intake.exchange import write_folder
from graph.store.embedded import EmbeddedStore
from tests.scenarios import school

ROOT = Path(__file__).resolve().parent.parent


def start(script: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, stdout=subprocess.PIPE,
        text=True, bufsize=1,
    )


def test_acknowledged_connections_survive_kill_9(tmp_path):
    data = tmp_path / "data"
    with EmbeddedStore(data) as store:
        store.import_world(school().build())
    writer = start(f"""
        import datetime as dt
        from graph.model import Connection, ConnectionSource, Direction
        from graph.store.embedded import EmbeddedStore
        store = EmbeddedStore({str(data)!r})
        for n in range(100_000):
            connection = Connection(f"K{{n}}", "T1", "P1", "facebook", Direction.MUTUAL,
                                    None, ConnectionSource.DECLARED)
            store.add_connection(connection, dt.date(2026, 11, 22))
            print(f"ack K{{n}}", flush=True)
    """)
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(line.split()[1])
        if len(acknowledged) == 40:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    with EmbeddedStore(data) as store:
        stored = set(store.export_world().connections)
        assert set(acknowledged) <= stored
        finding = next(f for f in store.findings(dt.date(2026, 11, 22))
                       if f.rule == "pupil-contact")
        assert set(acknowledged) <= set(finding.connection_ids)


def test_crash_in_the_middle_of_an_import_leaves_the_previous_state_whole(tmp_path):
    data = tmp_path / "data"
    before = school().connect("T1", "P1").build()
    with EmbeddedStore(data) as store:
        store.import_world(before)
    write_folder(before, tmp_path / "before")
    importer = start(f"""
        import sys, time
        from graph.model import Person, World
        from graph.store.embedded import EmbeddedStore
        world = World(people={{f"Q{{n}}": Person(f"Q{{n}}", "Given", "Family", None) for n in range(200_000)}})
        store = EmbeddedStore({str(data)!r})
        def progress(n):
            print("writing", flush=True)
            time.sleep(0.05)
        store.import_world(world, progress=progress)
        print("committed", flush=True)
    """)
    seen = []
    for line in importer.stdout:
        seen.append(line.strip())
        if seen.count("writing") == 3:
            break
    os.kill(importer.pid, signal.SIGKILL)
    importer.wait()
    assert "committed" not in seen
    with EmbeddedStore(data) as store:
        write_folder(store.export_world(), tmp_path / "after")
    for file in (tmp_path / "before").iterdir():
        assert file.read_bytes() == (tmp_path / "after" / file.name).read_bytes(), file.name
