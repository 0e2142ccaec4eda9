"""DfE Common Transfer Files (CTF 17 to 26): pupils and their contacts, read safely.

A CTF is XML that a school's MIS (or a DfE service) writes: `CTfile/Header` (DocumentName,
CTFversion, DateTime, DocumentQualifier full or partial, SupplierID, SourceSchool and
DestSchool as LEA + Estab, where a non-school destination is a code such as XXX/XXXX or
MMM/MMMM) and `CTFpupilData/Pupil` records: UPN, names, date of birth, `Sex` (`Gender` in
older files), `BasicDetails` (FormerUPN, preferred names), `Address`, `Contacts` and
`SchoolHistory`. docs/imports.md says which writers' files each variant rests on. `read_ctf` checks the whole file
before it returns and raises CTFError listing every problem as `FILE:LINE: element: what is
wrong`, like the exchange format. It never resolves a DTD, an entity or an external
reference: a file that declares one is refused at once, and so is a file over the size limit.

Only what the register needs is kept (assessments, attendance and the like are skipped
unread into memory); contact details are returned for matching people, never stored in the
exchange world.
"""

from __future__ import annotations

import datetime as dt
import os
import xml.sax
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.sax
from defusedxml import DefusedXmlException, DTDForbidden
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.gb import upn as stdnum_upn

from graph.intake.exchange import ExchangeError
from graph.dates import parse_date, parse_date_of_date_time
from graph.model import BirthDate, FamilyKind

CTF_VERSIONS = range(17, 27)  # 17 to the current one (26, for 2026 to 2027)
MAX_CTF_BYTES = 200 * 1024 * 1024  # a large secondary school's CTF with assessments is ~50 MB

# CBDS contact relationship codes: the family link the contact has to the pupil, or None
# where the contact is not family (a doctor, a social worker, a teacher, a childminder...).
RELATIONSHIP_KINDS: dict[str, FamilyKind | None] = {
    "PAM": FamilyKind.PARENT,          # mother
    "PAF": FamilyKind.PARENT,          # father
    "STM": FamilyKind.STEP_PARENT,     # step-mother
    "STF": FamilyKind.STEP_PARENT,     # step-father
    "FOM": FamilyKind.FOSTER_PARENT,   # foster mother
    "FOF": FamilyKind.FOSTER_PARENT,   # foster father
    "CAR": FamilyKind.CARER,           # carer
    "FAM": FamilyKind.OTHER_RELATIVE,  # other family member
    "REL": FamilyKind.OTHER_RELATIVE,  # relative
    "CHM": None,                       # childminder
    "DOC": None,                       # doctor
    "SWR": None,                       # social worker
    "HTC": None,                       # head teacher
    "TCH": None,                       # teacher
    "RLG": None,                       # religious contact
    "OTH": None,                       # other contact: says nothing of family
}
# What a code says of the contact's sex, used only to keep a mother and a father apart.
IMPLIED_SEX = {"PAM": "F", "STM": "F", "FOM": "F", "PAF": "M", "STF": "M", "FOF": "M"}

# The elements read; any other element is skipped with everything inside it.
_KEPT = frozenset({
    "CTfile", "Header", "DocumentName", "CTFversion", "DateTime", "DocumentQualifier",
    "SupplierID", "SourceSchool", "DestSchool", "LEA", "Estab", "SchoolName",
    "CTFpupilData", "Pupil", "UPN", "Surname", "Forename", "DOB", "Sex", "Gender",
    "BasicDetails", "FormerUPN", "PreferredSurname", "PreferredForename",
    "Contacts", "Contact", "Order", "Relationship", "Responsibility", "Address",
    "AddressAsPupil", "BS7666Address", "SAON", "PAON", "Street", "AddressLines",
    "AddressLine1", "PostCode", "Phones", "Phone", "PhoneNo", "Email",
    "SchoolHistory", "School", "EntryDate", "LeavingDate", "LeavingReason",
})
# LEA/Estab codes that name no school: an unknown destination (XXX/XXXX), a pupil gone
# abroad or missing (MMM/MMMM), an export to the school's own MIS, the DfE itself.
NOT_A_SCHOOL = frozenset({"XXX", "XXXX", "MMM", "MMMM", "MIS", "LAD", "DFE"})


class CTFError(ExchangeError):
    """A CTF that was refused whole; `problems` lists every line-precise problem."""

    def __init__(self, problems: list[str]):
        super().__init__(problems)
        self.args = (f"{len(problems)} problem(s) in the common transfer file",)


@dataclass(frozen=True)
class Address:
    first_line: str
    postcode: str


@dataclass(frozen=True)
class CTFContact:
    line: int
    order: int | None
    given_name: str
    family_name: str
    relationship: str  # the CBDS code as written
    kind: FamilyKind | None  # None: not family
    responsibility: bool | None  # parental responsibility, kept with the family link
    sex: str | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    address: Address | None


