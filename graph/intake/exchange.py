"""The exchange format (docs/exchange.md): a folder of UTF-8 CSV files.

`read_folder` checks everything before it returns: a folder with any malformed value is
rejected whole, with every problem as `FILE:LINE: column: what is wrong`.
`write_folder` writes a world back so that `read_folder` gives the same world.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import enum
import gc
import itertools
import operator
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.dates import parse_date as _date  # every date column: YYYY-MM-DD only
from graph.model import (
    AccountAdmin,
    ApproachReport,
    ApproachStatus,
    Basis,
    BirthDate,
    Connection,
    ConnectionSource,
    Declaration,
    DeclarationStatus,
    Direction,
    FamilyKind,
    FamilyLink,
    LinkSource,
    Membership,
    Person,
    Position,
    Role,
    School,
    SchoolAccount,
    World,
)
from graph.profiles import SHIPPED, ProfileError, load_profile, profile_file


# The csv module's own limit on one field (128 KiB), and ours on one physical line: a file
# is read a line at a time, never whole, so a hostile file cannot fill the memory.
MAX_FIELD_CHARS = csv.field_size_limit()
MAX_LINE_BYTES = 4 * 1024 * 1024


@contextlib.contextmanager
def collector_held_off():
    """The garbage collector off while many records are built (a folder read, a store's
    facts loaded, an import written): it would walk the new records again and again for
    nothing, since none of them is garbage. At 100k people it is a third of reading a
    folder."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class _Unreadable(Exception):
    def __init__(self, line: int, what: str):
        self.line, self.what = line, what


def _decoded_lines(handle) -> Iterator[str]:
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES)
        if not raw:
            return
        number += 1
        if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise _Unreadable(number, f"a line longer than {MAX_LINE_BYTES:,} bytes: not a "
                                      "CSV file this register reads")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unreadable(number, "not UTF-8 text") from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def csv_rows(path: str | os.PathLike, name: str, problems: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Each record of a UTF-8 CSV file with the line it starts on, read as a stream. A file
    the csv module cannot read on (text that is not UTF-8, a field over its limit of
    MAX_FIELD_CHARS) stops there, with a problem naming the file and the line."""
    with open(path, "rb") as handle:
        lines = _decoded_lines(handle)
        reader = csv.reader(lines)
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except _Unreadable as error:
                problems.append(f"{name}:{error.line}: -: {error.what}")
                return
            except csv.Error as error:
                what = (f"a value longer than {MAX_FIELD_CHARS:,} characters"
                        if "field larger" in str(error) else f"not CSV the register reads ({error})")
                problems.append(f"{name}:{start}: -: {what}: the file was read no further")
                return
            yield start, record


class ExchangeError(Exception):
    """A folder that was rejected whole; `problems` lists every line-precise problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the exchange folder")


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], object]
    required: bool = True  # must be present in the header and have a value
    references: str | None = None  # the file whose id this column names


def _enum(kind: type[enum.Enum]) -> Callable[[str], object]:
    allowed = {member.value: member for member in kind}

    def parse(text: str):
        try:
            return allowed[text]
        except KeyError:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}") from None

    return parse


def _text(text: str) -> str:
    return text


def _yes_no(text: str) -> bool:
    allowed = {"true": True, "yes": True, "false": False, "no": False}
    try:
        return allowed[text.lower()]
    except KeyError:
        raise ValueError(f"{text!r} is not true or false (or yes or no)") from None


def _yes_no_text(value: bool | None) -> str | None:
    return None if value is None else "true" if value else "false"


def _profile(text: str) -> str:
    return text  # checked against the shipped profiles and the folder once all is read


