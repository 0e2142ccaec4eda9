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

import csv
import datetime as dt
import io

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
        for row in csv.DictReader(io.StringIO("\n".join(lines[start:]))):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
                   if isinstance(v, str)}
            full = " ".join(p for p in (row.get("first name", ""), row.get("last name", "")) if p)
            if full:
                entries.append(Entry(PLATFORM, Relation.FRIEND, name=full,
                                     email=row.get("email address", ""),
                                     since=_date(row.get("connected on", ""))))
    return entries