@dataclass(frozen=True)
class SchoolSpell:
    """A line of a pupil's school history."""

    school_number: str
    entry_date: dt.date | None
    leaving_date: dt.date | None
    leaving_reason: str = ""


@dataclass(frozen=True)
class CTFPupil:
    line: int
    upn: str
    given_name: str
    family_name: str
    date_of_birth: BirthDate | None
    sex: str | None
    contacts: tuple[CTFContact, ...]
    history: tuple[SchoolSpell, ...]
    former_upn: str | None = None
    preferred_given_name: str = ""
    preferred_family_name: str = ""
    address: Address | None = None

    def spell_at(self, school_number: str | None) -> SchoolSpell | None:
        return next((s for s in self.history if s.school_number == school_number), None)


@dataclass(frozen=True)
class CTFFile:
    name: str
    version: int
    file_date: dt.date
    source_school: str | None  # "LEA/Estab", e.g. "823/4001"
    dest_school: str | None  # None where the destination is not a school (unknown, the LA)
    pupils: tuple[CTFPupil, ...]
    warnings: tuple[str, ...]
    partial: bool = False  # DocumentQualifier partial: missing modules say nothing
    dest_code: str = ""  # the DestSchool as written, "XXX/XXXX" for an unknown one
    skipped: tuple[str, ...] = ()  # problems of pupils left out on request (skip_bad)


def check_upn(text: str) -> str:
    """The UPN in its compact form; ValueError where it is malformed or its check letter
    is wrong.

    >>> check_upn("b801 2000 05001")
    'B801200005001'
    """
    try:
        return stdnum_upn.validate(text)
    except InvalidComponent:
        # python-stdnum knows the LA numbers of 2011; authorities made since (Dorset 838,
        # the Northamptonshires 940/941, Cumbria's successors 942/943...) issue UPNs too.
        number = stdnum_upn.compact(text)
        if stdnum_upn.calc_check_digit(number[1:]) == number[0]:
            return number
        raise ValueError(f"{text!r} is not a UPN: its check letter is wrong") from None
    except InvalidChecksum:
        raise ValueError(f"{text!r} is not a UPN: its check letter is wrong") from None
    except ValidationError:
        raise ValueError(f"{text!r} is not a UPN: a UPN is a check letter, 11 digits and "
                         "a digit or letter") from None


def read_ctf(path: str | os.PathLike, max_bytes: int = MAX_CTF_BYTES, *,
             skip_bad: bool = False) -> CTFFile:
    """Read and check a whole CTF; raise CTFError listing every problem. With `skip_bad`,
    a pupil with a problem is left out (listed in `skipped`) instead; a problem in the
    Header still refuses the file."""
    path = Path(path)
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise CTFError([f"{name}:1: -: the file is {size:,} bytes, over the limit of "
                        f"{max_bytes:,} for a common transfer file: refused unread"])
    root = _parse(path, name)
    return _Reader(name, skip_bad).read(root)


# -- parsing -------------------------------------------------------------------------


@dataclass
class _Node:
    tag: str
    line: int
    text: str = ""
    children: list[_Node] = field(default_factory=list)

    def all(self, path: str) -> list[_Node]:
        nodes = [self]
        for step in path.split("/"):
            nodes = [c for n in nodes for c in n.children if c.tag == step]
        return nodes

    def first(self, path: str) -> _Node | None:
        found = self.all(path)
        return found[0] if found else None

    def value(self, path: str) -> str:
        node = self.first(path)
        return node.text.strip() if node is not None else ""


class _TreeBuilder(xml.sax.handler.ContentHandler):
    """A small tree of the kept elements, each with the line it starts on."""

    def __init__(self):
        super().__init__()
        self.root: _Node | None = None
        self._stack: list[_Node] = []
        self._skipping = 0  # depth inside an element that is not kept
        self._locator = None

    def setDocumentLocator(self, locator):
        self._locator = locator

    def startElement(self, name, attrs):
        tag = name.rpartition(":")[2]
        if self._skipping or (self._stack and tag not in _KEPT):
            self._skipping += 1
            return
        node = _Node(tag, self._locator.getLineNumber() if self._locator else 0)
        if self._stack:
            self._stack[-1].children.append(node)
        else:
            self.root = node
        self._stack.append(node)

    def endElement(self, name):
        if self._skipping:
            self._skipping -= 1
        else:
            self._stack.pop()

    def characters(self, content):
        if not self._skipping and self._stack:
            self._stack[-1].text += content


