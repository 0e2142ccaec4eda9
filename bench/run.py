"""Benchmark of the stores at 10k, 100k and 1M people, in one run.

    python3 bench/run.py                          # all sizes, embedded store
    python3 bench/run.py --sizes 10000 100000     # some sizes
    python3 bench/run.py --neo4j bolt://127.0.0.1:7687   # also Neo4j at that URI (emptied)
    python3 bench/run.py --neo4j-local            # also Neo4j, a server started per size
    python3 bench/run.py --readme                 # and rewrite README.md's table with it

For each size it seeds (or reuses) an exchange folder and prints, per store:
- import: `relreg import` of the folder into an empty data folder, as a user runs it
  (a fresh process: its start-up counts);
- detect cli: `relreg detect` on the store in a fresh process, the facts unchanged since
  their findings were saved (what every start after the first costs);
- serve ready: `relreg serve` in a fresh process until /api/health answers, the facts and
  the day unchanged since the last start (its findings are current at once); on a day with
  no saved findings, `serve first` is until it first answers (with the last findings,
  labelled as refreshing) and `serve fresh` until it says its findings are current;
- cold detect: full detection (all rules, routing included) from a cold process with no
  saved findings: load the facts, then evaluate; `evaluate` is the evaluation alone, the
  best of three runs as the SQL's is;
- SQL and ratio: bench/sql_baseline.py's plain SQLite version of pupil- and ex-pupil-contact
  on the same folder (best of three), its findings checked equal to the register's first;
  the ratio is `evaluate` over it;
- one change: a new connection, declaration or membership written and re-evaluated
  (median and 95th percentile over 90 changes);
- peak memory of the cold detect process, and the number of findings.
For Neo4j (bench/neo4j_bench.py, the same seeded world): import from the world in memory
into an emptied database; cold detect is the first full detection after the import and
evaluate a second one by a fresh store; one change is a new connection written and its
findings back (median and 95th percentile over 50); peak is the server's, when it was
started for the size; detect cli, serve and SQL are the embedded store's alone.
A last line per store gives how each figure grows from the smallest size to the largest.

Each measurement runs in a process of its own, so that start-up and peak memory are its own.
The machine is shared: compare figures of one run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import AS_OF, REPEATS, SEEDS, best_of, seeded  # noqa: E402

README = ROOT / "README.md"
MARKERS = ("<!-- bench/run.py table: start -->", "<!-- bench/run.py table: end -->")
CHANGES = 30  # of each kind: connections, declarations, memberships

# (key, heading, unit) in the order printed; a store's figures may leave some out.
FIGURES = (
    ("import_s", "import", "s"),
    ("detect_cli_s", "detect cli", "s"),
    ("serve_ready_s", "serve ready", "s"),
    ("serve_first_s", "serve first", "s"),
    ("serve_fresh_s", "serve fresh", "s"),
    ("cold_detect_s", "cold detect", "s"),
    ("detect_s", "evaluate", "s"),
    ("sql_s", "SQL", "s"),
    ("sql_ratio", "ratio", "x"),
    ("one_change_ms", "1 change", "ms"),
    ("one_change_p95_ms", "p95", "ms"),
    ("peak_mb", "peak", "MB"),
    ("findings", "findings", ""),
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(*args: str, env: dict | None = None) -> dict:
    """Run one phase of this script in a fresh process; its figures."""
    result = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True,
                            text=True, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the phases, each in its own process ------------------------------------------------

def phase_cold_detect(people: int, data: str, pairs_file: str) -> dict:
    """Full detection from a cold process, saved findings dropped first."""
    from graph.rules import Evaluation
    from graph.store.embedded import EmbeddedStore

    with sqlite3.connect(Path(data) / "register.sqlite3") as db:
        db.execute("DELETE FROM saved_findings")
    started = time.perf_counter()
    store = EmbeddedStore(data)
    facts = store.facts
    loaded = time.perf_counter() - started
    evaluation = Evaluation(facts, AS_OF).run()
    findings = evaluation.sorted()
    total = time.perf_counter() - started
    # The evaluation alone, timed as the SQL is: the best of three runs.
    _, evaluated = best_of(REPEATS, lambda: Evaluation(facts, AS_OF).run())
    Path(pairs_file).write_text(json.dumps(sorted(
        (f.adult_id, f.counterpart_id, f.school_id, f.rule) for f in findings
        if f.rule in ("pupil-contact", "ex-pupil-contact"))))
    peak = peak_rss_mb()
    store._evaluation = evaluation  # saved on close, for the starts measured next
    store._save_findings()
    store.close()
    return {"cold_detect_s": total, "load_s": loaded, "detect_s": evaluated,
            "findings": len(findings), "peak_mb": peak}


def phase_sql(people: int, pairs_file: str) -> dict:
    from bench.sql_baseline import load_sql, sql_findings

    db = load_sql(seeded(people))
    found, took = best_of(REPEATS, lambda: sql_findings(db, AS_OF))
    register = {tuple(p) for p in json.loads(Path(pairs_file).read_text())}
    if found != register:
        raise SystemExit(f"the SQL and the register disagree: only the SQL finds "
                         f"{sorted(found - register)[:5]}, only the register "
                         f"{sorted(register - found)[:5]}")
    return {"sql_s": took, "sql_findings": len(found)}


def phase_changes(people: int, data: str) -> dict:
    """New connections, declarations and memberships, each written and re-evaluated."""
    from graph.model import (
        Basis, Connection, ConnectionSource, Declaration, DeclarationStatus, Direction,
        Membership, Role, World,
    )
    from graph.store.embedded import EmbeddedStore

    with EmbeddedStore(data) as store:
        store.findings(AS_OF)
        world = store.facts.world
        staff = sorted({m.person_id for m in world.memberships if m.role == "staff"})
        pupils = sorted({m.person_id for m in world.memberships if m.role == "pupil"})
        schools = sorted(world.schools)
        timings = []
        for n in range(CHANGES):
            adult, pupil = staff[n * 7 % len(staff)], pupils[n * 13 % len(pupils)]
            changes = [
                lambda: store.add_connection(Connection(
                    f"BENCH{n}", adult, pupil, "instagram", Direction.MUTUAL, None,
                    ConnectionSource.DECLARED), AS_OF),
                lambda: store.upsert(World(declarations={f"BENCHD{n}": Declaration(
                    f"BENCHD{n}", adult, pupil, Basis.FAMILY_FRIEND, "", AS_OF,
                    DeclarationStatus.PENDING, None, None)})),
                lambda: store.upsert(World(memberships=[Membership(
                    pupils[n * 17 % len(pupils)], schools[n % len(schools)], Role.VOLUNTEER,
                    None, AS_OF, None)])),
            ]
            for change in changes:
                started = time.perf_counter()
                change()
                timings.append(time.perf_counter() - started)
        # Not what the next measurement of this size should start from.
        store._evaluation = None
    timings.sort()
    return {"one_change_ms": statistics.median(timings) * 1000,
            "one_change_p95_ms": timings[int(len(timings) * 0.95)] * 1000}


def phase_memory() -> dict:
    """What this machine charges for memory a process touches for the first time: at a
    million people most of a cold start is that, not work (each page is faulted in from
    the host on a virtual machine that hands free memory back)."""
    import mmap

    size = 256 * 1024 * 1024
    block = mmap.mmap(-1, size)  # mapped, not yet touched
    started = time.perf_counter()
    for offset in range(0, size, 4096):
        block[offset] = 1
    return {"first_touch_s_per_gb": (time.perf_counter() - started) * (1024 ** 3 / size)}


# -- measured from outside --------------------------------------------------------------

def import_cli(people: int, data: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "api.cli", "import", str(seeded(people)), "--data",
                    data], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def detect_cli(data: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "api.cli", "detect", "--data", data, "--as-of",
                    AS_OF.isoformat(), "--format", "json"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def serve_times(data: str) -> tuple[float, float]:
    """`relreg serve` from its start: until /api/health first answers, and until it says
    its findings are current (refreshed behind the first answer when they were not)."""
    from bench.load import free_port

    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--data", data,
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    first = None
    deadline = started + 900  # a refresh that never ends fails the run instead of hanging it
    try:
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health",
                                            timeout=5) as answer:
                    state = json.loads(answer.read())["findings"]["state"]
                first = first or time.perf_counter() - started
                if state == "current":
                    return first, time.perf_counter() - started
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().strip().splitlines()[-1]) from None
            time.sleep(0.02)
        raise RuntimeError("serve did not say its findings were current within 15 minutes")
    finally:
        server.terminate()
        server.wait()


def measure_embedded(people: int) -> dict:
    figures = {"store": "embedded", "people": people}
    with tempfile.TemporaryDirectory() as scratch:
        data, pairs = str(Path(scratch) / "data"), str(Path(scratch) / "pairs.json")
        figures["import_s"] = import_cli(people, data)
        figures |= child("cold-detect", str(people), data, pairs)
        figures["detect_cli_s"] = detect_cli(data)
        figures |= child("sql", str(people), pairs)
        figures["sql_ratio"] = figures["detect_s"] / figures["sql_s"]
        # The service evaluates as of today: its first start finds no saved findings for it,
        # answers with the last ones and refreshes behind; a second start has today's.
        figures["serve_first_s"], figures["serve_fresh_s"] = serve_times(data)
        figures["serve_ready_s"], _ = serve_times(data)
        figures |= child("changes", str(people), data)
    return figures


def measure_neo4j(people: int, uri: str | None) -> dict:
    """Neo4j's figures, its findings checked equal to the embedded store's first; with no
    `uri`, on a server started for this size alone (its peak memory is then the peak)."""
    from bench import neo4j_bench

    figures = neo4j_bench.measure_neo4j(people, uri)
    return {**figures, "store": "neo4j", "people": people}  # the size asked, as the embedded


# -- printing ------------------------------------------------------------------------------

def shown(key: str, value) -> str:
    if value is None or value == "":
        return "-"
    if key == "findings" or key == "peak_mb":
        return f"{round(value):,}"
    if key == "sql_ratio":
        return f"{value:.1f}x"
    if isinstance(value, float):
        return f"{value:.3g}" if value < 100 else f"{round(value):,}"
    return str(value)


def growth(rows: list[dict]) -> dict:
    first, last = rows[0], rows[-1]
    return {key: (last[key] / first[key]) if isinstance(last.get(key), (int, float))
            and first.get(key) else None for key, _, _ in FIGURES}


def table(rows: list[dict]) -> list[str]:
    """The figures as a Markdown table, a growth line per store after its sizes."""
    head = ["store", "people"] + [f"{h} ({u})" if u else h for _, h, u in FIGURES]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for store in dict.fromkeys(r["store"] for r in rows):
        mine = [r for r in rows if r["store"] == store and "error" not in r]
        for r in [r for r in rows if r["store"] == store]:
            if "error" in r:
                lines.append(f"| {store} | {r['people']:,} | failed: {r['error']} |")
                continue
            lines.append(f"| {store} | {r['people']:,} | "
                         + " | ".join(shown(k, r.get(k)) for k, _, _ in FIGURES) + " |")
        if len(mine) > 1:
            g = growth(mine)
            lines.append(f"| {store} growth | {mine[0]['people']:,} → {mine[-1]['people']:,} | "
                         + " | ".join("-" if g[k] is None else f"×{g[k]:.3g}"
                                      for k, _, _ in FIGURES) + " |")
    return lines


def rewrite_readme(lines: list[str]) -> None:
    text = README.read_text()
    start, end = MARKERS
    if start not in text or end not in text:
        raise SystemExit(f"README.md has no {start} ... {end} markers")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(before + start + "\n" + "\n".join(lines) + "\n" + end + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--neo4j", metavar="URI", help="also measure Neo4j at this URI (emptied)")
    parser.add_argument("--neo4j-local", action="store_true",
                        help="also measure Neo4j, started by tools/neo4j-local for this run")
    parser.add_argument("--readme", action="store_true",
                        help="rewrite README.md's benchmark table from this run")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, people, *rest = args.phase
        run = {"cold-detect": phase_cold_detect, "sql": phase_sql,
               "changes": phase_changes, "memory": lambda _: phase_memory()}[name]
        print(json.dumps(run(int(people), *rest)))
        return
    SEEDS.mkdir(parents=True, exist_ok=True)
    with_neo4j = bool(args.neo4j or args.neo4j_local)
    print(f"{'store':9} {'people':>9} " + " ".join(f"{h:>11}" for _, h, _ in FIGURES),
          flush=True)
    rows = []
    for people in args.sizes:
        seeded(people)
        for store in ["embedded"] + (["neo4j"] if with_neo4j else []):
            try:
                row = measure_embedded(people) if store == "embedded" \
                    else measure_neo4j(people, args.neo4j)
            except Exception as error:  # one size failing leaves the others to run
                row = {"store": store, "people": people, "error": str(error)}
            rows.append(row)
            print(f"{store:9} {people:>9} " + (
                f"failed: {row['error']}" if "error" in row else
                " ".join(f"{shown(k, row.get(k)):>11}" for k, _, _ in FIGURES)), flush=True)
    lines = table(rows)
    touch = child("memory", "0")["first_touch_s_per_gb"]
    lines.append("")
    lines.append(f"Memory a process touches for the first time cost {touch:.2f} s per GB on "
                 f"this machine during the run.")
    print()
    print("\n".join(lines))
    print(f"\njson: {json.dumps(rows)}")
    if args.readme:
        rewrite_readme(lines)
        print(f"rewrote the table in {README}")


if __name__ == "__main__":
    main()