# file -> (id column or None, columns in the order docs/exchange.md lists them)
FILES: dict[str, tuple[str | None, tuple[Column, ...]]] = {
    "schools.csv": ("school_id", (
        Column("school_id", _text),
        Column("name", _text),
        Column("trust_id", _text, required=False),
        Column("profile", _profile),
    )),
    "people.csv": ("person_id", (
        Column("person_id", _text),
        Column("given_name", _text),
        Column("family_name", _text, required=False),
        Column("date_of_birth", BirthDate.parse, required=False),
    )),
    "memberships.csv": (None, (
        Column("person_id", _text, references="people.csv"),
        Column("school_id", _text, references="schools.csv"),
        Column("role", _enum(Role)),
        Column("position", _enum(Position), required=False),
        Column("start_date", _date),
        Column("end_date", _date, required=False),
    )),
    "family_links.csv": (None, (
        Column("person_id", _text, references="people.csv"),
        Column("relative_id", _text, references="people.csv"),
        Column("kind", _enum(FamilyKind)),
        Column("source", _enum(LinkSource)),
        Column("parental_responsibility", _yes_no, required=False),
    )),
    "connections.csv": ("connection_id", (
        Column("connection_id", _text),
        Column("person_id", _text, references="people.csv"),
        Column("other_id", _text, references="people.csv"),
        Column("channel", _text),
        Column("direction", _enum(Direction)),
        Column("first_seen", _date, required=False),
        Column("source", _enum(ConnectionSource)),
    )),
    "declarations.csv": ("declaration_id", (
        Column("declaration_id", _text),
        Column("declarer_id", _text, references="people.csv"),
        Column("counterpart_id", _text, references="people.csv"),
        Column("basis", _enum(Basis)),
        Column("details", _text, required=False),
        Column("declared_on", _date),
        Column("status", _enum(DeclarationStatus)),
        Column("decided_by", _text, required=False, references="people.csv"),
        Column("decided_on", _date, required=False),
    )),
    "approaches.csv": ("report_id", (
        Column("report_id", _text),
        Column("adult_id", _text, references="people.csv"),
        Column("from_id", _text, references="people.csv"),
        Column("channel", _text),
        Column("occurred_on", _date),
        Column("reported_on", _date),
        Column("summary", _text, required=False),
        Column("status", _enum(ApproachStatus)),
        Column("reviewed_on", _date, required=False),
        Column("reviewed_by", _text, required=False, references="people.csv"),
    )),
    "school_accounts.csv": ("account_id", (
        Column("account_id", _text),
        Column("school_id", _text, references="schools.csv"),
        Column("channel", _text),
        Column("handle", _text),
    )),
    "account_admins.csv": (None, (
        Column("account_id", _text, references="school_accounts.csv"),
        Column("person_id", _text, references="people.csv"),
        Column("authorised_by", _text, required=False, references="people.csv"),
        Column("authorised_on", _date, required=False),
    )),
}
REQUIRED_FILES = ("schools.csv", "people.csv", "memberships.csv")

# Facts between two people, which cannot be between a person and themself.
_TWO_PEOPLE = {
    "family_links.csv": ("person_id", "relative_id"),
    "connections.csv": ("person_id", "other_id"),
    "declarations.csv": ("declarer_id", "counterpart_id"),
    "approaches.csv": ("adult_id", "from_id"),
}

# What makes two rows of a file without an id column the same fact.
_NATURAL_KEYS = {
    "memberships.csv": ("person_id", "school_id", "role", "start_date"),
    "family_links.csv": ("person_id", "relative_id", "kind"),
    "account_admins.csv": ("account_id", "person_id"),
}
# What identifies one fact of each file: its id column, or its natural key.
FACT_KEYS = {name: (id_column,) if id_column else _NATURAL_KEYS[name]
             for name, (id_column, _) in FILES.items()}
# The natural key of a record of each of these files: the record's own `key` (graph/model.py),
# the one place a membership's, a family link's or an account admin's key is written.
RECORD_KEY = {name: operator.attrgetter("key") for name in _NATURAL_KEYS}