def _parse(path: Path, name: str) -> _Node:
    handler = _TreeBuilder()
    parser = defusedxml.sax.make_parser()
    parser.forbid_dtd = True
    parser.forbid_entities = True
    parser.forbid_external = True
    parser.setContentHandler(handler)

    def line() -> int:
        try:
            return parser.getLineNumber()
        except Exception:  # the parser may already be gone
            return 1

    try:
        with open(path, "rb") as stream:
            parser.parse(stream)
    except DTDForbidden:
        raise CTFError([f"{name}:{line()}: -: the file declares a DTD (<!DOCTYPE ...>), which "
                        "a common transfer file never has: refused, nothing was read"]) from None
    except DefusedXmlException as error:  # entities or external references: none without a DTD

        raise CTFError([f"{name}:{line()}: -: unsafe XML refused: {error}"]) from None
    except xml.sax.SAXParseException as error:
        raise CTFError([f"{name}:{error.getLineNumber()}: -: not well-formed XML: "
                        f"{error.getMessage()}"]) from None
    if handler.root is None or handler.root.tag != "CTfile":
        found = handler.root.tag if handler.root else "nothing"
        raise CTFError([f"{name}:1: -: not a common transfer file (the root element is "
                        f"{found}, not CTfile)"])
    return handler.root


# -- reading the tree ------------------------------------------------------------------


