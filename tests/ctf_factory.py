"""Synthetic DfE Common Transfer Files for tests: invented people, valid UPNs, any version
from 17 to 26, and hostile files. No real child's data is ever in the repository.

The shape follows what real writers emit (docs/imports.md gives the evidence): the DfE's
own CTF formatter (GIAP: `CTFversion`, `Sex`, DocumentQualifier `partial`, an XXX/XXXX
source), Follett Aspen's UK export (`Gender`, `BasicDetails` with FormerUPN and preferred
names, contacts with `AddressAsPupil`, BS7666 or AddressLines addresses, Phones/Phone/PhoneNo)
and SIMS-style headers (DocumentName, DataDescriptor, SupplierID).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from stdnum.gb import upn as stdnum_upn

from seed.names import ADULT_FEMALE, ADULT_MALE, FAMILY, YOUNG_FEMALE, YOUNG_MALE


def make_upn(serial: int, lea: str = "823", estab: str = "4001", year: int = 25) -> str:
    """A UPN with a correct check letter: LA, school, year of issue, serial (past 999 the
    year of issue goes back one)."""
    body = f"{lea}{estab}{(year - serial // 1000) % 100:02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def wrong_check_letter(upn: str) -> str:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return letters[(letters.index(upn[0]) + 1) % len(letters)] + upn[1:]


@dataclass
class FakeContact:
    given_name: str
    family_name: str
    relationship: str = "PAM"
    order: int = 1
    email: str | None = None
    phones: tuple[str, ...] = ()
    address: tuple[str, str] | None = None  # (first line, postcode)
    responsibility: bool | None = True  # None: no Responsibility element
    address_as_pupil: bool = False  # <AddressAsPupil>true</AddressAsPupil> instead of an address
    gender: str | None = None  # the contact's own Gender element, which some writers leave out


@dataclass
class FakePupil:
    upn: str
    given_name: str
    family_name: str
    date_of_birth: str = "2014-05-06"
    sex: str = "F"
    contacts: list[FakeContact] = field(default_factory=list)
    entry_date: str | None = None  # at the source school, in the school history
    leaving_date: str | None = None  # at the source school, in the school history
    former_upn: str | None = None
    preferred_given_name: str | None = None
    preferred_family_name: str | None = None
    address: tuple[str, str] | None = ("12 Invented Road", "ZZ1 1QQ")
    history_school: tuple[str, str] | None = None  # default: the file's source school


def _address(first_line: str, postcode: str, style: str) -> str:
    if style == "lines":  # AddressLines, as writers do for an address with no BS7666 parts
        return (f"<Address><AddressLines><AddressLine1>{escape(first_line)}</AddressLine1>"
                f"<AddressLine2>Invented Town</AddressLine2></AddressLines>"
                f"<PostCode>{postcode}</PostCode></Address>")
    number, _, street = first_line.partition(" ")
    return (f"<Address><BS7666Address><PAON>{escape(number)}</PAON><Street>{escape(street)}"
            f"</Street><Town>Invented Town</Town></BS7666Address>"
            f"<PostCode>{postcode}</PostCode></Address>")


def ctf_xml(pupils: list[FakePupil], *, version: int = 25, file_date: str = "2025-10-01",
            source: tuple[str, str] = ("823", "3999"), dest: tuple[str, str] = ("823", "4001"),
            qualifier: str = "full", sex_tag: str | None = None,
            names_in_basic_details: bool = False, address_style: str = "bs7666",
            supplier: str = "Synthetic test MIS") -> str:
    """A CTF in the shape real writers emit, by default from school 823/3999 to 823/4001
