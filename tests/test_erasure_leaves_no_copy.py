"""An erasure leaves no copy (docs/data-protection.md, "Erasure leaves no copy"): after
`relreg erase` or the erasure page, the person's names, date of birth and identifiers are
in no file of the data folder, nor in a backup made after, in any form the register could
have written them: UTF-8 composed (NFC) or decomposed (NFD), upper or lower case,
JSON-escaped (\\u00eb), or as the identity table folds names. The test reads raw bytes,
SQLite pages and write-ahead logs included, after first putting the person through every
path that makes a copy: the identity table, an import preview left waiting, an import, an
approach report with evidence, a hold placed and lifted whose reasons name them, a hold on
someone else whose reason names them, reviewers' reasons, a declaration, another person's
declaration and another person's report whose words name them, audit entries and a
subject access request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest

import api.identity.accounts
from api.privacy import erase, holds, holds_on, lift_hold, place_hold, subject_access
from graph.intake.exchange import write_folder
from graph.intake.identity import Identity, IdentityTable
from tests.api_world import FAST_HASHER, ServiceUnderTest, small_trust
from tests.test_pages import Browser

ROOT = Path(__file__).resolve().parent.parent
GIVEN, FAMILY = "Zoë", "Brontë-Núñez"
FULL = f"{GIVEN} {FAMILY}"
BORN, BORN_AS_IMPORTED = dt.date(2015, 7, 19), dt.date(2015, 7, 18)
EMAIL, UPN = "zoe.bronte.nunez@home.example", "A820307123456"
PASSPHRASE = "a passphrase kept apart from the backup"


def forms() -> set[bytes]:
    """Every way the person may have been written down."""
    words = set()
    for text in (FULL, FAMILY, GIVEN):
        for cased in (text, text.upper(), text.lower(), text.title()):
            for normal in ("NFC", "NFD"):
                words.add(unicodedata.normalize(normal, cased))
    found = set()
    for word in words:
        found.add(word.encode())
        found.add(json.dumps(word)[1:-1].encode())  # \u00eb
        found.add(json.dumps(word)[1:-1].upper().replace("\\U", "\\u").encode())  # \u00EB
    found |= {b"zoe bronte nunez", b"bronte nunez", b"bronte-nunez", EMAIL.encode(),
              UPN.encode()}
    for day in (BORN, BORN_AS_IMPORTED):
        found |= {day.isoformat().encode(), day.strftime("%d/%m/%Y").encode(),
                  day.strftime("%Y%m%d").encode()}
    return found


FORMS = forms()


def copies(files: dict[str, bytes]) -> dict[str, set[bytes]]:
    """{file: the forms of the person found in its raw bytes}."""
    found = {}
    for name, content in files.items():
        hits = {form for form in FORMS if form in content}
        if hits:
            found[name] = hits
    return found


def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def relreg(*args, **env):
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **env})


def zipped(world, folder: Path) -> bytes:
    """An exchange folder as a zip, stored uncompressed: a copy left of it shows in the
    raw bytes."""
    write_folder(world, folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    return buffer.getvalue()


def the_trust():
    world = small_trust()
    world.people["P1"] = dataclasses.replace(world.people["P1"], given_name="Zoe",
                                             family_name="Bronte-Nunez",
                                             date_of_birth=BORN_AS_IMPORTED)
    return world


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path, world=the_trust())
    yield served
    if not getattr(served, "closed", False):
        served.close()


def every_copy_made(service, tmp_path) -> dict[str, str]:
    """P1 (Zoë Brontë-Núñez) goes through everything that writes her down. Returns the
    ids of the declaration and the report that others made about others, naming her."""
    register = service.register
    with IdentityTable(register.data_dir) as identity:  # as an MIS import leaves them
        identity.add({"P1": Identity.of(GIVEN, FAMILY, BORN, upn=UPN, emails=[EMAIL])})
        identity.add_preferred_names({"P1": (GIVEN, FAMILY)})
    corrected = the_trust()
    corrected.people["P1"] = dataclasses.replace(corrected.people["P1"], given_name=GIVEN,
                                                 family_name=FAMILY, date_of_birth=BORN)
    admin = Browser(service, "admin")
    imported = admin.post("/admin/import", files={
        "file": ("trust.zip", zipped(corrected, tmp_path / "corrected"))})
    assert imported.status_code == 200 and "was imported" in imported.text
    assert service.store.person("P1").name == FULL
    left_waiting = dataclasses.replace(corrected.people["P1"], family_name=FAMILY.upper())
    corrected.people["P1"] = left_waiting
    previewed = admin.post("/admin/import", {"action": "preview"}, files={
        "file": ("trust.zip", zipped(corrected, tmp_path / "waiting"))})
    assert previewed.status_code == 200 and "preview" in previewed.text.lower()

    evidence = f"Message from {FULL}, born {BORN:%d/%m/%Y}: add me!".encode()
    reported = service.post("T1", "/api/approaches", data={
        "from_id": "P1", "channel": "instagram", "occurred_on": "2026-11-20",
        "summary": f"{FULL} sent a request"},
        files={"evidence": (f"{FULL}.txt", evidence, "text/plain")})
    assert reported.status_code == 201, reported.text
    declared = service.post("T2", "/api/declarations", json={
        "counterpart_id": "P1", "basis": "family_member", "details": f"{FULL} is my niece"})
    assert declared.status_code == 201, declared.text

    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    moved = service.post("L1", f"/api/cases/{case_id}/moves", json={
        "to_state": "in_review", "reason": f"spoke to {FULL.upper()}'s mother"})
    assert moved.status_code == 200
    other_case = service.case_of("pupil-contact", "BT1", "P2", who="BL1")["finding_id"]
    assert service.post("BL1", f"/api/cases/{other_case}/moves", json={
        "to_state": "in_review",
        "reason": f"{unicodedata.normalize('NFD', FULL)} is P2's cousin"}).status_code == 200

    place_hold(register, "account:dsl", "P1", f"{FULL}: LADO informed")
    lift_hold(register, "account:dsl", "P1", f"concern about {FULL.lower()} closed")
    place_hold(register, "account:dsl", "P2", f"P2 was with {FULL} when it happened")

    others = service.post("T1", "/api/declarations", json={
        "counterpart_id": "M1", "basis": "family_friend",
        "details": f"M1 is the mother of {FULL}; we met at the school gate"})
    assert others.status_code == 201, others.text
    others_report = service.post("BL1", "/api/approaches", data={
        "from_id": "P2", "channel": "facebook", "occurred_on": "2026-11-21",
        "summary": f"P2 asked to follow me, to hear how {FULL.upper()} was doing"})
    assert others_report.status_code == 201, others_report.text
    named = {"declaration": others.json()["declaration_id"],
             "report": others_report.json()["report_id"]}
    assert FULL in service.store.declaration(named["declaration"]).details
    assert FULL.upper() in service.store.approach(named["report"]).summary
    assert service.get("L1", "/api/people/P1/network").status_code == 200
    subject_access(register, "account:admin", "P1", reveal={"M1": f"asked for by {FULL}'s mother"})
    return named


def test_no_copy_is_left_after_an_erasure_on_the_page(service, tmp_path):
    named = every_copy_made(service, tmp_path)
    data = service.register.data_dir
    before = copies(folder_files(data))
    written = {name.split("/")[0].removesuffix("-wal") for name in before}
    assert {"register.sqlite3", "service.sqlite3", "identity.sqlite3", "evidence",
            "pending-imports"} <= written, "every copy the register makes exists first"

    admin = Browser(service, "admin")
    shown = admin.get("/privacy", params={"person_id": "P1"})
    assert "import previews waiting to be imported, discarded: 1" in shown.text
    assert "the name replaced by [erased]: 2" in shown.text
    erased = admin.post("/privacy/erase", {"person_id": "P1"})
    assert erased.status_code == 303, erased.text
    assert service.store.person("P1") is None

    assert copies(folder_files(data)) == {}
    the_backups_hold_no_copy(data, tmp_path)
    assert service.store.declaration(named["declaration"]).details == \
        "M1 is the mother of [erased]; we met at the school gate", "the rest of the words stay"
    assert service.store.approach(named["report"]).summary == \
        "P2 asked to follow me, to hear how [erased] was doing"
    register = service.register
    [kept] = holds(register)
    assert kept.person_id == "P2" and kept.reason == "P2 was with [erased] when it happened"
    assert holds_on(register, "P1") == []
    assert register.audit.verify().ok


def test_no_copy_is_left_after_relreg_erase(service, tmp_path):
    every_copy_made(service, tmp_path)
    data = service.register.data_dir
    service.close()
    service.closed = True  # the command opens the data folder as the service would
    done = relreg("erase", "P1", "--yes", "--data", data)
    assert done.returncode == 0, done.stderr
    assert copies(folder_files(data)) == {}
    the_backups_hold_no_copy(data, tmp_path)
    assert relreg("audit", "verify", "--data", data).returncode == 0


def the_backups_hold_no_copy(data: Path, tmp_path: Path) -> None:
    plain, sealed = tmp_path / "plain.backup", tmp_path / "sealed.backup"
    assert relreg("backup", plain, "--data", data).returncode == 0
    made = relreg("backup", sealed, "--encrypt", "--data", data,
                  RELREG_BACKUP_PASSPHRASE=PASSPHRASE)
    assert made.returncode == 0, made.stderr
    assert copies({"plain": plain.read_bytes()}) == {}, "the archive is not compressed"
    for backup in (plain, sealed):
        restored = tmp_path / f"restored-{backup.stem}"
        done = relreg("restore", backup, "--data", restored, RELREG_BACKUP_PASSPHRASE=PASSPHRASE)
        assert done.returncode == 0, done.stderr
        assert copies(folder_files(restored)) == {}


def test_an_evidence_file_another_report_shares_stays(service):
    """Evidence files are kept under their content's digest: the same file attached to a
    report of someone else stays with it when the first report's people are erased."""
    register = service.register

    def report(who: str, content: bytes) -> str:
        made = service.post(who, "/api/approaches", data={
            "from_id": "P1", "channel": "instagram", "occurred_on": "2026-11-20"},
            files={"evidence": ("message.txt", content, "text/plain")})
        assert made.status_code == 201, made.text
        return made.json()["report_id"]

    shared, own = b"the same screenshot, sent twice", b"only T2 kept this"
    kept = report("T1", shared)
    report("T2", shared)
    report("T2", own)
    assert len(list(register.evidence.folder.iterdir())) == 2
    erase(register, "account:admin", "T2")
    [evidence] = register.evidence.of_report(kept)
    assert register.evidence.content(evidence) == shared
    assert [p.read_bytes() for p in register.evidence.folder.iterdir()] == [shared]