class _Reader:
    def __init__(self, name: str, skip_bad: bool = False):
        self.name = name
        self.skip_bad = skip_bad
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.skipped: list[str] = []

    def problem(self, node: _Node, element: str, what: str) -> None:
        self.problems.append(f"{self.name}:{node.line}: {element}: {what}")

    def read(self, root: _Node) -> CTFFile:
        header = root.first("Header")
        version, file_date, source, dest = 0, dt.date.min, None, None
        if header is None:
            self.problem(root, "Header", "the file has no Header")
        else:
            version = self._version(header)
            file_date = self._file_date(header)
            source = self._school_number(header.first("SourceSchool"))
            dest = self._school_number(header.first("DestSchool"))
            if source is None:
                self.problem(header, "Header/SourceSchool",
                             "the source school's LEA and Estab numbers are required")
        pupils = []
        seen: dict[str, int] = {}
        for node in root.all("CTFpupilData/Pupil"):
            before = len(self.problems)
            pupil = self._pupil(node)
            if pupil is not None and pupil.upn in seen:
                self.problem(node, "Pupil/UPN", f"{pupil.upn} appears twice (first on line {seen[pupil.upn]})")
                pupil = None
            if self.skip_bad and len(self.problems) > before:
                self.skipped += self.problems[before:]
                del self.problems[before:]
                continue
            if pupil is None:
                continue
            seen[pupil.upn] = node.line
            pupils.append(pupil)
        if self.problems:
            raise CTFError(self.problems)
        qualifier = header.value("DocumentQualifier").lower() if header is not None else ""
        dest_node = header.first("DestSchool") if header is not None else None
        dest_code = (f"{dest_node.value('LEA')}/{dest_node.value('Estab')}"
                     if dest_node is not None else "")
        return CTFFile(self.name, version, file_date, source, dest, tuple(pupils),
                       tuple(self.warnings), qualifier == "partial", dest_code,
                       tuple(self.skipped))

    def _version(self, header: _Node) -> int:
        text = header.value("CTFversion")
        major = text.split(".")[0]
        if not major.isdigit() or int(major) not in CTF_VERSIONS:
            self.problem(header.first("CTFversion") or header, "Header/CTFversion",
                         f"{text!r} is not a CTF version this register reads "
                         f"({CTF_VERSIONS.start} to {CTF_VERSIONS.stop - 1})")
            return 0
        return int(major)

    def _file_date(self, header: _Node) -> dt.date:
        text = header.value("DateTime")
        try:
            return parse_date_of_date_time(text)  # xs:dateTime, as the CTF specification says
        except ValueError as error:
            self.problem(header.first("DateTime") or header, "Header/DateTime", str(error))
            return dt.date.min

    @staticmethod
    def _school_number(node: _Node | None) -> str | None:
        """`LEA/Estab` where both are numbers; None where the school is unknown or not a
        school (CTFs to an unknown destination carry MIS or XXX/XXXX)."""
        if node is None:
            return None
        lea, estab = node.value("LEA"), node.value("Estab")
        if lea.upper() in NOT_A_SCHOOL or estab.upper() in NOT_A_SCHOOL:
            return None
        if len(lea) == 3 and lea.isdigit() and len(estab) == 4 and estab.isdigit():
            return f"{lea}/{estab}"
        return None

    def _date(self, node: _Node, path: str, where: str) -> dt.date | None:
        text = node.value(path)
        if not text:
            return None
        try:
            return parse_date(text)  # xs:date, as the CTF specification says: YYYY-MM-DD
        except ValueError as error:
            self.problem(node.first(path) or node, where, str(error))
            return None

    def _upn(self, node: _Node, path: str, where: str) -> str | None:
        text = node.value(path)
        if not text:
            return None
        try:
            return check_upn(text)
        except ValueError as error:
            self.problem(node.first(path) or node, where, str(error))
            return None

    def _pupil(self, node: _Node) -> CTFPupil | None:
        if not node.value("UPN"):
            self.problem(node, "Pupil/UPN", "a UPN is required")
            return None
        upn = self._upn(node, "UPN", "Pupil/UPN")
        if upn is None:
            return None
        # Writers put the names, date of birth and sex directly under Pupil; some put
        # them in BasicDetails, beside the former UPN and the preferred names.
        basic = node.first("BasicDetails") or _Node("BasicDetails", node.line)

        def either(tag: str) -> str:
            return node.value(tag) or basic.value(tag)

        if not either("Forename"):
            self.problem(node, "Pupil/Forename", "a forename is required")
        birth = None
        dob = either("DOB")
        if dob:
            try:
                birth = BirthDate.parse(dob)
            except ValueError as error:
                self.problem(node.first("DOB") or basic.first("DOB") or node, "Pupil/DOB", str(error))
        former = (self._upn(basic, "FormerUPN", "Pupil/BasicDetails/FormerUPN")
                  or self._upn(node, "FormerUPN", "Pupil/FormerUPN"))
        history = tuple(
            SchoolSpell(
                self._school_number(school) or "",
                self._date(school, "EntryDate", "SchoolHistory/School/EntryDate"),
                self._date(school, "LeavingDate", "SchoolHistory/School/LeavingDate"),
                school.value("LeavingReason"),
            )
            for school in node.all("SchoolHistory/School")
        )
        address = _address(node.first("Address"))
        contacts = tuple(self._contact(c, address) for c in node.all("Contacts/Contact"))
        surname = either("Surname")
        if not surname and (basic.value("PreferredSurname") or node.value("PreferredSurname")):
            # No legal surname written: the one the pupil is known by, said in the preview.
            surname = basic.value("PreferredSurname") or node.value("PreferredSurname")
            self.warnings.append(f"{self.name}:{node.line}: Pupil/Surname: none given; the "
                                 f"pupil's PreferredSurname is used as their surname")
        return CTFPupil(
            node.line, upn, either("Forename"), surname, birth,
            _sex(either("Sex") or either("Gender")), contacts, history,
            former_upn=former if former != upn else None,
            preferred_given_name=basic.value("PreferredForename"),
            preferred_family_name=basic.value("PreferredSurname"),
            address=address,
        )

    def _contact(self, node: _Node, pupil_address: Address | None) -> CTFContact:
        code = node.value("Relationship").upper()
        if code in RELATIONSHIP_KINDS:
            kind = RELATIONSHIP_KINDS[code]
        else:
            kind = FamilyKind.OTHER_RELATIVE
            self.warnings.append(
                f"{self.name}:{(node.first('Relationship') or node).line}: Contact/Relationship: "
                f"{code or '(blank)'!r} is not a CBDS relationship code: recorded as other_relative"
            )
        order = node.value("Order")
        responsibility = node.value("Responsibility").lower()
        return CTFContact(
            line=node.line,
            order=int(order) if order.isdigit() else None,
            given_name=node.value("Forename"),
            family_name=node.value("Surname"),
            relationship=code,
            kind=kind,
            responsibility={"true": True, "1": True, "false": False, "0": False}.get(responsibility),
            sex=_sex(node.value("Sex") or node.value("Gender")) or IMPLIED_SEX.get(code),
            emails=tuple(e.text.strip() for e in node.all("Email") if e.text.strip()),
            phones=tuple(p.text.strip() for p in node.all("Phones/Phone/PhoneNo") if p.text.strip()),
            address=(pupil_address if _true(node.value("Address/AddressAsPupil"))
                     else _address(node.first("Address"))),
        )


def _true(text: str) -> bool:
    return text.strip().lower() in {"true", "1"}


def _sex(text: str) -> str | None:
    text = text.strip().upper()[:1]
    return text if text in {"M", "F"} else None


def _address(node: _Node | None) -> Address | None:
    if node is None:
        return None
    bs7666 = node.first("BS7666Address")
    if bs7666 is not None:
        first_line = " ".join(bs7666.value(p) for p in ("SAON", "PAON", "Street") if bs7666.value(p))
        postcode = node.value("PostCode") or bs7666.value("PostCode")
    else:
        first_line = node.value("AddressLines/AddressLine1")
        postcode = node.value("PostCode") or node.value("AddressLines/PostCode")
    if not first_line and not postcode:
        return None
    return Address(first_line, postcode)