def read_folder(folder: str | os.PathLike, progress: Callable[[int], None] | None = None,
                notices: list[str] | None = None) -> World:
    """Read and check a whole exchange folder; raise ExchangeError listing every problem.
    Facts that are well formed but that a rule cannot take as they stand are read, and, given
    `notices`, each is reported there with its file and line (see self_decided_notices)."""
    folder = Path(folder)
    problems: list[str] = []
    if not folder.is_dir():
        raise ExchangeError([f"{folder}: not a folder"])
    known = {f.name for f in folder.iterdir() if f.is_file()}
    for name in sorted(known):
        if name.endswith(".csv") and name not in FILES:
            problems.append(f"{name}:1: -: unknown file (expected one of {', '.join(FILES)})")
    for name in REQUIRED_FILES:
        if name not in known:
            problems.append(f"{name}:1: -: required file is missing")

    rows: dict[str, list[tuple[int, dict]]] = {}
    ids: dict[str, set[str]] = {}
    unreadable: set[str] = set()  # files whose ids are unknown: no reference into them is judged
    for name, (id_column, columns) in FILES.items():
        if name not in known:
            rows[name] = []
            ids[name] = set()
            if name in REQUIRED_FILES:
                unreadable.add(name)
            continue
        before = len(problems)
        rows[name] = _read_file(folder / name, name, id_column, columns, problems, progress)
        ids[name] = {values[id_column] for _, values in rows[name]} if id_column else set()
        if len(problems) > before and (not rows[name] or any(
                p.endswith("read no further") for p in problems[before:])):
            unreadable.add(name)

    for name, (_, columns) in FILES.items():
        for column in columns:
            if column.references is None or column.references in unreadable:
                continue
            defined = ids[column.references]
            for line, values in rows[name]:
                value = values.get(column.name)
                if value is not None and value not in defined:
                    problems.append(
                        f"{name}:{line}: {column.name}: {value!r} is not defined in "
                        f"{column.references}"
                    )
    for name, (first, second) in _TWO_PEOPLE.items():
        for line, values in rows[name]:
            if values.get(first) is not None and values.get(first) == values.get(second):
                problems.append(f"{name}:{line}: {second}: names the same person as {first}")
    for line, values in rows["schools.csv"]:
        profile = values["profile"]
        if profile in SHIPPED:
            continue
        path = _profile_in(folder, profile)
        if path is None:
            # One answer whatever lies outside the folder: it says nothing of what exists.
            problems.append(
                f"schools.csv:{line}: profile: {profile!r} is neither a shipped profile "
                f"({', '.join(SHIPPED)}) nor the name of a profile file in the folder"
            )
            continue
        try:
            load_profile(str(path))
            values["profile"] = str(path)
        except ProfileError as error:
            problems.append(f"schools.csv:{line}: profile: {error}")

    if problems:
        raise ExchangeError(problems)
    if notices is not None:
        notices.extend(self_decided_notices(rows["declarations.csv"]))
    return _world_from(rows)


def self_decided_notices(rows: Iterable[tuple[int, dict]]) -> list[str]:
    """A data-quality notice, "declarations.csv:LINE: decided_by: ...", for each declaration
    decided by one of its own parties: no one decides about themself, so the rules read it
    as pending (graph.model.Declaration.self_decided). The declarer's own rejection is their
    withdrawal, and takes effect. The notice names no one."""
    found = []
    for line, values in rows:
        decided_by = values.get("decided_by")
        if decided_by is None:
            continue
        withdrawn = str(values.get("status")) == "rejected" and decided_by == values.get("declarer_id")
        if not withdrawn and decided_by in (values.get("declarer_id"), values.get("counterpart_id")):
            found.append(f"declarations.csv:{line}: decided_by: data-quality: decided by one of "
                         f"its own parties; no one decides about themself, so it stays pending "
                         f"until someone else decides it")
    return found


def _profile_in(folder: Path, name: str) -> Path | None:
    """The profile file `name` inside `folder`: a plain file name, no path, no link out."""
    if not name or name != Path(name).name or name in (".", "..") or "\\" in name:
        return None
    root = folder.resolve()
    path = (root / name).resolve()
    return path if path.parent == root and path.is_file() else None


