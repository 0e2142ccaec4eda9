"""LinkedIn "Get a copy of your data": `Connections.csv`.

Since 2020 the file opens with a few lines of notes before its header, such as

    Notes:
    "When exporting your connection data, you may notice that some of the email addresses
    are missing. ..."
    (a blank line)
    First Name,Last Name,URL,Email Address,Company,Position,Connected On

and `Connected On` is written `18 Sep 2026`. Older files (before 2020) have no notes and
no URL column, and some write the date `09/18/26`. Email Address is empty unless the
connection lets their connections see it. Shapes as quoted in the tests of public tools
that import this file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from graph.intake.downloads.archive import Bundle, matching
from graph.intake.downloads.common import Entry, FormatError, Relation

PLATFORM = "linkedin"
NAME = "LinkedIn"
_DATE_FORMATS = ("%d %b %Y", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d")


def files_in(bundle: Bundle) -> list[str]:
    return matching(bundle.names, ["Connections.csv"])


def _date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def header_at(lines: list[str]) -> int | None:
    """The line number of the header row, after any notes; None if there is none."""
    for number, line in enumerate(lines[:20]):
        cells = [c.strip().strip('"').lower() for c in line.split(",")]
        if "first name" in cells and "last name" in cells:
            return number
    return None


# One field of RFC 4180 CSV: quoted (with "" for a quote) or plain, where a quote is kept as
# it is, as the csv module does. The csv module is not
# used: its limit on a field (128 KiB) is one setting for the whole process, and a field
# past it (a 300 KB "Position") would fail the whole check.
_FIELD = re.compile(r'"((?:[^"]+|"")*)"(?=[,\r\n]|$)|([^,\r\n]*)')


def _records(text: str, name: str) -> Iterator[list[str]]:
    """The records of a CSV text, each a list of its fields, however long they are."""
    at, end = 0, len(text)
    while at < end:
        record = []
        while True:
            field = _FIELD.match(text, at)
            record.append(field.group(1).replace('""', '"') if field.group(1) is not None
                          else field.group(2))
            at = field.end()
            if at < end and text[at] == ",":
                at += 1
                continue
            if at < end and text[at] not in "\r\n":
                line = text.count("\n", 0, at) + 1
                raise FormatError(f"{name} is not CSV that can be read: a stray quote in "
                                  f"line {line} of its table")
            at += 2 if text.startswith("\r\n", at) else 1
            break
        yield record


def read(bundle: Bundle, names: list[str]) -> list[Entry]:
    entries = []
    for name in names:
        try:
            text = bundle.read(name).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormatError(f"{name} is not text in UTF-8") from None
        lines = text.splitlines()
        start = header_at(lines)
        if start is None:
            raise FormatError(f"{name} has no 'First Name,Last Name' header: it is not "
                              f"LinkedIn's Connections.csv")
        records = _records("\n".join(lines[start:]), name)
        heading = [cell.strip().lower() for cell in next(records, [])]
        for record in records:
            row = dict(zip(heading, (cell.strip() for cell in record)))
            full = " ".join(p for p in (row.get("first name", ""), row.get("last name", "")) if p)
            if full:
                entries.append(Entry(PLATFORM, Relation.FRIEND, name=full,
                                     email=row.get("email address", ""),
                                     since=_date(row.get("connected on", ""))))
    return entries
