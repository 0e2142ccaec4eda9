"""MIS exports as CSV: a column mapping proposed, confirmed once, saved per source, and
checked against every file before anything is read.

Every positive case sits beside its near miss; the trap is named in the docstring."""

import datetime as dt

import pytest

from graph.intake.mis import (
    MISError,
    load_mapping,
    mapping_path,
    parse_date,
    propose_mapping,
    read_mis,
    save_mapping,
)
from graph.model import BirthDate, Position, Role

HEADER = ("Staff ID,Legal Forename,Legal Surname,Date of Birth,Personal Email,Mobile,"
          "Home Phone,Postcode,Address Line 1,Start Date,Leaving Date,Staff Category")


def problem_of(call, *args, **kwargs) -> str:
    with pytest.raises(MISError) as caught:
        call(*args, **kwargs)
    [problem] = caught.value.problems
    return problem


def export(tmp_path, *rows, header=HEADER, name="staff.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


ROW_T1 = ("S001,Jennifer,Quillfeather,14/02/1981,jen.q@example.invalid,07700 900001,,ZZ1 1QQ,"
          "14 Elm Road,01/09/2019,,Teacher")
ROW_T2 = "S002,Omar,Hartwell,1975-06-30,,,01632 960001,,,2015-09-01,31/08/2025,Teaching Assistant"


@pytest.fixture
def confirmed(tmp_path):
    """The mapping of source sims-staff, proposed from an export and confirmed."""
    mapping = propose_mapping(export(tmp_path, ROW_T1), "sims-staff", school_id="S1")
    mapping.values["role"] = {"Teacher": "staff", "Teaching Assistant": "staff"}
    save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin", confirmed_on=dt.date(2026, 1, 5))
    return load_mapping(tmp_path / "data", "sims-staff")


def test_a_mapping_is_proposed_from_the_headings(tmp_path):
    """Trap: "Mobile" and "Home Phone" are both phones; a heading holds one field only."""
    mapping = propose_mapping(export(tmp_path, ROW_T1), "sims-staff")
    assert mapping.columns == {
        "external_id": ["Staff ID"], "given_name": ["Legal Forename"],
        "family_name": ["Legal Surname"], "date_of_birth": ["Date of Birth"],
        "email": ["Personal Email"], "phone": ["Mobile", "Home Phone"],
        "address_line": ["Address Line 1"], "postcode": ["Postcode"],
        "role": ["Staff Category"], "start_date": ["Start Date"], "end_date": ["Leaving Date"],
    }
    assert mapping.confirmed_by is None


def test_a_confirmed_mapping_is_saved_and_read_back(tmp_path, confirmed):
    """Near miss: a mapping that nobody confirmed is refused."""
    assert confirmed.confirmed_by == "Ada Admin" and confirmed.confirmed_on == "2026-01-05"
    assert confirmed.columns["phone"] == ["Mobile", "Home Phone"]
    assert confirmed.values["role"]["Teaching Assistant"] == "staff"
    assert confirmed.school_id == "S1"
    path = mapping_path(tmp_path / "data", "sims-staff")
    assert path.name == "sims-staff.toml" and "Ada Admin" in path.read_text()
    path.write_text(path.read_text().replace('confirmed_by = "Ada Admin"\n', ""))
    assert problem_of(load_mapping, tmp_path / "data", "sims-staff") == (
        "sims-staff.toml:1: confirmed_by: the mapping was never confirmed")
    assert problem_of(load_mapping, tmp_path / "data", "arbor").startswith(
        "arbor.toml:1: -: no confirmed column mapping for source 'arbor'")
    assert "confirmed by someone" in problem_of(save_mapping, confirmed, tmp_path / "data", confirmed_by=" ")


def test_rows_are_read_through_the_mapping(tmp_path, confirmed):
    """Trap: English MIS exports write dates DD/MM/YYYY; ISO dates are read as well."""
    staff = read_mis(export(tmp_path, ROW_T1, ROW_T2), confirmed, {"S1"})
    first, second = staff.rows
    assert (first.line, first.external_id, first.given_name, first.family_name) == (2, "S001", "Jennifer", "Quillfeather")
    assert first.date_of_birth == BirthDate(1981, 2, 14)
    assert (first.emails, first.phones, first.address) == (
        ("jen.q@example.invalid",), ("07700 900001",), ("14 Elm Road", "ZZ1 1QQ"))
    assert (first.school_id, first.role, first.start_date, first.end_date) == (
        "S1", Role.STAFF, dt.date(2019, 9, 1), None)
    assert (second.phones, second.end_date) == (("01632 960001",), dt.date(2025, 8, 31))
    assert parse_date("2024-09-03") == parse_date("03/09/2024")


def test_the_mapping_is_checked_against_the_header_before_any_row(tmp_path, confirmed):
    """Trap: an export whose layout changed (a renamed column) would put nothing, or the
    wrong thing, in a field; it is refused before a row is read, bad rows or not.
    Near miss: a new column nobody mapped is only a warning."""
    renamed = HEADER.replace("Legal Surname", "Surname")
    path = export(tmp_path, "not,even,the,right,number,of,cells", header=renamed)
    with pytest.raises(MISError) as caught:
        read_mis(path, confirmed, {"S1"})
    assert caught.value.problems == [
        "staff.csv:1: Legal Surname (family_name): the confirmed mapping of 'sims-staff' reads "
        "this column, and the file has none"
    ]
    staff = read_mis(export(tmp_path, ROW_T1 + ",42", header=HEADER + ",Shoe Size"), confirmed, {"S1"})
    assert staff.warnings == ("staff.csv:1: Shoe Size: a column the mapping of 'sims-staff' was "
                              "not confirmed with: ignored",)


def test_every_bad_value_is_listed_with_its_line(tmp_path, confirmed):
    """Trap: one bad row must not hide the next; the whole export is refused."""
    rows = [
        ROW_T1,
        ROW_T2.replace("1975-06-30", "31/02/1975"),
        ROW_T2.replace("S002", "S001").replace("Teaching Assistant", "Caretaker"),
        ROW_T2.replace("S002", "S003").replace("Omar", ""),
    ]
    with pytest.raises(MISError) as caught:
        read_mis(export(tmp_path, *rows), confirmed, {"S1"})
    assert caught.value.problems == [
        "staff.csv:3: Date of Birth (date_of_birth): '31/02/1975' is not a date that exists (DD/MM/YYYY)",
        "staff.csv:4: Staff ID (external_id): duplicate id 'S001' (first on line 2)",
        "staff.csv:4: Staff Category (role): 'Caretaker' is not one of staff, governor, volunteer, "
        "contractor, visitor, pupil (add it to [values.role] of the mapping)",
        "staff.csv:5: Legal Forename (given_name): a value is required",
    ]


def test_a_school_column_must_name_register_schools(tmp_path):
    """Near miss of a fixed school: a column of schools, one of which the register lacks."""
    header = "Forename,Surname,School,Start Date,Position"
    path = export(tmp_path, "Ann,Brook,S1,2020-09-01,headteacher", "Ben,Cole,S9,2020-09-01,",
                  header=header, name="governors.csv")
    mapping = propose_mapping(path, "governors", role="governor")
    assert mapping.columns["school"] == ["School"] and mapping.columns["position"] == ["Position"]
    save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin")
    with pytest.raises(MISError) as caught:
        read_mis(path, load_mapping(tmp_path / "data", "governors"), {"S1"})
    assert caught.value.problems == ["governors.csv:3: School (school): 'S9' is not a school of the register"]
    rows = read_mis(path, load_mapping(tmp_path / "data", "governors"), {"S1", "S9"}).rows
    assert [(r.role, r.position) for r in rows] == [(Role.GOVERNOR, Position.HEADTEACHER), (Role.GOVERNOR, None)]


def test_a_mapping_without_a_role_or_a_required_field_is_not_saved(tmp_path):
    """Trap: an export with no role column and no role given would import people with no
    role at all."""
    path = export(tmp_path, "Ann,2020-09-01", header="Forename,Start Date", name="odd.csv")
    with pytest.raises(MISError) as caught:
        save_mapping(propose_mapping(path, "odd"), tmp_path / "data", confirmed_by="Ada Admin")
    assert caught.value.problems == [
        "odd.toml:1: -: the mapping of 'odd' gives no column for family_name, which is required",
        "odd.toml:1: -: the mapping of 'odd' gives neither a role column nor a role for every row",
        "odd.toml:1: -: the mapping of 'odd' gives neither a school column nor a school for every row",
    ]


def test_a_source_name_cannot_leave_the_mappings_folder(tmp_path):
    """Trap: a source named ../../x would write a mapping anywhere."""
    assert "is not a source name" in problem_of(mapping_path, tmp_path, "../../x")


def test_a_value_over_the_csv_limit_is_a_problem_not_a_crash(tmp_path, confirmed):
    """Trap: the csv module's `field larger than field limit` must become a problem with
    the file and line; with skip_bad, the rows before it stand."""
    path = export(tmp_path, ROW_T1, ROW_T2.replace("Omar", "O" * 140_000))
    assert problem_of(read_mis, path, confirmed) == (
        "staff.csv:3: -: a value longer than 131,072 characters: the file was read no further")
    read = read_mis(path, confirmed, skip_bad=True)
    assert [r.given_name for r in read.rows] == ["Jennifer"] and len(read.skipped) == 1


def test_a_pupil_mapping_and_a_contacts_mapping_are_proposed(tmp_path):
    """Near miss of the staff mapping: pupils (SIMS's Date of Admission, Arbor's Legal First
    Name beside Preferred First Name) and contacts (role contact, keyed by UPN)."""
    pupils = export(tmp_path, header="UPN,Legal First Name,Legal Last Name,Preferred First Name,"
                                     "Date of Admission", name="arbor.csv")
    mapping = propose_mapping(pupils, "arbor", role="pupil", school_id="S1")
    assert (mapping.columns["given_name"], mapping.columns["preferred_given_name"],
            mapping.columns["start_date"]) == (["Legal First Name"], ["Preferred First Name"],
                                               ["Date of Admission"])
    save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin")
    contacts = export(tmp_path, header="UPN,Forename,Surname,Relationship", name="contacts.csv")
    mapping = propose_mapping(contacts, "arbor-contacts", role="contact")
    assert save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin").is_file()
    no_relationship = export(tmp_path, header="UPN,Forename,Surname", name="bare.csv")
    with pytest.raises(MISError) as caught:
        save_mapping(propose_mapping(no_relationship, "bare", role="contact"), tmp_path / "data",
                     confirmed_by="Ada Admin")
    assert "gives no column for relationship, which is required" in caught.value.problems[0]


@pytest.mark.parametrize("header, expected", [
    # A SIMS .net report as schools' own public scripts read it: adno, Person_id, legal and
    # preferred names side by side.
    ("adno,Person_id,Legal Forename,Legal Surname,Preferred Forename,Preferred Surname,Year",
     {"external_id": "Person_id", "given_name": "Legal Forename", "family_name": "Legal Surname",
      "preferred_given_name": "Preferred Forename", "preferred_family_name": "Preferred Surname"}),
    # The Assembly platform's student fields (it reads SIMS, Arbor and Bromcom): the plain
    # first_name and last_name are the preferred names beside legal_first_name...
    ("mis_id,upn,former_upn,legal_first_name,legal_last_name,first_name,last_name,dob,"
     "start_date,end_date",
     {"external_id": "mis_id", "upn": "upn", "former_upn": "former_upn",
      "given_name": "legal_first_name", "family_name": "legal_last_name",
      "preferred_given_name": "first_name", "preferred_family_name": "last_name",
      "date_of_birth": "dob", "start_date": "start_date", "end_date": "end_date"}),
    # ... and so are Wonde's forename and surname beside legal_forename and legal_surname.
    ("mis_id,upn,forename,surname,legal_forename,legal_surname,date_of_birth",
     {"external_id": "mis_id", "upn": "upn", "given_name": "legal_forename",
      "family_name": "legal_surname", "preferred_given_name": "forename",
      "preferred_family_name": "surname", "date_of_birth": "date_of_birth"}),
    # Near miss: with no legal names, Forename and Surname are the legal ones.
    ("UPN,Forename,Surname", {"upn": "UPN", "given_name": "Forename", "family_name": "Surname"}),
])
def test_headings_of_real_exports_are_proposed_as_their_sources_mean_them(tmp_path, header,
                                                                         expected):
    mapping = propose_mapping(export(tmp_path, header=header, name="pupils.csv"), "mis",
                              role="pupil", school_id="S1")
    assert {field: headings[0] for field, headings in mapping.columns.items()} == expected


def test_a_contacts_export_with_the_platforms_relationship_fields(tmp_path):
    """Assembly's contact relationship has relationship_type, priority and
    parental_responsibility; Wonde's has relationship, priority, parental_responsibility and
    lives_with_pupil."""
    path = export(tmp_path, header="upn,first_name,last_name,relationship_type,priority,"
                                   "parental_responsibility", name="contacts.csv")
    mapping = propose_mapping(path, "assembly-contacts", role="contact")
    assert {f: h[0] for f, h in mapping.columns.items()} == {
        "upn": "upn", "given_name": "first_name", "family_name": "last_name",
        "relationship": "relationship_type", "priority": "priority",
        "responsibility": "parental_responsibility"}
