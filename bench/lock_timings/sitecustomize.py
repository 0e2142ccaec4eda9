"""Timings beside bench/write_load.py: where a `relreg serve` process spends its writes.

    PYTHONPATH=bench/lock_timings python3 bench/write_load.py --store bolt://... --window 5

Python imports this file at start in every process run with that PYTHONPATH; it acts only in
`serve` processes. Every 2 seconds each one appends to RELREG_TIMINGS_DIR (default: a folder
relreg-lock-timings in the temporary directory) /serve-PID.log, with the monotonic time:
waits for and holds of the service's lock (outermost, ms), the Neo4j driver's
execute_write/execute_read transactions and each query inside them (labelled by its first
line), how late a 1 ms sleep wakes (the interpreter lock's contention), and every
collection of the cyclic collector over 5 ms. A diagnostic aid, not part of the register:
it wraps private parts of the neo4j driver (6.x) and api.service.Register, and no figure it
prints is a target.
"""

import gc
import os
import sys
import tempfile
import threading
import time

if "serve" in sys.argv:
    _folder = os.environ.get("RELREG_TIMINGS_DIR",
                             os.path.join(tempfile.gettempdir(), "relreg-lock-timings"))
    os.makedirs(_folder, exist_ok=True)
    _path = os.path.join(_folder, f"serve-{os.getpid()}.log")
    _samples: dict[str, list[float]] = {}
    _samples_lock = threading.Lock()

    def _log(text: str) -> None:
        with open(_path, "a") as log:
            log.write(f"{time.monotonic():.3f} {text}\n")

    def _add(key: str, milliseconds: float) -> None:
        with _samples_lock:
            _samples.setdefault(key, []).append(milliseconds)

    _collecting: list[float] = []

    def _collector(phase, info):
        if phase == "start":
            _collecting[:] = [time.perf_counter()]
        elif _collecting:
            took = (time.perf_counter() - _collecting.pop()) * 1000
            if took > 5:
                _log(f"gc gen{info['generation']} {took:.0f} ms")

    gc.callbacks.append(_collector)

    class _TimedLock:
        """The service's re-entrant lock, timing the outermost acquire and hold."""

        def __init__(self, inner):
            self._inner = inner
            self._local = threading.local()

        def acquire(self, blocking=True, timeout=-1):
            depth = getattr(self._local, "depth", 0)
            asked = time.perf_counter()
            taken = self._inner.acquire(blocking, timeout)
            if taken:
                if depth == 0:
                    self._local.since = time.perf_counter()
                    _add("lock_wait", (self._local.since - asked) * 1000)
                self._local.depth = depth + 1
            return taken

        __enter__ = acquire

        def release(self):
            self._local.depth -= 1
            if self._local.depth == 0:
                _add("lock_hold", (time.perf_counter() - self._local.since) * 1000)
            self._inner.release()

        def __exit__(self, *exc):
            self.release()

    def _wrap_service() -> None:
        import api.service as service

        made = service.Register.__init__

        def init(self, *args, **kwargs):
            made(self, *args, **kwargs)
            self.lock = self.store._lock = _TimedLock(self.lock)

        service.Register.__init__ = init

    def _wrap_driver() -> None:
        from neo4j._sync.work.session import Session
        from neo4j._sync.work.transaction import TransactionBase

        for name in ("execute_write", "execute_read"):
            def timed(self, *args, _run=getattr(Session, name), _name=name, **kwargs):
                began = time.perf_counter()
                try:
                    return _run(self, *args, **kwargs)
                finally:
                    _add(_name, (time.perf_counter() - began) * 1000)
            setattr(Session, name, timed)
        step = threading.local()  # (label, since) of the step under way in this thread

        def next_step(label):
            now = time.perf_counter()
            under_way = getattr(step, "now", None)
            if under_way is not None:
                _add("q:" + under_way[0], (now - under_way[1]) * 1000)
            step.now = (label, now) if label else None

        opened, ran, committed = (Session._open_transaction, TransactionBase.run,
                                  TransactionBase._commit)

        def open_transaction(self, *args, **kwargs):
            next_step("begin")
            try:
                return opened(self, *args, **kwargs)
            finally:
                next_step("(python)")

        def run(self, query, *args, **kwargs):
            text = str(query).replace("CYPHER replan=skip\n", "")
            first = next((line for line in text.splitlines()
                          if line.strip() and not line.startswith("//")), "")
            next_step(first.strip()[:28])
            return ran(self, query, *args, **kwargs)

        def commit(self, *args, **kwargs):
            next_step("commit")
            try:
                return committed(self, *args, **kwargs)
            finally:
                next_step(None)

        Session._open_transaction, TransactionBase.run = open_transaction, run
        TransactionBase._commit = commit

    def _wrap_when_imported() -> None:
        for _ in range(30_000):  # a minute at most
            service = sys.modules.get("api.service")
            if service is not None and hasattr(service, "Register"):
                _wrap_service()
                _wrap_driver()
                _log("timing")
                return
            time.sleep(0.002)

    def _report() -> None:
        while True:
            late, until = [], time.perf_counter() + 2
            while time.perf_counter() < until:
                asleep = time.perf_counter()
                time.sleep(0.001)
                late.append((time.perf_counter() - asleep - 0.001) * 1000)
            with _samples_lock:
                taken = dict(_samples)
                _samples.clear()
            taken["sleep_1ms_late"] = late
            parts = []
            for key in ["lock_wait", "lock_hold", "execute_write", "execute_read",
                        "sleep_1ms_late", *sorted(k for k in taken if k.startswith("q:"))]:
                values = sorted(taken.get(key, []))
                if values:
                    parts.append(f"{key} n={len(values)} sum={sum(values):.0f} "
                                 f"p50={values[len(values) // 2]:.1f} "
                                 f"p99={values[int(len(values) * .99)]:.1f}")
            _log(" | ".join(parts))

    _log("start")
    threading.Thread(target=_wrap_when_imported, daemon=True).start()
    threading.Thread(target=_report, daemon=True).start()
