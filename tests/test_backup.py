"""Backups a school can rely on: taken while the service writes, optionally encrypted,
restored only into an empty folder with the audit chain checked, and giving back exactly
what was there."""

import filecmp
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graph.audit import AuditTrail
from graph.backup import BackupError, backup, restore
from graph.intake.exchange import write_folder
from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db, transaction
from graph.store.embedded import EmbeddedStore
from tests.scenarios import school

ROOT = Path(__file__).resolve().parent.parent


def relreg(*args, env=None):
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    assert relreg("import", tmp_path / "trust", "--data", data).returncode == 0
    assert relreg("reevaluate", "--data", data).returncode == 0
    return data


def test_backup_and_restore_give_back_exactly_what_was_there(data, tmp_path):
    env = {"RELREG_BACKUP_PASSPHRASE": "a long passphrase for the safe"}
    made = relreg("backup", tmp_path / "register.backup", "--encrypt", "--data", data, env=env)
    assert made.returncode == 0, made.stderr
    assert b"FamilyP1" not in (tmp_path / "register.backup").read_bytes(), "encrypted"
    restored = relreg("restore", tmp_path / "register.backup", "--data", tmp_path / "again",
                      env=env)
    assert restored.returncode == 0, restored.stderr
    assert relreg("export", tmp_path / "before", "--data", data).returncode == 0
    assert relreg("export", tmp_path / "after", "--data", tmp_path / "again").returncode == 0
    compared = filecmp.dircmp(tmp_path / "before", tmp_path / "after")
    assert compared.left_list == compared.right_list and compared.diff_files == []
    db = open_service_db(tmp_path / "again" / SERVICE_DATABASE_NAME)
    old = open_service_db(data / SERVICE_DATABASE_NAME)
    assert AuditTrail(db).head() == AuditTrail(old).head()
    assert AuditTrail(db).verify().ok


def test_restore_refuses_what_it_must(data, tmp_path):
    backup(data, tmp_path / "plain.backup")
    with pytest.raises(BackupError, match="not empty"):
        restore(tmp_path / "plain.backup", data)
    backup(data, tmp_path / "sealed.backup", "right passphrase")
    with pytest.raises(BackupError, match="passphrase is wrong"):
        restore(tmp_path / "sealed.backup", tmp_path / "new", "wrong passphrase")
    with pytest.raises(BackupError, match="encrypted"):
        restore(tmp_path / "sealed.backup", tmp_path / "new")
    assert not (tmp_path / "new").exists() or not any((tmp_path / "new").iterdir())
    over = relreg("restore", tmp_path / "plain.backup", "--data", data)
    assert over.returncode == 1 and "not empty" in over.stderr and "Traceback" not in over.stderr


def rewrite_manifest(path: Path, out: Path, change) -> None:
    import io
    import tarfile

    from graph.backup import MAGIC, PLAIN

    content = path.read_bytes()[len(MAGIC) + len(PLAIN):]
    source = tarfile.open(fileobj=io.BytesIO(content))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as target:
        for member in source.getmembers():
            body = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(body)
                change(manifest)
                body = json.dumps(manifest).encode()
                member.size = len(body)
            target.addfile(member, io.BytesIO(body))
    out.write_bytes(MAGIC + PLAIN + buffer.getvalue())


