"""docs/data-protection.md is the data map a DPO pastes into the school's DPIA: it must
name every table and column the register stores, and nothing it does not, with the
retention periods the register ships."""

import re
import sqlite3
from pathlib import Path

import pytest

import api.identity.accounts
from api.privacy import holds
from graph.intake.identity import IdentityTable
from graph.retention import shipped
from tests.api_world import FAST_HASHER, ServiceUnderTest

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-protection.md"


def documented() -> dict[str, dict[str, str]]:
    """{database file: {table: its row of the map}} from the doc's ### sections."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"### (\S+\.sqlite3)$", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
        elif line.startswith("## "):
            current = None
        elif current is not None:
            row = re.match(r"\| `(\w+)` \|", line)
            if row:
                current[row.group(1)] = line
    return sections


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> dict[str, dict[str, list[str]]]:
    """Every table and column of every database a running register makes."""
    folder = tmp_path_factory.mktemp("map")
    patch = pytest.MonkeyPatch()
    patch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(folder)
    holds(served.register)
    IdentityTable(folder / "data").close()
    served.close()
    patch.undo()
    found = {}
    for path in sorted((folder / "data").glob("*.sqlite3")):
        db = sqlite3.connect(path)
        found[path.name] = {
            table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'")}
        db.close()
    return found


def test_every_database_table_and_column_is_on_the_map(stored):
    doc = documented()
    assert set(doc) == set(stored)
    for database, tables in stored.items():
        missing = sorted(set(tables) - set(doc[database]))
        assert not missing, f"{database}: tables not on the data map: {missing}"
        for table, columns in tables.items():
            row = doc[database][table]
            unnamed = [c for c in columns if f"`{c}`" not in row]
            assert not unnamed, f"{database} {table}: columns not on the map: {unnamed}"


def test_the_map_names_nothing_that_is_not_stored(stored):
    for database, rows in documented().items():
        gone = sorted(set(rows) - set(stored[database]))
        assert not gone, f"{database}: on the map but not stored: {gone}"
        for table, row in rows.items():
            cells = row.split("|")
            named = set(re.findall(r"`(\w+)`", cells[2]))
            assert named == set(stored[database][table]), (database, table)


def test_every_row_says_why_who_how_long_and_how_erased(stored):
    for database, rows in documented().items():
        for table, row in rows.items():
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert len(cells) == 7 and all(cells), f"{database} {table}: an empty cell"


def test_the_retention_table_matches_what_ships():
    text = DOC.read_text(encoding="utf-8")
    for period in shipped().values():
        assert re.search(rf"^\| {period.kind} \| {period.years} \|", text, re.MULTILINE), period.kind
