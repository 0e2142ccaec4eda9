"""Instagram "Download your information", in JSON or in HTML (the download page's default):
followers, following, close friends, follow requests sent and received, and accounts
recently unfollowed.

Reads, under `connections/followers_and_following/` (older downloads:
`followers_and_following/` at the top), each as `.json` or `.html`:

| file | JSON list | kind |
|---|---|---|
| `followers_1` (`_2`..., one per 5,000 or so; older `followers`) | a bare list (older `relationships_followers`) | follower |
| `following` | `relationships_following` | following |
| `close_friends` | `relationships_close_friends` | close friend |
| `pending_follow_requests` | `relationships_follow_requests_sent` | request sent |
| `follow_requests_you've_received` | `relationships_follow_requests_received` | request received |
| `recently_unfollowed_profiles` (older `recently_unfollowed_accounts`) | `relationships_unfollowed_users` | removed |

Each JSON entry is `{"title", "media_list_data", "string_list_data": [{"href", "value",
"timestamp"}]}`: `value` is the username; since 2024 some downloads leave it out and put
the username in `title`, with `href` ending in it (`/_u/name`). Text is UTF-8 written as
Latin-1 escapes, repaired here. The HTML pages hold one block per account with a link to
its profile (`<a href="https://www.instagram.com/name">name</a>`) and the date below it.
Shapes as quoted in public tools that read these downloads ("who does not follow me
back" checkers, follow-request cleaners and personal-archive importers).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from graph.intake.downloads.archive import Bundle
from graph.intake.downloads.common import (
    EMPTY_ROW,
    NOT_A_PERSON,
    Counts,
    Entry,
    FormatError,
    Relation,
    extension,
    file_stem,
    from_timestamp,
    html_document,
    load_json,
    repair,
)

PLATFORM = "instagram"
NAME = "Instagram"
ASK_FOR = ("On Instagram: Accounts Centre → Your information and permissions → Download "
           "your information → choose Followers and following, Format: JSON")

# file name (without .json/.html and part number) -> (its JSON keys, what it holds)
FILES = {
    "followers": (("relationships_followers",), Relation.FOLLOWER),
    "following": (("relationships_following",), Relation.FOLLOWING),
    "close_friends": (("relationships_close_friends",), Relation.CLOSE_FRIEND),
    "pending_follow_requests": (("relationships_follow_requests_sent",), Relation.REQUEST_SENT),
    "follow_requests_you've_received": (("relationships_follow_requests_received",),
                                        Relation.REQUEST_RECEIVED),
    "recently_unfollowed_profiles": (("relationships_unfollowed_users",), Relation.REMOVED),
    "recently_unfollowed_accounts": (("relationships_unfollowed_users",), Relation.REMOVED),
}
KEYS = {keys[0]: relation for keys, relation in FILES.values()}
_PART = re.compile(r"_\d+$")
# Links of the page itself, not of an account.
_NOT_ACCOUNTS = {"", "legal", "about", "accounts", "explore", "p", "reel", "stories", "direct",
                 "privacy", "terms", "help"}


def _kind_by_name(name: str):
    """(keys, relation) for a file of the follower lists by its path; None otherwise."""
    if extension(name) not in ("json", "html", "htm"):
        return None
    stem = file_stem(name)
    folder, _, base = stem.rpartition("/")
    if folder and not folder.endswith("followers_and_following"):
        return None
    return FILES.get(_PART.sub("", base))


def files_in(bundle: Bundle) -> list[str]:
    return [n for n in bundle.names if _kind_by_name(n) is not None]


def _rows(data, name: str, keys: tuple[str, ...], relation: Relation):
    if relation is Relation.FOLLOWER and isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in keys:
            if key in data and (isinstance(data[key], list) or data[key] is None):
                return data[key] or []
    raise FormatError(f"{name} is not an Instagram {relation.words} file")


def _kind_by_content(data):
    if isinstance(data, list):
        return FILES["followers"]
    if isinstance(data, dict):
        for key, relation in KEYS.items():
            if key in data:
                return (key,), relation
    return None


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


def _account(href: str) -> str:
    """The username a link leads to ('https://www.instagram.com/_u/name' -> 'name'); '' if
    it is no account's page."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return ""
    if not (parts.hostname or "").endswith("instagram.com"):
        return ""
    path = [p for p in parts.path.split("/") if p]
    if path[:1] == ["_u"]:
        path = path[1:]
    if len(path) != 1 or path[0].lower() in _NOT_ACCOUNTS:
        return ""
    return path[0]


def _read_html(bundle: Bundle, name: str, relation: Relation, counts: Counts) -> list[Entry]:
    data = bundle.read(name)
    page = html_document(data, name)
    entries = []
    for link in page.css("a[href]"):
        handle = _account(link.attributes.get("href") or "")
        if handle:
            entries.append(Entry(PLATFORM, relation, handle=handle.lstrip("@")))
            counts.entry(name, PLATFORM)
    if not entries and b"instagram" not in data.lower():
        raise FormatError(f"{name} is not an Instagram page")
    return entries


def read(bundle: Bundle, names: list[str], counts: Counts) -> list[Entry]:
    entries = []
    for name in names:
        counts.file(name, PLATFORM)
        kind = _kind_by_name(name)
        if extension(name) in ("html", "htm"):
            entries += _read_html(bundle, name, (kind or FILES["followers"])[1], counts)
            continue
        data = load_json(bundle.read(name), name)
        # A file given on its own may be renamed (`following (1).json`): its shape says.
        kind = kind or _kind_by_content(data)
        if kind is None:
            raise FormatError(f"{name} is not an Instagram followers or following file")
        keys, relation = kind
        for item in _rows(data, name, keys, relation):
            if not isinstance(item, dict):
                counts.skip(name, PLATFORM, NOT_A_PERSON)
                continue
            handle, timestamp = _handle(item)
            if handle:
                entries.append(Entry(PLATFORM, relation, handle=handle,
                                     since=from_timestamp(timestamp)))
                counts.entry(name, PLATFORM)
            else:
                counts.skip(name, PLATFORM, EMPTY_ROW)
    return entries


def looks_like(data) -> bool:
    if isinstance(data, dict):
        return any(key in data for key in KEYS)
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) \
        and "string_list_data" in data[0]
