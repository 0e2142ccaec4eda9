"""The service database: cases, accounts, sessions, evidence and the audit trail, in
SQLite beside the register's facts (WAL, synchronous=FULL, like the embedded store)."""

from __future__ import annotations

import os
import sqlite3

from graph.sqlite import open_database

SERVICE_DATABASE_NAME = "service.sqlite3"


def open_service_db(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating) the service database. The connection is shared by the service's
    threads, always under its lock."""
    db = open_database(path)
    db.execute("PRAGMA foreign_keys=ON")
    return db
