"""Instagram "Download your information" (JSON): followers and following.

Reads `connections/followers_and_following/followers_1.json` (and `followers_2.json`...,
one file per 5,000 or so) and `following.json` (older downloads: `followers_and_following/`
at the top, `followers.json`). Each entry is
`{"title", "media_list_data", "string_list_data": [{"href", "value", "timestamp"}]}`: the
followers files are a bare list (older ones `{"relationships_followers": [...]}`), the
following file is `{"relationships_following": [...]}`. `value` is the username; since
2024 some downloads leave it out of following and put the username in `title`, with `href`
ending in it. Text is UTF-8 written as Latin-1 escapes, repaired here. Shapes as quoted in
public tools that read these downloads ("who does not follow me back" checkers and
personal-archive importers).
"""

from __future__ import annotations

import re

from graph.intake.downloads.archive import Bundle
from graph.intake.downloads.common import Entry, FormatError, Relation, from_timestamp, load_json, repair

PLATFORM = "instagram"
NAME = "Instagram"
_FOLLOWERS = re.compile(r"(^|/)followers(_\d+)?\.json$", re.IGNORECASE)
_FOLLOWING = re.compile(r"(^|/)following\.json$", re.IGNORECASE)


def files_in(bundle: Bundle) -> list[str]:
    found = []
    for name in bundle.names:
        if not (_FOLLOWERS.search(name) or _FOLLOWING.search(name)):
            continue
        if "followers_and_following/" in name.lower() or "/" not in name:
            found.append(name)
    return found


def _rows(data, name: str, following: bool):
    if following:
        if isinstance(data, dict) and isinstance(data.get("relationships_following"), list):
            return data["relationships_following"]
    else:
        if isinstance(data, list):
            return data
        if isinstance(data, dict) and isinstance(data.get("relationships_followers"), list):
            return data["relationships_followers"]
    raise FormatError(f"{name} is not an Instagram {'following' if following else 'followers'} "
                      f"file")


def _handle(item: dict) -> tuple[str, int | None]:
    for data in item.get("string_list_data") or ():
        if not isinstance(data, dict):
            continue
        value = data.get("value") or ""
        if not value and isinstance(data.get("href"), str):
            value = data["href"].rstrip("/").rsplit("/", 1)[-1]
        value = value or (item.get("title") if isinstance(item.get("title"), str) else "")
        if value:
            return repair(value).strip().lstrip("@"), data.get("timestamp")
    title = item.get("title")
    return (repair(title).strip().lstrip("@") if isinstance(title, str) else ""), None


def read(bundle: Bundle, names: list[str]) -> list[Entry]:
    entries = []
    for name in names:
        data = load_json(bundle.read(name), name)
        # A file given on its own may be renamed (`following (1).json`): its shape says.
        following = bool(_FOLLOWING.search(name)) or (
            isinstance(data, dict) and "relationships_following" in data)
        relation = Relation.FOLLOWING if following else Relation.FOLLOWER
        for item in _rows(data, name, following):
            if isinstance(item, dict):
                handle, timestamp = _handle(item)
                if handle:
                    entries.append(Entry(PLATFORM, relation, handle=handle,
                                         since=from_timestamp(timestamp)))
    return entries


def looks_like(data) -> bool:
    if isinstance(data, dict):
        return "relationships_following" in data or "relationships_followers" in data
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) \
        and "string_list_data" in data[0]
