"""Opening a download safely: the zip as the platform gave it, the folder it unpacks to, or
one file taken out of it.

A zip is checked whole before anything in it is read: a member whose path would land
outside the folder it unpacks to (an absolute path, a drive, `..`) makes the whole zip
refused. Only the few files a reader asks for are ever decompressed, in memory, and their
bytes are counted as they stream: a member that inflates more than `MAX_RATIO` times its
compressed size, or reads past `MAX_MEMBER_BYTES`, or a download past `MAX_TOTAL_BYTES`
read in all, is refused as a zip bomb, whatever sizes its directory claims. Nothing is
written to disk.
"""

from __future__ import annotations

import io
import os
import posixpath
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from graph.intake.zips import MAX_RATIO, MemberDamaged, MemberTooLarge, ZipBomb, inflate  # noqa: F401

MAX_MEMBERS = 200_000  # a download with photos holds tens of thousands of files
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one friends or followers file; 5,000 friends is ~0.4 MB
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # everything read from one download


class ArchiveError(Exception):
    """The download cannot be opened safely; the message says why and what to do."""


def _unsafe(name: str) -> bool:
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in PurePosixPath(name).parts


class Bundle:
    """The files of one download by their path inside it ('connections/friends/x.json'),
    read on demand."""

    def __init__(self, label: str, names: list[str]):
        self.label = label
        self.names = names
        self._read_so_far = 0

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def _count(self, size: int) -> None:
        self._read_so_far += size
        if self._read_so_far > MAX_TOTAL_BYTES:
            raise ArchiveError(
                f"{self.label} holds more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB of "
                f"friends and followers: it is refused as a zip bomb. Download the connections "
                f"part of your information again and check that.")

    def close(self) -> None:
        pass


class ZipBundle(Bundle):
    def __init__(self, label: str, source):
        try:
            self._zip = zipfile.ZipFile(source)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise ArchiveError(f"{label} is not a zip file that can be opened: download it "
                               f"again from the platform.") from None
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"{label} holds {len(infos):,} files, more than any download "
                               f"of friends and followers: it is refused.")
        outside = [i.filename for i in infos if _unsafe(i.filename)]
        if outside:
            raise ArchiveError(
                f"{label} holds files whose paths lead outside it (such as "
                f"{outside[0]!r}): it is refused and nothing was read. A download from a "
                f"platform never does this; download it again from the platform.")
        self._infos = {i.filename.replace("\\", "/"): i for i in infos if not i.is_dir()}
        super().__init__(label, sorted(self._infos))

    def read(self, name: str) -> bytes:
        out = io.BytesIO()
        try:
            inflate(self._zip, self._infos[name], out, max_bytes=MAX_MEMBER_BYTES,
                    counted=self._count)
        except (ZipBomb, MemberTooLarge):
            raise ArchiveError(
                f"{name} in {self.label} inflates far beyond its compressed size: "
                f"the zip is refused as a zip bomb and nothing of it was used.") from None
        except MemberDamaged:
            raise ArchiveError(f"{name} in {self.label} is damaged or encrypted: download the "
                               f"file again from the platform.") from None
        return out.getvalue()

    def close(self) -> None:
        self._zip.close()


class FolderBundle(Bundle):
    def __init__(self, label: str, root: Path):
        self._root = root.resolve()
        names = []
        for folder, _dirs, files in os.walk(self._root):
            for file_name in files:
                path = Path(folder) / file_name
                names.append(path.relative_to(self._root).as_posix())
                if len(names) > MAX_MEMBERS:
                    raise ArchiveError(f"{label} holds more than {MAX_MEMBERS:,} files: name "
                                       f"the folder of the download itself.")
        super().__init__(label, sorted(names))

    def read(self, name: str) -> bytes:
        path = (self._root / name).resolve()
        if not path.is_relative_to(self._root):
            raise ArchiveError(f"{name} in {self.label} links to a file outside the folder: "
                               f"it is refused.")
        size = path.stat().st_size
        if size > MAX_MEMBER_BYTES:
            raise ArchiveError(f"{name} in {self.label} is larger than any list of friends or "
                               f"followers: it is refused.")
        self._count(size)
        return path.read_bytes()


class FileBundle(Bundle):
    """One file on its own (a Connections.csv, a your_friends.json)."""

    def __init__(self, label: str, name: str, data: bytes):
        if len(data) > MAX_MEMBER_BYTES:
            raise ArchiveError(f"{label} is larger than any list of friends or followers: it "
                               f"is refused.")
        self._data = data
        super().__init__(label, [name])

    def read(self, name: str) -> bytes:
        return self._data


def open_bundle(source: str | os.PathLike | bytes, file_name: str | None = None) -> Bundle:
    """A bundle of a path (zip, folder or one file) or of uploaded bytes named `file_name`."""
    if isinstance(source, bytes):
        label = file_name or "the upload"
        if source[:4] == b"PK\x03\x04" or (file_name or "").lower().endswith(".zip"):
            return ZipBundle(label, io.BytesIO(source))
        return FileBundle(label, posixpath.basename(file_name or "upload"), source)
    path = Path(source)
    label = path.name or str(path)
    if path.is_dir():
        return FolderBundle(label, path)
    if not path.is_file():
        raise ArchiveError(f"{path} does not exist: name the zip you downloaded or the folder "
                           f"it unpacks to.")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04" or path.suffix.lower() == ".zip":
        return ZipBundle(label, path)
    if path.stat().st_size > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{label} is larger than any list of friends or followers: it is "
                           f"refused.")
    return FileBundle(label, path.name, path.read_bytes())


def matching(names: Iterable[str], endings: Iterable[str]) -> list[str]:
    """The names that are one of `endings` or end in '/' + one of them (case-insensitive)."""
    endings = [e.lower() for e in endings]
    found = []
    for name in names:
        lower = name.lower()
        if any(lower == e or lower.endswith("/" + e) for e in endings):
            found.append(name)
    return found
