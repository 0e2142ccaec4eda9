"""A date the register is given is a calendar date written YYYY-MM-DD, from every reader:
exchange CSVs, CTF, MIS exports, API bodies and queries, page forms, the command line.
Week dates, ordinal dates, dates with a time, compact dates and two-digit years (all of
which Python's `date.fromisoformat` takes since 3.11) are refused, each naming where it
was: file, line and column; the API field; the form's field; the option.

The outside formats keep the forms they document, and only those: a CTF header's DateTime
is an xs:dateTime, and an MIS export may write DD/MM/YYYY."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from api.cli import main as relreg
from graph.dates import DateError, parse_date, parse_date_of_date_time, parse_mis_date
from graph.intake.ctf import CTFError, read_ctf
from graph.intake.exchange import ExchangeError, read_folder, write_folder
from graph.intake.mis import MISError, read_mis
from tests.api_world import service  # noqa: F401
from tests.ctf_factory import FakePupil, ctf_xml, make_upn, write_ctf
from tests.scenarios import school
from tests.test_mis import HEADER, ROW_T1, confirmed, export  # noqa: F401

# Each written as someone might, each not YYYY-MM-DD.
NOT_DATES = [
    "2026-W40-4",        # ISO week date
    "2026W404",          # ISO week date, compact
    "2026-278",          # ordinal date
    "2026278",           # ordinal date, compact
    "20261001",          # compact calendar date
    "2026-10-01T00:00",  # a date and time
    "2026-10-01 12:00",
    "2026-10-01T00:00:00Z",
    "26-10-01",          # two-digit year
    "2026-10-1",         # a day of one digit
    "２０２６-10-01",     # digits of another script
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_the_parser_refuses_every_form_but_yyyy_mm_dd(text):
    with pytest.raises(DateError, match="is not a date"):
        parse_date(text)


def test_the_parser_reads_a_calendar_date_and_refuses_a_day_that_does_not_exist():
    assert parse_date("2026-10-01") == dt.date(2026, 10, 1)
    assert parse_date("2028-02-29") == dt.date(2028, 2, 29)
    with pytest.raises(DateError, match="'2026-02-29' is not a date that exists"):
        parse_date("2026-02-29")


# -- exchange CSVs: file, line and column ---------------------------------------------------

@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "trust"
    write_folder(school().connect("T1", "P1").declare("T1", "M1", "family_friend").build(), path)
    return path


def _replace_first_start_date(folder, new: str) -> int:
    """Puts `new` in the first data row's start_date of memberships.csv; its line."""
    file = folder / "memberships.csv"
    lines = file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("start_date")] = new
    lines[1] = ",".join(cells)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 2


@pytest.mark.parametrize("text", NOT_DATES)
def test_an_exchange_csv_refuses_a_date_not_written_yyyy_mm_dd_with_file_line_column(folder, text):
    line = _replace_first_start_date(folder, text)
    with pytest.raises(ExchangeError) as caught:
        read_folder(folder)
    assert f"memberships.csv:{line}: start_date: '{text}' is not a date (YYYY-MM-DD)" in \
        caught.value.problems


def test_an_exchange_csv_reads_a_date_written_yyyy_mm_dd(folder):
    _replace_first_start_date(folder, "2003-10-01")
    assert dt.date(2003, 10, 1) in {m.start_date for m in read_folder(folder).memberships}


# -- CTF: file, line and element ----------------------------------------------------------

