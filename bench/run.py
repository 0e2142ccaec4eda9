"""Benchmark of the stores: seeds trusts of 10k, 100k and 1M people and prints import time,
full detection time, peak memory and the time to re-evaluate after one new connection.

    python3 bench/run.py                   # all sizes, embedded store
    python3 bench/run.py --sizes 10000 100000 --neo4j bolt://127.0.0.1:7687

Each size runs in a process of its own, so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 22)
SEEDS = ROOT / "bench" / "out"


def seeded(people: int) -> Path:
    from seed.generator import generate_trust

    folder = SEEDS / f"trust-{people}"
    if not (folder / "people.csv").exists():
        generate_trust(folder, schools=4, people=people, seed=1, as_of=AS_OF)
    return folder


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_embedded(people: int) -> dict:
    from graph.intake.exchange import read_folder
    from graph.model import Connection, ConnectionSource, Direction
    from graph.store.embedded import EmbeddedStore

    folder = seeded(people)
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        world = read_folder(folder)
        with EmbeddedStore(data) as store:
            store.import_world(world)
            imported = time.perf_counter() - started
            del world
            started = time.perf_counter()
            findings = store.findings(AS_OF)
            detected = time.perf_counter() - started
            # A teacher and a pupil of their own school, joined anew, many times over.
            facts = store.facts
            staff = sorted(m.person_id for m in facts.world.memberships if m.role == "staff")
            pupils = sorted(m.person_id for m in facts.world.memberships if m.role == "pupil")
            timings = []
            for n in range(50):
                connection = Connection(f"BENCH{n}", staff[n * 7 % len(staff)], pupils[n * 13 % len(pupils)],
                                        "instagram", Direction.MUTUAL, None, ConnectionSource.DECLARED)
                started = time.perf_counter()
                store.add_connection(connection, AS_OF)
                timings.append(time.perf_counter() - started)
    return {
        "store": "embedded",
        "people": people,
        "import_s": round(imported, 2),
        "detect_s": round(detected, 2),
        "findings": len(findings),
        "peak_mb": round(peak_rss_mb()),
        "one_connection_ms": round(statistics.median(timings) * 1000, 2),
        "one_connection_p95_ms": round(sorted(timings)[int(len(timings) * 0.95)] * 1000, 2),
    }


def measure_neo4j(people: int, uri: str) -> dict:
    from bench.neo4j_bench import bench_neo4j

    figures = bench_neo4j(uri, seeded(people))
    return {"store": "neo4j", "people": people, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--neo4j", metavar="URI", help="also measure the Neo4j store at this URI")
    parser.add_argument("--one", nargs=2, metavar=("STORE", "PEOPLE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        store, people = args.one[0], int(args.one[1])
        figures = measure_embedded(people) if store == "embedded" else measure_neo4j(people, args.neo4j)
        print(json.dumps(figures))
        return
    SEEDS.mkdir(parents=True, exist_ok=True)
    stores = ["embedded"] + (["neo4j"] if args.neo4j else [])
    print(f"{'store':9} {'people':>9} {'import s':>9} {'detect s':>9} {'findings':>9} "
          f"{'peak MB':>8} {'1 conn ms':>10} {'p95 ms':>7}")
    for people in args.sizes:
        seeded(people)
        for store in stores:
            command = [sys.executable, __file__, "--one", store, str(people)]
            if args.neo4j:
                command += ["--neo4j", args.neo4j]
            result = subprocess.run(command, capture_output=True, text=True, env={**os.environ})
            if result.returncode != 0:
                print(f"{store:9} {people:>9} failed: {result.stderr.strip().splitlines()[-1:]}")
                continue
            f = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"{f['store']:9} {f['people']:>9} {f['import_s']:>9} {f['detect_s']:>9} "
                  f"{f.get('findings', ''):>9} {f.get('peak_mb', ''):>8} "
                  f"{f.get('one_connection_ms', ''):>10} {f.get('one_connection_p95_ms', ''):>7}",
                  flush=True)


if __name__ == "__main__":
    main()
