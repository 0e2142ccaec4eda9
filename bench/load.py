"""Load benchmark of the review service on the embedded store.

Starts `relreg serve --demo` in a subprocess on 127.0.0.1, then, from this (second)
process, runs CLIENTS concurrent staff clients, each with its own bearer token, making a mix
of reads and declarations, bounded in count and in time. It prints p50, p95, p99 and max
latency, then kills the server with SIGKILL, starts it again on the same data and checks
that every declaration it acknowledged (201) is there, and that the audit trail verifies.

    python3 bench/load.py                      # 50 clients, 4,000 requests, at most 60 s
    python3 bench/load.py --clients 5 --requests 200

Only loopback is ever contacted. Exit status 1 if a write was lost or the p99 target is
missed (--p99-ms, default 200).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "load-test-password-1"


# -- a small HTTP/1.1 keep-alive client: cheap on CPU, which the server needs ------------------

class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, *, token: str | None = None,
                      body: bytes | None = None,
                      content_type: str = "application/json") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        if body is not None:
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def call(port, method, path, token=None, json_body=None, form=None):
    connection = Connection(port)
    try:
        if form is not None:
            return await connection.request(method, path, token=token, body=urlencode(form).encode(),
                                            content_type="application/x-www-form-urlencoded")
        body = json.dumps(json_body).encode() if json_body is not None else None
        return await connection.request(method, path, token=token, body=body)
    finally:
        connection.close()


# -- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(data: Path, port: int,
                 store: str | None = None) -> tuple[subprocess.Popen, dict[str, str]]:
    """`relreg serve --demo [--store URI]`, answering once it accepts connections, with the
    demo's passwords by username."""
    command = [sys.executable, "-m", "api.cli", "serve", "--demo", "--data", str(data),
               "--host", HOST, "--port", str(port)] + (["--store", store] if store else [])
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    passwords: dict[str, str] = {}
    deadline = time.monotonic() + 300
    for line in server.stdout:
        parts = line.split()
        if len(parts) == 3 and parts[1].startswith("demo-"):
            passwords[parts[1]] = parts[2]
        if len(passwords) == 6 or time.monotonic() > deadline:
            break
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server, passwords
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


