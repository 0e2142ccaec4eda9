"""The service database: cases, accounts, sessions, evidence and the audit trail, in
SQLite beside the register's facts (WAL, synchronous=FULL, like the embedded store)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

SERVICE_DATABASE_NAME = "service.sqlite3"


def open_service_db(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating) the service database. The connection is shared by the service's
    threads, always under its lock."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


@contextlib.contextmanager
def transaction(db: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
