"""Facebook "Download your information" (JSON): friends, removed friends and friend requests.

Reads, wherever they sit in the download:

- `connections/friends/your_friends.json` (since 2022): `{"friends_v2": [{"name", "timestamp"}]}`;
- `friends_and_followers/friends.json` (2020-2022, also `{"friends_v2": [...]}`) and
  `friends/friends.json` (before 2020, `{"friends": [...]}`);
- `removed_friends.json` (`deleted_friends_v2`, older `removed_friends_v2`/`deleted_friends`);
- `sent_friend_requests.json` / `friend_requests_sent.json` (`sent_requests_v2`) and
  `received_friend_requests.json` / `friend_requests_received.json` (`received_requests_v2`).

`timestamp` is seconds since 1970, the day the friendship (or request, or removal) began.
Names are UTF-8 written as Latin-1 escapes (`"Zo\\u00c3\\u00ab"`), repaired here. The shapes
come from public parsers of these downloads (forensic plug-ins such as the LEAPP family,
personal-archive tools and Meta's own file names as quoted in them); no other field is read.
"""

from __future__ import annotations

from graph.intake.downloads.archive import Bundle, matching
from graph.intake.downloads.common import Entry, FormatError, Relation, from_timestamp, load_json, repair

PLATFORM = "facebook"
NAME = "Facebook"

# file name -> (the keys its list may be under, what its entries are to the owner)
FILES = {
    "your_friends.json": (("friends_v2", "friends"), Relation.FRIEND),
    "friends_and_followers/friends.json": (("friends_v2", "friends"), Relation.FRIEND),
    "friends/friends.json": (("friends_v2", "friends"), Relation.FRIEND),
    "removed_friends.json": (("deleted_friends_v2", "removed_friends_v2", "deleted_friends"),
                             Relation.REMOVED),
    "sent_friend_requests.json": (("sent_requests_v2", "sent_requests"), Relation.REQUEST_SENT),
    "friend_requests_sent.json": (("sent_requests_v2", "sent_requests"), Relation.REQUEST_SENT),
    "received_friend_requests.json": (("received_requests_v2", "received_requests"),
                                      Relation.REQUEST_RECEIVED),
    "friend_requests_received.json": (("received_requests_v2", "received_requests"),
                                      Relation.REQUEST_RECEIVED),
}
KEYS = {key for keys, _ in FILES.values() for key in keys}


def files_in(bundle: Bundle) -> list[str]:
    found = []
    for ending in FILES:
        found += [n for n in matching(bundle.names, [ending]) if n not in found]
    return found


def _kind(name: str, data) -> tuple[tuple[str, ...], Relation]:
    """What a file holds: by its name, or, for a file given on its own under another name
    (`your_friends (1).json` as a browser saves a second copy, `friends.json`), by the key
    its list is under, which differs for each kind."""
    lower = name.lower()
    for ending, kind in FILES.items():
        if lower == ending or lower.endswith("/" + ending):
            return kind
    for keys, relation in FILES.values():
        if isinstance(data, dict) and any(isinstance(data.get(k), list) for k in keys):
            return keys, relation
    return tuple(sorted(KEYS)), Relation.FRIEND  # refused below: none of these keys


def read(bundle: Bundle, names: list[str]) -> list[Entry]:
    entries = []
    for name in names:
        data = load_json(bundle.read(name), name)
        keys, relation = _kind(name, data)
        rows = None
        if isinstance(data, dict):
            rows = next((data[k] for k in keys if isinstance(data.get(k), list)), None)
        if rows is None:
            raise FormatError(f"{name} has none of {', '.join(keys)}: it is not a Facebook "
                              f"friends file")
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("name"), str) and row["name"].strip():
                entries.append(Entry(PLATFORM, relation, name=repair(row["name"]).strip(),
                                     since=from_timestamp(row.get("timestamp"))))
    return entries


def looks_like(data) -> bool:
    """Whether parsed JSON is a Facebook friends file (for a file given on its own)."""
    return isinstance(data, dict) and any(isinstance(data.get(k), list) for k in KEYS)
