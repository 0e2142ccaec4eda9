"""Benchmark of the Neo4j store on one exchange folder: import time, full detection time
and the time to add one connection and get its findings back.

    python3 -m bench.neo4j_bench bolt://127.0.0.1:7687 bench/out/trust-100000

The database at the URI is emptied first: point it at a server kept for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 22)
CONNECTIONS_ADDED = 20


def bench_neo4j(uri: str, folder: str | Path, as_of: dt.date = AS_OF) -> dict:
    """Replace what the database at `uri` holds with `folder`, then time full detection
    and adding single connections. Returns the figures as a dict."""
    from graph.intake.exchange import read_folder
    from graph.model import Connection, ConnectionSource, Direction
    from graph.store.neo4j import Neo4jStore

    started = time.perf_counter()
    world = read_folder(folder)
    read = time.perf_counter() - started
    staff = sorted({m.person_id for m in world.memberships if m.role == "staff"})
    pupils = sorted({m.person_id for m in world.memberships if m.role == "pupil"})
    people = len(world.people)
    with Neo4jStore(uri) as store:
        started = time.perf_counter()
        store.replace_world(world)
        imported = time.perf_counter() - started
        del world
        started = time.perf_counter()
        findings = store.findings(as_of)
        detected = time.perf_counter() - started
        timings = []
        for n in range(CONNECTIONS_ADDED):
            connection = Connection(f"BENCH{n}", staff[n * 7 % len(staff)],
                                    pupils[n * 13 % len(pupils)], "instagram", Direction.MUTUAL,
                                    None, ConnectionSource.DECLARED)
            started = time.perf_counter()
            store.add_connection(connection, as_of)
            timings.append(time.perf_counter() - started)
    return {
        "people": people,
        "read_s": round(read, 2),
        "import_s": round(imported, 2),
        "detect_s": round(detected, 2),
        "findings": len(findings),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "one_connection_ms": round(statistics.median(timings) * 1000, 2),
        "one_connection_p95_ms": round(sorted(timings)[int(len(timings) * 0.95)] * 1000, 2),
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(bench_neo4j(sys.argv[1], sys.argv[2])))
