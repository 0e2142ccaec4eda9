"""Reading DfE Common Transfer Files: versions, UPNs, relationship codes, hostile files.

Every positive case sits beside its near miss; the trap is named in the docstring."""

import time

import pytest

from graph.intake.ctf import RELATIONSHIP_KINDS, CTFError, check_upn, read_ctf
from graph.model import BirthDate, FamilyKind
from tests.ctf_factory import (
    FakeContact,
    FakePupil,
    billion_laughs,
    ctf_xml,
    external_entity,
    make_upn,
    synthetic_roll,
    write_ctf,
    wrong_check_letter,
)


def problems_of(path, **kwargs):
    with pytest.raises(CTFError) as caught:
        read_ctf(path, **kwargs)
    return caught.value.problems


def pupil(serial=1, *contacts, **fields):
    return FakePupil(make_upn(serial), "Ava", "Quillfeather", contacts=list(contacts), **fields)


@pytest.mark.parametrize("version", range(17, 27))
def test_every_version_from_17_to_the_current_one_is_read(tmp_path, version):
    """Trap: the version is `Header/CTFversion` ("25.0"), as every writer emits it; older
    files name the pupil's sex `Gender`, newer ones `Sex`."""
    path = write_ctf(tmp_path / "roll.xml", [pupil(sex="M")], version=version)
    assert ("<Gender>M</Gender>" if version <= 22 else "<Sex>M</Sex>") in path.read_text()
    ctf = read_ctf(path)
    assert ctf.version == version
    assert ctf.pupils[0].sex == "M"
    assert ctf.pupils[0].date_of_birth == BirthDate(2014, 5, 6)


@pytest.mark.parametrize("sex_tag", ["Sex", "Gender"])
@pytest.mark.parametrize("in_basic_details", [False, True])
@pytest.mark.parametrize("address_style", ["bs7666", "lines"])
def test_each_writers_variant_reads_alike(tmp_path, sex_tag, in_basic_details, address_style):
    """Traps: writers differ in the sex element's name, in whether the names, date of birth
    and sex sit directly under Pupil or in BasicDetails, and in BS7666 or AddressLines
    addresses; each variant must give the same pupil and contact."""
    mother = FakeContact("Nell", "Quillfeather", "PAM", 1, None, (), ("14 Elm Road", "ZZ1 1QQ"))
    path = write_ctf(tmp_path / "roll.xml", [pupil(1, mother, sex="M")], sex_tag=sex_tag,
                     names_in_basic_details=in_basic_details, address_style=address_style)
    [read] = read_ctf(path).pupils
    assert (read.given_name, read.family_name, read.sex, str(read.date_of_birth)) == (
        "Ava", "Quillfeather", "M", "2014-05-06")
    address = read.contacts[0].address
    assert (address.first_line, address.postcode) == ("14 Elm Road", "ZZ1 1QQ")


@pytest.mark.parametrize("version", [16, 27])
def test_a_version_outside_17_to_the_current_one_is_refused(tmp_path, version):
    """Near miss: a well-formed CTF of a version the register does not read."""
    path = write_ctf(tmp_path / "roll.xml", [pupil()], version=version)
    assert problems_of(path) == [
        f"roll.xml:5: Header/CTFversion: '{version}.0' is not a CTF version this register "
        "reads (17 to 26)"
    ]


def test_a_file_in_the_invented_shape_is_refused(tmp_path):
    """Near miss of the real header: `Version` where writers put `CTFversion`."""
    text = ctf_xml([pupil()]).replace("CTFversion>", "Version>")
    (tmp_path / "odd.xml").write_text(text)
    assert problems_of(tmp_path / "odd.xml") == [
        "odd.xml:3: Header/CTFversion: '' is not a CTF version this register reads (17 to 26)"]