async def sign_in(port: int, username: str, password: str) -> str:
    status, body = await call(port, "POST", "/api/auth/token",
                              form={"username": username, "password": password})
    if status != 200:
        raise SystemExit(f"sign-in of {username} failed: {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


def school_people(data: Path) -> tuple[str, list[str], list[str]]:
    """(school, its staff without a position, its pupils) from the demo's exchange files."""
    with open(data / "demo-trust" / "memberships.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    school = min(r["school_id"] for r in rows)
    staff = sorted({r["person_id"] for r in rows if r["school_id"] == school
                    and r["role"] == "staff" and not r["position"] and not r["end_date"]})
    pupils = sorted({r["person_id"] for r in rows if r["school_id"] == school
                     and r["role"] == "pupil" and not r["end_date"]})
    return school, staff, pupils


async def make_staff_accounts(port: int, admin: str, school: str, staff: list[str],
                         count: int) -> list[tuple[str, str]]:
    """(username, token) of `count` staff accounts, made for the school's staff in turn and
    skipping anyone the service refuses (not on the staff today)."""
    accounts: list[tuple[str, str]] = []
    usable = list(staff)
    for n in range(count + len(staff)):  # bounded: each refusal drops one person
        if len(accounts) == count or not usable:
            break
        username = f"load-staff-{n}"
        status, body = await call(port, "POST", "/api/accounts", admin, {
            "username": username, "password": PASSWORD, "role": "staff",
            "person_id": usable[n % len(usable)], "school_id": school})
        if status == 422:
            usable.remove(usable[n % len(usable)])
            continue
        if status not in (201, 409):
            raise SystemExit(f"could not make {username}: {status} {body[:200]!r}")
        accounts.append((username, await sign_in(port, username, PASSWORD)))
    if len(accounts) < count:
        raise SystemExit("too few staff who may hold an account")
    return accounts



# -- the load -----------------------------------------------------------------------------------

READS = ("/api/declarations", "/api/cases", "/api/auth/me", "/api/connections")


async def client(port: int, token: str, pupils: list[str], count: int, deadline: float,
                 write_share: float, rng: random.Random, results: list, acknowledged: list):
    connection = Connection(port)
    try:
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            if rng.random() < write_share:
                kind = "declare"
                body = {"counterpart_id": rng.choice(pupils),
                        "basis": rng.choice(["family_friend", "prior_friendship", "other"]),
                        "details": "load test"}
                started = time.perf_counter()
                status, answer = await connection.request(
                    "POST", "/api/declarations", token=token, body=json.dumps(body).encode())
            else:
                kind = "read"
                started = time.perf_counter()
                status, answer = await connection.request("GET", rng.choice(READS), token=token)
            results.append((kind, status, time.perf_counter() - started))
            if kind == "declare" and status == 201:
                acknowledged.append(json.loads(answer)["declaration_id"])
    finally:
        connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(results: list, elapsed: float) -> float:
    latencies = [seconds * 1000 for _, _, seconds in results]
    print(f"{len(results)} requests in {elapsed:.1f} s: {len(results) / elapsed:.0f} requests/s")
    for kind in ("read", "declare", None):
        chosen = [s * 1000 for k, _, s in results if kind is None or k == kind]
        if not chosen:
            continue
        print(f"  {kind or 'all':<8} n={len(chosen):<6} p50={percentile(chosen, .50):6.1f} ms  "
              f"p95={percentile(chosen, .95):6.1f} ms  p99={percentile(chosen, .99):6.1f} ms  "
              f"max={max(chosen):6.1f} ms  mean={statistics.fmean(chosen):5.1f} ms")
    statuses: dict[int, int] = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"  statuses: {dict(sorted(statuses.items()))}")
    return percentile(latencies, .99)


async def run(args, data: Path) -> int:
    port = free_port()
    server, passwords = start_server(data, port)
    try:
        admin = await sign_in(port, "demo-trust-admin", passwords["demo-trust-admin"])
        school, staff, pupils = school_people(data)
        tokens = [token for _, token in
                  await make_staff_accounts(port, admin, school, staff, args.clients)]
        results: list = []
        acknowledged: list[str] = []
        per_client = -(-args.requests // args.clients)
        rng = random.Random(1)
        started = time.monotonic()
        deadline = started + args.seconds
        await asyncio.gather(*(
            client(port, token, pupils, per_client, deadline, args.write_share,
                   random.Random(rng.random()), results, acknowledged)
            for token in tokens))
        elapsed = time.monotonic() - started
        print(f"{args.clients} concurrent clients on the embedded store "
              f"({len(staff)} staff, {len(pupils)} pupils at {school}; "
              f"{args.write_share:.0%} declarations):")
        p99 = report(results, elapsed)
    finally:
        os.kill(server.pid, signal.SIGKILL)  # no clean shutdown: what was acknowledged must stay
        server.wait()

    server, passwords = start_server(data, port)
    try:
        leader = await sign_in(port, "demo-senior-leader", passwords["demo-senior-leader"])
        status, body = await call(port, "GET", "/api/declarations", leader)
        present = {d["declaration_id"] for d in json.loads(body)}
        lost = sorted(set(acknowledged) - present)
    finally:
        server.terminate()
        server.wait()
    audit = subprocess.run([sys.executable, "-m", "api.cli", "audit", "verify", "--data",
                            str(data)], cwd=ROOT, capture_output=True, text=True)
    print(f"after kill -9 and restart: {len(acknowledged) - len(lost)} of {len(acknowledged)} "
          f"acknowledged declarations present, {len(lost)} lost")
    print(f"audit: {(audit.stdout or audit.stderr).strip()}")
    failed = bool(lost) or audit.returncode != 0 or p99 > args.p99_ms
    print(f"p99 {p99:.1f} ms against a target of {args.p99_ms:.0f} ms: "
          f"{'missed' if p99 > args.p99_ms else 'met'}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=4000, help="in all, shared by the clients")
    parser.add_argument("--seconds", type=float, default=60, help="stop sending after this long")
    parser.add_argument("--write-share", type=float, default=0.2,
                        help="share of requests that are declarations")
    parser.add_argument("--p99-ms", type=float, default=200)
    parser.add_argument("--data", type=Path, help="data directory (default: a temporary one)")
    args = parser.parse_args()
    if args.data:
        return asyncio.run(run(args, args.data))
    with tempfile.TemporaryDirectory(prefix="relreg-load-") as data:
        return asyncio.run(run(args, Path(data)))


if __name__ == "__main__":
    sys.exit(main())
