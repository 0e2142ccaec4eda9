"""Backing up the data folder and restoring it: `relreg backup FILE`, `relreg restore FILE`.

A backup is taken while the service runs: each SQLite database (the embedded store, the
service's database, the identity table) is copied through SQLite's online backup API, which
gives a consistent snapshot even while another process writes; every other file of the data
folder (evidence, confirmed mappings) is copied as it is. The whole is one tar archive with
a manifest (format, release, audit head), optionally encrypted with a passphrase: the key is
derived with scrypt and the archive sealed with Fernet (AES-128-CBC and HMAC-SHA256) from the
`cryptography` library, so a wrong passphrase or a changed byte is refused, never restored.

A restore goes only into an empty (or new) folder, refuses a backup made by a newer release,
and checks the audit chain against the head the backup recorded before it says it is done.

With Neo4j, the facts live in the Neo4j database: back it up with the engine's own tools
(docs/data-protection.md); this backup then holds the register's part, the data folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import secrets
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from graph.sqlite import PRIVATE_FILE_MODE, SERVICE_DATABASE_NAME, private_folder

FORMAT = 1
MAGIC = b"RELREG-BACKUP 1\n"
PLAIN, SEALED = b"plain\n", b"sealed\n"
MANIFEST = "manifest.json"
KEY_MEMBER = "secret.key"  # in sealed backups only: the key of graph/secret_key.py
_SALT_BYTES = 16


class BackupError(Exception):
    """A backup that cannot be made or restored, said for the person running it."""


@dataclass(frozen=True)
class Manifest:
    format: int
    release: str
    made_at: str
    files: list[str]
    audit_head: str | None
    secret_key: bool = False  # the archive carries the key that seals sign-in secrets


def release() -> str:
    try:
        return metadata.version("relationship-register")
    except metadata.PackageNotFoundError:
        return "0"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))


def _is_database(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _key(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    derived = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return base64.urlsafe_b64encode(derived)


def backup(data_dir: str | os.PathLike, out_file: str | os.PathLike,
           passphrase: str | None = None, secret_key: bytes | None = None) -> Manifest:
    """Write a consistent copy of the data folder to `out_file`. `secret_key` (the key
    that seals sign-in secrets, kept outside the data folder) goes in only when the backup
    is sealed with a passphrase: a plain backup never holds it."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise BackupError(f"there is no data folder at {data_dir}")
    out_file = Path(out_file)
    if out_file.exists():
        raise BackupError(f"{out_file} already exists: name a new file")
    archive = io.BytesIO()
    names: list[str] = []
    head = None
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(fileobj=archive, mode="w") as tar:
        for path in sorted(data_dir.rglob("*")):
            if not path.is_file() or path.name.endswith(("-wal", "-shm", "-journal")):
                continue
            name = path.relative_to(data_dir).as_posix()
            if _is_database(path):
                copy = Path(scratch) / f"{len(names)}.sqlite3"
                source = sqlite3.connect(path)
                target = sqlite3.connect(copy)
                try:
                    source.backup(target)  # a snapshot, whatever another process writes
                    if name == SERVICE_DATABASE_NAME:
                        head = _head(target)
                finally:
                    target.close()
                    source.close()
                tar.add(copy, arcname=f"data/{name}")
            else:
                tar.add(path, arcname=f"data/{name}")
            names.append(name)
        carries_key = bool(passphrase and secret_key)
        if carries_key:
            key_info = tarfile.TarInfo(KEY_MEMBER)
            key_info.size, key_info.mode = len(secret_key), PRIVATE_FILE_MODE
            tar.addfile(key_info, io.BytesIO(secret_key))
        manifest = Manifest(FORMAT, release(), dt.datetime.now(dt.UTC).isoformat(
            timespec="seconds"), names, head, carries_key)
        body = json.dumps(manifest.__dict__, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    content = archive.getvalue()
    if passphrase:
        from cryptography.fernet import Fernet

        salt = secrets.token_bytes(_SALT_BYTES)
        content = SEALED + salt + Fernet(_key(passphrase, salt)).encrypt(content)
    else:
        content = PLAIN + content
    fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(MAGIC + content)
        handle.flush()
        os.fsync(handle.fileno())
    return manifest


def _head(db: sqlite3.Connection) -> str | None:
    from graph.audit import AuditTrail

    has_trail = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_entries'").fetchone()
    return str(AuditTrail(db).head()) if has_trail else None


def is_sealed(backup_file: str | os.PathLike) -> bool:
    with open(backup_file, "rb") as handle:
        return handle.read(len(MAGIC) + len(SEALED)) == MAGIC + SEALED


def _open(backup_file: Path, passphrase: str | None) -> tarfile.TarFile:
    content = backup_file.read_bytes()
    if not content.startswith(MAGIC):
        raise BackupError(f"{backup_file} is not a backup of the register")
    content = content[len(MAGIC):]
    if content.startswith(SEALED):
        if not passphrase:
            raise BackupError(f"{backup_file} is encrypted: give its passphrase")
        from cryptography.fernet import Fernet, InvalidToken

        content = content[len(SEALED):]
        salt, sealed = content[:_SALT_BYTES], content[_SALT_BYTES:]
        try:
            content = Fernet(_key(passphrase, salt)).decrypt(sealed)
        except InvalidToken:
            raise BackupError("the passphrase is wrong, or the backup was changed since it "
                              "was made: nothing was restored") from None
    elif content.startswith(PLAIN):
        content = content[len(PLAIN):]
    else:
        raise BackupError(f"{backup_file} is not a backup of the register")
    try:
        return tarfile.open(fileobj=io.BytesIO(content), mode="r")
    except tarfile.TarError:
        raise BackupError(f"{backup_file} is damaged: nothing was restored") from None


def restore(backup_file: str | os.PathLike, data_dir: str | os.PathLike,
            passphrase: str | None = None) -> Manifest:
    """Restore a backup into `data_dir`, which must be empty or not exist yet."""
    backup_file, data_dir = Path(backup_file), Path(data_dir)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(f"{data_dir} is not empty: restore into a new or empty folder, so "
                          f"that nothing there is overwritten")
    with _open(backup_file, passphrase) as tar:
        try:
            manifest = Manifest(**json.load(tar.extractfile(MANIFEST)))
            if not (isinstance(manifest.files, list)
                    and all(isinstance(name, str) for name in manifest.files)):
                raise TypeError("the manifest's files are not a list of names")
        except (KeyError, TypeError, ValueError):
            raise BackupError(f"{backup_file} has no readable manifest: nothing was restored") from None
        if manifest.format > FORMAT or _version(manifest.release) > _version(release()):
            raise BackupError(f"this backup was made by release {manifest.release}, newer than "
                              f"this register ({release()}): restore it with that release or "
                              f"a later one")
        members = _checked_members(tar, manifest, backup_file)
        with tempfile.TemporaryDirectory(dir=data_dir.parent if data_dir.parent.exists()
                                         else None) as scratch:
            unpacked = Path(scratch) / "data"
            for member, name in members:
                target = unpacked.joinpath(*name.split("/"))
                private_folder(target.parent)
                with tar.extractfile(member) as source, open(
                        os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                PRIVATE_FILE_MODE), "wb") as sink:
                    shutil.copyfileobj(source, sink)
            _check_trail(unpacked, manifest)
            if manifest.secret_key is True:
                _put_key_back(tar, backup_file)
            private_folder(data_dir)
            for path in unpacked.iterdir():
                os.replace(path, data_dir / path.name)
    return manifest


