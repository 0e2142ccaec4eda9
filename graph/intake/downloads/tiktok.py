"""TikTok "Download your data", in TXT (the download page's default) or JSON: followers and
following.

JSON: `user_data.json` (`user_data_tiktok.json` since 2024), one file with every section.
Followers are under `Activity > Follower List > FansList` (before 2023),
`Your Activity > Follower > FansList` (2023-2024) or `Profile And Settings > Follower >
FansList` (since 2024); following under the same sections as `Following List > Following`
or `Following > Following`. Each entry is `{"Date": "2021-11-11 01:22:22", "UserName":
"..."}` (some versions write `userName`/`username`). An account that follows no one has
`"Following": null` or `"Following": {"Following": null}`: read as none.

TXT: one file per list, `Follower.txt` and `Following.txt` (in `Profile and Settings/`,
`Your Activity/`, or with older downloads `Activity/Follower List.txt` and `Following
List.txt`), numbered `Following_2.txt` when split. Each entry is a block of lines
`Date: 2023-08-10 06:18:18 UTC` and `Username: name`, blocks apart by a blank line.

Paths as read by public tools for this download (forensic plug-ins, data-donation parsers
and "unfollow" tools). TikTok's friends are the accounts in both lists; no download that
public readers describe has a list of friends of its own, so none is read.
"""

from __future__ import annotations

import datetime as dt
import re

from graph.intake.downloads.archive import Bundle, matching
from graph.intake.downloads.common import (
    EMPTY_ROW,
    NOT_A_PERSON,
    Counts,
    Entry,
    FormatError,
    Relation,
    decode_text,
    load_json,
)

PLATFORM = "tiktok"
NAME = "TikTok"
ASK_FOR = ("On TikTok: Settings and privacy → Account → Download your data → choose "
           "Profile and Settings (or All data), File format: TXT or JSON")
SECTIONS = ("Activity", "Your Activity", "Profile And Settings", "Profile")
FOLLOWERS = (("Follower List", "FansList"), ("Follower", "FansList"))
FOLLOWING = (("Following List", "Following"), ("Following", "Following"))
JSON_FILES = ["user_data.json", "user_data_tiktok.json"]
# the name of a TXT list, without part number and .txt -> what it holds
TXT_FILES = {"follower": Relation.FOLLOWER, "follower list": Relation.FOLLOWER,
             "following": Relation.FOLLOWING, "following list": Relation.FOLLOWING}
# "Following.txt", "Following_2.txt", and "Following (1).txt" as a browser saves a copy
_TXT = re.compile(r"(?:^|/)([^/]+?)(?:[_ ]\d+)?(?: ?\(\d+\))?\.txt$", re.IGNORECASE)


def _txt_kind(name: str) -> Relation | None:
    match = _TXT.search(name)
    return TXT_FILES.get(match.group(1).lower().strip()) if match else None


def files_in(bundle: Bundle) -> list[str]:
    return matching(bundle.names, JSON_FILES) + [n for n in bundle.names if _txt_kind(n)]


def _date(text) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _lists(data: dict, paths) -> list | None:
    """The entries of one list in every section that has it; [] for a list written as
    null; None if no section has the list at all."""
    found = None
    for section in SECTIONS:
        part = data.get(section)
        if not isinstance(part, dict):
            continue
        for outer, inner in paths:
            if outer not in part:
                continue
            value = part[outer]
            if isinstance(value, dict) and inner in value:
                value = value[inner]
            if value is None or value == {}:
                found = found or []
            elif isinstance(value, list):
                found = (found or []) + value
    return found


def looks_like(data) -> bool:
    return isinstance(data, dict) and (_lists(data, FOLLOWERS) is not None
                                       or _lists(data, FOLLOWING) is not None)


def _read_json(bundle: Bundle, name: str, counts: Counts) -> list[Entry]:
    data = load_json(bundle.read(name), name)
    if not looks_like(data):
        raise FormatError(f"{name} has no follower or following list: it is not TikTok's "
                          f"user data")
    entries = []
    for paths, relation in ((FOLLOWERS, Relation.FOLLOWER), (FOLLOWING, Relation.FOLLOWING)):
        for row in _lists(data, paths) or ():
            if not isinstance(row, dict):
                counts.skip(name, PLATFORM, NOT_A_PERSON)
                continue
            handle = row.get("UserName") or row.get("userName") or row.get("username")
            if isinstance(handle, str) and handle.strip():
                entries.append(Entry(PLATFORM, relation, handle=handle.strip().lstrip("@"),
                                     since=_date(row.get("Date") or row.get("date"))))
                counts.entry(name, PLATFORM)
            else:
                counts.skip(name, PLATFORM, EMPTY_ROW)
    return entries


def _read_txt(bundle: Bundle, name: str, counts: Counts) -> list[Entry]:
    relation = _txt_kind(name)
    text = decode_text(bundle.read(name))
    entries = []
    block: dict[str, str] = {}

    def close():
        if not block:
            return
        handle = block.get("username", "").strip().lstrip("@")
        if handle:
            entries.append(Entry(PLATFORM, relation, handle=handle, since=_date(block.get("date"))))
            counts.entry(name, PLATFORM)
        else:
            counts.skip(name, PLATFORM, EMPTY_ROW)
        block.clear()

    labelled = 0
    for line in text.splitlines():
        label, colon, value = line.partition(":")
        if not line.strip():
            close()
            continue
        if not colon:
            continue
        label = label.strip().lower()
        labelled += label in ("username", "date")
        if label in block:  # a new entry written without a blank line between
            close()
        block[label] = value.strip()
    close()
    if text.strip() and not labelled:
        raise FormatError(f"{name} has no 'Username:' lines: it is not TikTok's list of "
                          f"{relation.words}s")
    return entries


def read(bundle: Bundle, names: list[str], counts: Counts) -> list[Entry]:
    entries = []
    for name in names:
        counts.file(name, PLATFORM)
        entries += _read_txt(bundle, name, counts) if _txt_kind(name) else \
            _read_json(bundle, name, counts)
    return entries
