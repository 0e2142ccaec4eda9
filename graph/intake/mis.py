"""Staff and other MIS exports as CSV, read through a column mapping a trust admin confirmed.

Every MIS names its columns its own way ("Legal Surname", "Last Name", "Family name"). The
first time a source is seen, `propose_mapping` guesses which heading holds which register
field; a trust admin checks it and `save_mapping` keeps it, confirmed, as
`mappings/SOURCE.toml` in the data directory. Every later export of that source is read
with it, and `read_mis` checks the mapping against the file's header before it reads a row:
a mapped heading that has gone is an error, a new heading is a warning and is ignored.
Like the exchange format, a file with any malformed value is refused whole, every problem
given as `FILE:LINE: heading (field): what is wrong`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graph.dates import parse_mis_date as parse_date  # DD/MM/YYYY or YYYY-MM-DD
from graph.intake.ctf import IMPLIED_SEX, RELATIONSHIP_KINDS, Address, check_upn
from graph.intake.exchange import ExchangeError, csv_rows
from graph.model import BirthDate, FamilyKind, Position, Role

MAPPINGS_FOLDER = "mappings"


class MISError(ExchangeError):
    """An export or a mapping refused whole; `problems` lists every line-precise problem."""

    def __init__(self, problems: list[str]):
        super().__init__(problems)
        self.args = (f"{len(problems)} problem(s) in the MIS export",)


# Register field -> (required, several headings allowed, headings it is often found under).
# docs/imports.md says which public evidence each rests on (SIMS report headings used by
# schools' own scripts; the field names of the Wonde and Assembly platforms, which read
# SIMS, Arbor and Bromcom). Legal names come before preferred ones, which identity never
# uses; where a file has both, its plain "Forename"/"Surname" is the preferred name, as
# those platforms name them.
FIELDS: dict[str, tuple[bool, bool, tuple[str, ...]]] = {
    "external_id": (False, False, ("staff id", "person id", "id", "employee number",
                                   "staff code", "payroll number", "mis id", "admission number",
                                   "adno", "pupil id", "student id", "arbor student id")),
    "upn": (False, False, ("upn", "unique pupil number", "pupil upn", "student upn")),
    "former_upn": (False, False, ("former upn", "previous upn")),
    "given_name": (True, False, ("legal forename", "legal first name", "forename", "first name",
                                 "given name", "firstname")),
    "family_name": (True, False, ("legal surname", "legal last name", "surname", "last name",
                                  "family name", "lastname")),
    "preferred_given_name": (False, False, ("preferred forename", "preferred first name",
                                            "known as", "forename", "first name")),
    "preferred_family_name": (False, False, ("preferred surname", "preferred last name",
                                             "surname", "last name")),
    "date_of_birth": (False, False, ("date of birth", "dob", "birth date")),
    "sex": (False, False, ("sex", "gender", "legal sex")),
    "email": (False, True, ("personal email", "email", "e-mail", "email address", "home email")),
    "phone": (False, True, ("mobile", "mobile phone", "telephone", "phone", "home phone",
                            "personal mobile", "telephone number")),
    "address_line": (False, False, ("address line 1", "address 1", "address", "street",
                                    "address block")),
    "postcode": (False, False, ("postcode", "post code", "postal code")),
    "school": (False, False, ("school", "school id", "establishment")),
    "role": (False, False, ("role", "staff category", "category", "type")),
    "position": (False, False, ("position", "post")),
    "start_date": (False, False, ("start date", "employment start", "date of arrival",
                                  "date of admission", "admission date", "enrolment date",
                                  "date of entry", "joined", "contract start")),
    "end_date": (False, False, ("end date", "leaving date", "date of leaving",
                                "employment end", "contract end")),
    # A contacts export: one row per contact of a pupil, who is named by UPN or by the
    # pupils' export's own id (external_id); given_name... are then the contact's.
    "relationship": (False, False, ("relationship", "relationship type", "relationship to pupil",
                                    "relationship to student", "relation")),
    "responsibility": (False, False, ("parental responsibility", "has parental responsibility",
                                      "responsibility")),
    "priority": (False, False, ("priority", "contact priority", "order")),
}

# The columns of a pupil's contacts in one row: "Contact 1 Forename", "Contact 2 Surname"...
CONTACT_SLOTS = range(1, 5)
CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "given_name": ("forename", "first name", "legal forename", "legal first name"),
    "family_name": ("surname", "last name", "legal surname", "legal last name"),
    "relationship": ("relationship", "relationship type", "relationship to pupil",
                     "relationship to student"),
    "responsibility": ("parental responsibility", "responsibility", "has parental responsibility"),
    "priority": ("priority", "order"),
    "email": ("email", "email address", "e-mail"),
    "phone": ("telephone", "phone", "mobile", "mobile phone", "home phone", "telephone number"),
    "address_line": ("address line 1", "address 1", "address"),
    "postcode": ("postcode", "post code"),
    "address_as_pupil": ("lives with pupil", "lives with student", "address as pupil",
                         "same address as pupil"),
}
_SLOT_PREFIXES = ("contact {n} ", "contact{n} ", "parent {n} ", "parent carer {n} ",
                  "priority {n} contact ")
for _n in CONTACT_SLOTS:
    for _name, _headings in CONTACT_FIELDS.items():
        FIELDS[f"contact{_n}_{_name}"] = (False, _name in ("email", "phone"), tuple(
            prefix.format(n=_n) + h for prefix in _SLOT_PREFIXES for h in _headings))
CONTACT_ROLE = "contact"  # the role of a mapping for a contacts export

# What MIS exports write as a contact's relationship: the family link, or None for a
# contact who is not family. CBDS codes as in a CTF are read too.
RELATIONSHIP_WORDS: dict[str, FamilyKind | None] = {
    "mother": FamilyKind.PARENT, "father": FamilyKind.PARENT, "parent": FamilyKind.PARENT,
    "step mother": FamilyKind.STEP_PARENT, "step father": FamilyKind.STEP_PARENT,
    "stepmother": FamilyKind.STEP_PARENT, "stepfather": FamilyKind.STEP_PARENT,
    "step parent": FamilyKind.STEP_PARENT, "foster mother": FamilyKind.FOSTER_PARENT,
    "foster father": FamilyKind.FOSTER_PARENT, "foster carer": FamilyKind.FOSTER_PARENT,
    "foster parent": FamilyKind.FOSTER_PARENT, "carer": FamilyKind.CARER,
    "guardian": FamilyKind.CARER, "grandmother": FamilyKind.GRANDPARENT,
    "grandfather": FamilyKind.GRANDPARENT, "grandparent": FamilyKind.GRANDPARENT,
    "brother": FamilyKind.SIBLING, "sister": FamilyKind.SIBLING, "sibling": FamilyKind.SIBLING,
    "aunt": FamilyKind.OTHER_RELATIVE, "uncle": FamilyKind.OTHER_RELATIVE,
    "other relative": FamilyKind.OTHER_RELATIVE, "other family member": FamilyKind.OTHER_RELATIVE,
    "relative": FamilyKind.OTHER_RELATIVE,
    "childminder": None, "doctor": None, "social worker": None, "teacher": None,
    "head teacher": None, "other": None, "other contact": None, "friend": None,
    "neighbour": None, "religious contact": None,
}


@dataclass
class ColumnMapping:
    """Which heading of a source's exports holds which register field."""

    source: str
    columns: dict[str, list[str]]  # field -> heading(s); several only for email and phone
    role: str | None = None  # every row's role, where no column gives it; "contact": a contacts export
    school_id: str | None = None  # every row's school, where no column gives it
    pupils_source: str | None = None  # a contacts export: the source whose ids name the pupils
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {file value: register value}
    header: list[str] = field(default_factory=list)  # the header it was confirmed against
    confirmed_by: str | None = None
    confirmed_on: str | None = None


