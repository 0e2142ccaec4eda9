"""What every reader shares: one entry of a download, and the small repairs the platforms'
files need."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass


class Relation(enum.StrEnum):
    """How an entry stands to the owner of the download."""

    FRIEND = "friend"  # Facebook friend, LinkedIn connection: both ways
    FOLLOWER = "follower"  # they follow the owner
    FOLLOWING = "following"  # the owner follows them
    REQUEST_SENT = "request_sent"  # the owner asked; not (yet) accepted
    REQUEST_RECEIVED = "request_received"  # they asked the owner; not (yet) accepted
    REMOVED = "removed"  # the owner removed them: no longer connected


@dataclass(frozen=True, slots=True)
class Entry:
    """One person in a download, as the platform wrote them."""

    platform: str  # facebook, instagram, linkedin, tiktok, x: the register's channels
    relation: Relation
    name: str = ""  # as displayed (Facebook, LinkedIn)
    handle: str = ""  # username (Instagram, TikTok)
    account_id: str = ""  # X: a number only
    email: str = ""  # LinkedIn, where the person shares it
    since: dt.date | None = None

    @property
    def label(self) -> str:
        """How the entry is shown back to the owner."""
        if self.name and self.handle:
            return f"{self.name} (@{self.handle})"
        if self.name:
            return self.name
        if self.handle:
            return "@" + self.handle
        return f"account {self.account_id}"


class FormatError(Exception):
    """A file is not in the shape its platform writes."""


class TooDeep(FormatError):
    """A JSON file nested far deeper than any platform writes."""


def repair(text: str) -> str:
    """Undo the mojibake of Meta's downloads: UTF-8 bytes written out as if each byte were a
    Latin-1 character ('ZoÃ«' for 'Zoë'). Text that is not mojibake comes back unchanged.

    >>> repair("Zo\\u00c3\\u00ab Ren\\u00c3\\u00a9e")
    'Zoë Renée'
    >>> repair("Zoë")
    'Zoë'
    """
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


# The platforms' files nest a handful of levels (TikTok's user_data.json is the deepest, at
# about six); a hundred leaves room for any change of theirs and none for a hostile file.
MAX_JSON_DEPTH = 100


def load_json(data: bytes, name: str):
    """The parsed file, refused as a FormatError if it is not JSON or nests deeper than
    MAX_JSON_DEPTH (the parser itself gives up on a few hundred levels as RecursionError)."""
    too_deep = TooDeep(f"{name} nests its lists and objects more than {MAX_JSON_DEPTH} "
                           f"levels deep, far beyond any download of friends or followers")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FormatError(f"{name} is not JSON") from None
    except RecursionError:
        raise too_deep from None
    level = [parsed]
    for _ in range(MAX_JSON_DEPTH):
        level = [child for value in level if isinstance(value, (dict, list))
                 for child in (value.values() if isinstance(value, dict) else value)
                 if isinstance(child, (dict, list))]
        if not level:
            return parsed
    raise too_deep


def from_timestamp(value) -> dt.date | None:
    """A date from seconds since 1970, as Meta writes them; None where there is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None
