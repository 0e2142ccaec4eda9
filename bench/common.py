"""What the benchmarks share: the as-of date, the seeded trusts and how a time is taken.

bench/run.py, bench/sql_baseline.py and bench/neo4j_bench.py each import from here and
never from each other's shared parts, so the imports go one way.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the benchmarks run as scripts from a checkout
    sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 22)
SEEDS = ROOT / "bench" / "out"
REPEATS = 3  # each detection is timed this many times, and the shortest printed


def seeded(people: int) -> Path:
    """bench/out/trust-N: a synthetic trust of `people`, seeded on first use."""
    from seed.generator import generate_trust

    folder = SEEDS / f"trust-{people}"
    if not (folder / "people.csv").exists():
        generate_trust(folder, schools=4, people=people, seed=1, as_of=AS_OF)
    return folder


def best_of(repeats: int, work):
    """The result of `work` and its shortest time of `repeats` runs: on a shared machine the
    shortest is the one least disturbed by other work."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return result, min(times)