# -- the databases: what is deleted is in no page and no write-ahead log -------------------

def raw(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_what_the_register_deletes_is_zeroed_in_its_pages(tmp_path):
    from graph.sqlite import open_database

    path = tmp_path / "service.sqlite3"
    db = open_database(path)
    db.execute("CREATE TABLE reasons (reason TEXT)")
    db.executemany("INSERT INTO reasons VALUES (?)", [(f"{i}: {FULL}",) for i in range(500)])
    db.execute("INSERT INTO reasons VALUES ('kept')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert FULL.encode() in raw(path)
    db.execute("DELETE FROM reasons WHERE reason != 'kept'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no rebuild: the delete itself zeroed them
    assert FULL.encode() not in raw(path)
    assert db.execute("SELECT reason FROM reasons").fetchall() == [("kept",)]


def test_what_an_older_release_left_in_free_pages_is_gone_after_an_erasure(tmp_path):
    import sqlite3

    from graph.sqlite import leave_no_copy, open_database

    path = tmp_path / "register.sqlite3"
    older = sqlite3.connect(path, isolation_level=None)  # an earlier release: no zeroing
    older.execute("PRAGMA journal_mode=WAL")
    older.execute("PRAGMA secure_delete=OFF")
    older.execute("CREATE TABLE people (name TEXT)")
    older.executemany("INSERT INTO people VALUES (?)", [(f"{FULL} {i}",) for i in range(500)])
    older.execute("DELETE FROM people")
    older.close()
    assert FULL.encode() in raw(path), "left in free pages"
    db = open_database(path)
    assert leave_no_copy(db)
    assert FULL.encode() not in raw(path)


def test_the_write_ahead_log_is_emptied_while_another_connection_stays_open(tmp_path):
    from graph.sqlite import leave_no_copy, open_database

    path = tmp_path / "identity.sqlite3"
    db, other = open_database(path), open_database(path)
    db.execute("CREATE TABLE identifiers (value TEXT)")
    db.execute("INSERT INTO identifiers VALUES (?)", (EMAIL,))
    assert other.execute("SELECT value FROM identifiers").fetchall() == [(EMAIL,)]
    db.execute("DELETE FROM identifiers")
    assert EMAIL.encode() in path.with_name(path.name + "-wal").read_bytes()
    assert leave_no_copy(db)
    assert path.with_name(path.name + "-wal").stat().st_size == 0
    assert EMAIL.encode() not in raw(path)
    assert other.execute("SELECT COUNT(*) FROM identifiers").fetchone() == (0,)


# -- the demo, and previews that expire ----------------------------------------------------

def test_the_demos_exchange_files_no_longer_hold_an_erased_person(tmp_path, monkeypatch):
    from api.demo import seed_demo_trust
    from api.main import create_app
    from graph.store.embedded import EmbeddedStore

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    data = tmp_path / "demo"
    store = EmbeddedStore(data)
    assert seed_demo_trust(store, data, people=400)
    register = create_app(store, data / "service.sqlite3").state.register
    person = next(p for p in store.export_world().people.values() if p.date_of_birth)
    row = f"{person.person_id},{person.given_name},{person.family_name}".encode()
    assert row in (data / "demo-trust" / "people.csv").read_bytes()
    erase(register, "account:admin", person.person_id)
    files = folder_files(data / "demo-trust")
    assert not [name for name, content in files.items()
                if row in content or f"{person.person_id},".encode() in content]
    assert len((data / "demo-trust" / "people.csv").read_text().splitlines()) == \
        len(store.export_world().people) + 1, "everyone else is still there"
    register.close()
    store.close()


def test_a_preview_left_waiting_expires_after_the_setting(tmp_path, monkeypatch):
    from api.settings import Settings

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, world=the_trust(),
                               settings=Settings(import_preview_hours=2))
    try:
        admin = Browser(service, "admin")
        same = admin.post("/admin/import", {"action": "preview"}, files={
            "file": ("same.zip", zipped(the_trust(), tmp_path / "same"))})
        assert "importing it would change nothing" in same.text
        assert not list((service.register.data_dir / "pending-imports").iterdir())
        changed = the_trust()
        changed.people["P1"] = dataclasses.replace(changed.people["P1"], given_name=GIVEN)
        previewed = admin.post("/admin/import", {"action": "preview"}, files={
            "file": ("trust.zip", zipped(changed, tmp_path / "folder"))})
        pending = re.search(r'name="pending" value="([^"]+)"', previewed.text).group(1)
        waiting = service.register.data_dir / "pending-imports" / pending
        assert waiting.is_file()
        service.now += 2 * 3600 - 1
        admin.get("/admin/import")
        assert waiting.is_file(), "not yet two hours"
        service.now += 2
        late = admin.post("/admin/import", {"action": "import", "pending": pending})
        assert late.status_code == 422 and "Choose the file to import" in late.text
        assert not waiting.exists()
    finally:
        service.close()


def test_a_name_is_found_in_free_text_however_it_was_written():
    import doctest

    import graph.mentions
    from graph.mentions import Mentions

    assert doctest.testmod(graph.mentions).failed == 0
    names = Mentions([FULL])
    for written in (FULL, FULL.upper(), FULL.lower(), unicodedata.normalize("NFD", FULL),
                    json.dumps(f"spoke to {FULL}"), "Zoe Bronte Nunez", "zoë  brontë\nnúñez"):
        assert names.found_in(f"the reason: {written}, and more"), written
    for other in ("Zoë Brontë", "Zoë", "Zoëlle Brontë-Núñezová", ""):
        assert not names.found_in(other), other
    assert names.removed_from(f"P2 was with {FULL.upper()} when") == "P2 was with [erased] when"
    assert names.removed_from("P2 was with Zoe Bronte Nunez") == "P2 was with [erased]"