def _checked_members(tar: tarfile.TarFile, manifest: Manifest,
                     backup_file: Path) -> list[tuple[tarfile.TarInfo, str]]:
    """Every member of the archive, checked before anything is written: each must be a
    regular file under data/ with a plain relative name the manifest lists, once. Links
    (symbolic or hard), devices, folders, absolute names and names with `..` are refused,
    so a crafted archive can write nowhere outside the data folder."""
    members: list[tuple[tarfile.TarInfo, str]] = []
    seen: set[str] = set()
    for member in tar.getmembers():
        if member.name == MANIFEST and member.isfile():
            continue
        if member.name == KEY_MEMBER and manifest.secret_key is True and member.isfile():
            continue  # the secret key, put back by _put_key_back
        name = member.name.removeprefix("data/")
        parts = name.split("/")
        plain = (member.name.startswith("data/") and "\\" not in name
                 and all(part not in ("", ".", "..") for part in parts))
        if not (member.isfile() and plain and name in manifest.files and name not in seen):
            raise BackupError(f"{backup_file} holds an unexpected entry (only the data "
                              f"folder's own files may be restored, by relative name, with no "
                              f"links or devices): nothing was restored")
        seen.add(name)
        members.append((member, name))
    return members


def _put_key_back(tar: tarfile.TarFile, backup_file: Path) -> None:
    """Write back the secret key a sealed backup carries (graph/secret_key.py)."""
    from graph.secret_key import SecretKeyError, put_back

    try:
        key = tar.extractfile(KEY_MEMBER).read()
    except (KeyError, AttributeError):
        raise BackupError(f"{backup_file} says it holds the secret key but does not: nothing "
                          f"was restored") from None
    try:
        put_back(key)
    except SecretKeyError as error:
        raise BackupError(f"{error}: nothing was restored") from None


def _check_trail(folder: Path, manifest: Manifest) -> None:
    from graph.audit import AuditTrail, Head

    path = folder / SERVICE_DATABASE_NAME
    if manifest.audit_head is None or not path.exists():
        return
    db = sqlite3.connect(path)
    try:
        result = AuditTrail(db).verify(Head.parse(manifest.audit_head))
    finally:
        db.close()
    if not result.ok:
        raise BackupError(f"the audit trail in the backup is broken ({result.problem}): "
                          f"nothing was restored")
