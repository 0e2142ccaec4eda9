"""The register's SQLite databases (the embedded store, identifiers, the service's own):
opened alike and written in all-or-nothing transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


def open_database(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating) a database in WAL mode with full sync: a committed transaction
    survives the process being killed. Transactions are begun explicitly; the connection
    may be shared by threads that take turns under a lock."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
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


SERVICE_DATABASE_NAME = "service.sqlite3"


def open_service_db(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating) the review service's database: cases, accounts, sessions, evidence
    and the audit trail. The connection is shared by the service's threads, always under
    its lock."""
    db = open_database(path)
    db.execute("PRAGMA foreign_keys=ON")
    return db
