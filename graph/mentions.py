"""Whether free text names a person, however the name was written: composed or decomposed
accents (NFC, NFD) or none, any case, any punctuation between the words, or inside JSON
with its non-ASCII characters escaped (`Zo\\u00eb`). Names are compared as the identity
table compares them (graph/intake/identity.py, `normal_name`). An erasure looks for an
erased person's names in the reasons, notes and audit details other people wrote, where
their id is not.

>>> names = Mentions(["Zoë Brontë-Núñez"])
>>> names.found_in("spoke to ZOE\\u0308 BRONTE\\u0308-NU\\u0301N\\u0303EZ's mother")
True
>>> names.found_in('{"reason": "Zo\\\\u00eb Bront\\\\u00eb-N\\\\u00fa\\\\u00f1ez"}')
True
>>> names.found_in("zoe bronte nunez"), names.found_in("Zoe Bronte"), Mentions([" "]).found_in("x")
(True, False, False)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable

from graph.intake.identity import fold


def folded(text: str) -> str:
    """`text` as it is compared: lower case, accents and punctuation gone, words apart by
    one space and a space at each end (so that a name is found only as whole words)."""
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split()) + " "


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
        names = [unicodedata.normalize("NFC", n) for n in names]
        self.original = sorted({n for n in names if folded(n).strip()})
        self.names = sorted({folded(n) for n in names if folded(n).strip()})

    def found_in(self, text: str | None) -> bool:
        if not text or not self.names:
            return False
        if "\\" in text:
            text = text + "\n" + _unescaped(text)
        text = folded(text)
        return any(name in text for name in self.names)

    def removed_from(self, text: str, replacement: str = "[erased]") -> str:
        """`text` (composed) with every mention of the names replaced; whatever still
        names them after that (a spelling the replacement cannot reach) goes whole."""
        text = unicodedata.normalize("NFC", text)
        for name in self.original:
            words = [re.escape(w) for w in re.split(r"[\W_]+", name) if w]
            text = re.sub(r"[\W_]+".join(words), replacement, text, flags=re.IGNORECASE)
        return replacement if self.found_in(text) else text