@dataclass(frozen=True)
class MISContact:
    """A pupil's contact, as the columns of an export say it."""

    line: int
    given_name: str
    family_name: str
    relationship: str
    kind: FamilyKind | None  # None: not family
    responsibility: bool | None
    order: int | None
    sex: str | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    address: Address | None


@dataclass(frozen=True)
class MISContactRow:
    """A row of a contacts export: whose contact, and the contact."""

    line: int
    pupil_upn: str | None
    pupil_ref: str | None
    contact: MISContact


@dataclass(frozen=True)
class MISRow:
    line: int
    external_id: str | None
    upn: str | None
    given_name: str
    family_name: str
    date_of_birth: BirthDate | None
    sex: str | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    address: tuple[str, str] | None  # (first line, postcode)
    school_id: str
    role: Role
    position: Position | None
    start_date: dt.date
    end_date: dt.date | None
    contacts: tuple[MISContact, ...] = ()
    former_upn: str | None = None
    preferred_given_name: str = ""
    preferred_family_name: str = ""


@dataclass(frozen=True)
class MISFile:
    name: str
    source: str
    rows: tuple
    warnings: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # problems of rows left out on request (skip_bad)
    has_contact_columns: bool = False


def _heading_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


def _check_source(source: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", source):
        raise MISError([f"-:1: source: {source!r} is not a source name (letters, digits, "
                        ". _ -, up to 64)"])
    return source


def mapping_path(data_dir: str | os.PathLike, source: str) -> Path:
    return Path(data_dir) / MAPPINGS_FOLDER / f"{_check_source(source)}.toml"


def read_header(path: str | os.PathLike) -> list[str]:
    path = Path(path)
    problems: list[str] = []
    first = next(csv_rows(path, path.name, problems), None)
    if problems:
        raise MISError(problems)
    if first is None:
        raise MISError([f"{path.name}:1: -: empty file: a header row is required"])
    return [h.strip() for h in first[1]]


def propose_mapping(path: str | os.PathLike, source: str, *, role: str | None = None,
                    school_id: str | None = None) -> ColumnMapping:
    """A first guess at the mapping from the file's header, for an admin to check."""
    header = read_header(path)
    by_key = {_heading_key(h): h for h in header}
    columns: dict[str, list[str]] = {}
    for name, (_, several, synonyms) in FIELDS.items():
        found = [by_key[s] for s in synonyms if s in by_key]
        if found:
            columns[name] = found if several else found[:1]
    taken: set[str] = set()
    for name in list(columns):  # a heading holds one field: the first that claims it
        columns[name] = [h for h in columns[name] if h not in taken]
        taken.update(columns[name])
        if not columns[name]:
            del columns[name]
    return ColumnMapping(_check_source(source), columns, role=role, school_id=school_id,
                         header=header)


def check_mapping(mapping: ColumnMapping, header: list[str], name: str,
                  schools: set[str] | None = None) -> tuple[list[str], list[str]]:
    """(problems, warnings) of reading a file with this header through `mapping`."""
    problems, warnings = [], []
    for position, heading in enumerate(header):
        if heading in header[:position]:
            problems.append(f"{name}:1: {heading}: column appears twice")
    for field_name, headings in mapping.columns.items():
        if field_name not in FIELDS:
            problems.append(f"{name}:1: -: the mapping of {mapping.source!r} names an unknown "
                            f"field {field_name!r} (fields: {', '.join(FIELDS)})")
            continue
        if len(headings) > 1 and not FIELDS[field_name][1]:
            problems.append(f"{name}:1: -: the mapping gives {field_name} several columns; "
                            "only email and phone may have more than one")
        for heading in headings:
            if heading not in header:
                problems.append(f"{name}:1: {heading} ({field_name}): the confirmed mapping of "
                                f"{mapping.source!r} reads this column, and the file has none")
    contacts_export = mapping.role == CONTACT_ROLE
    required = [f for f, (needed, _, _) in FIELDS.items() if needed]
    required += ["upn|external_id", "relationship"] if contacts_export else ["start_date"]
    for n in CONTACT_SLOTS:
        if any(f.startswith(f"contact{n}_") for f in mapping.columns):
            required += [f"contact{n}_given_name", f"contact{n}_family_name",
                         f"contact{n}_relationship"]
    for field_name in required:
        if not any(f in mapping.columns for f in field_name.split("|")):
            what = " or ".join(field_name.split("|"))
            problems.append(f"{name}:1: -: the mapping of {mapping.source!r} gives no column "
                            f"for {what}, which is required")
    if "role" not in mapping.columns and mapping.role is None:
        problems.append(f"{name}:1: -: the mapping of {mapping.source!r} gives neither a role "
                        "column nor a role for every row")
    elif mapping.role is not None and mapping.role not in {*Role, CONTACT_ROLE}:
        problems.append(f"{name}:1: -: the mapping's role {mapping.role!r} is not one of "
                        f"{', '.join([*Role, CONTACT_ROLE])}")
    if contacts_export:
        pass  # the pupils say which school
    elif "school" not in mapping.columns and mapping.school_id is None:
        problems.append(f"{name}:1: -: the mapping of {mapping.source!r} gives neither a school "
                        "column nor a school for every row")
    elif mapping.school_id is not None and schools is not None and mapping.school_id not in schools:
        problems.append(f"{name}:1: -: the mapping's school {mapping.school_id!r} is not a "
                        "school of the register")
    if mapping.header:
        for heading in header:
            if heading not in mapping.header:
                warnings.append(f"{name}:1: {heading}: a column the mapping of "
                                f"{mapping.source!r} was not confirmed with: ignored")
    return problems, warnings


def save_mapping(mapping: ColumnMapping, data_dir: str | os.PathLike, confirmed_by: str,
                 confirmed_on: dt.date | None = None) -> Path:
    """Keep `mapping` as confirmed by `confirmed_by`; returns the file written."""
    if not confirmed_by.strip():
        raise MISError(["-:1: -: a mapping is confirmed by someone: give their name"])
    mapping.confirmed_by = confirmed_by.strip()
    mapping.confirmed_on = (confirmed_on or dt.date.today()).isoformat()
    problems, _ = check_mapping(mapping, mapping.header, f"{mapping.source}.toml")
    if problems:
        raise MISError(problems)
    path = mapping_path(data_dir, mapping.source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(mapping_toml(mapping), encoding="utf-8")
    return path


def load_mapping(data_dir: str | os.PathLike, source: str) -> ColumnMapping:
    path = mapping_path(data_dir, source)
    if not path.is_file():
        raise MISError([f"{path.name}:1: -: no confirmed column mapping for source {source!r}: "
                        "propose one from an export, check it and save it first"])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise MISError([f"{path.name}:1: -: {error}"]) from None
    if not data.get("confirmed_by"):
        raise MISError([f"{path.name}:1: confirmed_by: the mapping was never confirmed"])
    columns = {k: [v] if isinstance(v, str) else list(v) for k, v in data.get("columns", {}).items()}
    return ColumnMapping(
        source=data.get("source", source), columns=columns, role=data.get("role"),
        school_id=data.get("school_id"), pupils_source=data.get("pupils_source"),
        values=data.get("values", {}),
        header=list(data.get("header", [])), confirmed_by=data["confirmed_by"],
        confirmed_on=data.get("confirmed_on"),
    )


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def mapping_toml(mapping: ColumnMapping) -> str:
    """The mapping as its file says it: what an admin reads before confirming."""
    lines = [
        f"# Column mapping of the MIS source {mapping.source!r}: register field = heading(s).",
        "# Confirmed by a trust admin; every export of this source is checked against it.",
    ]
    for key in ("source", "confirmed_by", "confirmed_on", "role", "school_id", "pupils_source"):
        value = getattr(mapping, key)
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    lines.append(f"header = {_toml_value(mapping.header)}")
    lines += ["", "[columns]"]
    for name, headings in mapping.columns.items():
        lines.append(f"{name} = {_toml_value(headings if len(headings) > 1 else headings[0])}")
    for name, table in mapping.values.items():
        lines += ["", f"[values.{_toml_key(name)}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


# -- reading an export ------------------------------------------------------------------


def _birth(text: str) -> BirthDate:
    if "/" in text:
        date = parse_date(text)
        return BirthDate(date.year, date.month, date.day)
    return BirthDate.parse(text)


def _records(path: Path, mapping: ColumnMapping, schools: set[str] | None):
    """(header, warnings, problems, the records as (line, cells)) once the mapping fits."""
    name = path.name
    problems: list[str] = []
    records = csv_rows(path, name, problems)
    first = next(records, None)
    if first is None:
        raise MISError(problems or [f"{name}:1: -: empty file: a header row is required"])
    header = [h.strip() for h in first[1]]
    found, warnings = check_mapping(mapping, header, name, schools)
    if found:
        raise MISError(found)
    return header, warnings, problems, records  # csv_rows adds to `problems` as it reads


def _rows_of(path, mapping, header, records, problems, skip_bad, skipped, read_row):
    """Each row read by `read_row(row)`; a row with problems is left out into `skipped`
    where `skip_bad`, else its problems refuse the file."""
    name = path.name
    position = {h: i for i, h in enumerate(header)}
    result = []
    for start, record in records:
        if not record or all(not cell.strip() for cell in record):
            continue
        before = len(problems)
        if len(record) != len(header):
            problems.append(f"{name}:{start}: -: {len(record)} values for {len(header)} columns")
        else:
            row = read_row(_Row(name, start, mapping, record, position, problems))
        if len(problems) > before:
            if skip_bad:
                skipped += problems[before:]
                del problems[before:]
            continue
        result.append(row)
    if problems and skip_bad and any(p.endswith("read no further") for p in problems):
        skipped += problems  # a line the csv module cannot read: what came before stands
        problems.clear()
    if problems:
        raise MISError(problems)
    return result


def read_mis(path: str | os.PathLike, mapping: ColumnMapping,
             schools: set[str] | None = None, *, skip_bad: bool = False) -> MISFile:
    """Check `mapping` against the file's header, then read every row; raise MISError
    listing every problem (with `skip_bad`, rows with problems are left out and listed in
    `skipped` instead). `schools`: the register's school ids, to check references."""
    path = Path(path)
    name = path.name
    if mapping.role == CONTACT_ROLE:
        raise MISError([f"{name}:1: -: the mapping of {mapping.source!r} is for a contacts export"])
    header, warnings, problems, records = _records(path, mapping, schools)
    first_line_of_id: dict[str, int] = {}
    skipped: list[str] = []
    slots = [n for n in CONTACT_SLOTS if f"contact{n}_given_name" in mapping.columns]

    def read_row(row: _Row) -> MISRow:
        start = row.line
        external_id = row.text("external_id")
        if external_id:
            if external_id in first_line_of_id:
                row.problems.append(f"{name}:{start}: {row.label('external_id')}: duplicate id "
                                    f"{external_id!r} (first on line {first_line_of_id[external_id]})")
            first_line_of_id.setdefault(external_id, start)
        school_id = row.value("school") or mapping.school_id or ""
        if schools is not None and "school" in mapping.columns and school_id and school_id not in schools:
            row.problems.append(f"{name}:{start}: {row.label('school')}: {school_id!r} is not a "
                                "school of the register")
        address = (row.text("address_line"), row.text("postcode"))
        return MISRow(
            line=start,
            external_id=external_id or None,
            upn=row.parse("upn", check_upn),
            given_name=row.text("given_name", required=True),
            family_name=row.text("family_name", required=True),
            date_of_birth=row.parse("date_of_birth", _birth),
            sex=_sex(row.text("sex")),
            emails=tuple(row.texts("email")),
            phones=tuple(row.texts("phone")),
            address=address if any(address) else None,
            school_id=school_id,
            role=row.enum("role", Role, mapping.role),
            position=row.enum("position", Position, None),
            start_date=row.parse("start_date", parse_date, required=True),
            end_date=row.parse("end_date", parse_date),
            contacts=tuple(c for c in (_contact(row, f"contact{n}_", address) for n in slots) if c),
            former_upn=row.parse("former_upn", check_upn),
            preferred_given_name=row.text("preferred_given_name"),
            preferred_family_name=row.text("preferred_family_name"),
        )

    rows = _rows_of(path, mapping, header, records, problems, skip_bad, skipped, read_row)
    return MISFile(name, mapping.source, tuple(rows), tuple(warnings), tuple(skipped), bool(slots))


def read_mis_contacts(path: str | os.PathLike, mapping: ColumnMapping, *,
                      skip_bad: bool = False) -> MISFile:
    """A contacts export: one row per contact, naming the pupil by UPN or by the pupils'
    export's own id. Rows are MISContactRow."""
    path = Path(path)
    header, warnings, problems, records = _records(path, mapping, None)
    skipped: list[str] = []

    def read_row(row: _Row) -> MISContactRow:
        upn = row.parse("upn", check_upn)
        ref = row.text("external_id") or None
        if not upn and not ref:
            label = row.label("upn" if "upn" in mapping.columns else "external_id")
            row.problems.append(f"{path.name}:{row.line}: {label}: a value is required: "
                                "whose contact this is")
        return MISContactRow(row.line, upn, ref, _contact(row, "", None, required=True))

    rows = _rows_of(path, mapping, header, records, problems, skip_bad, skipped, read_row)
    return MISFile(path.name, mapping.source, tuple(rows), tuple(warnings), tuple(skipped), True)


def _sex(text: str) -> str | None:
    sex = text.strip().upper()[:1]
    return sex if sex in {"M", "F"} else None


_YES = {"yes", "y", "true", "1", "t"}
_NO = {"no", "n", "false", "0", "f"}


def _contact(row: _Row, prefix: str, pupil_address: tuple[str, str] | None,
             required: bool = False) -> MISContact | None:
    """The contact in the columns `prefix`given_name...; None where the slot is empty."""
    def text(name, needed=False):
        return row.text(prefix + name, required=needed) if prefix + name in row.mapping.columns else ""

    given, family = text("given_name"), text("family_name")
    if not required and not (given or family):
        return None
    given, family = text("given_name", True), text("family_name", True)
    words = text("relationship")
    key = " ".join(re.sub(r"[^a-z]+", " ", words.casefold()).split())
    if words.upper() in RELATIONSHIP_KINDS:
        code, kind = words.upper(), RELATIONSHIP_KINDS[words.upper()]
    elif key in RELATIONSHIP_WORDS:
        code, kind = words, RELATIONSHIP_WORDS[key]
    else:
        row.problems.append(f"{row.name}:{row.line}: {row.label(prefix + 'relationship')}: "
                            f"{words or '(blank)'!r} is not a relationship the register knows "
                            f"(such as Mother, Father, Carer, Grandparent, or a CBDS code)")
        code, kind = words, None
    responsibility = text("responsibility").casefold()
    if responsibility and responsibility not in _YES | _NO:
        row.problems.append(f"{row.name}:{row.line}: {row.label(prefix + 'responsibility')}: "
                            f"{text('responsibility')!r} is not yes or no")
    order = text("priority")
    lives_with_pupil = text("address_as_pupil").casefold() in _YES
    if lives_with_pupil and pupil_address and any(pupil_address):
        address = Address(*pupil_address)
    else:
        line, postcode = text("address_line"), text("postcode")
        address = Address(line, postcode) if line or postcode else None
    fields = row.mapping.columns
    return MISContact(
        line=row.line, given_name=given, family_name=family, relationship=code, kind=kind,
        responsibility=(True if responsibility in _YES else False if responsibility in _NO else None),
        order=int(order) if order.isdigit() else None,
        sex=IMPLIED_SEX.get(code.upper()) or {"mother": "F", "father": "M", "stepmother": "F",
                                               "stepfather": "M", "step mother": "F",
                                               "step father": "M"}.get(key),
        emails=tuple(row.texts(prefix + "email")) if prefix + "email" in fields else (),
        phones=tuple(row.texts(prefix + "phone")) if prefix + "phone" in fields else (),
        address=address,
    )


class _Row:
    """One record's cells by register field, noting problems as they are found."""

    def __init__(self, name, line, mapping, record, position, problems):
        self.name, self.line, self.mapping = name, line, mapping
        self.record, self.position, self.problems = record, position, problems

    def label(self, field_name: str) -> str:
        headings = self.mapping.columns.get(field_name)
        return f"{headings[0]} ({field_name})" if headings else field_name

    def texts(self, field_name: str) -> list[str]:
        return [self.record[self.position[h]].strip() for h in self.mapping.columns.get(field_name, ())
                if self.record[self.position[h]].strip()]

    def text(self, field_name: str, required: bool = False) -> str:
        found = self.texts(field_name)
        if not found and required:
            self.problems.append(f"{self.name}:{self.line}: {self.label(field_name)}: a value is required")
        return found[0] if found else ""

    def value(self, field_name: str) -> str:
        """The cell, translated by the mapping's `values` table where it has one."""
        text = self.text(field_name)
        return self.mapping.values.get(field_name, {}).get(text, text)

    def parse(self, field_name: str, parse, required: bool = False):
        text = self.text(field_name, required)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError as error:
            self.problems.append(f"{self.name}:{self.line}: {self.label(field_name)}: {error}")
            return None

    def enum(self, field_name: str, kind, default):
        text = self.value(field_name)
        if not text:
            if default is None and field_name == "role":
                self.problems.append(f"{self.name}:{self.line}: {self.label(field_name)}: a value is required")
            return kind(default) if default else None
        try:
            return kind(text)
        except ValueError:
            self.problems.append(
                f"{self.name}:{self.line}: {self.label(field_name)}: {self.text(field_name)!r} is "
                f"not one of {', '.join(kind)} (add it to [values.{field_name}] of the mapping)")
            return None