def _read_file(path, name, id_column, columns, problems, progress) -> list[tuple[int, dict]]:
    records = csv_rows(path, name, problems)
    first = next(records, None)
    if first is None:
        if not any(p.startswith(f"{name}:") for p in problems):
            problems.append(f"{name}:1: -: empty file: a header row is required")
        return []
    header = [h.strip() for h in first[1]]
    by_name = {c.name: c for c in columns}
    header_ok = True
    for position, heading in enumerate(header):
        if heading not in by_name:
            problems.append(f"{name}:1: {heading or '(blank)'}: unknown column")
            header_ok = False
        elif heading in header[:position]:
            problems.append(f"{name}:1: {heading}: column appears twice")
            header_ok = False
    for column in columns:
        if column.required and column.name not in header:
            problems.append(f"{name}:1: {column.name}: required column is missing")
            header_ok = False
    if not header_ok:
        return []

    parsers = [by_name[h] for h in header]
    # Each column: its name, whether it is required, and, for a column parsed into a date,
    # an enum or the like, each cell's value as parsed the first time it was met (the
    # same dates and kinds repeat down a file); text is taken as it is.
    plan = [(c.name, c.required, None if c.parse in (_text, _profile) else _Parsed(c.parse))
            for c in parsers]
    key_columns = FACT_KEYS[name]
    key_of = operator.itemgetter(*key_columns)
    first_line_of: dict[tuple, int] = {}
    result = []
    for start, record in records:
        if not "".join(record).strip():  # a blank line, or blank cells only
            continue
        if len(record) != len(parsers):
            problems.append(
                f"{name}:{start}: -: {len(record)} values for {len(parsers)} columns"
            )
            continue
        values = {}
        for (column, required, parsed), cell in zip(plan, record):
            if parsed is not None and cell in parsed:
                values[column] = parsed[cell]
                continue
            text = cell.strip()
            if not text:
                if required:
                    problems.append(f"{name}:{start}: {column}: a value is required")
                values[column] = None
                continue
            if text[0] == "'":
                text = _from_spreadsheet(text)
            if parsed is None:
                values[column] = text
                continue
            try:
                values[column] = parsed[cell] = parsed.parse(text)
            except ValueError as error:
                problems.append(f"{name}:{start}: {column}: {error}")
                values[column] = None
        key = key_of(values) if len(key_columns) > 1 else (key_of(values),)
        if None not in key:
            if key in first_line_of:
                what = id_column or "row"
                problems.append(
                    f"{name}:{start}: {key_columns[0] if id_column else '-'}: duplicate "
                    f"{what} (first on line {first_line_of[key]})"
                )
            else:
                first_line_of[key] = start
        result.append((start, values))
        if progress is not None and name == "people.csv" and len(result) % 10_000 == 0:
            progress(10_000)
    if progress is not None and name == "people.csv":
        progress(len(result) % 10_000)
    for column in columns:
        if column.name not in header:
            for _, values in result:
                values[column.name] = None
    return result


# The record each file's rows make, and the World field that holds them.
_RECORDS = {
    "schools.csv": School, "people.csv": Person, "memberships.csv": Membership,
    "family_links.csv": FamilyLink, "connections.csv": Connection, "declarations.csv": Declaration,
    "approaches.csv": ApproachReport, "school_accounts.csv": SchoolAccount,
    "account_admins.csv": AccountAdmin,
}
_CHUNK = 50_000


def world_from_cells(cells: dict[str, Iterable[Sequence[str | None]]]) -> World:
    """A world from rows already checked once (a store's own tables), as text cells in the
    column order of FILES; None or "" is blank.

    Built for a million rows: column by column, each distinct cell parsed once and its value
    shared by every row that holds it (ids, names, dates and enums repeat across the rows),
    each record made from its values in place. A blank is None where the record's field may
    be None, else empty text."""
    world = World()
    for name, (id_column, columns) in FILES.items():
        kind = _RECORDS[name]
        names = [column.name for column in columns]
        fields = {f.name: f.type for f in dataclasses.fields(kind)}
        parsers = [_column_parser(column, "None" in fields[column.name]) for column in columns]
        positional = list(fields) == names
        records = []
        rows = iter(cells.get(name, ()))
        while chunk := list(itertools.islice(rows, _CHUNK)):
            values = [map(parse, column) for parse, column in zip(parsers, zip(*chunk))]
            if positional:
                records.extend(map(kind, *values))
            else:
                records.extend(kind(**dict(zip(names, row))) for row in zip(*values))
        held = getattr(world, name.removesuffix(".csv"))
        if id_column is None:
            held.extend(records)
        else:
            held.update((getattr(r, id_column), r) for r in records)
    return world


