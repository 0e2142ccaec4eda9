"""Synthetic DfE Common Transfer Files for tests: invented people, valid UPNs, any version
from 17 to 25, and hostile files. No real child's data is ever in the repository.

Versions differ here mainly in the Header's `Version`; files up to CTF 20 write the pupil's
`Sex`, later ones `Gender`, so the reader is tried on both spellings.
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
    responsibility: bool = True


@dataclass
class FakePupil:
    upn: str
    given_name: str
    family_name: str
    date_of_birth: str = "2014-05-06"
    sex: str = "F"
    contacts: list[FakeContact] = field(default_factory=list)
    entry_date: str | None = None  # at the source school, in the school history


def ctf_xml(pupils: list[FakePupil], *, version: int = 25, file_date: str = "2025-10-01",
            source: tuple[str, str] = ("823", "4001"), dest: tuple[str, str] = ("MIS", "MIS")) -> str:
    sex_element = "Sex" if version <= 20 else "Gender"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<CTfile>",
        "  <Header>",
        "    <Document>Common Transfer File</Document>",
        f"    <Version>{version}.0</Version>",
        f"    <DateTime>{file_date}T09:30:00</DateTime>",
        "    <DocumentQualifier>full</DocumentQualifier>",
        "    <SupplierID>Synthetic test MIS</SupplierID>",
        f"    <SourceSchool><LEA>{source[0]}</LEA><Estab>{source[1]}</Estab>"
        "<SchoolName>Invented Lane Academy</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>",
        f"    <DestSchool><LEA>{dest[0]}</LEA><Estab>{dest[1]}</Estab></DestSchool>",
        "  </Header>",
        "  <CTFpupilData>",
    ]
    for pupil in pupils:
        lines += [
            "    <Pupil>",
            f"      <UPN>{pupil.upn}</UPN>",
            f"      <Surname>{escape(pupil.family_name)}</Surname>",
            f"      <Forename>{escape(pupil.given_name)}</Forename>",
            f"      <DOB>{pupil.date_of_birth}</DOB>",
            f"      <{sex_element}>{pupil.sex}</{sex_element}>",
            "      <Attendance><YearData><Year>2025</Year><SessionsPossible>300</SessionsPossible>"
            "</YearData></Attendance>",
            "      <Contacts>",
        ]
        for contact in pupil.contacts:
            lines += [
                "        <Contact>",
                f"          <Order>{contact.order}</Order>",
                f"          <Surname>{escape(contact.family_name)}</Surname>",
                f"          <Forename>{escape(contact.given_name)}</Forename>",
                f"          <Relationship>{contact.relationship}</Relationship>",
                f"          <Responsibility>{str(contact.responsibility).lower()}</Responsibility>",
            ]
            if contact.address:
                lines.append(
                    f"          <Address><BS7666Address><PAON>{escape(contact.address[0].split(' ', 1)[0])}"
                    f"</PAON><Street>{escape(contact.address[0].split(' ', 1)[-1])}</Street>"
                    f"<Town>Invented Town</Town></BS7666Address>"
                    f"<PostCode>{contact.address[1]}</PostCode></Address>"
                )
            if contact.phones:
                lines.append("          <Phones>" + "".join(
                    f"<Phone><TelephoneType>H</TelephoneType><PhoneNo>{p}</PhoneNo></Phone>"
                    for p in contact.phones) + "</Phones>")
            if contact.email:
                lines.append(f"          <Email>{escape(contact.email)}</Email>")
            lines.append("        </Contact>")
        lines.append("      </Contacts>")
        if pupil.entry_date:
            lines.append(
                f"      <SchoolHistory><School><LEA>{source[0]}</LEA><Estab>{source[1]}</Estab>"
                f"<EntryDate>{pupil.entry_date}</EntryDate></School></SchoolHistory>"
            )
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
        else:
            family = rng.choice(FAMILY)
            house = f"{rng.randint(1, 200)} {rng.choice(('Elm', 'Oak', 'Ash', 'Birch'))} Road"
            postcode = f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}QQ"
            mother, father = rng.choice(ADULT_FEMALE), rng.choice(ADULT_MALE)
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
            sex, list(parents), "2021-09-01",
        ))
    return pupils


# -- hostile files -----------------------------------------------------------------------


def billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return ('<?xml version="1.0"?>\n<!DOCTYPE CTfile [\n' + "\n".join(entities)
            + "\n]>\n<CTfile><Header><Version>&lol9;</Version></Header></CTfile>\n")


def external_entity(secret: Path) -> str:
    return ('<?xml version="1.0"?>\n'
            f'<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file://{secret}">]>\n'
            "<CTfile><Header><Version>&secret;</Version></Header></CTfile>\n")
