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

import csv
import datetime as dt
import io
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graph.intake.ctf import check_upn
from graph.intake.exchange import ExchangeError
from graph.model import BirthDate, Position, Role

MAPPINGS_FOLDER = "mappings"


class MISError(ExchangeError):
    """An export or a mapping refused whole; `problems` lists every line-precise problem."""

    def __init__(self, problems: list[str]):
        super().__init__(problems)
        self.args = (f"{len(problems)} problem(s) in the MIS export",)


# Register field -> (required, several headings allowed, headings it is often found under).
FIELDS: dict[str, tuple[bool, bool, tuple[str, ...]]] = {
    "external_id": (False, False, ("staff id", "person id", "id", "employee number",
                                   "staff code", "payroll number", "mis id", "contact id")),
    "upn": (False, False, ("upn", "unique pupil number")),
    "given_name": (True, False, ("legal forename", "forename", "first name", "given name",
                                 "firstname", "preferred forename")),
    "family_name": (True, False, ("legal surname", "surname", "last name", "family name",
                                  "lastname", "preferred surname")),
    "date_of_birth": (False, False, ("date of birth", "dob", "birth date")),
    "sex": (False, False, ("sex", "gender")),
    "email": (False, True, ("personal email", "email", "e-mail", "email address", "home email")),
    "phone": (False, True, ("mobile", "mobile phone", "telephone", "phone", "home phone",
                            "personal mobile")),
    "address_line": (False, False, ("address line 1", "address 1", "address", "street")),
    "postcode": (False, False, ("postcode", "post code", "postal code")),
    "school": (False, False, ("school", "school id", "establishment")),
    "role": (False, False, ("role", "staff category", "category", "type")),
    "position": (False, False, ("position", "post")),
    "start_date": (True, False, ("start date", "employment start", "date of arrival",
                                 "joined", "contract start")),
    "end_date": (False, False, ("end date", "leaving date", "date of leaving",
                                "employment end", "contract end")),
}


@dataclass
class ColumnMapping:
    """Which heading of a source's exports holds which register field."""

    source: str
    columns: dict[str, list[str]]  # field -> heading(s); several only for email and phone
    role: str | None = None  # every row's role, where no column gives it
    school_id: str | None = None  # every row's school, where no column gives it
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {file value: register value}
    header: list[str] = field(default_factory=list)  # the header it was confirmed against
    confirmed_by: str | None = None
    confirmed_on: str | None = None


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


@dataclass(frozen=True)
class MISFile:
    name: str
    source: str
    rows: tuple[MISRow, ...]
    warnings: tuple[str, ...]


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
    text = _read_text(Path(path))
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")))]
    except StopIteration:
        raise MISError([f"{Path(path).name}:1: -: empty file: a header row is required"]) from None


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
    for field_name, (required, _, _) in FIELDS.items():
        if required and field_name not in mapping.columns:
            problems.append(f"{name}:1: -: the mapping of {mapping.source!r} gives no column "
                            f"for {field_name}, which is required")
    if "role" not in mapping.columns and mapping.role is None:
        problems.append(f"{name}:1: -: the mapping of {mapping.source!r} gives neither a role "
                        "column nor a role for every row")
    elif mapping.role is not None and mapping.role not in set(Role):
        problems.append(f"{name}:1: -: the mapping's role {mapping.role!r} is not one of "
                        f"{', '.join(Role)}")
    if "school" not in mapping.columns and mapping.school_id is None:
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
        school_id=data.get("school_id"), values=data.get("values", {}),
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
    for key in ("source", "confirmed_by", "confirmed_on", "role", "school_id"):
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


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise MISError([f"{path.name}:{line}: -: not UTF-8 text"]) from None


def parse_date(text: str) -> dt.date:
    """ISO `YYYY-MM-DD`, or `DD/MM/YYYY` as English MIS exports write dates.

    >>> parse_date("03/09/2024")
    datetime.date(2024, 9, 3)
    """
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if match:
            day, month, year = map(int, match.groups())
            return dt.date(year, month, day)
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date that exists") from None
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _birth(text: str) -> BirthDate:
    if "/" in text:
        date = parse_date(text)
        return BirthDate(date.year, date.month, date.day)
    return BirthDate.parse(text)


def read_mis(path: str | os.PathLike, mapping: ColumnMapping,
             schools: set[str] | None = None) -> MISFile:
    """Check `mapping` against the file's header, then read every row; raise MISError
    listing every problem. `schools`: the register's school ids, to check references."""
    path = Path(path)
    name = path.name
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise MISError([f"{name}:1: -: empty file: a header row is required"]) from None
    problems, warnings = check_mapping(mapping, header, name, schools)
    if problems:
        raise MISError(problems)

    position = {h: i for i, h in enumerate(header)}
    rows: list[MISRow] = []
    first_line_of_id: dict[str, int] = {}
    line = 1
    for record in reader:
        start, line = line + 1, reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(f"{name}:{start}: -: {len(record)} values for {len(header)} columns")
            continue
        row = _Row(name, start, mapping, record, position, problems)
        external_id = row.text("external_id")
        if external_id:
            if external_id in first_line_of_id:
                problems.append(f"{name}:{start}: {row.label('external_id')}: duplicate id "
                                f"{external_id!r} (first on line {first_line_of_id[external_id]})")
            first_line_of_id.setdefault(external_id, start)
        school_id = row.value("school") or mapping.school_id or ""
        if schools is not None and "school" in mapping.columns and school_id and school_id not in schools:
            problems.append(f"{name}:{start}: {row.label('school')}: {school_id!r} is not a "
                            "school of the register")
        role = row.enum("role", Role, mapping.role)
        sex = row.text("sex").upper()[:1]
        address = (row.text("address_line"), row.text("postcode"))
        rows.append(MISRow(
            line=start,
            external_id=external_id or None,
            upn=row.parse("upn", check_upn),
            given_name=row.text("given_name", required=True),
            family_name=row.text("family_name", required=True),
            date_of_birth=row.parse("date_of_birth", _birth),
            sex=sex if sex in {"M", "F"} else None,
            emails=tuple(row.texts("email")),
            phones=tuple(row.texts("phone")),
            address=address if any(address) else None,
            school_id=school_id,
            role=role,
            position=row.enum("position", Position, None),
            start_date=row.parse("start_date", parse_date, required=True),
            end_date=row.parse("end_date", parse_date),
        ))
    if problems:
        raise MISError(problems)
    return MISFile(name, mapping.source, tuple(rows), tuple(warnings))


class _Row:
    """One record's cells by register field, noting problems as they are found."""

    def __init__(self, name, line, mapping, record, position, problems):
        self.name, self.line, self.mapping = name, line, mapping
        self.record, self.position, self.problems = record, position, problems

    def label(self, field_name: str) -> str:
        return f"{self.mapping.columns[field_name][0]} ({field_name})"

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
