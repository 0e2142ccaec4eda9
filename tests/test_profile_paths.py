"""A school's own policy survives its data folder being restored, moved or mounted elsewhere:
the school records its profile file by name within the data folder (`own:<file name>`), and
each process reads it from its own data folder (docs/rules.md, "A school's own policy"). A
profile recorded by absolute path before then still reads; one found nowhere is one line
naming the school, not a traceback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import types

import pytest

import api.identity.accounts
import tests.api_world
from api.main import create_app
from api.settings import Settings
from graph.model import World
from graph.profiles import load_profile, profile_data, save_own_profile, use_data_folder
from graph.facts import FactGraph
from graph.intake.exchange import read_folder, write_folder
from graph.rules import evaluate, findings_json
from graph.store.embedded import EmbeddedStore
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.builder import WorldBuilder
from tests.pages_world import story_world
from tests.test_api_resources import zipped
from tests.test_pages import Browser, text
from tests.test_policy_page import preview_and_save

RELREG = shutil.which("relreg")
POLICY = "/admin/schools/S1/policy"
TODAY = dt.date(2026, 11, 23)
# A day no process has evaluated before the data folder moves: its findings are worked out
# afresh from the facts and the profiles, never taken from those a store saved.
LATER = dt.date(2026, 12, 1)
needs_relreg = pytest.mark.skipif(RELREG is None, reason="the relreg console script is not installed")

STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def relreg(*args) -> subprocess.CompletedProcess:
    return subprocess.run([RELREG, *map(str, args)], capture_output=True, text=True)


def _store_of(request, kind: str, data):
    return request.getfixturevalue("neo4j_store") if kind == "neo4j" else EmbeddedStore(data)


def _findings(store, as_of=TODAY) -> dict:
    return findings_json(store.findings(as_of), as_of)


def _detect(data, uri) -> subprocess.CompletedProcess:
    return relreg("detect", "--data", data, *(["--store", uri] if uri else []),
                  "--as-of", LATER.isoformat(), "--format", "json")


def _own_policy_saved_through_the_page(request, kind, tmp_path, monkeypatch):
    """The story's schools served from `kind` with Meadowbank's own policy saved in the
    Policy page (it covers volunteers only); the findings as of LATER, evaluated here and
    saved nowhere, and the Neo4j URI."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 9))
    store = _store_of(request, kind, tmp_path / "data")
    service = ServiceUnderTest(tmp_path, world=story_world(), store=store)
    service.today = TODAY
    under_ninestiles = _findings(service.store)
    admin = Browser(service, "admin")
    previewed, saved = preview_and_save(admin, "covered_roles", ["volunteer"], "Our policy 1.2",
                                        "This policy applies to our volunteers only.")
    assert saved.status_code == 303, text(saved.text)
    assert _findings(service.store) != under_ninestiles, \
        "the school's own policy changes what is found"
    own = findings_json(evaluate(FactGraph(service.store.export_world()), LATER), LATER)
    service.http.close()
    service.register.close()
    if kind == "embedded":
        store.close()
    uri = request.getfixturevalue("neo4j_uri") if kind == "neo4j" else None
    return own, uri


@needs_relreg
@pytest.mark.parametrize("kind", STORES)
def test_a_data_folder_moved_elsewhere_keeps_the_schools_own_policy(request, kind, tmp_path,
                                                                    monkeypatch):
    """Saved through the page, then the whole data folder moved to another path (as a
    restore into another folder, or another mount point, puts it): `relreg detect` and the
    service on the moved folder find what the service found before, under the school's
    own policy."""
    own, uri = _own_policy_saved_through_the_page(request, kind, tmp_path, monkeypatch)
    moved = tmp_path / "elsewhere" / "register"
    moved.parent.mkdir()
    shutil.move(tmp_path / "data", moved)  # nothing is left where it was

    detected = _detect(moved, uri)
    assert detected.returncode == 0, detected.stderr
    assert json.loads(detected.stdout) == own

    store = _store_of(request, kind, moved)
    app = create_app(store, moved / "service.sqlite3", settings=Settings(), today=lambda: TODAY)
    try:
        served = types.SimpleNamespace(app=app)
        assert _findings(app.state.register.store, LATER) == own
        page = Browser(served, "admin").get(POLICY)
        assert page.status_code == 200
        assert "Today: Volunteers (Our policy 1.2)" in text(page.text)
    finally:
        app.state.register.close()
        if kind == "embedded":
            store.close()


