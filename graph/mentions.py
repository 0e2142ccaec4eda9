"""Whether free text names a person, however the name was written: composed or decomposed
accents (NFC, NFD), any case, or inside JSON with its non-ASCII characters escaped
(`Zo\\u00eb`). An erasure looks for an erased person's names in the reasons, notes and
audit details other people wrote, where their id is not.

>>> names = Mentions(["Zoë Brontë-Núñez"])
>>> names.found_in("spoke to ZOE\\u0308 BRONTE\\u0308-NU\\u0301N\\u0303EZ's mother")
True
>>> names.found_in('{"reason": "Zo\\\\u00eb Bront\\\\u00eb-N\\\\u00fa\\\\u00f1ez"}')
True
>>> names.found_in("Zoe Bronte-Nunez"), Mentions(["  "]).found_in("anything")
(False, False)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable


def folded(text: str) -> str:
    """`text` as it is compared: composed (NFC), and case-folded."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def _unescaped(text: str) -> str:
    """JSON's \\uXXXX escapes (and the others) turned back into characters; text that is
    not JSON is looked at as it is."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    strings: list[str] = []

    def walk(v) -> None:
        if isinstance(v, str):
            strings.append(v)
        elif isinstance(v, dict):
            for key, item in v.items():
                walk(key)
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    return "\n".join(strings)


class Mentions:
    """The names of one person, to look for in text."""

    def __init__(self, names: Iterable[str]):
        self.names = sorted({folded(" ".join(n.split())) for n in names if n.strip()})

    def found_in(self, text: str | None) -> bool:
        if not text or not self.names:
            return False
        if "\\" in text:
            text = text + "\n" + _unescaped(text)
        text = folded(" ".join(text.split()))
        return any(name in text for name in self.names)

    def removed_from(self, text: str, replacement: str = "[erased]") -> str:
        """`text` (composed) with every mention of the names replaced; whatever still
        names them after that (a spelling the replacement cannot reach) goes whole."""
        text = unicodedata.normalize("NFC", text)
        for name in self.names:
            words = [re.escape(w) for w in name.split()]
            text = re.sub(r"\s+".join(words), replacement, text, flags=re.IGNORECASE)
        return replacement if self.found_in(text) else text
