"""The audit trail: a hash chain that shows any change, from which a person's details can
be erased without breaking it; `relreg audit verify` says which."""

import shutil
import sqlite3
import subprocess
import sys

import pytest
import time_machine

from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
from graph.audit import AuditTrail


@pytest.fixture
def trail(tmp_path):
    db = open_service_db(tmp_path / SERVICE_DATABASE_NAME)
    yield AuditTrail(db)
    db.close()


def fill(trail):
    trail.record(actor="account:3", action="person.network.view", object_kind="person",
                 object_id="pupil-alba", subjects=["pupil-alba"], client="10.1.2.3", depth=2)
    trail.record(actor="account:1", action="declaration.create", object_kind="declaration",
                 object_id="declaration-42", subjects=["teacher-tom", "mother-may"], client="10.1.2.4")
    trail.record(actor="account:3", action="declaration.decide", object_kind="declaration",
                 object_id="declaration-42", subjects=["teacher-tom", "mother-may"], reason="known to the school")


def tamper(trail, sql, *params):
    """What someone with the database file could do: drop the guards, then edit."""
    trail.db.execute("PRAGMA foreign_keys=OFF")
    trail.db.execute("DROP TRIGGER audit_entries_are_never_changed")
    trail.db.execute("DROP TRIGGER audit_entries_are_never_deleted")
    trail.db.execute(sql, params)


def test_an_untouched_trail_verifies(trail):
    fill(trail)
    result = trail.verify()
    assert result.ok and result.entries == 3 and result.erased == 0
    entries = trail.entries()
    assert [e.action for e in entries] == ["person.network.view", "declaration.create",
                                           "declaration.decide"]
    assert entries[0].details == {"object_id": "pupil-alba", "subjects": ["pupil-alba"], "client": "10.1.2.3",
                                  "depth": 2}