def test_a_backup_from_a_newer_release_is_refused(data, tmp_path):
    backup(data, tmp_path / "plain.backup")
    rewrite_manifest(tmp_path / "plain.backup", tmp_path / "newer.backup",
                     lambda m: m.update(release="99.0.0"))
    with pytest.raises(BackupError, match="newer than this register"):
        restore(tmp_path / "newer.backup", tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_a_backup_whose_trail_does_not_reach_its_head_is_refused(data, tmp_path):
    backup(data, tmp_path / "plain.backup")
    rewrite_manifest(tmp_path / "plain.backup", tmp_path / "cut.backup",
                     lambda m: m.update(audit_head=f"999:{'a' * 64}"))
    with pytest.raises(BackupError, match="audit trail in the backup is broken"):
        restore(tmp_path / "cut.backup", tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_a_backup_taken_while_writes_go_on_is_consistent(data, tmp_path):
    db = open_service_db(data / SERVICE_DATABASE_NAME)
    trail = AuditTrail(db)
    stop = threading.Event()

    def write():
        while not stop.is_set():
            with transaction(db):
                trail.record(actor="account:1", action="person.network.view",
                             object_kind="person", subjects=["P1"])

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for n in range(3):
            backup(data, tmp_path / f"{n}.backup")
            restore(tmp_path / f"{n}.backup", tmp_path / f"restored-{n}")
    finally:
        stop.set()
        writer.join()
        db.close()
    for n in range(3):
        restored = open_service_db(tmp_path / f"restored-{n}" / SERVICE_DATABASE_NAME)
        assert AuditTrail(restored).verify().ok
        restored.close()
        with EmbeddedStore(tmp_path / f"restored-{n}") as store:
            assert "P1" in store.export_world().people


@pytest.mark.neo4j
def test_on_neo4j_the_backup_holds_the_registers_part(neo4j_store, tmp_path, monkeypatch):
    import api.identity.accounts
    from tests.api_world import FAST_HASHER, ServiceUnderTest

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path, store=neo4j_store)
    head = served.register.audit.head()
    try:
        manifest = backup(tmp_path / "data", tmp_path / "neo4j-side.backup")
    finally:
        served.http.close()
        served.register.close()
    assert SERVICE_DATABASE_NAME in manifest.files
    assert "register.sqlite3" not in manifest.files, "the facts are Neo4j's to back up"
    restore(tmp_path / "neo4j-side.backup", tmp_path / "again")
    db = open_service_db(tmp_path / "again" / SERVICE_DATABASE_NAME)
    assert AuditTrail(db).head() == head and AuditTrail(db).verify(head).ok
    assert len(AuditTrail(db).entries(action="case.raised")) == 2
    db.close()


def crafted_backup(path: Path, members) -> None:
    """A plain backup built by hand, as someone handing over a hostile file would: each
    member is (TarInfo, body or None), and the manifest lists every member's name."""
    import io
    import tarfile

    from graph.backup import MAGIC, PLAIN

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, body in members:
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
        names = [info.name.removeprefix("data/") for info, _ in members]
        manifest = json.dumps({"format": 1, "release": "0", "made_at": "2026-12-01T00:00:00+00:00",
                               "files": names, "audit_head": None}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    path.write_bytes(MAGIC + PLAIN + buffer.getvalue())


def regular(name: str, body: bytes = b"evidence bytes"):
    import tarfile

    info = tarfile.TarInfo(name)
    info.size = len(body)
    return info, body


def special(name: str, kind: bytes, linkname: str = ""):
    import tarfile

    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    if kind == tarfile.CHRTYPE:
        info.devmajor, info.devminor = 1, 3  # /dev/null's numbers
    return info, None


def every_file(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.mark.parametrize("hostile", [
    "absolute path", "dot-dot path", "symlink", "hardlink", "device", "a bad one after good ones",
])
def test_a_crafted_backup_writes_nothing_anywhere(tmp_path, hostile):
    import tarfile

    outside = tmp_path / "outside"
    outside.mkdir()
    good = [regular("data/evidence/one.bin"), regular("data/mappings/two.json", b"{}")]
    members = {
        "absolute path": [regular(f"{outside}/planted")],
        "dot-dot path": [regular("data/../../outside/planted")],
        "symlink": [special("data/link", tarfile.SYMTYPE, str(outside / "planted"))],
        "hardlink": [regular("data/evidence/one.bin"),
                     special("data/hard", tarfile.LNKTYPE, "data/evidence/one.bin")],
        "device": [special("data/null", tarfile.CHRTYPE)],
        "a bad one after good ones": [*good, regular("data/../../outside/planted")],
    }[hostile]
    crafted_backup(tmp_path / "crafted.backup", members)
    before = every_file(tmp_path)
    with pytest.raises(BackupError, match="unexpected entry.*nothing was restored"):
        restore(tmp_path / "crafted.backup", tmp_path / "new")
    assert every_file(tmp_path) == before, "no file written, inside the folder or out"
    assert not (tmp_path / "new").exists()
    said = relreg("restore", tmp_path / "crafted.backup", "--data", tmp_path / "new")
    assert said.returncode == 1 and "nothing was restored" in said.stderr
    assert "Traceback" not in said.stderr and every_file(tmp_path) == before


def test_a_crafted_backup_of_plain_files_restores_them_where_they_belong(tmp_path):
    crafted_backup(tmp_path / "crafted.backup", [regular("data/evidence/one.bin"),
                                                 regular("data/mappings/two.json", b"{}")])
    restore(tmp_path / "crafted.backup", tmp_path / "new")
    assert every_file(tmp_path / "new") == {"evidence", "evidence/one.bin", "mappings",
                                            "mappings/two.json"}
    assert (tmp_path / "new" / "mappings" / "two.json").read_bytes() == b"{}"
