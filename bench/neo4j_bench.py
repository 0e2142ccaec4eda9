"""Benchmark of the Neo4j store on a seeded trust: import, cold and warm full detection,
one change (a new connection and its findings back) at p50 and p95, and the server's peak
memory. The findings are checked identical to the embedded store's for the same world
before any time is printed, and again after the changes.

    python3 -m bench.neo4j_bench 100000                          # starts its own server
    python3 -m bench.neo4j_bench 100000 bolt://127.0.0.1:7687    # empties that database
    python3 -m bench.neo4j_bench 100000 bolt://127.0.0.1:7687 --reuse
        # measures a database that holds that world already (imported by an earlier run):
        # detection and changes only, no import (import_s is None)

A server it starts itself gets RELREG_NEO4J_HEAP (default here 4g) and
RELREG_NEO4J_PAGECACHE (default here 2g), and is stopped at the end. It runs with the stock
Neo4j flag -XX:+AlwaysPreTouch (RELREG_NEO4J_PRETOUCH, default here 1), as a deployed server
does: its heap is touched when it starts, not in the middle of the first import (on a
virtual machine, memory touched for the first time can cost seconds per gigabyte).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import AS_OF, seeded  # noqa: E402

NEO4J_LOCAL = ROOT / "tools" / "neo4j-local"
CHANGES = 50
# Changes before those timed: the first ones after a server starts pay for planning the
# queries and for the JVM compiling their paths (at 1M, three of them left a p95 of 56 ms
# on a fresh server where a warm one gives about 20 ms); a service runs warm.
WARM_UP = 20


def measure_neo4j(people: int, uri: str | None = None, reuse: bool = False) -> dict:
    """The figures for a seeded trust of `people` (bench/out/trust-N, seeded if missing),
    on the server at `uri` (whose database is emptied, unless `reuse` says it holds that
    world already: then nothing is imported, and the changes are taken away at the end),
    or on a server started for it.

    import_s: import_world of the whole world into the emptied database, from the World
      in memory (reading the folder is not counted);
    cold_detect_s: the first full detection after the import, on a fresh connection;
    detect_s: a full detection by a second store (nothing known, server caches warm);
    one_change_ms, one_change_p95_ms: add_connection of a staff member and a pupil (the write,
      the re-evaluation of the people it reaches, and their findings back), CHANGES times,
      after a full detection, as a service would, and after WARM_UP changes that are not
      timed (see WARM_UP);
    peak_mb: the server JVM's peak resident memory (VmHWM), when this started it;
      None for a server at `uri`.
    """
    if uri is None:
        with _local_server() as (started_uri, pid):
            figures = bench_neo4j(started_uri, seeded(people))
            return {**figures, "peak_mb": _peak_mb(pid)}
    return bench_neo4j(uri, seeded(people), reuse)


def bench_neo4j(uri: str, folder: str | Path, reuse: bool = False) -> dict:
    """measure_neo4j's figures for the exchange folder `folder` on the server at `uri`."""
    from graph.facts import FactGraph
    from graph.intake.exchange import read_folder
    from graph.model import Connection, ConnectionSource, Direction, World
    from graph.rules import Evaluation, findings_json
    from graph.store.neo4j import Neo4jStore

    world = read_folder(folder)
    expected = Evaluation(FactGraph(world), AS_OF).run().sorted()

    def same(found, wanted, when):
        if findings_json(found, AS_OF) != findings_json(wanted, AS_OF):
            raise AssertionError(f"Neo4j's findings differ from the embedded store's {when}")

    staff = sorted({m.person_id for m in world.memberships if m.role == "staff"})
    pupils = sorted({m.person_id for m in world.memberships if m.role == "pupil"})
    import_s = None
    if not reuse:
        with Neo4jStore(uri) as store:
            store.replace_world(World())
            started = time.perf_counter()
            store.import_world(world)
            import_s = time.perf_counter() - started
    with Neo4jStore(uri) as store:
        started = time.perf_counter()
        found = store.findings(AS_OF)
        cold_detect_s = time.perf_counter() - started
    same(found, expected, "after the import")
    with Neo4jStore(uri) as store:
        started = time.perf_counter()
        found = store.findings(AS_OF)
        detect_s = time.perf_counter() - started
        timings = []
        for n in range(WARM_UP + CHANGES):
            connection = Connection(f"BENCH{n}", staff[n * 7 % len(staff)],
                                    pupils[n * 13 % len(pupils)], "instagram", Direction.MUTUAL,
                                    None, ConnectionSource.DECLARED)
            world.connections[connection.connection_id] = connection
            started = time.perf_counter()
            store.add_connection(connection, AS_OF)
            if n >= WARM_UP:
                timings.append(time.perf_counter() - started)
        after = store.findings(AS_OF)
    with Neo4jStore(uri) as fresh:
        same(after, fresh.findings(AS_OF), "kept up to date change by change")
        if reuse:  # leave the database as it was found
            for n in range(WARM_UP + CHANGES):
                fresh.remove_connection(f"BENCH{n}")
    same(after, Evaluation(FactGraph(world), AS_OF).run().sorted(), "after the changes")
    timings.sort()
    return {
        "people": len(world.people),
        "import_s": None if import_s is None else round(import_s, 2),
        "cold_detect_s": round(cold_detect_s, 2),
        "detect_s": round(detect_s, 2),
        "one_change_ms": round(statistics.median(timings) * 1000, 1),
        "one_change_p95_ms": round(timings[int(len(timings) * 0.95)] * 1000, 1),
        "findings": len(found),
        "peak_mb": None,
    }


@contextlib.contextmanager
def _local_server():
    """A Neo4j started by tools/neo4j-local in a temporary folder: (bolt URI, pid)."""
    from bench.load import free_port

    env = {**os.environ, "RELREG_NEO4J_HEAP": os.environ.get("RELREG_NEO4J_HEAP", "4g"),
           "RELREG_NEO4J_PAGECACHE": os.environ.get("RELREG_NEO4J_PAGECACHE", "2g"),
           "RELREG_NEO4J_PRETOUCH": os.environ.get("RELREG_NEO4J_PRETOUCH", "1")}
    with tempfile.TemporaryDirectory(prefix="relreg-neo4j-bench-") as data:
        port = free_port()
        started = subprocess.run([str(NEO4J_LOCAL / "start"), str(port), data], env=env,
                                 capture_output=True, text=True, check=True)
        try:
            yield f"bolt://127.0.0.1:{port}", int(started.stdout.split()[-1])
        finally:
            subprocess.run([str(NEO4J_LOCAL / "stop"), data], capture_output=True)


def _peak_mb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return None


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--reuse"]
    if len(arguments) not in (1, 2) or ("--reuse" in sys.argv and len(arguments) != 2):
        sys.exit(__doc__)
    print(json.dumps(measure_neo4j(int(arguments[0]), arguments[1] if len(arguments) == 2 else None,
                                   reuse="--reuse" in sys.argv)))
