"""Every change to the facts is audited, from the service and from the command line alike,
and a change and its entry stand or fall together: proven by failing each side of the write
and by killing the process in between."""

import getpass
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph.audit import AuditTrail, audited_change
from graph.intake.exchange import write_folder
from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db, transaction
from graph.store.embedded import EmbeddedStore
from tests.scenarios import school

ROOT = Path(__file__).resolve().parent.parent
ME = f"os:{getpass.getuser()}"


def relreg(*args):
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)


def trail_of(data):
    db = open_service_db(Path(data) / SERVICE_DATABASE_NAME)
    return AuditTrail(db)


def test_relreg_import_is_audited_with_the_os_user_as_actor(tmp_path):
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    result = relreg("import", tmp_path / "trust", "--data", tmp_path / "data")
    assert result.returncode == 0, result.stderr
    verified = relreg("audit", "verify", "--data", tmp_path / "data")
    assert verified.returncode == 0, verified.stderr
    trail = trail_of(tmp_path / "data")
    [entry] = trail.entries(action="import")
    assert entry.actor == ME and entry.outcome == "ok"
    # Written ahead, the entry still holds what the import changed once it was made.
    assert entry.details["counts"]["people_added"] > 0


def test_reevaluate_and_add_account_name_the_os_user(tmp_path):
    data = tmp_path / "data"
    with EmbeddedStore(data) as store:
        store.import_world(school().build())
    assert relreg("reevaluate", "--data", data).returncode == 0
    made = subprocess.run([sys.executable, "-m", "api.cli", "add-account", "boss",
                           "--role", "trust_admin", "--password", "a long enough password",
                           "--data", str(data)], cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    trail = trail_of(data)
    assert [e.actor for e in trail.entries(action="findings.reevaluate")] == [ME]
    assert [e.actor for e in trail.entries(action="account.create")] == [ME]


@pytest.fixture
def store_and_trail(tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    trail = trail_of(tmp_path / "data")
    yield store, trail
    trail.db.close()
    store.close()


def test_a_failed_store_write_leaves_no_entry_and_no_facts(store_and_trail, monkeypatch):
    store, trail = store_and_trail

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write", broken)
    with pytest.raises(OSError):
        with audited_change(trail, store, actor=ME, action="facts.import", object_kind="register"):
            store.import_world(school().build())
    assert store.is_empty()
    assert trail.entries() == []
    assert trail.db.execute("SELECT COUNT(*) FROM audit_intents").fetchone()[0] == 0


def test_a_failed_audit_write_is_made_good_at_the_next_start(store_and_trail, monkeypatch):
    store, trail = store_and_trail

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(AuditTrail, "complete", broken)
        with pytest.raises(OSError):
            with audited_change(trail, store, actor=ME, action="facts.import",
                                object_kind="register"):
                store.import_world(school().build())
    assert not store.is_empty()
    assert trail.entries() == [], "the change is made, its entry not yet"
    with transaction(trail.db):
        trail.reconcile(store.applied)
    [entry] = trail.entries()
    assert (entry.action, entry.actor, entry.outcome) == ("facts.import", ME, "ok")
    assert entry.details["found_at_start"] is True
    assert trail.verify().ok


KILLED_BETWEEN = """
    import os, signal, sys
    from graph.audit import AuditTrail
    from api.cli import main

    def die(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    {patch}
    main({args!r})
"""


def kill_during_import(tmp_path, patch):
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    args = ["import", str(tmp_path / "trust"), "--data", str(tmp_path / "data")]
    script = textwrap.dedent(KILLED_BETWEEN.format(patch=patch, args=args))
    process = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                             text=True)
    assert process.returncode == -9, process.stderr


def test_kill_9_after_the_store_commits_still_audits_the_import(tmp_path):
    kill_during_import(tmp_path, "AuditTrail.complete = die")
    with EmbeddedStore(tmp_path / "data") as store:
        assert not store.is_empty()
    trail = trail_of(tmp_path / "data")
    assert trail.entries() == []
    trail.db.close()
    # Any start reconciles: here the next command.
    assert relreg("reevaluate", "--data", tmp_path / "data").returncode == 0
    trail = trail_of(tmp_path / "data")
    [entry] = trail.entries(action="import")
    assert entry.actor == ME and entry.details["found_at_start"] is True
    assert trail.verify().ok


def test_kill_9_before_the_store_commits_leaves_neither(tmp_path):
    kill_during_import(tmp_path, "from graph.store.embedded import EmbeddedStore\n"
                                 "    EmbeddedStore._write = die")
    assert relreg("reevaluate", "--data", tmp_path / "data").returncode == 0
    with EmbeddedStore(tmp_path / "data") as store:
        assert store.is_empty()
    trail = trail_of(tmp_path / "data")
    assert trail.entries(action="import") == []
    assert trail.db.execute("SELECT COUNT(*) FROM audit_intents").fetchone()[0] == 0


def test_a_store_that_cannot_tell_leaves_an_entry_marked_unknown(store_and_trail, monkeypatch):
    store, trail = store_and_trail
    monkeypatch.setattr(store, "applied", lambda intent: None)  # as Neo4j answers

    def broken(*_args):
        raise OSError("connection lost")

    monkeypatch.setattr(store, "_write", broken)
    with pytest.raises(OSError):
        with audited_change(trail, store, actor=ME, action="facts.import", object_kind="register"):
            store.import_world(school().build())
    [entry] = trail.entries()
    assert entry.outcome == "unknown", "a change that may have happened is never left out"