def test_header_gives_the_file_date_schools_and_qualifier(tmp_path):
    """Traps: XXX/XXXX (unknown destination), MMM/MMMM (missing or abroad) and MIS are not
    schools; DocumentQualifier `partial` is kept so that missing modules say nothing."""
    ctf = read_ctf(write_ctf(tmp_path / "a.xml", [pupil()], file_date="2025-12-01",
                             source=("823", "4001"), dest=("XXX", "XXXX"), qualifier="partial"))
    assert (ctf.file_date.isoformat(), ctf.source_school, ctf.dest_school, ctf.dest_code,
            ctf.partial) == ("2025-12-01", "823/4001", None, "XXX/XXXX", True)
    for code in (("MMM", "MMMM"), ("MIS", "MIS")):
        assert read_ctf(write_ctf(tmp_path / "b.xml", [pupil()], dest=code)).dest_school is None
    ctf = read_ctf(write_ctf(tmp_path / "c.xml", [pupil()], dest=("823", "4002")))
    assert (ctf.dest_school, ctf.partial) == ("823/4002", False)


def test_basic_details_give_the_former_upn_and_preferred_names(tmp_path):
    """Trap: the legal names stay the pupil's names; the preferred ones are kept beside."""
    temporary = make_upn(90)
    read = read_ctf(write_ctf(tmp_path / "roll.xml", [pupil(
        1, former_upn=temporary, preferred_given_name="Avie", preferred_family_name="Quill")])).pupils[0]
    assert (read.given_name, read.family_name) == ("Ava", "Quillfeather")
    assert (read.former_upn, read.preferred_given_name, read.preferred_family_name) == (
        temporary, "Avie", "Quill")


def test_address_as_pupil_gives_the_contact_the_pupils_address(tmp_path):
    """Trap: `<Address><AddressAsPupil>true</AddressAsPupil></Address>` is an address, the
    pupil's, not no address. Near miss: a contact with an address of their own keeps it."""
    at_home = FakeContact("Piers", "Quillfeather", "PAF", 2, address_as_pupil=True)
    away = FakeContact("Nell", "Quillfeather", "PAM", 1, address=("3 Ash Road", "ZZ9 9QQ"))
    [read] = read_ctf(write_ctf(tmp_path / "roll.xml", [pupil(1, away, at_home)])).pupils
    addresses = {c.given_name: (c.address.first_line, c.address.postcode) for c in read.contacts}
    assert addresses == {"Piers": ("12 Invented Road", "ZZ1 1QQ"), "Nell": ("3 Ash Road", "ZZ9 9QQ")}
    assert {c.given_name: c.responsibility for c in read.contacts} == {"Piers": True, "Nell": True}


def test_the_school_history_gives_entry_and_leaving_dates(tmp_path):
    """Trap: the leaving date and reason sit in SchoolHistory/School, not in the header."""
    leaver = pupil(1, entry_date="2021-09-01", leaving_date="2025-07-18")
    [spell] = read_ctf(write_ctf(tmp_path / "roll.xml", [leaver])).pupils[0].history
    assert (spell.school_number, str(spell.entry_date), str(spell.leaving_date),
            spell.leaving_reason) == ("823/3999", "2021-09-01", "2025-07-18", "MOVE")


def test_bad_pupils_are_left_out_on_request_and_listed(tmp_path):
    """Near miss of refusing the whole file: with skip_bad, the bad pupil is left out with
    its line, and the good ones are read."""
    bad = FakePupil(make_upn(3), "Cy", "Quillfeather", date_of_birth="2014-02-30")
    path = write_ctf(tmp_path / "roll.xml", [pupil(1), bad, pupil(2)])
    ctf = read_ctf(path, skip_bad=True)
    assert [p.upn for p in ctf.pupils] == [make_upn(1), make_upn(2)]
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "2014-02-30" in text)
    assert ctf.skipped == (f"roll.xml:{line}: Pupil/DOB: '2014-02-30' is not a date that exists: "
                           "write it as YYYY-MM-DD (2012-02-15), or as YYYY-MM (2012-02) or "
                           "YYYY (2012) when only the month or the year is known",)