def _line_of(path, text: str) -> int:
    return next(number for number, line in
                enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


@pytest.mark.parametrize("text", NOT_DATES)
def test_a_ctf_refuses_an_entry_date_not_written_yyyy_mm_dd_with_file_line_element(tmp_path, text):
    """The CTF specification's dates are xs:date: YYYY-MM-DD."""
    path = write_ctf(tmp_path / "roll.xml",
                     [FakePupil(make_upn(1), "Ava", "Quillfeather", entry_date=text)])
    with pytest.raises(CTFError) as caught:
        read_ctf(path)
    assert caught.value.problems == [
        f"roll.xml:{_line_of(path, '<EntryDate>')}: SchoolHistory/School/EntryDate: "
        f"'{text}' is not a date (YYYY-MM-DD)"]


def test_a_ctf_reads_an_entry_date_written_yyyy_mm_dd(tmp_path):
    path = write_ctf(tmp_path / "roll.xml",
                     [FakePupil(make_upn(1), "Ava", "Quillfeather", entry_date="2025-09-03")])
    assert read_ctf(path).pupils[0].history[0].entry_date == dt.date(2025, 9, 3)


@pytest.mark.parametrize("text", [
    "2025-10-01",               # a date without its time
    "2025-10-01 09:30:00",      # a space for the T
    "2025-10-01T09:30",         # no seconds: xs:dateTime has them
    "20251001T093000",          # compact
    "2025-W40-3T09:30:00",      # a week date
    "2025-274T09:30:00",        # an ordinal date
    "25-10-01T09:30:00",        # a two-digit year
])
def test_a_ctf_header_refuses_a_date_time_that_is_not_an_xs_date_time(tmp_path, text):
    path = tmp_path / "roll.xml"
    path.write_text(ctf_xml([FakePupil(make_upn(1), "Ava", "Quillfeather")]).replace(
        "<DateTime>2025-10-01T09:30:00</DateTime>", f"<DateTime>{text}</DateTime>"))
    with pytest.raises(CTFError) as caught:
        read_ctf(path)
    assert caught.value.problems == [
        f"roll.xml:{_line_of(path, '<DateTime>')}: Header/DateTime: "
        f"'{text}' is not a date and time (YYYY-MM-DDThh:mm:ss)"]


@pytest.mark.parametrize("text", ["2025-10-01T09:30:00", "2025-10-01T09:30:00.25",
                                  "2025-10-01T09:30:00Z", "2025-10-01T23:30:00-01:00"])
def test_a_ctf_header_reads_an_xs_date_time_as_the_day_it_names(tmp_path, text):
    path = tmp_path / "roll.xml"
    path.write_text(ctf_xml([FakePupil(make_upn(1), "Ava", "Quillfeather")]).replace(
        "<DateTime>2025-10-01T09:30:00</DateTime>", f"<DateTime>{text}</DateTime>"))
    assert read_ctf(path).file_date == dt.date(2025, 10, 1)
    assert parse_date_of_date_time(text) == dt.date(2025, 10, 1)


# -- MIS exports: file, line and heading ----------------------------------------------------

def _mis_row(start: str) -> str:
    return ROW_T1.replace("01/09/2019", start)


@pytest.mark.parametrize("text", [*NOT_DATES, "01/09/19", "2019/09/01", "09-01-2019"])
def test_an_mis_export_refuses_a_date_in_neither_of_its_forms_with_file_line_heading(
        tmp_path, confirmed, text):  # noqa: F811
    """An MIS export's dates are DD/MM/YYYY, as English MIS exports write them, or
    YYYY-MM-DD; a two-digit year is neither (01/09/19 could be 1919 or 2019)."""
    with pytest.raises(MISError) as caught:
        read_mis(export(tmp_path, _mis_row(text)), confirmed, {"S1"})
    form = "DD/MM/YYYY" if "/" in text else "DD/MM/YYYY or YYYY-MM-DD"
    assert caught.value.problems == [
        f"staff.csv:2: Start Date (start_date): '{text}' is not a date ({form})"]


@pytest.mark.parametrize("text", ["01/09/2019", "1/9/2019", "2019-09-01"])
def test_an_mis_export_reads_its_two_forms(tmp_path, confirmed, text):  # noqa: F811
    [row] = read_mis(export(tmp_path, _mis_row(text)), confirmed, {"S1"}).rows
    assert row.start_date == dt.date(2019, 9, 1) == parse_mis_date(text)


# -- the command line: the option -------------------------------------------------------------

@pytest.mark.parametrize("command", [["detect"], ["reevaluate"], ["retention"]])
@pytest.mark.parametrize("text", ["2026-W40-4", "2026-278", "2026-10-01T00:00", "20261001",
                                  "26-10-01"])
def test_the_command_line_refuses_an_as_of_not_written_yyyy_mm_dd_naming_the_option(
        tmp_path, command, text):
    result = CliRunner().invoke(relreg, [*command, "--as-of", text, "--data", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--as-of'" in result.output
    assert f"'{text}' is not a date (YYYY-MM-DD)" in result.output


# -- the API: the field -------------------------------------------------------------------------

def _loc(response) -> list:
    assert response.status_code == 422, response.text
    return response.json()["detail"][0]["loc"]


@pytest.mark.parametrize("text", NOT_DATES)
def test_an_api_body_refuses_a_date_not_written_yyyy_mm_dd_naming_the_field(service, text):  # noqa: F811
    refused = service.post("admin", "/api/people/T1/memberships",
                           json={"school_id": "S1", "role": "staff", "start_date": text})
    assert _loc(refused) == ["body", "start_date"]
    assert f"'{text}' is not a date (YYYY-MM-DD)" in refused.json()["detail"][0]["msg"]


def test_an_api_query_and_form_refuse_a_week_date_naming_the_field(service):  # noqa: F811
    assert _loc(service.get("L1", "/api/findings", params={"as_of": "2026-W40-4"})) == \
        ["query", "as_of"]
    assert _loc(service.post("T1", "/api/approaches", data={
        "from_id": "P1", "channel": "instagram", "occurred_on": "2026-W47-5",
        "summary": "asked to follow me"})) == ["body", "occurred_on"]
    assert service.get("L1", "/api/findings", params={"as_of": "2026-11-20"}).status_code == 200


# -- page forms: the form shown again with the field's error --------------------------------

def test_a_page_form_refuses_a_week_date_and_shows_the_form_again(tmp_path, monkeypatch):
    import api.identity.accounts
    import tests.api_world
    from tests.api_world import FAST_HASHER, ServiceUnderTest
    from tests.pages_world import story_world
    from tests.test_pages import Browser, text

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 23))
    served = ServiceUnderTest(tmp_path, world=story_world())
    try:
        teacher = Browser(served, "T2")
        refused = teacher.post("/my/approaches", {"from_id": "P1", "channel": "instagram",
                                                  "occurred_on": "2026-W47-5",
                                                  "summary": "asked to follow me"})
        assert refused.status_code == 422
        page = text(refused.text)
        assert "Date of the approach: give the date as a day, month and year" in page
        assert "Report an approach" in page, "the form is shown again"
        assert served.get("T2", "/api/approaches").json() == [], "nothing was stored"
    finally:
        served.close()