def test_the_trail_refuses_edits_and_deletes(trail):
    fill(trail)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        trail.db.execute("UPDATE audit_entries SET actor = 'account:9' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        trail.db.execute("DELETE FROM audit_entries WHERE seq = 3")


@pytest.mark.parametrize("sql, params, bad_seq", [
    ("UPDATE audit_entries SET actor = ? WHERE seq = 2", ("account:9",), 2),
    ("UPDATE audit_entries SET action = ? WHERE seq = 1", ("sign_in",), 1),
    ("DELETE FROM audit_entries WHERE seq = ?", (2,), 3),  # the entry after the gap
    ("UPDATE audit_details SET details = replace(details, 'known', 'unknown') WHERE seq = ?",
     (3,), 3),
])
def test_any_change_breaks_the_chain_where_it_was_made(trail, sql, params, bad_seq):
    fill(trail)
    tamper(trail, sql, *params)
    result = trail.verify()
    assert not result.ok
    assert result.first_bad_seq == bad_seq


def test_erasing_a_person_leaves_the_chain_verifiable(trail):
    fill(trail)
    trail.record(actor="account:2", action="sign_in", object_kind="session", client="10.9.9.9")
    assert trail.erase_person("mother-may") == 2
    result = trail.verify()
    assert result.ok and result.entries == 5 and result.erased == 2
    entries = trail.entries()
    assert [e.details is None for e in entries] == [False, True, True, False, False]
    assert entries[-1].action == "audit.erase" and entries[-1].details["erased"] == [2, 3]
    assert [e.action for e in entries][1:3] == ["declaration.create", "declaration.decide"]
    dump = "\n".join(trail.db.iterdump())
    assert "mother-may" not in dump and "known to the school" not in dump
    assert "pupil-alba" in dump, "other people's entries are untouched"


@pytest.mark.parametrize("instant", ["2028-02-29T00:00:00Z", "2026-08-31T23:59:00Z",
                                     "2026-12-04T10:15:00Z", "2026-12-04T19:59:59Z"])
def test_what_the_chain_hashes_holds_no_personal_data(trail, instant):
    # Identifiers that no timestamp can contain: "T1" once matched 10:00 to 19:59 UTC.
    with time_machine.travel(instant, tick=False):
        fill(trail)
    chained = trail.db.execute("SELECT * FROM audit_entries").fetchall()
    text = repr(chained)
    for personal in ("pupil-alba", "teacher-tom", "mother-may", "10.1.2.3", "known to the school", "declaration-42"):
        assert personal not in text


RELREG = shutil.which("relreg")


def relreg_audit_verify(data_dir):
    command = [RELREG] if RELREG else [sys.executable, "-m", "api.cli"]
    return subprocess.run([*command, "audit", "verify", "--data", str(data_dir)],
                          capture_output=True, text=True)


def test_relreg_audit_verify(tmp_path, trail):
    fill(trail)
    result = relreg_audit_verify(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "audit trail intact: 3 entries" in result.stdout
    tamper(trail, "UPDATE audit_entries SET outcome = 'denied' WHERE seq = 2")
    result = relreg_audit_verify(tmp_path)
    assert result.returncode == 1
    assert "entry 2" in result.stderr


def test_relreg_audit_verify_without_a_service_database(tmp_path):
    result = relreg_audit_verify(tmp_path / "nothing")
    assert result.returncode != 0
    assert "no service database" in result.stderr


def test_a_details_row_removed_without_an_erasure_breaks_the_trail(trail):
    fill(trail)
    trail.erase_person("pupil-alba")  # a real erasure: entry 1
    assert trail.verify().ok
    trail.db.execute("DELETE FROM audit_details WHERE seq = 3")  # no erasure names entry 3
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert "no erasure" in result.problem


def test_a_head_held_elsewhere_catches_truncation_and_rewriting(trail):
    fill(trail)
    for n in range(50):
        trail.record(actor="account:1", action="sign_in", object_kind="session", n=n)
    head = trail.head()
    assert head.seq == 53 and str(head) == f"53:{head.hash}"
    assert trail.verify(head).ok
    later = trail.record(actor="account:1", action="sign_out", object_kind="session")
    assert later == 54 and trail.verify(head).ok, "a trail that grew still reaches the head"

    tamper(trail, "DELETE FROM audit_details WHERE seq > 3")
    trail.db.execute("DELETE FROM audit_entries WHERE seq > 3")
    assert trail.verify().ok, "without the head, a cut at the end looks intact"
    result = trail.verify(head)
    assert not result.ok and "cut from its end" in result.problem


def test_a_rewrite_with_every_hash_recomputed_fails_against_the_head(trail):
    from graph.audit import _entry_hash

    fill(trail)
    head = trail.head()
    tamper(trail, "UPDATE audit_entries SET actor = 'account:9' WHERE seq = 2")
    prev = trail.db.execute("SELECT hash FROM audit_entries WHERE seq = 1").fetchone()[0]
    for row in trail.db.execute("SELECT seq, at, actor, action, object_kind, outcome, "
                                "details_digest FROM audit_entries WHERE seq >= 2 ORDER BY seq").fetchall():
        new = _entry_hash(*row, prev)
        trail.db.execute("UPDATE audit_entries SET prev_hash = ?, hash = ? WHERE seq = ?",
                         (prev, new, row[0]))
        prev = new
    assert trail.verify().ok, "a rewrite with recomputed hashes is consistent in itself"
    result = trail.verify(head)
    assert not result.ok and result.first_bad_seq == 3 and "rewritten" in result.problem


def relreg(data_dir, *args):
    command = [RELREG] if RELREG else [sys.executable, "-m", "api.cli"]
    return subprocess.run([*command, *args, "--data", str(data_dir)], capture_output=True,
                          text=True)


def test_relreg_audit_head_and_verify_against_it(tmp_path, trail):
    fill(trail)
    printed = relreg(tmp_path, "audit", "head")
    assert printed.returncode == 0, printed.stderr
    head = printed.stdout.strip()
    assert head == str(trail.head()) and head.startswith("3:")
    assert relreg(tmp_path, "audit", "verify", "--head", head).returncode == 0
    tamper(trail, "DELETE FROM audit_details WHERE seq = 3")
    trail.db.execute("DELETE FROM audit_entries WHERE seq = 3")
    result = relreg(tmp_path, "audit", "verify", "--head", head)
    assert result.returncode == 1 and "cut from its end" in result.stderr
    bad = relreg(tmp_path, "audit", "verify", "--head", "three:abc")
    assert bad.returncode == 2 and "SEQ:HASH" in bad.stderr and "Traceback" not in bad.stderr


def forge_erasure(trail, seq):
    """What someone with the database file could do to hide entry `seq`: remove its
    details, then append an erasure naming it, exactly as the register writes one."""
    from graph.audit import ERASURE

    trail.db.execute("DELETE FROM audit_details WHERE seq = ?", (seq,))
    trail.db.execute("DELETE FROM audit_subjects WHERE seq = ?", (seq,))
    return trail.record(actor="register", action=ERASURE, object_kind="audit", erased=[seq])


def test_an_erasure_appended_after_the_head_is_no_proof(trail, tmp_path):
    fill(trail)
    head = trail.head()
    forged = forge_erasure(trail, 2)
    assert trail.verify().ok, "without a head, a forged erasure looks like a real one"
    result = trail.verify(head)
    assert not result.ok and result.first_bad_seq == forged == 4
    assert result.problem.startswith("entry 4: an erasure after the head 3")
    assert "entry 2's details" in result.problem
    said = relreg(tmp_path, "audit", "verify", "--head", str(head))
    assert said.returncode == 1 and "entry 4: an erasure after the head 3" in said.stderr


@pytest.fixture
def secret_key(monkeypatch):
    """The register's secret key, as the service has it from its first start."""
    from cryptography.fernet import Fernet

    monkeypatch.setenv("RELREG_SECRET_KEY", Fernet.generate_key().decode())


def test_a_real_erasure_after_the_head_is_proven_by_its_seal(trail, secret_key, monkeypatch):
    from cryptography.fernet import Fernet

    fill(trail)
    before = trail.head()
    trail.erase_person("mother-may")
    assert trail.verify(before).ok, "the register's seal vouches for an erasure past the head"
    after = trail.head()
    later = trail.record(actor="account:1", action="sign_in", object_kind="session")
    assert later == 5 and trail.verify(after).ok, "entries after the head do not matter"
    other_key = trail.verify(before, key=Fernet.generate_key())
    assert not other_key.ok and other_key.first_bad_seq == 4
    assert other_key.problem == ("entry 4: an erasure whose seal does not match: the register "
                                 "did not write it there")
    monkeypatch.setattr("graph.audit.read_key", lambda: None)
    no_key = trail.verify(before)
    assert not no_key.ok and no_key.first_bad_seq == 4 and "no key here" in no_key.problem
    assert trail.verify(after).ok, "a head taken after the erasure needs no key"


def test_a_forged_seal_or_a_missing_one_after_sealed_erasures_fails_without_a_head(
        trail, secret_key):
    import json as json_

    from graph.audit import ERASURE

    fill(trail)
    trail.erase_person("pupil-alba")  # a real, sealed erasure of entry 1: entry 4
    trail.db.execute("DELETE FROM audit_details WHERE seq = 2")
    trail.db.execute("DELETE FROM audit_subjects WHERE seq = 2")
    unsealed = trail.record(actor="register", action=ERASURE, object_kind="audit", erased=[2])
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == unsealed == 5
    assert result.problem == ("entry 5: an erasure without a seal after sealed ones: the "
                              "register did not write it")
    real_seal = json_.loads(trail.db.execute(
        "SELECT details FROM audit_details WHERE seq = 4").fetchone()[0])["seal"]
    tamper(trail, "DELETE FROM audit_details WHERE seq = 5")
    tamper_free = trail.db.execute("DELETE FROM audit_entries WHERE seq = 5")
    assert tamper_free.rowcount == 1
    copied = trail.record(actor="register", action=ERASURE, object_kind="audit", erased=[2],
                          seal=real_seal)
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == copied
    assert "seal does not match" in result.problem, "a seal copied from elsewhere proves nothing"


def test_an_erasure_moved_before_the_entries_it_names_fails(trail):
    from graph.audit import ERASURE

    trail.record(actor="account:3", action="person.network.view", object_kind="person",
                 object_id="pupil-alba", subjects=["pupil-alba"])
    trail.record(actor="register", action=ERASURE, object_kind="audit", erased=[3])
    trail.record(actor="account:1", action="declaration.create", object_kind="declaration",
                 object_id="declaration-42", subjects=["teacher-tom"])
    trail.db.execute("DELETE FROM audit_details WHERE seq = 3")
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == 2
    assert result.problem == ("entry 2: an erasure that does not name only entries before it: "
                              "it was moved or made up")


@pytest.mark.parametrize("details", ['["not", "an", "object"]', "not json", '{"erased": "2"}'])
def test_a_made_up_erasure_of_any_shape_is_named_not_a_crash(trail, details):
    from graph.audit import ERASURE, _digest, _entry_hash

    fill(trail)
    digest = _digest("salt", details)
    prev = trail.head().hash
    trail.db.execute("INSERT INTO audit_entries VALUES (4, '2026-12-01T00:00:00+00:00', "
                     "'register', ?, 'audit', 'ok', ?, ?, ?)",
                     (ERASURE, digest, prev, _entry_hash(4, "2026-12-01T00:00:00+00:00",
                                                         "register", ERASURE, "audit", "ok",
                                                         digest, prev)))
    trail.db.execute("INSERT INTO audit_details VALUES (4, 'salt', ?)", (details,))
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert result.problem.startswith("entry 4: an erasure that does not name only entries before")


def test_a_head_taken_after_an_erasure_vouches_for_it_whatever_key_is_at_hand(trail, secret_key):
    """A backup's trail is checked against its own head, perhaps on a machine holding
    another key: the head, held elsewhere, already proves the erasure and its seal."""
    from cryptography.fernet import Fernet

    fill(trail)
    trail.erase_person("mother-may")
    after = trail.head()
    assert trail.verify(after, key=Fernet.generate_key()).ok
    assert not trail.verify(key=Fernet.generate_key()).ok, "without a head the seal decides"
