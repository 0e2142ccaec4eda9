"""Facebook "Download your information", in JSON or in HTML (the download page's default):
friends, removed friends, friend requests sent and received, followers and following.

Reads, wherever they sit in the download (`.json`, or the same name in `.html`):

- `connections/friends/your_friends` (since 2022): `{"friends_v2": [{"name", "timestamp"}]}`;
  `friends_and_followers/friends` (2020-2022, also `friends_v2`) and `friends/friends`
  (before 2020, `friends`);
- `removed_friends` (`deleted_friends_v2`, older `removed_friends_v2`/`deleted_friends`);
- `sent_friend_requests` / `friend_requests_sent` (`sent_requests_v2`) and
  `received_friend_requests` / `friend_requests_received` (`received_requests_v2`);
- `connections/followers/people_who_followed_you` (`followers_v3`, earlier `followers_v2`;
  `_1`, `_2`... when split) and `who_you've_followed` (`following_v3`, earlier
  `following_v2`; also written `who_you_ve_followed`, and `who_you_follow` or
  `friends_and_followers/following` in older downloads).

`timestamp` is seconds since 1970, the day the friendship (or request, follow, removal)
began. Names are UTF-8 written as Latin-1 escapes (`"Zo\\u00c3\\u00ab"`), repaired here.

The HTML pages hold one block per person (`<div class="_a6-g">`), the name in its heading
(`<h2 class="_2ph_ _a6-h _a6-i">`; older pages a `<section>` with an `<h2>`) and the date in
`<div class="_a72d">` ("Oct 19, 2025 1:47:55 pm"). The shapes come from public readers of
these downloads (forensic and archive tools, "who unfollowed me" checkers); no other field
is read.
"""

from __future__ import annotations

import datetime as dt
import re

from graph.intake.downloads.archive import Bundle
from graph.intake.downloads.common import (
    EMPTY_ROW,
    NOT_A_PERSON,
    Counts,
    Entry,
    FormatError,
    Relation,
    ends_with,
    extension,
    file_stem,
    from_timestamp,
    html_document,
    load_json,
    repair,
)

PLATFORM = "facebook"
NAME = "Facebook"
ASK_FOR = ("On Facebook: Settings & privacy → Settings → Accounts Centre → Your information "
           "and permissions → Download your information → choose Connections, Format: JSON")

# path ending (without .json/.html) -> (the keys its JSON list may be under, what its
# entries are to the owner)
FILES = {
    "your_friends": (("friends_v2", "friends"), Relation.FRIEND),
    "friends_and_followers/friends": (("friends_v2", "friends"), Relation.FRIEND),
    "friends/friends": (("friends_v2", "friends"), Relation.FRIEND),
    "removed_friends": (("deleted_friends_v2", "removed_friends_v2", "deleted_friends"),
                        Relation.REMOVED),
    "sent_friend_requests": (("sent_requests_v2", "sent_requests"), Relation.REQUEST_SENT),
    "friend_requests_sent": (("sent_requests_v2", "sent_requests"), Relation.REQUEST_SENT),
    "received_friend_requests": (("received_requests_v2", "received_requests"),
                                 Relation.REQUEST_RECEIVED),
    "friend_requests_received": (("received_requests_v2", "received_requests"),
                                 Relation.REQUEST_RECEIVED),
    "people_who_followed_you": (("followers_v3", "followers_v2"), Relation.FOLLOWER),
    "who_you've_followed": (("following_v3", "following_v2"), Relation.FOLLOWING),
    "who_you_ve_followed": (("following_v3", "following_v2"), Relation.FOLLOWING),
    "who_you_follow": (("following_v3", "following_v2"), Relation.FOLLOWING),
    "friends_and_followers/following": (("following_v3", "following_v2", "following"),
                                        Relation.FOLLOWING),
}
KEYS = {key for keys, _ in FILES.values() for key in keys}
_PART = re.compile(r"_\d+$")


def _kind_by_name(name: str):
    if extension(name) not in ("json", "html", "htm"):
        return None
    stem = _PART.sub("", file_stem(name))
    for ending, kind in FILES.items():
        if ends_with(stem, ending):
            return kind
    return None


def files_in(bundle: Bundle) -> list[str]:
    return [n for n in bundle.names if _kind_by_name(n) is not None]


def _kind(name: str, data) -> tuple[tuple[str, ...], Relation]:
    """What a file holds: by its name, or, for a file given on its own under another name
    (`your_friends (1).json` as a browser saves a second copy, `friends.json`), by the key
    its list is under, which differs for each kind."""
    kind = _kind_by_name(name)
    if kind is not None:
        return kind
    for keys, relation in FILES.values():
        if isinstance(data, dict) and any(isinstance(data.get(k), list) for k in keys):
            return keys, relation
    return tuple(sorted(KEYS)), Relation.FRIEND  # refused below: none of these keys


def _html_date(text: str) -> dt.date | None:
    text = " ".join(text.split()).upper()
    for fmt in ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p", "%B %d, %Y %I:%M:%S %p",
                "%b %d, %Y"):
        try:
            return dt.datetime.strptime(text.title().replace("Am", "AM").replace("Pm", "PM"),
                                        fmt).date()
        except ValueError:
            continue
    return None


def _read_html(bundle: Bundle, name: str, counts: Counts) -> list[Entry]:
    _keys, relation = _kind(name, None)
    page = html_document(bundle.read(name), name)
    blocks = page.css("div._a6-g") or [s for s in page.css("section") if s.css_first("h2")]
    if not blocks:
        raise FormatError(f"{name} holds no list of people that the register can read")
    entries = []
    for block in blocks:
        heading = block.css_first("._a6-h") or block.css_first("h2")
        person = " ".join(heading.text(separator=" ").split()) if heading is not None else ""
        if not person:
            counts.skip(name, PLATFORM, EMPTY_ROW)
            continue
        date = block.css_first("._a72d")
        entries.append(Entry(PLATFORM, relation, name=person,
                             since=_html_date(date.text(separator=" ")) if date else None))
        counts.entry(name, PLATFORM)
    return entries


def read(bundle: Bundle, names: list[str], counts: Counts) -> list[Entry]:
    entries = []
    for name in names:
        counts.file(name, PLATFORM)
        if extension(name) in ("html", "htm"):
            entries += _read_html(bundle, name, counts)
            continue
        data = load_json(bundle.read(name), name)
        keys, relation = _kind(name, data)
        # An empty list may be written as null: it is read as none.
        present = [k for k in keys if isinstance(data, dict) and k in data
                   and (isinstance(data[k], list) or data[k] is None)]
        if not present:
            raise FormatError(f"{name} has none of {', '.join(keys)}: it is not a Facebook "
                              f"friends or followers file")
        for row in data[present[0]] or ():
            if not isinstance(row, dict):
                counts.skip(name, PLATFORM, NOT_A_PERSON)
            elif isinstance(row.get("name"), str) and row["name"].strip():
                entries.append(Entry(PLATFORM, relation, name=repair(row["name"]).strip(),
                                     since=from_timestamp(row.get("timestamp"))))
                counts.entry(name, PLATFORM)
            else:
                counts.skip(name, PLATFORM, EMPTY_ROW)
    return entries


def looks_like(data) -> bool:
    """Whether parsed JSON is a Facebook friends file (for a file given on its own)."""
    return isinstance(data, dict) and any(isinstance(data.get(k), list) for k in KEYS)
