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


@pytest.mark.parametrize("version", range(17, 26))
def test_every_version_from_17_to_25_is_read_with_sex_or_gender(tmp_path, version):
    """Trap: older files write `Sex`, newer ones `Gender`; both mean the same."""
    path = write_ctf(tmp_path / "roll.xml", [pupil(sex="M")], version=version)
    ctf = read_ctf(path)
    assert ctf.version == version
    assert ctf.pupils[0].sex == "M"
    assert ctf.pupils[0].date_of_birth == BirthDate(2014, 5, 6)


@pytest.mark.parametrize("version", [16, 26])
def test_a_version_outside_17_to_25_is_refused(tmp_path, version):
    """Near miss: a well-formed CTF of a version the register does not read."""
    path = write_ctf(tmp_path / "roll.xml", [pupil()], version=version)
    assert problems_of(path) == [
        f"roll.xml:5: Header/Version: '{version}.0' is not a CTF version this register reads (17 to 25)"
    ]


def test_header_gives_the_file_date_and_schools(tmp_path):
    """Trap: a destination of MIS (an export to the school's own system) is not a school."""
    ctf = read_ctf(write_ctf(tmp_path / "a.xml", [pupil()], file_date="2025-12-01",
                             source=("823", "4001"), dest=("MIS", "MIS")))
    assert (ctf.file_date.isoformat(), ctf.source_school, ctf.dest_school) == ("2025-12-01", "823/4001", None)
    ctf = read_ctf(write_ctf(tmp_path / "b.xml", [pupil()], dest=("823", "4002")))
    assert ctf.dest_school == "823/4002"


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
        f"roll.xml:{line_of('2014-02-30')}: Pupil/DOB: '2014-02-30' is not a date that exists (YYYY-MM-DD)",
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
