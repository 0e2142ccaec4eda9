"""Reading the downloads that social media platforms give their users of their own data,
for a member of staff to check against their school in private.

`read_download(source)` takes the zip as downloaded, the folder it unpacks to, or one file
of it (a path, or bytes with their file name) and returns every friend, follower and
followed account in it, in memory only. One module per platform says what it reads and the
public evidence for it: `facebook`, `instagram`, `linkedin`, `tiktok`, `x`; `archive` opens
zips and folders safely.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from graph.intake.downloads import facebook, instagram, linkedin, tiktok, x
from graph.intake.downloads.archive import ArchiveError, Bundle, FileBundle, open_bundle
from graph.intake.downloads.common import (
    Counts,
    Entry,
    FileCount,
    FormatError,
    Relation,
    TooDeep,
    load_json,
)

READERS = {m.PLATFORM: m for m in (facebook, instagram, linkedin, tiktok, x)}
PLATFORM_NAMES = {p: m.NAME for p, m in READERS.items()}
ACCEPTED = (
    "a Facebook download in JSON or HTML (connections/friends/your_friends.json, "
    "connections/followers/people_who_followed_you.json, or the older "
    "friends_and_followers/friends.json or friends/friends.json), an Instagram download in "
    "JSON or HTML (followers_1.json and following.json), LinkedIn's Connections.csv and "
    "Invitations.csv, TikTok's user_data.json or its Follower.txt and Following.txt, or an "
    "X archive (data/follower.js and data/following.js); as the zip you downloaded, the "
    "folder it unpacks to, or the file itself"
)
# Words in the names of a platform's download (its zip, its folders) that say whose it is.
_SIGNS = {
    "facebook": ("facebook", "your_facebook_activity"),
    "instagram": ("instagram", "your_instagram_activity"),
    "tiktok": ("tiktok",),
    "linkedin": ("linkedin",),
    "x": ("twitter", "data/manifest.js", "your archive.html"),
}

__all__ = ["ACCEPTED", "PLATFORM_NAMES", "Download", "DownloadError", "Entry", "FileCount",
           "Relation", "read_download"]


class DownloadError(Exception):
    """The download cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Download:
    label: str
    platforms: tuple[str, ...]
    entries: list[Entry]
    files: tuple[str, ...]  # the files read, by their path inside the download
    counts: tuple[FileCount, ...] = ()  # per file: entries read, and skipped with why


def _platform_of_single(bundle: Bundle) -> str | None:
    """For a file given on its own under a name the readers do not know: its platform by
    its content."""
    data = bundle.read(bundle.names[0])
    if x.looks_like(data):
        return "x"
    if linkedin.header_at(data[:4096].decode("utf-8-sig", "replace").splitlines()) is not None:
        return "linkedin"
    try:
        parsed = load_json(data, bundle.names[0])
    except TooDeep:
        raise
    except FormatError:
        return None
    for module in (facebook, instagram, tiktok):
        if module.looks_like(parsed):
            return module.PLATFORM
    return None


def _looks_from(bundle: Bundle) -> str | None:
    """The platform a download that none of the readers could read looks like it came from,
    by the names of the zip and its files; None if it looks like none."""
    names = [bundle.label.lower()] + [n.lower() for n in bundle.names[:5000]]
    for platform, signs in _SIGNS.items():
        if any(sign in name for name in names for sign in signs):
            return platform
    if isinstance(bundle, FileBundle):  # one page saved from a download: whose links it has
        start = bundle.read(bundle.names[0])[:65536].lower()
        if b"<html" in start:
            if b"instagram.com" in start:
                return "instagram"
            if b"facebook.com" in start or b"_a6-g" in start:
                return "facebook"
    return None


def _ask_again(label: str, platform: str, why: str) -> DownloadError:
    module = READERS[platform]
    return DownloadError(f"{label} looks like a download from {module.NAME}, but {why}. Ask "
                         f"{module.NAME} for it again: {module.ASK_FOR}.")


def _not_a_download(bundle: Bundle) -> DownloadError:
    platform = _looks_from(bundle)
    if platform is not None:
        return _ask_again(bundle.label, platform, "it holds no list of friends, followers or "
                          "connections in a form the register reads")
    return DownloadError(f"{bundle.label} is not a download of friends or followers that the "
                         f"register reads. It accepts {ACCEPTED}.")


def read_download(source: str | os.PathLike | bytes, *, file_name: str | None = None,
                  platform: str | None = None,
                  progress: Callable[[int], None] | None = None) -> Download:
    """Every entry of a download. `platform`, if given, is the platform the user says it is
    from: a download of another platform is refused. `progress` is told how many entries
    each platform's files gave, as they are read."""
    if platform is not None and platform not in READERS:
        raise DownloadError(f"{platform!r} is not a platform the register reads: choose one of "
                            f"{', '.join(sorted(READERS))}.")
    try:
        bundle = open_bundle(source, file_name)
    except ArchiveError as error:
        raise DownloadError(str(error)) from None
    try:
        return _read(bundle, platform, progress)
    except ArchiveError as error:
        raise DownloadError(str(error)) from None
    except FormatError as error:
        raise DownloadError(f"{bundle.label}: {error}. It accepts {ACCEPTED}.") from None
    finally:
        bundle.close()


def _read(bundle: Bundle, platform: str | None, progress) -> Download:
    found = {p: m.files_in(bundle) for p, m in READERS.items()}
    found = {p: names for p, names in found.items() if names}
    if not found and isinstance(bundle, FileBundle):
        single = _platform_of_single(bundle)
        if single is not None:
            found = {single: bundle.names}
    if not found:
        raise _not_a_download(bundle)
    if platform is not None and platform not in found:
        others = " and ".join(PLATFORM_NAMES[p] for p in sorted(found))
        raise DownloadError(f"{bundle.label} is a download from {others}, not from "
                            f"{PLATFORM_NAMES[platform]}: choose {others} or give the "
                            f"{PLATFORM_NAMES[platform]} download.")
    platforms = [platform] if platform is not None else sorted(found)
    entries: list[Entry] = []
    files: list[str] = []
    counts = Counts()
    for name in platforms:
        try:
            read = READERS[name].read(bundle, found[name], counts)
        except TooDeep:
            raise
        except FormatError as error:
            raise _ask_again(bundle.label, name, f"{error}, so it cannot be read") from None
        entries += read
        files += found[name]
        if progress is not None:
            progress(len(read))
    return Download(bundle.label, tuple(platforms), entries, tuple(files),
                    tuple(counts.files.values()))