(a transfer in, for a register whose school is 823/4001): `CTfile/Header/CTFversion`, the pupil's core
    fields directly under `Pupil` (or, with `names_in_basic_details`, in BasicDetails),
    `Gender` up to CTF 22 and `Sex` after unless `sex_tag` says otherwise."""
    sex_tag = sex_tag or ("Gender" if version <= 22 else "Sex")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<CTfile>",
        "  <Header>",
        "    <DocumentName>Common Transfer File</DocumentName>",
        f"    <CTFversion>{version}.0</CTFversion>",
        f"    <DateTime>{file_date}T09:30:00</DateTime>",
        f"    <DocumentQualifier>{qualifier}</DocumentQualifier>",
        "    <DataDescriptor>CTF</DataDescriptor>",
        f"    <SupplierID>{escape(supplier)}</SupplierID>",
        f"    <SourceSchool><LEA>{source[0]}</LEA><Estab>{source[1]}</Estab>"
        "<SchoolName>Invented Lane Academy</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>",
        f"    <DestSchool><LEA>{dest[0]}</LEA><Estab>{dest[1]}</Estab></DestSchool>",
        "  </Header>",
        "  <CTFpupilData>",
    ]
    for pupil in pupils:
        core = [
            f"<Surname>{escape(pupil.family_name)}</Surname>",
            f"<Forename>{escape(pupil.given_name)}</Forename>",
            f"<DOB>{pupil.date_of_birth}</DOB>",
            f"<{sex_tag}>{pupil.sex}</{sex_tag}>",
        ]
        basic = []
        if pupil.former_upn:
            basic.append(f"<FormerUPN>{pupil.former_upn}</FormerUPN>")
        if pupil.preferred_family_name:
            basic.append(f"<PreferredSurname>{escape(pupil.preferred_family_name)}</PreferredSurname>")
        if pupil.preferred_given_name:
            basic.append(f"<PreferredForename>{escape(pupil.preferred_given_name)}</PreferredForename>")
        basic.append("<NCyearActual>6</NCyearActual><Ethnicity>WBRI</Ethnicity>")
        lines += ["    <Pupil>", f"      <UPN>{pupil.upn}</UPN>"]
        if names_in_basic_details:
            lines.append("      <BasicDetails>" + "".join(core + basic) + "</BasicDetails>")
        else:
            lines += [f"      {c}" for c in core]
            lines.append("      <BasicDetails>" + "".join(basic) + "</BasicDetails>")
        if pupil.address:
            lines.append("      " + _address(*pupil.address, address_style))
        lines += [
            "      <Attendance><YearData><Year>2025</Year><SessionsPossible>300</SessionsPossible>"
            "</YearData></Attendance>",
            "      <Contacts>",
        ]
        for contact in pupil.contacts:
            lines += [
                "        <Contact>",
                f"          <Order>{contact.order}</Order>",
                "          <Title>Ms</Title>" if contact.relationship in ("PAM", "STM", "FOM") else "          <Title>Mr</Title>",
                f"          <Surname>{escape(contact.family_name)}</Surname>",
                f"          <Forename>{escape(contact.given_name)}</Forename>",
            ]
            if contact.gender:
                lines.append(f"          <Gender>{contact.gender}</Gender>")
            lines.append(f"          <Relationship>{contact.relationship}</Relationship>")
            if contact.responsibility is not None:
                lines.append(f"          <Responsibility>{str(contact.responsibility).lower()}"
                             "</Responsibility>")
            if contact.address_as_pupil:
                lines.append("          <Address><AddressAsPupil>true</AddressAsPupil></Address>")
            elif contact.address:
                lines.append("          " + _address(*contact.address, address_style))
            if contact.phones:
                lines.append("          <Phones>" + "".join(
                    f"<Phone><TelephoneType>H</TelephoneType><PhoneNo>{p}</PhoneNo></Phone>"
                    for p in contact.phones) + "</Phones>")
            if contact.email:
                lines.append(f"          <Email>{escape(contact.email)}</Email>")
            lines.append("        </Contact>")
        lines.append("      </Contacts>")
        if pupil.entry_date or pupil.leaving_date:
            lea, estab = pupil.history_school or source
            spell = f"<School><LEA>{lea}</LEA><Estab>{estab}</Estab><SchoolName>Invented Lane Academy</SchoolName>"
            if pupil.entry_date:
                spell += f"<EntryDate>{pupil.entry_date}</EntryDate>"
            if pupil.leaving_date:
                spell += f"<LeavingDate>{pupil.leaving_date}</LeavingDate><LeavingReason>MOVE</LeavingReason>"
            lines.append(f"      <SchoolHistory>{spell}</School></SchoolHistory>")
        lines.append("    </Pupil>")
    lines += ["  </CTFpupilData>", "</CTfile>", ""]
    return "\n".join(lines)


def write_ctf(path: Path, pupils: list[FakePupil], **header) -> Path:
    path.write_text(ctf_xml(pupils, **header), encoding="utf-8")
    return path


def synthetic_roll(count: int, seed: int = 1, estab: str = "4001") -> list[FakePupil]:
    """`count` pupils with a mother and a father each; every third pupil shares parents
    with the one before (siblings)."""
    rng = random.Random(seed)
    pupils = []
    for serial in range(1, count + 1):
        if serial % 3 == 0 and pupils:
            parents = pupils[-1].contacts
            family = pupils[-1].family_name
            home = pupils[-1].address
        else:
            family = rng.choice(FAMILY)
            house = f"{rng.randint(1, 200)} {rng.choice(('Elm', 'Oak', 'Ash', 'Birch'))} Road"
            postcode = f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}QQ"
            mother, father = rng.choice(ADULT_FEMALE), rng.choice(ADULT_MALE)
            home = (house, postcode)
            parents = [
                FakeContact(mother, family, "PAM", 1, f"{mother}.{family}.{serial}@example.invalid",
                            (f"07700 9{serial:05d}",), (house, postcode)),
                FakeContact(father, family, "PAF", 2, None,
                            (f"07700 8{serial:05d}",), (house, postcode)),
            ]
        sex = rng.choice("MF")
        given = rng.choice(YOUNG_FEMALE if sex == "F" else YOUNG_MALE)
        pupils.append(FakePupil(
            make_upn(serial, estab=estab), given, family,
            f"{rng.randint(2010, 2019)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            sex, list(parents), "2021-09-01", address=home,
        ))
    return pupils


# -- hostile files -----------------------------------------------------------------------


def billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return ('<?xml version="1.0"?>\n<!DOCTYPE CTfile [\n' + "\n".join(entities)
            + "\n]>\n<CTfile><Header><CTFversion>&lol9;</CTFversion></Header></CTfile>\n")


def external_entity(secret: Path) -> str:
    return ('<?xml version="1.0"?>\n'
            f'<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file://{secret}">]>\n'
            "<CTfile><Header><CTFversion>&secret;</CTFversion></Header></CTfile>\n")
