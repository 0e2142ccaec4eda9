"""Holes a review found in erasure: what the identity table knows goes even when its
database is busy at the time, and what is left of an erasure cut short is finished by a
rerun."""

import datetime as dt
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
