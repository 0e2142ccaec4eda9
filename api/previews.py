"""Files kept aside between an import's preview and the import itself (the admin page's
Preview, then Import). They hold the people of the file, so they are kept only as long as
a preview is of use: `RELREG_IMPORT_PREVIEW_HOURS` (a day), and every erasure discards
them all, since any of them may name the person erased."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

FOLDER = "pending-imports"
KINDS = (".zip", ".xml", ".csv")
_NAME = re.compile(r"[0-9a-f]{64}\.(zip|xml|csv)")


def _folder(register) -> Path:
    folder = register.data_dir / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def drop_expired(register) -> int:
    """Delete the previews older than the setting allows; return how many went."""
    folder = register.data_dir / FOLDER
    if not folder.is_dir():
        return 0
    oldest = register.accounts.clock() - register.settings.import_preview_hours * 3600
    dropped = 0
    for kept in folder.iterdir():
        if kept.suffix != ".part" and kept.stat().st_mtime < oldest:  # (.part: arriving)
            kept.unlink(missing_ok=True)
            dropped += 1
    return dropped


def drop_all(register) -> int:
    """Delete every preview kept aside (an erasure: any may name the person); how many."""
    folder = register.data_dir / FOLDER
    if not folder.is_dir():
        return 0
    dropped = 0
    for kept in folder.iterdir():
        kept.unlink(missing_ok=True)
        dropped += 1
    return dropped


def count(register) -> int:
    folder = register.data_dir / FOLDER
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0


def keep(register, upload, suffix: str, receive) -> Path:
    """The upload (a file object) kept aside under its content's hash; `receive(upload,
    path, max_bytes)` copies it, refusing one too large."""
    drop_expired(register)
    folder = _folder(register)
    temp = folder / f"upload-{secrets.token_hex(8)}.part"
    try:
        receive(upload, temp, register.settings.max_import_bytes)
        digest = hashlib.sha256()
        with open(temp, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        kept = folder / f"{digest.hexdigest()}{suffix}"
        os.replace(temp, kept)
        os.chmod(kept, 0o600)
        now = register.accounts.clock()  # its age is counted on the service's clock
        os.utime(kept, (now, now))
        return kept
    finally:
        temp.unlink(missing_ok=True)


def find(register, name: str) -> Path | None:
    """The preview kept under `name` (as the page's form gives it back), if it has not
    expired or been discarded."""
    if not _NAME.fullmatch(name):
        return None
    drop_expired(register)
    kept = register.data_dir / FOLDER / name
    return kept if kept.is_file() else None