def test_upn_check_letter_is_checked_by_python_stdnum():
    """Near miss: the same UPN with the wrong check letter."""
    upn = make_upn(7)
    assert check_upn(upn.lower()) == upn
    with pytest.raises(ValueError, match="check letter is wrong"):
        check_upn(wrong_check_letter(upn))
    with pytest.raises(ValueError, match="11 digits"):
        check_upn(upn[:-1])


def test_upn_from_an_authority_newer_than_python_stdnums_list_is_accepted():
    """Trap: python-stdnum lists the LA numbers of 2011; Dorset (838) issues UPNs since 2019.
    Its near miss, a wrong check letter from the same authority, is still refused."""
    upn = make_upn(1, lea="838")
    assert check_upn(upn) == upn
    with pytest.raises(ValueError, match="check letter"):
        check_upn(wrong_check_letter(upn))


def test_relationship_codes_give_family_kinds_or_no_family(tmp_path):
    """Trap: a doctor, social worker, head teacher, teacher or religious contact is a contact
    of the pupil and not family."""
    codes = list(RELATIONSHIP_KINDS)
    contacts = [FakeContact("Given", f"Contact{code}", code, order) for order, code in enumerate(codes, 1)]
    ctf = read_ctf(write_ctf(tmp_path / "roll.xml", [pupil(1, *contacts)]))
    kinds = {c.relationship: c.kind for c in ctf.pupils[0].contacts}
    assert kinds == RELATIONSHIP_KINDS
    assert {kinds[c] for c in ("PAM", "PAF")} == {FamilyKind.PARENT}
    assert {kinds[c] for c in ("STM", "STF")} == {FamilyKind.STEP_PARENT}
    assert {kinds[c] for c in ("FOM", "FOF")} == {FamilyKind.FOSTER_PARENT}
    assert kinds["CAR"] is FamilyKind.CARER
    assert {kinds[c] for c in ("DOC", "SWR", "HTC", "TCH", "RLG")} == {None}
    assert ctf.warnings == ()


def test_an_unknown_relationship_code_is_other_relative_with_a_warning(tmp_path):
    """Near miss of the known codes: a code no CBDS list has."""
    path = write_ctf(tmp_path / "roll.xml", [pupil(1, FakeContact("Uma", "Quillfeather", "GRX"))])
    ctf = read_ctf(path)
    assert ctf.pupils[0].contacts[0].kind is FamilyKind.OTHER_RELATIVE
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "GRX" in text)
    assert ctf.warnings == (
        f"roll.xml:{line}: Contact/Relationship: 'GRX' is not a CBDS relationship code: "
        "recorded as other_relative",
    )


def test_contact_details_are_read_for_matching(tmp_path):
    """Trap: the phone numbers sit two levels down (Phones/Phone/PhoneNo)."""
    mother = FakeContact("Nell", "Quillfeather", "PAM", 1, "Nell.Q@example.invalid",
                         ("07700 900111", "01632 960000"), ("14 Elm Road", "ZZ1 1QQ"))
    contact = read_ctf(write_ctf(tmp_path / "roll.xml", [pupil(1, mother)])).pupils[0].contacts[0]
    assert contact.emails == ("Nell.Q@example.invalid",)
    assert contact.phones == ("07700 900111", "01632 960000")
    assert (contact.address.first_line, contact.address.postcode) == ("14 Elm Road", "ZZ1 1QQ")
    assert contact.sex == "F", "implied by the code PAM where the file gives none"


