"""Reading a zip from outside without trusting it: one member at a time, its bytes counted
as they come out (never the sizes the zip's directory claims). A member that inflates more
than MAX_RATIO times its packed size is a zip bomb; a reader may also cap each member and
the whole. Used by the import of an exchange folder (api/routes/imports.py) and by the
check of a social media download (graph/intake/downloads/archive.py).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from typing import BinaryIO

MAX_RATIO = 100  # CSV and JSON deflate some 5 to 20 times; a bomb 1,000 and more
RATIO_GRACE_BYTES = 1024 * 1024  # tiny members may compress extremely well
CHUNK = 64 * 1024


class ZipBomb(Exception):
    """The member inflates beyond MAX_RATIO times its packed size."""


class MemberTooLarge(Exception):
    """The member passes the reader's cap for one member."""


class MemberDamaged(Exception):
    """The member cannot be read: damaged, encrypted, or packed in a way not supported."""


def inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: BinaryIO, *,
            max_bytes: int | None = None,
            counted: Callable[[int], None] | None = None) -> int:
    """Write the member to `out` a chunk at a time; the bytes written. `counted(n)` is told
    of each chunk first, so that a reader can refuse the whole (by raising). Raises
    ZipBomb, MemberTooLarge or MemberDamaged as soon as the bytes show it."""
    read = 0
    allowed = MAX_RATIO * max(info.compress_size, 1)
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                read += len(chunk)
                if counted is not None:
                    counted(len(chunk))
                if max_bytes is not None and read > max_bytes:
                    raise MemberTooLarge(info.filename)
                if read > RATIO_GRACE_BYTES and read > allowed:
                    raise ZipBomb(info.filename)
                out.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError,
            EOFError, zlib.error):
        raise MemberDamaged(info.filename) from None
    return read
