"""A CTF pupil written with only a PreferredSurname (no legal Surname) keeps it as their
surname, and the import preview says so; a legal Surname, where there is one, stays."""

from __future__ import annotations

from graph.intake.ctf import read_ctf
from graph.intake.importing import import_path
from graph.store.embedded import EmbeddedStore
from tests.builder import school_with_leaders
from tests.ctf_factory import FakePupil, make_upn, write_ctf


def test_a_pupil_with_only_a_preferred_surname_takes_it_and_the_reader_says_so(tmp_path):
    path = write_ctf(tmp_path / "roll.xml", [
        FakePupil(make_upn(1), "Ava", "", preferred_family_name="Quillfeather"),
        FakePupil(make_upn(2), "Bo", "Ferncastle", preferred_family_name="Fern")])
    ctf = read_ctf(path)
    ava, bo = ctf.pupils
    assert (ava.given_name, ava.family_name) == ("Ava", "Quillfeather")
    assert (bo.family_name, bo.preferred_family_name) == ("Ferncastle", "Fern"), \
        "the legal surname stays where there is one"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "<Pupil>" in text)
    assert ctf.warnings == (f"roll.xml:{line}: Pupil/Surname: none given; the pupil's "
                            f"PreferredSurname is used as their surname",)


def test_the_import_preview_says_the_preferred_surname_was_used(tmp_path):
    path = write_ctf(tmp_path / "roll.xml", [
        FakePupil(make_upn(1), "Ava", "", preferred_family_name="Quillfeather")])
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school_with_leaders().build())
        report = import_path(store, path, school_id="S1", dry_run=True)
        assert any("PreferredSurname is used as their surname" in line for line in report.lines())
        assert store.export_world().people.get(f"UPN:{make_upn(1)}") is None, "a preview only"
        import_path(store, path, school_id="S1")
        assert store.export_world().people[f"UPN:{make_upn(1)}"].family_name == "Quillfeather"