@needs_relreg
@pytest.mark.parametrize("kind", STORES)
def test_a_profile_found_nowhere_is_one_line_naming_the_school(request, kind, tmp_path,
                                                              monkeypatch):
    """The data folder moved without its profiles/ folder: `relreg detect` and `relreg
    serve` say in one line which school's policy is missing and what to do (exit code 2),
    and serve starts nothing."""
    _, uri = _own_policy_saved_through_the_page(request, kind, tmp_path, monkeypatch)
    shutil.rmtree(tmp_path / "data" / "profiles")
    for result in (_detect(tmp_path / "data", uri),
                   relreg("serve", "--data", tmp_path / "data", "--port", 0,
                          *(["--store", uri] if uri else []))):
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith("Error: the policy profile of Meadowbank Academy is not in ")
        assert "restore" in line


@pytest.mark.parametrize("kind", STORES)
def test_a_profile_recorded_by_absolute_path_still_reads(request, kind, tmp_path):
    """Registers written before `own:`: a path that exists reads as it did; one into a data
    folder since moved reads from this data folder's profiles/ by its file name."""
    data = tmp_path / "data"
    data.mkdir()
    use_data_folder(data)  # as graph/cli.py open_store does for a command
    volunteers = profile_data(load_profile("ninestiles"))
    volunteers["covered_roles"] = {"value": ["volunteer"], "clause": "11.2"}
    volunteers["clauses"]["11.2"] = "This policy applies to our volunteers only."
    outside = save_own_profile(tmp_path / "somewhere", "S1", volunteers)
    moved_away = save_own_profile(data, "S1", volunteers)
    gone = tmp_path / "the-old-data-folder" / "profiles" / moved_away.name
    assert not gone.exists()

    store = _store_of(request, kind, data)
    try:
        store.import_world(story_world())
        under_ninestiles = _findings(store)
        [school] = [s for s in store.schools() if s.school_id == "S1"]
        found = {}
        for recorded in (outside, gone):
            store.upsert(World(schools={"S1": dataclasses.replace(school, profile=str(recorded))}))
            found[recorded] = _findings(store)
        assert found[outside] != under_ninestiles, "the school's own policy is read"
        assert found[gone] == found[outside]
    finally:
        if kind == "embedded":
            store.close()


def test_a_profile_from_an_imported_folder_is_kept_in_the_data_folder_and_exported(
        tmp_path, monkeypatch):
    """An exchange folder's own profile file, imported as a zip, is kept in the data folder
    and recorded by name there; an export carries the file again, so the folder reads back
    with the school's own policy."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    volunteers = profile_data(load_profile("ninestiles"))
    volunteers["covered_roles"] = {"value": ["volunteer"], "clause": "11.2"}
    volunteers["clauses"]["11.2"] = "This policy applies to our volunteers only."
    ours = save_own_profile(tmp_path / "made-elsewhere", "S1", volunteers)
    world = (WorldBuilder().school("S1", profile=str(ours)).staff("T5", "S1").pupil("P5", "S1")
             .connect("T5", "P5", connection_id="C5").build())
    write_folder(world, tmp_path / "folder")
    shutil.rmtree(tmp_path / "made-elsewhere")  # the folder carries its own copy
    service = ServiceUnderTest(tmp_path / "service")
    try:
        imported = service.post("admin", "/api/imports",
                                files={"file": ("s1.zip", zipped(tmp_path / "folder"))})
        assert imported.status_code == 200, imported.text
        [school] = [s for s in service.store.schools() if s.school_id == "S1"]
        assert school.profile.startswith("own:"), "named within the data folder"
        assert load_profile(school.profile).covered_roles == {"volunteer"}
        write_folder(service.store.export_world(), tmp_path / "exported")
        again = read_folder(tmp_path / "exported").schools["S1"]
        assert load_profile(again.profile).covered_roles == {"volunteer"}
    finally:
        service.close()


def test_a_folder_imported_on_the_command_line_keeps_its_profile_in_the_data_folder(tmp_path):
    """`relreg import FOLDER` (import_path) copies the folder's own profile into the data
    folder and records it there: the school keeps its policy once the folder is gone."""
    from graph.intake.importing import import_path

    volunteers = profile_data(load_profile("ninestiles"))
    volunteers["covered_roles"] = {"value": ["volunteer"], "clause": "11.2"}
    volunteers["clauses"]["11.2"] = "This policy applies to our volunteers only."
    ours = save_own_profile(tmp_path / "made-elsewhere", "S1", volunteers)
    world = (WorldBuilder().school("S1", profile=str(ours)).staff("T5", "S1").pupil("P5", "S1")
             .build())
    write_folder(world, tmp_path / "folder")
    shutil.rmtree(tmp_path / "made-elsewhere")
    data = tmp_path / "data"
    use_data_folder(data)
    with EmbeddedStore(data) as store:
        import_path(store, tmp_path / "folder", data_dir=data)
        shutil.rmtree(tmp_path / "folder")
        [school] = store.schools()
        assert school.profile.startswith("own:")
        assert load_profile(school.profile).covered_roles == {"volunteer"}
