"""Credentials the service keeps in its database, sealed at rest with Fernet (AES-128-CBC
and HMAC-SHA256, from `cryptography`) under the key of graph/secret_key.py, which lives
outside the data folder.

A sealed value is stored as `sealed:` and the Fernet token. The database also keeps a token
of a known text sealed with the key, so that a start with another key is refused at once
instead of finding out at the next sign-in. A value without the prefix is plain text from an
earlier release: `start` seals every such value when the database is opened.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from graph.secret_key import KEY_ENV, SecretKeyError, create_key, key_file, read_key

PREFIX = "sealed:"
_CHECK_TEXT = b"relationship register secret key"


class Sealer:
    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    def seal(self, text: str) -> str:
        if not text:
            return text
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # plain, from before sealing: sealed when the database opens
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise SecretKeyError("a secret in the database does not open with this key") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def start(db: sqlite3.Connection, data_dir: Path) -> Sealer:
    """The sealer for this database (the caller holds `writing()`).
    The first start of a new data folder, or of one from before sealing, makes the key;
    once the database knows a key, a missing or different one is refused."""
    db.execute("CREATE TABLE IF NOT EXISTS secret_key_check "
               "(id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL)")
    row = db.execute("SELECT token FROM secret_key_check WHERE id = 1").fetchone()
    if not os.environ.get(KEY_ENV) and Path(data_dir).resolve() in key_file().resolve().parents:
        raise SecretKeyError(f"the secret key file {key_file()} is inside the data folder, "
                             f"where a copy of the folder would carry it: set "
                             f"RELREG_SECRET_KEY_FILE to a place outside it")
    key = read_key()
    if key is None:
        if row is not None:
            raise SecretKeyError(
                f"the secret key is missing (looked for RELREG_SECRET_KEY, then the file "
                f"{key_file()}), and this data folder's secrets were sealed with one: put the "
                f"key file back (a sealed backup carries it) or set RELREG_SECRET_KEY_FILE to "
                f"where it is. Nothing was changed.")
        key = create_key()
    sealer = Sealer(key)
    if row is None:
        db.execute("INSERT INTO secret_key_check VALUES (1, ?)",
                   (sealer.seal(_CHECK_TEXT.decode()),))
    else:
        try:
            sealer.open(row[0])
        except SecretKeyError:
            raise SecretKeyError(
                f"the secret key (RELREG_SECRET_KEY, or the file {key_file()}) is not the one "
                f"this data folder's secrets were sealed with: put back the right key. "
                f"Nothing was changed.") from None
    return sealer
