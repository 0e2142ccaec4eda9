"""The register's SQLite databases (the embedded store, identifiers, the service's own):
opened alike and written in all-or-nothing transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


# The data folder holds children's personal data: only the account that runs the register
# may read it, whatever the umask of whoever started it.
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


def private_folder(path: str | os.PathLike) -> Path:
    """Make `path` (and any missing parents) a folder only its owner can use. A folder that
    already exists keeps its mode: `serve` warns when others can read it."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        os.chmod(folder, PRIVATE_FOLDER_MODE)
    return path


def open_to_others(path: str | os.PathLike) -> bool:
    """Whether users other than the owner may read, write or enter `path`."""
    return bool(os.stat(path).st_mode & 0o077)


def open_database(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating) a database in WAL mode with full sync: a committed transaction
    survives the process being killed. Transactions are begun explicitly; the connection
    may be shared by threads that take turns under a lock. The file is its owner's only
    (SQLite gives its -wal and -shm files the same mode)."""
    path = Path(path)
    private_folder(path.parent)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE_MODE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            os.chmod(file, PRIVATE_FILE_MODE)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    # What is deleted is overwritten with zeros, not left in free space to be read back
    # (an erased person's name in a page SQLite merely marked free).
    db.execute("PRAGMA secure_delete=ON")
    return db


def leave_no_copy(db: sqlite3.Connection) -> bool:
    """After an erasure: rebuild the database, so that no free page or stale record (of
    an older release, which did not zero what it deleted) still holds what was deleted,
    and empty the write-ahead log, whose frames keep pages as they were. False when
    another process was busy with the database throughout (SQLite waits five seconds)
    and it could not be done: the next checkpoint empties the log."""
    try:
        db.execute("VACUUM")
        rebuilt = True
    except sqlite3.OperationalError:  # busy: what this release deleted is zeroed anyway
        rebuilt = False
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return rebuilt and not busy


def open_reader(path: str | os.PathLike) -> sqlite3.Connection:
    """A read-only connection to a database in WAL mode that another connection writes:
    each statement reads the last commit, and neither waits for the other. Any thread may
    use it, one at a time."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True,
                           check_same_thread=False)


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
