"""LinkedIn "Get a copy of your data": `Connections.csv` and `Invitations.csv`.

Since 2020 the file opens with a few lines of notes before its header, such as

    Notes:
    "When exporting your connection data, you may notice that some of the email addresses
    are missing. ..."
    (a blank line)
    First Name,Last Name,URL,Email Address,Company,Position,Connected On

and `Connected On` is written `18 Sep 2026`. Older files (before 2020) have no notes and
no URL column, and some write the date `09/18/26`. Email Address is empty unless the
connection lets their connections see it. A connection who hides their name from
downloads comes as a row with no First and Last Name: it is counted as skipped, with why.

`Invitations.csv` lists the invitations still open:

    From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl
    Sarah Jenkins,Tom Brown,"1/29/26, 2:37 PM",,OUTGOING,https://...,https://...

`Direction` is `OUTGOING` (the owner invited `To`: a request sent) or `INCOMING` (`From`
invited the owner: a request received); older files have no profile URL columns. Shapes
as quoted in the tests of public tools that import these files.

The encoding is found, not assumed: LinkedIn writes UTF-8 (with or without a byte order
mark), and a file Excel has opened and saved again is Windows-1252.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from graph.intake.downloads.archive import Bundle, matching
from graph.intake.downloads.common import (
    EMPTY_ROW,
    HIDDEN_NAME,
    UNKNOWN_KIND,
    Counts,
    Entry,
    FormatError,
    Relation,
    decode_text,
)

PLATFORM = "linkedin"
NAME = "LinkedIn"
ASK_FOR = ("On LinkedIn: Me → Settings & Privacy → Data privacy → Get a copy of your data → "
           "choose Connections and Invitations, and give the files as LinkedIn sent them")
_DATE_FORMATS = ("%d %b %Y", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y, %I:%M %p",
                 "%m/%d/%Y, %I:%M %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
CONNECTIONS = "Connections.csv"
INVITATIONS = "Invitations.csv"


def files_in(bundle: Bundle) -> list[str]:
    return matching(bundle.names, [CONNECTIONS, INVITATIONS])


def _date(text: str) -> dt.date | None:
    text = " ".join(text.replace("\u202f", " ").split()).removesuffix(" UTC")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def header_at(lines: list[str]) -> int | None:
    """The line number of the header row, after any notes; None if there is none."""
    for number, line in enumerate(lines[:20]):
        cells = [c.strip().strip('"').lower() for c in line.split(",")]
        if ("first name" in cells and "last name" in cells) or (
                "from" in cells and "to" in cells and "direction" in cells):
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


def _connection(row: dict, name: str, counts: Counts) -> Entry | None:
    full = " ".join(p for p in (row.get("first name", ""), row.get("last name", "")) if p)
    if not full:
        counts.skip(name, PLATFORM, HIDDEN_NAME if any(row.values()) else EMPTY_ROW)
        return None
    return Entry(PLATFORM, Relation.FRIEND, name=full, email=row.get("email address", ""),
                 since=_date(row.get("connected on", "")))


def _invitation(row: dict, name: str, counts: Counts) -> Entry | None:
    if not any(row.values()):
        counts.skip(name, PLATFORM, EMPTY_ROW)
        return None
    direction = row.get("direction", "").upper()
    if direction == "OUTGOING":
        relation, other = Relation.REQUEST_SENT, row.get("to", "")
    elif direction == "INCOMING":
        relation, other = Relation.REQUEST_RECEIVED, row.get("from", "")
    else:
        counts.skip(name, PLATFORM, UNKNOWN_KIND)
        return None
    if not other:
        counts.skip(name, PLATFORM, HIDDEN_NAME)
        return None
    return Entry(PLATFORM, relation, name=other, since=_date(row.get("sent at", "")))


def read(bundle: Bundle, names: list[str], counts: Counts) -> list[Entry]:
    entries = []
    for name in names:
        counts.file(name, PLATFORM)
        lines = decode_text(bundle.read(name)).splitlines()
        start = header_at(lines)
        if start is None:
            raise FormatError(f"{name} has no 'First Name,Last Name' or 'From,To,...,Direction' "
                              f"header: it is not LinkedIn's Connections.csv or Invitations.csv")
        records = _records("\n".join(lines[start:]), name)
        heading = [cell.strip().lower() for cell in next(records, [])]
        invitations = "direction" in heading
        for record in records:
            row = dict(zip(heading, (cell.strip() for cell in record)))
            entry = (_invitation if invitations else _connection)(row, name, counts)
            if entry is not None:
                entries.append(entry)
                counts.entry(name, PLATFORM)
    return entries
