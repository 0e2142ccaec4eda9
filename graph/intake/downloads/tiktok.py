"""TikTok "Download your data" (JSON): `user_data.json` (`user_data_tiktok.json` since
2024), one file with every section.

Followers are under `Activity > Follower List > FansList` (before 2023),
`Your Activity > Follower > FansList` (2023-2024) or `Profile And Settings > Follower >
FansList` (since 2024); following under the same sections as `Following List > Following`
or `Following > Following`. Each entry is `{"Date": "2021-11-11 01:22:22", "UserName":
"..."}` (some versions write `userName`/`username`). Paths as read by public tools for
this download (forensic plug-ins and TikTok data toolkits). The TXT version of the
download is not read: choose JSON when you ask TikTok for your data.
"""

from __future__ import annotations

import datetime as dt

from graph.intake.downloads.archive import Bundle, matching
from graph.intake.downloads.common import Entry, FormatError, Relation, load_json

PLATFORM = "tiktok"
NAME = "TikTok"
SECTIONS = ("Activity", "Your Activity", "Profile And Settings", "Profile")
FOLLOWERS = (("Follower List", "FansList"), ("Follower", "FansList"))
FOLLOWING = (("Following List", "Following"), ("Following", "Following"))


def files_in(bundle: Bundle) -> list[str]:
    return matching(bundle.names, ["user_data.json", "user_data_tiktok.json"])


def _date(text) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _lists(data: dict, paths) -> list | None:
    found = None
    for section in SECTIONS:
        for outer, inner in paths:
            value = ((data.get(section) or {}).get(outer) or {})
            value = value.get(inner) if isinstance(value, dict) else None
            if isinstance(value, list):
                found = (found or []) + value
    return found


def looks_like(data) -> bool:
    return isinstance(data, dict) and (_lists(data, FOLLOWERS) is not None
                                       or _lists(data, FOLLOWING) is not None)


def read(bundle: Bundle, names: list[str]) -> list[Entry]:
    entries = []
    for name in names:
        data = load_json(bundle.read(name), name)
        if not looks_like(data):
            raise FormatError(f"{name} has no follower or following list: it is not TikTok's "
                              f"user data")
        for paths, relation in ((FOLLOWERS, Relation.FOLLOWER), (FOLLOWING, Relation.FOLLOWING)):
            for row in _lists(data, paths) or ():
                if not isinstance(row, dict):
                    continue
                handle = row.get("UserName") or row.get("userName") or row.get("username")
                if isinstance(handle, str) and handle.strip():
                    entries.append(Entry(PLATFORM, relation, handle=handle.strip().lstrip("@"),
                                         since=_date(row.get("Date") or row.get("date"))))
    return entries