def test_every_problem_is_listed_with_its_line(tmp_path):
    """Trap: one bad pupil must not hide the next; the whole file is refused."""
    good = pupil(1)
    bad_upn = FakePupil(wrong_check_letter(make_upn(2)), "Ben", "Quillfeather")
    bad_dob = FakePupil(make_upn(3), "Cy", "Quillfeather", date_of_birth="2014-02-30")
    twice = FakePupil(make_upn(1), "Di", "Quillfeather")
    path = write_ctf(tmp_path / "roll.xml", [good, bad_upn, bad_dob, twice])
    lines = path.read_text().splitlines()

    def line_of(text, after=0):
        return next(n for n, line in enumerate(lines, 1) if text in line and n > after)

    first_pupil = line_of(make_upn(1)) - 1  # the <Pupil> line, just above its UPN
    second_pupil = line_of(make_upn(1), first_pupil + 1) - 1
    assert problems_of(path) == [
        f"roll.xml:{line_of(bad_upn.upn)}: Pupil/UPN: '{bad_upn.upn}' is not a UPN: its check letter is wrong",
        f"roll.xml:{line_of('2014-02-30')}: Pupil/DOB: '2014-02-30' is not a date that exists: "
        "write it as YYYY-MM-DD (2012-02-15), or as YYYY-MM (2012-02) or YYYY (2012) when "
        "only the month or the year is known",
        f"roll.xml:{second_pupil}: Pupil/UPN: {make_upn(1)} appears twice (first on line {first_pupil})",
    ]


def test_not_well_formed_and_not_a_ctf(tmp_path):
    """Near miss: XML that is well formed but is not a CTF."""
    (tmp_path / "broken.xml").write_text("<CTfile>\n<Header>\n</CTfile>\n")
    assert problems_of(tmp_path / "broken.xml") == ["broken.xml:3: -: not well-formed XML: mismatched tag"]
    (tmp_path / "other.xml").write_text("<Invoice><Total>1</Total></Invoice>\n")
    assert problems_of(tmp_path / "other.xml") == [
        "other.xml:1: -: not a common transfer file (the root element is Invoice, not CTfile)"
    ]


def test_billion_laughs_fails_fast_with_a_clear_message(tmp_path):
    """Trap: expanding the entities would take gigabytes; the DTD is refused before that."""
    path = tmp_path / "laughs.xml"
    path.write_text(billion_laughs())
    started = time.perf_counter()
    found = problems_of(path)
    assert time.perf_counter() - started < 1
    assert found == ["laughs.xml:2: -: the file declares a DTD (<!DOCTYPE ...>), which a common "
                     "transfer file never has: refused, nothing was read"]


def test_an_external_entity_is_never_read(tmp_path):
    """Trap: an entity that names a local file would copy it into a pupil's name."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(external_entity(secret))
    found = problems_of(path)
    assert "refused" in found[0] and "DTD" in found[0]
    assert "TOP-SECRET" not in " ".join(found)


def test_an_oversize_file_is_refused_unread(tmp_path):
    """Trap: the size is checked before parsing, so even broken XML over the limit gets the
    size message. Near miss: the same roll under the limit is read."""
    path = write_ctf(tmp_path / "roll.xml", synthetic_roll(20))
    size = path.stat().st_size
    assert len(read_ctf(path, max_bytes=size).pupils) == 20
    path.write_text(path.read_text() + "<unclosed>" * 100)
    started = time.perf_counter()
    found = problems_of(path, max_bytes=size)
    assert time.perf_counter() - started < 1
    assert found == [f"roll.xml:1: -: the file is {path.stat().st_size:,} bytes, over the limit of "
                     f"{size:,} for a common transfer file: refused unread"]


def test_elements_the_register_does_not_need_are_skipped(tmp_path):
    """Trap: a `Surname` inside an element the register skips must not become the pupil's."""
    text = ctf_xml([pupil()]).replace(
        "<Attendance>", "<Attendance><Surname>Wrong</Surname>", 1)
    (tmp_path / "roll.xml").write_text(text)
    assert read_ctf(tmp_path / "roll.xml").pupils[0].family_name == "Quillfeather"
