"""Write load: does a write cost the same at the end of a run as at its start?

Starts `relreg serve --demo` (the demo trust seeded into a fresh data folder; `--store
bolt://...` keeps its facts in an empty Neo4j) on 127.0.0.1 and runs CLIENTS signed-in
clients against it for SECONDS: staff reporting connections between colleagues and pupils
and declaring relationships with pupils, paced to RATE writes a second in all; senior
leaders reading their queue of cases; one leader taking cases into review. Half-way the
server is killed with SIGKILL and started again on the same data; the clients carry on.
At the end it is killed again, and every write that was acknowledged (201) is looked up
in the store itself.

It prints, per 10-second window of the run: writes acknowledged (and their rate), server
errors, and p50/p95/p99 latency of writes and of reads; then writes lost (must be 0),
server errors (must be 0) and whether the audit trail verifies. Exit status 1 if a write
was lost, the server answered 5xx, or a window missed the targets (p99 write < 200 ms,
p99 read < 300 ms).

    python3 bench/write_load.py                          # 50 clients, 45 writes/s, 60 s
    python3 bench/write_load.py --seconds 20 --clients 10 --rate 10
    python3 bench/write_load.py --store bolt://127.0.0.1:7687   # an empty Neo4j
    python3 bench/write_load.py --store bolt://127.0.0.1:7687 --warm-up 120

Only loopback is contacted; every loop is bounded by the run's deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (  # noqa: E402  (the register's root on the path first)
    PASSWORD,
    ROOT,
    Connection,
    free_port,
    make_staff_accounts,
    percentile,
    school_people,
    sign_in,
    start_server,
)

LEADER = "demo-senior-leader"
WRITE_P99_MS, READ_P99_MS = 200, 300


@dataclass
class Run:
    port: int
    started: float
    deadline: float
    passwords: dict[str, str]
    results: list = field(default_factory=list)  # (kind, status, sent at, seconds)
    acknowledged: list = field(default_factory=list)  # (connection|declaration, id)
    restarts: list = field(default_factory=list)  # (killed at, answering again at)
    queues: list = field(default_factory=list)  # (read at, open cases the read listed)

    def record(self, kind: str, status: int, sent: float) -> None:
        """A request sent at `sent` (monotonic) that has just been answered."""
        self.results.append((kind, status, sent - self.started, time.monotonic() - sent))


async def request(run: Run, connection: list, method: str, path: str, token: str,
                  body: dict | None = None) -> tuple[int, bytes]:
    """One request on the client's keep-alive connection; status 0 while the server is
    down (the connection is made again on the next request)."""
    if connection[0] is None:
        connection[0] = Connection(run.port)
    try:
        return await connection[0].request(
            method, path, token=token, body=None if body is None else json.dumps(body).encode())
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
        connection[0].close()
        connection[0] = None
        return 0, b""


async def writer(run: Run, username: str, token: str, staff: list[str], pupils: list[str],
                 interval: float, rng: random.Random) -> None:
    """A member of staff: a connection report or a declaration every `interval` seconds."""
    connection = [None]
    due = time.monotonic() + rng.random() * interval
    while (now := time.monotonic()) < run.deadline:
        if now < due:
            await asyncio.sleep(due - now)
            continue
        due = max(due + interval, time.monotonic() - interval)  # no burst after a stall
        if rng.random() < 0.5:
            kind, path = "connection", "/api/connections/reports"
            body = {"person_id": rng.choice(staff), "other_id": rng.choice(pupils),
                    "channel": rng.choice(["facebook", "instagram", "personal_phone"]),
                    "details": "write load"}
        else:
            kind, path = "declaration", "/api/declarations"
            body = {"counterpart_id": rng.choice(pupils),
                    "basis": rng.choice(["family_friend", "prior_friendship", "other"]),
                    "details": "write load"}
        sent = time.monotonic()
        status, answer = await request(run, connection, "POST", path, token, body)
        run.record("write", status, sent)
        if status == 201:
            answer = json.loads(answer)
            run.acknowledged.append((kind, answer.get("connection_id")
                                     or answer.get("declaration_id")))
        elif status == 401:  # the session did not survive the restart: sign in again
            token = await _sign_in_again(run, username, PASSWORD)
        elif status == 0:
            await asyncio.sleep(0.2)
    if connection[0] is not None:
        connection[0].close()


async def leader(run: Run, token: str, rng: random.Random, decides: bool) -> None:
    """A senior leader reading the queue of cases, twice a second; the one who `decides`
    also takes an open case into review every two seconds."""
    connection = [None]
    next_decision = time.monotonic() + 2
    while time.monotonic() < run.deadline:
        sent = time.monotonic()
        status, answer = await request(run, connection, "GET", "/api/cases?state=open", token)
        run.record("read", status, sent)
        if status == 401:
            token = await _sign_in_again(run, LEADER, None)
        elif status == 200:
            cases = json.loads(answer)
            run.queues.append((sent - run.started, len(cases)))
        if status == 200 and decides and time.monotonic() >= next_decision:
            next_decision = time.monotonic() + 2
            if cases:
                finding_id = rng.choice(cases)["finding_id"]
                sent = time.monotonic()
                status, _ = await request(run, connection, "POST",
                                          f"/api/cases/{finding_id}/moves", token,
                                          {"to_state": "in_review", "reason": "write load"})
                run.record("decide", status, sent)
        await asyncio.sleep(0.5 if status else 0.2)
    if connection[0] is not None:
        connection[0].close()


async def _sign_in_again(run: Run, username: str, password: str | None) -> str:
    for _ in range(50):  # bounded: the server may still be starting
        try:
            return await sign_in(run.port, username, password or run.passwords[username])
        except (SystemExit, OSError, ConnectionError, KeyError):
            await asyncio.sleep(0.2)
    raise SystemExit(f"could not sign {username} in again")


async def kill_half_way(run: Run, server: list, data: Path, store: str | None) -> None:
    await asyncio.sleep(max(0.0, (run.deadline - run.started) / 2))
    killed = time.monotonic()
    os.kill(server[0].pid, signal.SIGKILL)  # no clean shutdown: what was acknowledged stays
    server[0].wait()
    server[0], passwords = await asyncio.to_thread(start_server, data, run.port, store)
    run.passwords.update(passwords)
    run.restarts.append((killed - run.started, time.monotonic() - run.started))


def missing_writes(acknowledged: list, data: Path, store: str | None) -> list:
    """The acknowledged writes that the store itself does not hold."""
    from graph.cli import open_store

    with open_store(store, str(data)) as opened:
        return [(kind, i) for kind, i in acknowledged
                if (opened.connection(i) if kind == "connection" else opened.declaration(i))
                is None]


def report(run: Run, window: float) -> bool:
    """Print the figures per window; whether every window met the targets."""
    met = True
    end = run.deadline - run.started
    print(f"{'window':>9} {'writes':>7} {'/s':>5} {'5xx':>4} {'down':>5}   "
          f"{'write p50/p95/p99 ms':>22}   {'read p50/p95/p99 ms':>22} {'queue':>6}")
    for start in (n * window for n in range(math.ceil(end / window))):
        inside = [r for r in run.results if start <= r[2] < start + window]
        writes = [s * 1000 for k, st, _, s in inside if k == "write" and st == 201]
        reads = [s * 1000 for k, st, _, s in inside if k == "read" and st == 200]
        errors = sum(1 for _, st, _, _ in inside if st >= 500)
        down = sum(1 for _, st, _, _ in inside if st == 0)
        queue = [n for at, n in run.queues if start <= at < start + window]
        restart = any(start <= killed < start + window or start <= back < start + window
                      for killed, back in run.restarts)

        def spread(values):
            if not values:
                return f"{'-':>22}"
            return "/".join(f"{percentile(values, q):.0f}" for q in (.5, .95, .99)).rjust(22)

        misses = bool(writes and percentile(writes, .99) >= WRITE_P99_MS) or \
            bool(reads and percentile(reads, .99) >= READ_P99_MS)
        met = met and not misses
        print(f"{start:>4.0f}-{start + window:<3.0f}s {len(writes):>7} {len(writes) / window:>5.1f} "
              f"{errors:>4} {down:>5}   {spread(writes)}   {spread(reads)} "
              f"{max(queue) if queue else '-':>6}"
              f"{'  (kill -9 and restart)' if restart else ''}{'  missed' if misses else ''}")
    return met


async def run_load(args, data: Path, seconds: float, kill: bool):
    """Start the server on `data`, sign the clients in and run them for `seconds`, killing
    the server half-way if `kill`: (the run, the school, its staff, its pupils, writers,
    readers)."""
    port = free_port()
    server, passwords = start_server(data, port, args.store)
    processes = [server]
    try:
        admin = await sign_in(port, "demo-trust-admin", passwords["demo-trust-admin"])
        school, staff, pupils = school_people(data)
        readers = max(1, args.clients // 10)
        writers = max(1, args.clients - readers)
        accounts = await make_staff_accounts(port, admin, school, staff, writers)
        leaders = [await sign_in(port, LEADER, passwords[LEADER]) for _ in range(readers)]
        started = time.monotonic()
        run = Run(port, started, started + seconds, passwords)
        rng = random.Random(args.seed)
        interval = writers / args.rate
        await asyncio.gather(
            *([kill_half_way(run, processes, data, args.store)] if kill else []),
            *(writer(run, username, token, staff, pupils, interval, random.Random(rng.random()))
              for username, token in accounts),
            *(leader(run, token, random.Random(rng.random()), decides=n == 0)
              for n, token in enumerate(leaders)))
    finally:
        os.kill(processes[0].pid, signal.SIGKILL)
        processes[0].wait()
    return run, school, staff, pupils, writers, readers


async def warm_up(args) -> None:
    """The same load for --warm-up seconds, on a data folder of its own, then the Neo4j
    emptied of what it wrote (it was empty before): a server that has just started runs
    its queries slowly until its JIT has compiled them, as a long-running one does not."""
    from graph.model import World
    from graph.store.neo4j import Neo4jStore

    with tempfile.TemporaryDirectory(prefix="relreg-write-load-warm-up-") as data:
        await run_load(args, Path(data), args.warm_up, kill=False)
    with Neo4jStore(args.store) as store:
        store.replace_world(World())


async def drive(args, data: Path) -> int:
    if args.warm_up and args.store:
        await warm_up(args)
    run, school, staff, pupils, writers, readers = await run_load(args, data, args.seconds, kill=True)
    where = f"Neo4j at {args.store}" if args.store else "the embedded store"
    if args.warm_up and args.store:
        where += f", warmed by {args.warm_up:g} s of the same load first"
    print(f"{writers} staff writing ({args.rate:g} writes/s in all), {readers} senior leaders "
          f"reading the queue (one deciding cases), on {where} ({len(staff)} staff, "
          f"{len(pupils)} pupils at {school}), {args.seconds:g} s:")
    met = report(run, args.window)
    lost = missing_writes(run.acknowledged, data, args.store)
    errors = sum(1 for _, status, _, _ in run.results if status >= 500)
    decisions = sum(1 for kind, status, _, _ in run.results if kind == "decide" and status == 200)
    audit = subprocess.run([sys.executable, "-m", "api.cli", "audit", "verify", "--data",
                            str(data)], cwd=ROOT, capture_output=True, text=True)
    for killed, back in run.restarts:
        print(f"killed with SIGKILL at {killed:.1f} s, answering again at {back:.1f} s")
    print(f"acknowledged writes: {len(run.acknowledged)}; lost after kill -9 and restart: "
          f"{len(lost)}; server errors: {errors}; cases taken into review: {decisions}")
    statuses: dict[tuple[str, int], int] = {}
    for kind, status, _, _ in run.results:
        statuses[(kind, status)] = statuses.get((kind, status), 0) + 1
    print("answers: " + ", ".join(f"{kind} {status or 'no answer'}: {n}"
                                  for (kind, status), n in sorted(statuses.items())))
    print(f"audit: {(audit.stdout or audit.stderr).strip()}")
    print(f"targets (p99 write < {WRITE_P99_MS} ms, p99 read < {READ_P99_MS} ms, every "
          f"window): {'met' if met else 'missed'}")
    return 0 if met and not lost and not errors and audit.returncode == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="a tenth of them leaders")
    parser.add_argument("--rate", type=float, default=45, help="writes a second, in all")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--window", type=float, default=10, help="seconds per line of figures")
    parser.add_argument("--store", help="bolt://HOST:PORT of an empty Neo4j (default: embedded)")
    parser.add_argument("--warm-up", type=float, default=0, metavar="SECONDS",
                        help="with --store: run the same load this long first, then empty "
                             "the Neo4j again (a server just started is slow until warm)")
    parser.add_argument("--data", type=Path, help="an empty data folder (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.data:
        return asyncio.run(drive(args, args.data))
    with tempfile.TemporaryDirectory(prefix="relreg-write-load-") as data:
        return asyncio.run(drive(args, Path(data)))


if __name__ == "__main__":
    sys.exit(main())
