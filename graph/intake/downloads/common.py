"""What every reader shares: one entry of a download, and the small repairs the platforms'
files need."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass, field


class Relation(enum.StrEnum):
    """How an entry stands to the owner of the download."""

    FRIEND = "friend"  # Facebook friend, LinkedIn connection: both ways
    FOLLOWER = "follower"  # they follow the owner
    FOLLOWING = "following"  # the owner follows them
    REQUEST_SENT = "request_sent"  # the owner asked; not (yet) accepted
    REQUEST_RECEIVED = "request_received"  # they asked the owner; not (yet) accepted
    REMOVED = "removed"  # the owner removed or unfollowed them: no longer connected
    CLOSE_FRIEND = "close_friend"  # Instagram: on the owner's close friends list

    @property
    def words(self) -> str:
        """How the kind is said to the owner: 'request sent'."""
        return self.value.replace("_", " ")


# Why an entry of a file was not read: each is counted per file and shown to the owner.
HIDDEN_NAME = "hidden name"  # the platform left the person's name out (LinkedIn privacy)
EMPTY_ROW = "empty row"  # nothing in it at all
UNKNOWN_KIND = "unknown kind"  # neither a follower, a following nor a request we know
NOT_A_PERSON = "not a person's entry"  # a value that is no name or username (a list, a number)


@dataclass
class FileCount:
    """What one file of a download gave: every entry read and every entry skipped, by why."""

    file: str  # its path inside the download, shown to the owner only
    platform: str
    read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_json(self) -> dict:
        return {"file": self.file, "platform": self.platform, "read": self.read,
                "skipped": dict(self.skipped)}


class Counts:
    """The tally the readers keep as they read, one FileCount per file."""

    def __init__(self):
        self.files: dict[str, FileCount] = {}

    def file(self, name: str, platform: str) -> FileCount:
        return self.files.setdefault(name, FileCount(name, platform))

    def entry(self, name: str, platform: str) -> None:
        self.file(name, platform).read += 1

    def skip(self, name: str, platform: str, reason: str) -> None:
        skipped = self.file(name, platform).skipped
        skipped[reason] = skipped.get(reason, 0) + 1


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


class WrongFormat(FormatError):
    """A platform's file in a format the register cannot read; the message says which to ask
    for instead."""


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


def file_stem(name: str) -> str:
    """A file's path inside a download, lower case, with Meta's apostrophes made plain and
    its extension dropped: "connections/followers/who_you've_followed"."""
    lower = name.lower().replace("\u2019", "'")
    stem, dot, _ext = lower.rpartition(".")
    return stem if dot else lower


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name.rsplit("/", 1)[-1] else ""


def ends_with(stem: str, ending: str) -> bool:
    return stem == ending or stem.endswith("/" + ending)


# A page of 20,000 friends is about 5 MB; a larger one than this is no page of a download.
MAX_HTML_BYTES = 32 * 1024 * 1024


def html_document(data: bytes, name: str):
    """An HTML page of a download, parsed by selectolax's Lexbor parser (an HTML5 parser in
    C, many times faster than BeautifulSoup's on a large page). Meta writes its pages in
    UTF-8."""
    from selectolax.lexbor import LexborHTMLParser

    if len(data) > MAX_HTML_BYTES:
        raise FormatError(f"{name} is a larger page than any list of friends or followers")
    text = data.decode("utf-8-sig", "replace")
    if "<" not in text[:4096]:
        raise FormatError(f"{name} is not an HTML page")
    return LexborHTMLParser(text)


def decode_text(data: bytes) -> str:
    """Text whose encoding the platform or a later program chose: UTF-8 with or without a
    byte order mark as the platforms write it, UTF-16 as Windows Notepad saves 'Unicode',
    and otherwise what charset-normalizer finds (Windows-1252 as Excel re-saves a CSV)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "iso8859_15", "utf_16"]).best()
    if best is None:
        return data.decode("cp1252", "replace")
    return str(best)
