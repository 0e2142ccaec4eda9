"""Bad input is rejected whole with line-precise problems; good input round-trips."""

import shutil
import subprocess
import sys

import pytest

from graph.intake.exchange import ExchangeError, read_folder, write_folder
from graph.store.embedded import EmbeddedStore
from tests.scenarios import school


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "trust"
    write_folder(school().connect("T1", "P1").declare("T1", "M1", "family_friend").build(), path)
    return path


def edit(path, name, old, new):
    file = path / name
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))


def problems_of(path):
    with pytest.raises(ExchangeError) as caught:
        read_folder(path)
    return caught.value.problems


def line_of(path, name, text):
    for number, line in enumerate((path / name).read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(text)


def test_every_problem_is_listed_with_file_line_and_column(folder):
    edit(folder, "people.csv", "2015-03-03", "2015-02-30")
    edit(folder, "memberships.csv", ",pupil,", ",pupill,")
    edit(folder, "connections.csv", ",mutual,", ",sideways,")
    assert problems_of(folder) == [
        f"people.csv:{line_of(folder, 'people.csv', '2015-02-30')}: date_of_birth: "
        "'2015-02-30' is not a date that exists: "
        "write it as YYYY-MM-DD (2012-02-15), or as YYYY-MM (2012-02) or YYYY (2012) when "
        "only the month or the year is known",
        f"memberships.csv:{line_of(folder, 'memberships.csv', 'pupill')}: role: "
        "'pupill' is not one of staff, governor, volunteer, contractor, visitor, pupil",
        f"connections.csv:2: direction: 'sideways' is not one of outbound, inbound, mutual",
    ]


def test_missing_and_unknown_columns(folder):
    edit(folder, "schools.csv", "school_id,name,trust_id,profile", "school_id,name,trust,profile")
    edit(folder, "connections.csv", "channel,", "")
    assert problems_of(folder) == [
        "schools.csv:1: trust: unknown column",
        "connections.csv:1: channel: required column is missing",
    ]


def test_duplicate_id_and_dangling_reference(folder):
    with open(folder / "connections.csv", "a") as handle:
        handle.write("C1,T1,NOBODY,instagram,mutual,2026-01-01,reported\n")
    assert problems_of(folder) == [
        "connections.csv:3: connection_id: duplicate connection_id (first on line 2)",
        "connections.csv:3: other_id: 'NOBODY' is not defined in people.csv",
    ]


def test_missing_required_file_and_unknown_profile(folder):
    (folder / "memberships.csv").unlink()
    edit(folder, "schools.csv", ",ninestiles", ",westminster")
    (folder / "people.csv").unlink()
    found = problems_of(folder)
    assert found[:2] == ["people.csv:1: -: required file is missing",
                         "memberships.csv:1: -: required file is missing"]
    assert found[2].startswith("schools.csv:2: profile: 'westminster' is neither a shipped profile")
    assert len(found) == 3, "no reference is judged against a missing file"


def test_partial_and_blank_birth_dates_are_well_formed(folder):
    edit(folder, "people.csv", "2015-03-03", "2015-03")
    world = read_folder(folder)
    assert str(world.people["P1"].date_of_birth) == "2015-03"


def test_contradictory_membership_is_accepted(folder):
    edit(folder, "memberships.csv", "2018-09-01,", "2018-09-01,2017-01-01")
    world = read_folder(folder)
    assert any(m.end_date and m.end_date < m.start_date for m in world.memberships)


def test_export_reads_back_to_the_same_state(folder, tmp_path):
    with EmbeddedStore(tmp_path / "a") as store:
        store.import_world(read_folder(folder))
        write_folder(store.export_world(), tmp_path / "out1")
    with EmbeddedStore(tmp_path / "b") as store:
        store.import_world(read_folder(tmp_path / "out1"))
        write_folder(store.export_world(), tmp_path / "out2")
    for file in (tmp_path / "out1").iterdir():
        assert file.read_bytes() == (tmp_path / "out2" / file.name).read_bytes(), file.name


def test_cli_rejects_whole_folder_and_stores_nothing(folder, tmp_path):
    good = tmp_path / "good"
    shutil.copytree(folder, good)
    data = tmp_path / "data"
    run = [sys.executable, "-m", "api.cli"]
    subprocess.run(run + ["import", str(good), "--data", str(data)], check=True, capture_output=True)
    edit(folder, "people.csv", "2015-03-03", "03/03/2015")
    edit(folder, "connections.csv", "C1,T1,P1", "C2,T1,P1")
    result = subprocess.run(run + ["import", str(folder), "--data", str(data)], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"people.csv:{line_of(folder, 'people.csv', '03/03/2015')}: date_of_birth:" in result.stderr
    assert "nothing was stored" in result.stderr
    with EmbeddedStore(data) as store:
        assert sorted(store.export_world().connections) == ["C1"]


def test_a_fact_between_a_person_and_themself_is_rejected(folder):
    """Trap: a connection, family link, declaration or approach from someone to themself
    is well-formed CSV but no fact at all."""
    with open(folder / "connections.csv", "a") as handle:
        handle.write("C7,T1,T1,instagram,mutual,2026-01-01,reported\n")
    assert problems_of(folder) == ["connections.csv:3: other_id: names the same person as person_id"]


# -- hostile input ------------------------------------------------------------------------


def test_a_field_over_the_csv_limit_is_a_problem_with_its_file_and_line(folder):
    """The damage this prevents: a 200 KiB name ended in a 500 (`field larger than field
    limit`). It is a problem of people.csv on its line, like any other."""
    people = folder / "people.csv"
    lines = people.read_text().splitlines()
    lines.insert(2, "X9," + "A" * 200_000 + ",Long,")
    people.write_text("\n".join(lines) + "\n")
    assert problems_of(folder) == ["people.csv:3: -: a value longer than 131,072 characters: "
                                   "the file was read no further"]


def test_a_profile_path_names_only_a_shipped_profile_or_a_file_in_the_folder(folder, tmp_path):
    """Traps: /etc/passwd, ../../.. and a link out of the folder are refused alike, with
    one message that says nothing of which outside files exist. Near miss: a profile file
    in the folder is read."""
    from graph.profiles import PROFILE_DIR, SHIPPED

    schools = folder / "schools.csv"
    header, row = schools.read_text().splitlines()[:2]
    outside = tmp_path / "outside.toml"
    outside.write_text((folder / "people.csv").read_text())
    (folder / "link.toml").symlink_to(outside)
    answers = set()
    for profile in ("/etc/passwd", "/etc/no-such-file", "../outside.toml", "../../../etc/passwd",
                    str(outside), "link.toml"):
        schools.write_text(f"{header}\n{row.rsplit(',', 1)[0]},{profile}\n")
        [problem] = problems_of(folder)
        answers.add(problem.replace(repr(profile), "PROFILE"))
    assert answers == {f"schools.csv:2: profile: PROFILE is neither a shipped profile "
                       f"({', '.join(SHIPPED)}) nor the name of a profile file in the folder"}
    shutil.copy(PROFILE_DIR / f"{SHIPPED[0]}.toml", folder / "ours.toml")
    schools.write_text(f"{header}\n{row.rsplit(',', 1)[0]},ours.toml\n")
    assert read_folder(folder).schools["S1"].profile == str((folder / "ours.toml").resolve())


def test_formulas_are_neutralised_for_spreadsheets_and_read_back_as_written(tmp_path):
    """Traps: a name beginning with =, +, - or @ would run as a formula when the exported
    file is opened in a spreadsheet; the export writes it behind a quote, and importing
    the folder gives back exactly what was there."""
    from tests.builder import WorldBuilder

    world = WorldBuilder().school("S1").staff("T1", "S1").pupil("P1", "S1").build()
    names = ["=HYPERLINK(\"http://x\")", "+44 7700", "-1", "@SUM(A1)", "'quoted", "O'Brien"]
    for number, name in enumerate(names):
        person_id = f"F{number}"
        world.people[person_id] = type(world.people["T1"])(person_id, name, "Family", None)
    write_folder(world, tmp_path / "out")
    text = (tmp_path / "out" / "people.csv").read_text()
    assert "\nF0,'=HYPERLINK" in text.replace('"', "") and ",'+44 7700," in text
    assert ",'-1," in text and ",'@SUM(A1)," in text and ",''quoted," in text and ",O'Brien," in text
    assert read_folder(tmp_path / "out").people == world.people


def test_a_zip_bomb_is_refused_while_it_unpacks(tmp_path):
    """The damage this prevents: a 952 KB zip that unpacks to 900 MB was read whole into
    memory. A member unpacking to over a hundred times its packed size is refused as the
    bytes come out; so is a zip whose files add up to more than the limit. Near miss: an
    ordinary exchange folder unpacks."""
    import zipfile

    from fastapi import HTTPException

    from api.routes.imports import _unpack

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("people.csv", b"0" * 50_000_000)
    (tmp_path / "out").mkdir()
    with pytest.raises(HTTPException) as caught:
        _unpack(bomb, tmp_path / "out", 1024**3)
    assert "people.csv unpacks to more than 100 times its packed size" in str(caught.value.detail)
    assert (tmp_path / "out" / "people.csv").stat().st_size < 10_000_000, "stopped early"

    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("people.csv", "person_id,given_name\n" + "".join(
            f"P{n},Name{n * 7919 % 1000}\n" for n in range(3000)))
    with pytest.raises(HTTPException) as caught:
        _unpack(plain, tmp_path / "out", 1000)
    assert "unpacks to more than 1000 bytes" in str(caught.value.detail)
    (tmp_path / "ok").mkdir()
    _unpack(plain, tmp_path / "ok", 1024**2)
    assert (tmp_path / "ok" / "people.csv").read_text().startswith("person_id,given_name\n")


def test_parental_responsibility_and_review_dates_round_trip(tmp_path):
    """The optional columns: parental responsibility on a family link, and the day an
    approach report was reviewed and by whom, read back as written."""
    world = (school().family("F1", "parent", "P1").approach("T1", "P1", status="reviewed",
                                                             reviewed="2026-11-03",
                                                             reviewed_by="L1").build())
    world.family_links = [
        type(link)(link.person_id, link.relative_id, link.kind, link.source,
                   link.person_id == "M1") for link in world.family_links]
    write_folder(world, tmp_path / "out")
    assert "M1,P1,parent,records,true" in (tmp_path / "out" / "family_links.csv").read_text()
    again = read_folder(tmp_path / "out")
    assert {f.person_id: f.parental_responsibility for f in again.family_links} == \
        {"M1": True, "F1": False}
    [report] = again.approaches.values()
    assert (str(report.reviewed_on), report.reviewed_by) == ("2026-11-03", "L1")


def test_a_folder_without_the_optional_columns_reads_as_before(folder):
    edit(folder, "family_links.csv", ",parental_responsibility", "")
    text = (folder / "family_links.csv").read_text().splitlines()
    (folder / "family_links.csv").write_text(
        "\n".join([text[0]] + [line.removesuffix(",") for line in text[1:]]) + "\n")
    [link] = read_folder(folder).family_links
    assert link.parental_responsibility is None


def test_a_bad_parental_responsibility_or_reviewer_is_named(folder):
    edit(folder, "family_links.csv", "M1,P1,parent,records,", "M1,P1,parent,records,maybe")
    (folder / "approaches.csv").write_text(
        "report_id,adult_id,from_id,channel,occurred_on,reported_on,summary,status,reviewed_on,"
        "reviewed_by\nR1,T1,P1,x,2026-11-01,2026-11-01,,reviewed,2026-11-02,Z9\n")
    assert problems_of(folder) == [
        "family_links.csv:2: parental_responsibility: 'maybe' is not true or false (or yes or no)",
        "approaches.csv:2: reviewed_by: 'Z9' is not defined in people.csv",
    ]


def test_a_records_key_names_the_same_fact_as_its_files_key_columns():
    """A fact without an id is told apart by its record's `key` in an import and by its
    file's key columns in a folder and in the store's tables: the two must say "the same
    fact" of the same records, or an import would merge what a folder keeps apart."""
    from graph.intake.exchange import FACT_KEYS, RECORD_KEY
    from tests.builder import WorldBuilder

    world = (WorldBuilder().school("S1").school("S2")
             .pupil("P2", "S2", start="2021-09-01").pupil("P1", "S1", start="2019-09-01")
             .pupil("P1", "S1", start="2009-09-01").staff("P1", "S1", start="2019-09-01")
             .pupil("P1", "S1", start="2019-09-01", end="2020-07-20")
             .family("M1", "parent", "P1").family("M1", "step_parent", "P1")
             .family("A1", "parent", "P1").family("M1", "parent", "P1", source="declared")
             .account("X1").admin("X1", "P2", None).admin("X1", "P1", None)
             .admin("X1", "P1", "P2").build())
    for name, records in (("memberships.csv", world.memberships),
                          ("family_links.csv", world.family_links),
                          ("account_admins.csv", world.account_admins)):
        by_columns = {}
        for record in records:
            by_columns.setdefault(tuple(getattr(record, c) for c in FACT_KEYS[name]),
                                  set()).add(RECORD_KEY[name](record))
        assert all(len(keys) == 1 for keys in by_columns.values()), name
        assert len({RECORD_KEY[name](r) for r in records}) == len(by_columns), name
    assert len(world.memberships) == 5 and len({m.key for m in world.memberships}) == 4


def test_record_cells_are_each_values_cell_text():
    """What the store and the import log write: every value as `cell_text` gives it (ISO
    dates, partial birth dates, enums' values, blanks), whichever rows repeat it."""
    from graph.intake.exchange import cell_text, record_cells, record_rows

    world = (school().family("F1", "parent", "P1").declare("T1", "M1", "family_friend")
             .approach("T1", "P1", status="reviewed", reviewed="2026-11-03", reviewed_by="L1")
             .person("X1", born="2012").person("X2", born="2012-02").person("X3", born=None)
             .pupil("X1", end="2025-07-20").build())
    for blank in ("", None):
        expected = {name: [tuple(cell_text(v) or blank for v in row) for row in rows]
                    for name, rows in record_rows(world).items()}
        cells = {name: list(rows) for name, rows in record_cells(world, blank=blank).items()}
        assert cells == expected
    people = {row[0]: row for row in cells["people.csv"]}
    assert (people["X1"][3], people["X2"][3], people["X3"][3]) == ("2012", "2012-02", None)
    assert ("X1", "S1", "pupil", None, "2020-09-01", "2025-07-20") in cells["memberships.csv"]
