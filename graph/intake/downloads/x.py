"""X (Twitter) "Download an archive of your data": `data/follower.js` and
`data/following.js`.

Each is JavaScript that assigns one JSON array, `window.YTD.follower.part0 = [{"follower":
{"accountId": "1252851", "userLink": "https://twitter.com/intent/user?user_id=1252851"}}]`
(`following` alike; a large archive may add `follower-part1.js` with `part1`). Only account
numbers are there: no names and no usernames, so these entries are counted but can be
matched only to account numbers the register knows. Shapes as documented in public readers
of the archive.
"""

from __future__ import annotations

import re

from graph.intake.downloads.archive import Bundle
from graph.intake.downloads.common import NOT_A_PERSON, Counts, Entry, FormatError, Relation, load_json

PLATFORM = "x"
NAME = "X (Twitter)"
ASK_FOR = ("On X: More → Settings and privacy → Your account → Download an archive of your "
           "data, and give the zip it sends")
_FILE = re.compile(r"(^|/)(follower|following)(-part\d+)?\.js$", re.IGNORECASE)
_ASSIGNMENT = re.compile(rb"^\s*window\.YTD\.(follower|following)\.part\d+\s*=\s*")


def files_in(bundle: Bundle) -> list[str]:
    return [n for n in bundle.names if _FILE.search(n)]


def read(bundle: Bundle, names: list[str], counts: Counts) -> list[Entry]:
    entries = []
    for name in names:
        counts.file(name, PLATFORM)
        data = bundle.read(name)
        match = _ASSIGNMENT.match(data)
        if match is None:
            raise FormatError(f"{name} does not start with window.YTD.follower or "
                              f"window.YTD.following: it is not from an X archive")
        kind = match.group(1).decode()
        rows = load_json(data[match.end():].rstrip().rstrip(b";"), name)
        relation = Relation.FOLLOWER if kind == "follower" else Relation.FOLLOWING
        for row in rows if isinstance(rows, list) else ():
            inner = row.get(kind) if isinstance(row, dict) else None
            account = inner.get("accountId") if isinstance(inner, dict) else None
            if isinstance(account, (str, int)) and str(account).strip():
                entries.append(Entry(PLATFORM, relation, account_id=str(account).strip()))
                counts.entry(name, PLATFORM)
            else:
                counts.skip(name, PLATFORM, NOT_A_PERSON)
    return entries


def looks_like(data: bytes) -> bool:
    return _ASSIGNMENT.match(data) is not None