def _column_parser(column: Column, blank_is_none: bool) -> Callable[[str | None], object]:
    """The column's parse, remembered for each distinct text, with a blank (None or "")
    read as None or as empty text."""
    blank = None if blank_is_none else ""
    if column.parse in (_text, _profile):
        if column.required:
            return sys.intern  # no blank to look out for: C all the way
        parse = sys.intern
    else:
        parse = column.parse
    return _Parsed(parse, {None: blank, "": blank}).__getitem__


class _Parsed(dict):
    """Each text parsed once: `parsed[text]` is `parse(text)`, remembered."""

    def __init__(self, parse: Callable[[str], object], known: dict | None = None):
        super().__init__(known or {})
        self.parse = parse

    def __missing__(self, text: str):
        value = self[text] = self.parse(text)
        return value


def _world_from(rows: dict[str, list[tuple[int, dict]]]) -> World:
    world = World()
    for _, v in rows["schools.csv"]:
        world.schools[v["school_id"]] = School(v["school_id"], v["name"], v["trust_id"], v["profile"])
    for _, v in rows["people.csv"]:
        world.people[v["person_id"]] = Person(
            v["person_id"], v["given_name"], v["family_name"] or "", v["date_of_birth"]
        )
    world.memberships = [Membership(**v) for _, v in rows["memberships.csv"]]
    world.family_links = [FamilyLink(**v) for _, v in rows["family_links.csv"]]
    for _, v in rows["connections.csv"]:
        world.connections[v["connection_id"]] = Connection(**v)
    for _, v in rows["declarations.csv"]:
        world.declarations[v["declaration_id"]] = Declaration(**{**v, "details": v["details"] or ""})
    for _, v in rows["approaches.csv"]:
        world.approaches[v["report_id"]] = ApproachReport(**{**v, "summary": v["summary"] or ""})
    for _, v in rows["school_accounts.csv"]:
        world.school_accounts[v["account_id"]] = SchoolAccount(**v)
    world.account_admins = [AccountAdmin(**v) for _, v in rows["account_admins.csv"]]
    return world


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


class _Texts(dict):
    """Each value's cell text, worked out once per distinct value: `texts[value]`."""

    def __init__(self, blank: str | None):
        super().__init__()
        self.blank = blank

    def __missing__(self, value) -> str | None:
        text = self[value] = cell_text(value) or self.blank
        return text

    def of(self, column: tuple) -> Iterable[str | None]:
        kinds = set(map(type, column))
        if kinds <= {str, type(None)}:  # ids and names: text already, or blank
            if kinds == {str} and self.blank == "":
                return column
            return [value or self.blank for value in column]
        return map(self.__getitem__, column)


def record_cells(world: World, blank: str | None = "") -> dict[str, Iterator[tuple]]:
    """`record_rows` as text cells (`cell_text`), a blank as `blank`: what a table or a log
    stores. Built a chunk of rows at a time, column by column, each distinct value of a
    column turned into text once (dates, enums and ids repeat across the rows)."""
    def cells(rows: Iterable[tuple]) -> Iterator[tuple]:
        rows = iter(rows)
        texts: list[_Texts] = []
        while chunk := list(itertools.islice(rows, _CHUNK)):
            columns = list(zip(*chunk))
            texts = texts or [_Texts(blank) for _ in columns]
            yield from zip(*(t.of(column) for t, column in zip(texts, columns)))

    return {name: cells(rows) for name, rows in record_rows(world).items()}


