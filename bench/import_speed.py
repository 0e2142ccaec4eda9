"""How long `relreg import` of a seeded exchange folder takes, here and in another checkout.

    python3 bench/import_speed.py                              # 100k people, this checkout
    python3 bench/import_speed.py --people 1000000 --repeats 1
    python3 bench/import_speed.py --other PATH [--other PATH2]  # and other checkouts, side by side

Each import is `relreg import FOLDER --data DIR` into a fresh, empty data folder, in a
process of its own (its start-up included), with the checkouts taking turns on the same
folder. It prints each run's wall time and processor time (user + system, of the process
and anything it started), then the best and the median of each. On a shared machine the
wall time follows the load; the processor time much less so: compare both, of one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Runs `relreg` from the checkout given first on the command line, whatever is installed.
RELREG = ("import sys; checkout = sys.argv.pop(1); sys.path.insert(0, checkout); "
          "sys.argv[0] = 'relreg'; from api.cli import main; main()")


def import_once(checkout: Path, folder: Path) -> tuple[float, float]:
    """Wall and processor seconds of one `relreg import` into an empty data folder."""
    data = Path(tempfile.mkdtemp(prefix="import-speed-"))
    try:
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", RELREG, str(checkout), "import",
                                 str(folder), "--data", str(data / "store")],
                                cwd=checkout, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    if result.returncode != 0:
        raise SystemExit(f"relreg import in {checkout} failed:\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _commit(checkout: Path) -> str:
    result = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h %s"],
                            capture_output=True, text=True)
    return result.stdout.strip()[:70] or "(not a git checkout)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, help="an exchange folder to import instead of "
                                                     "the seeded one")
    parser.add_argument("--other", type=Path, action="append", default=[],
                        help="another checkout, timed on the same folder (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    if args.folder:
        folder = args.folder
    else:
        from bench.common import seeded

        folder = seeded(args.people)
    checkouts = {"this": ROOT}
    for other in args.other:
        checkouts[other.resolve().name] = other.resolve()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    for name, checkout in checkouts.items():
        print(f"{name}: {checkout} at {_commit(checkout)}")
    print(f"relreg import {folder} (load average {os.getloadavg()[0]:.1f} at the start)")
    for repeat in range(args.repeats):
        for name, checkout in checkouts.items():
            wall, cpu = import_once(checkout, folder)
            runs[name].append((wall, cpu))
            print(f"  run {repeat + 1} {name:16}: {wall:7.2f} s wall, "
                  f"{cpu:7.2f} s processor", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, figures in runs.items():
        walls, cpus = [w for w, _ in figures], [c for _, c in figures]
        print(f"{name:16}: wall best {min(walls):.2f} s, median {statistics.median(walls):.2f} s; "
              f"processor best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s")


if __name__ == "__main__":
    main()
