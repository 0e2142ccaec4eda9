"""Holes a review found in erasure: what the identity table knows goes even when its
database is busy at the time, and what is left of an erasure cut short is finished by a
rerun."""

import datetime as dt
import json
import sqlite3

import pytest

from api.privacy import erase
from graph.intake.identity import IDENTITY_DATABASE, Identity, IdentityTable
from tests.api_world import service  # noqa: F401 (a fixture)


def test_a_busy_identity_table_leaves_nothing_half_erased_and_a_rerun_finishes(service):
    register = service.register
    with IdentityTable(register.data_dir) as identity:  # as an MIS import leaves them
        identity.add({"P1": Identity.of("Ada", "Quill", dt.date(2015, 7, 19),
                                        emails=["ada.quill@home.example"])})
    busy = sqlite3.connect(register.data_dir / IDENTITY_DATABASE, timeout=0)
    busy.execute("BEGIN IMMEDIATE")  # another process writing throughout
    busy.execute("DELETE FROM proposals WHERE 0")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            erase(register, "account:admin", "P1")
    finally:
        busy.rollback()
        busy.close()
    with IdentityTable(register.data_dir) as identity:
        known = identity.of_person("P1")
    assert known, "what the identity table knows stays until the erasure can run"
    assert register.store.person("P1") is not None, "nothing erased while a step cannot run"

    erase(register, "account:admin", "P1")  # the rerun
    assert register.store.person("P1") is None
    with IdentityTable(register.data_dir) as identity:
        assert identity.of_person("P1") == set()


def test_another_reports_evidence_file_name_loses_the_erased_persons_name(service):
    from graph.model import ApproachReport, ApproachStatus, World

    register = service.register
    person = register.store.person("P1")
    full = f"{person.given_name} {person.family_name}"
    day = dt.date(2026, 10, 1)
    register.store.import_world(World(approaches={"RW": ApproachReport(
        "RW", "BT1", "P2", "instagram", day, day, "P2 asked to follow me",
        ApproachStatus.OPEN)}))
    with register.writing():
        kept = register.evidence.add("RW", f"chat with {full.upper()}.txt", b"hello there\n",
                                     "account:BT1")
    erase(register, "account:admin", "P1")
    [after] = register.evidence.of_report("RW")
    assert after.evidence_id == kept.evidence_id, "the other report keeps its evidence"
    assert after.file_name == "chat with [erased].txt"


@pytest.mark.parametrize("name, written", [
    ("Ζωή Παπαδοπούλου", "ο πατέρας της ΖΩΗΣ... όχι: ΖΩΉ ΠΑΠΑΔΟΠΟΎΛΟΥ είπε"),
    ("Зоя Иванова", "мама зои? нет, ЗОЯ ИВАНОВА сказала"),
    ("زينب الحسن", "قالت زَينَب الحَسَن ذلك"),
    ("Ζωή Smith", "ζωη smith, in the playground"),
])
def test_a_name_in_any_script_is_found_and_replaced(name, written):
    from graph.mentions import Mentions

    names = Mentions([name])
    assert names.found_in(written) and names.found_in(json.dumps(written))
    removed = names.removed_from(written)
    assert "[erased]" in removed and not names.found_in(removed)


def test_a_name_that_folds_to_one_word_never_matches():
    from graph.mentions import Mentions

    assert Mentions(["Smith"]).names == [] and not Mentions(["Smith"]).found_in("Smith")
    assert not Mentions(["Ζωή Smith"]).found_in("Mr Smith said"), "the Greek word counts"
    assert not Mentions(["Ζωή Smith"]).found_in("Zoe Smith said")