def record_rows(world: World) -> dict[str, Iterable[tuple]]:
    """Each file's rows, in a stable order, as tuples in the column order of FILES."""
    return {
        "schools.csv": (
            (s.school_id, s.name, s.trust_id, s.profile)
            for s in sorted(world.schools.values(), key=lambda s: s.school_id)
        ),
        "people.csv": (
            (p.person_id, p.given_name, p.family_name, p.date_of_birth)
            for p in sorted(world.people.values(), key=lambda p: p.person_id)
        ),
        "memberships.csv": (
            (m.person_id, m.school_id, m.role, m.position, m.start_date, m.end_date)
            for m in sorted(world.memberships, key=RECORD_KEY["memberships.csv"])
        ),
        "family_links.csv": (
            (f.person_id, f.relative_id, f.kind, f.source,
             _yes_no_text(f.parental_responsibility))
            for f in sorted(world.family_links, key=RECORD_KEY["family_links.csv"])
        ),
        "connections.csv": (
            (c.connection_id, c.person_id, c.other_id, c.channel, c.direction, c.first_seen, c.source)
            for c in sorted(world.connections.values(), key=lambda c: c.connection_id)
        ),
        "declarations.csv": (
            (d.declaration_id, d.declarer_id, d.counterpart_id, d.basis, d.details,
             d.declared_on, d.status, d.decided_by, d.decided_on)
            for d in sorted(world.declarations.values(), key=lambda d: d.declaration_id)
        ),
        "approaches.csv": (
            (a.report_id, a.adult_id, a.from_id, a.channel, a.occurred_on, a.reported_on,
             a.summary, a.status, a.reviewed_on, a.reviewed_by)
            for a in sorted(world.approaches.values(), key=lambda a: a.report_id)
        ),
        "school_accounts.csv": (
            (a.account_id, a.school_id, a.channel, a.handle)
            for a in sorted(world.school_accounts.values(), key=lambda a: a.account_id)
        ),
        "account_admins.csv": (
            (a.account_id, a.person_id, a.authorised_by, a.authorised_on)
            for a in sorted(world.account_admins, key=RECORD_KEY["account_admins.csv"])
        ),
    }


# A cell a spreadsheet would run as a formula (or that starts with the quote that marks
# such a cell) is written behind one more quote, which `read_folder` takes off again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_safe(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a leading quote before =, +, -,
    @, tab, return or a quote. `read_folder` reads the original back.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("Ann")
    ("'=HYPERLINK(1)", 'Ann')
    """
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _from_spreadsheet(text: str) -> str:
    return text[1:] if text.startswith("'") and len(text) > 1 and text[1] in "=+-@\t\r'" else text


def write_folder(world: World, folder: str | os.PathLike) -> dict[str, int]:
    """Write every file of the exchange format (headers even when empty); return row counts.
    A school's own profile file is copied into the folder, so the folder reads back whole."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    profiles = _copy_profiles(world, folder)
    counts = {}
    for name, rows in record_rows(world).items():
        header = [c.name for c in FILES[name][1]]
        count = 0
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                if name == "schools.csv":
                    row = (*row[:3], profiles.get(row[3], row[3]))
                writer.writerow([spreadsheet_safe(cell_text(v)) for v in row])
                count += 1
        counts[name] = count
    return counts


def _copy_profiles(world: World, folder: Path) -> dict[str, str]:
    """{profile as stored: its file name in `folder`} for every profile not shipped."""
    names: dict[str, str] = {}
    for school in world.schools.values():
        source = profile_file(school.profile) if school.profile not in SHIPPED else None
        if source is None or school.profile in names:
            continue
        name = source.name if source.suffix == ".toml" else source.name + ".toml"
        while (folder / name).exists():
            name = f"{Path(name).stem}-{len(names) + 1}.toml"
        (folder / name).write_bytes(source.read_bytes())
        names[school.profile] = name
    return names
