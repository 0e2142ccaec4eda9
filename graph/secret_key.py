"""The key that seals the credentials the service keeps in its database (one-time-code
secrets, the identity provider's client secret), kept OUTSIDE the data folder: whoever
copies the data folder alone gets sealed secrets they cannot open.

The key is, in this order: RELREG_SECRET_KEY (the key itself, for a host that keeps it in
its secret store), else the file named by RELREG_SECRET_KEY_FILE, else
`$XDG_CONFIG_HOME/relreg/secret.key` (`~/.config/relreg/secret.key`). The service makes the
file, readable by its owner only, on the first start of a new data folder; it refuses a key
file others can read. A sealed (encrypted) backup carries the key and a restore puts it
back; a plain backup never holds it (graph/backup.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from graph.sqlite import PRIVATE_FILE_MODE, private_folder

KEY_ENV = "RELREG_SECRET_KEY"
KEY_FILE_ENV = "RELREG_SECRET_KEY_FILE"


class SecretKeyError(Exception):
    """The key is missing, wrong or unsafe: a sentence saying which and what to do."""


def key_file() -> Path:
    named = os.environ.get(KEY_FILE_ENV)
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "relreg" / "secret.key"


def _checked(key: bytes, where: str) -> bytes:
    key = key.strip()
    try:
        Fernet(key)
    except ValueError:
        raise SecretKeyError(f"{where} is not a key the register made (32 bytes, url-safe "
                             f"base64): put back the right one") from None
    return key


def read_key() -> bytes | None:
    """The key, or None if there is none yet."""
    given = os.environ.get(KEY_ENV)
    if given:
        return _checked(given.encode(), KEY_ENV)
    path = key_file()
    if not path.exists():
        return None
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise SecretKeyError(f"the secret key file {path} can be read by others: make it "
                             f"readable by its owner only (chmod 600 {path})")
    return _checked(path.read_bytes(), f"the secret key file {path}")


def create_key() -> bytes:
    """A new key, written to the key file (owner-only); never over an existing one."""
    path = key_file()
    private_folder(path.parent)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        raise SecretKeyError(f"the secret key file {path} appeared meanwhile: start again") \
            from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def put_back(key: bytes) -> Path | None:
    """Restore the key a sealed backup carried: write the key file if there is none; if a
    key is already there it must be the same one. The file written, if any."""
    key = _checked(key, "the key in the backup")
    present = read_key()
    if present is not None:
        if present != key:
            where = KEY_ENV if os.environ.get(KEY_ENV) else str(key_file())
            raise SecretKeyError(f"{where} holds another key than the backup's: the restored "
                                 f"secrets could not be opened; move it aside and restore again")
        return None
    path = key_file()
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return path
