"""Whether free text names a person, however the name was written: composed or decomposed
accents (NFC, NFD) or none, any case, any punctuation between the words, or inside JSON
with its non-ASCII characters escaped (`Zo\\u00eb`). Names are compared as the identity
table compares them (graph/names.py, `normal_name`). An erasure looks for an
erased person's names in the reasons, notes and audit details other people wrote, where
their id is not.

>>> names = Mentions(["Zoë Brontë-Núñez"])
>>> names.found_in("spoke to ZOE\\u0308 BRONTE\\u0308-NU\\u0301N\\u0303EZ's mother")
True
>>> names.found_in('{"reason": "Zo\\\\u00eb Bront\\\\u00eb-N\\\\u00fa\\\\u00f1ez"}')
True
>>> names.found_in("zoe bronte nunez"), names.found_in("Zoe Bronte"), Mentions([" "]).found_in("x")
(True, False, False)
>>> Mentions(["Ζωή Παπαδοπούλου"]).found_in("ΖΩΗ ΠΑΠΑΔΟΠΟΥΛΟΥ said"), Mentions(["Zoë"]).names
(True, [])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from graph.names import fold


def _unmarked(text: str) -> str:
    """`text` folded (graph/names.py) and without any mark left (a vowel sign of an
    Indic script is a mark fold keeps): letters of every script stay, in lower case."""
    return "".join(c for c in fold(text) if not unicodedata.category(c).startswith("M"))


def folded(text: str) -> str:
    """`text` as it is compared: lower case, accents and punctuation gone, words apart by
    one space and a space at each end (so that a name is found only as whole words).
    Letters of any script are kept: 'Ζωή Παπαδοπούλου' -> ' ζωη παπαδοπουλου '."""
    return " " + " ".join(re.sub(r"[\W_]+", " ", _unmarked(text)).split()) + " "


def _word_spans(text: str) -> list[tuple[int, int]]:
    """Where each word of `text` is: letters and digits of any script, with their marks."""
    spans, start = [], None
    for i, c in enumerate(text + " "):
        inside = c.isalnum() or (start is not None and unicodedata.category(c).startswith("M"))
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    return spans


def _unescaped(text: str) -> str:
    """`text` with JSON's \\uXXXX escapes (surrogate pairs too) turned back into the
    characters they stand for, wherever they are."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Mentions:
    """The names of one person, to look for in text."""

    def __init__(self, names: Iterable[str]):
        # A name of one word (or one that folds to one) would match far too much: an
        # erasure would take every entry with a common given name. Two words at least.
        names = [n for n in names if len(folded(n).split()) >= 2]
        self.original = sorted(set(names))
        self.names = sorted({folded(n) for n in names})

    def found_in(self, text: str | None) -> bool:
        if not text or not self.names:
            return False
        if "\\" in text:
            text = text + "\n" + _unescaped(text)
        text = folded(text)
        return any(name in text for name in self.names)

    def removed_from(self, text: str, replacement: str = "[erased]") -> str:
        """`text` with each mention of the names replaced, word for word as `found_in`
        compares them; whatever still names them after that (JSON escapes) goes whole."""
        text = unicodedata.normalize("NFC", text)
        words = [(start, end, folded(text[start:end]).strip())
                 for start, end in _word_spans(text)]
        spans = []
        for name in (n.split() for n in self.names):
            for i in range(len(words) - len(name) + 1):
                if [w for _, _, w in words[i:i + len(name)]] == name:
                    spans.append((words[i][0], words[i + len(name) - 1][1]))
        merged: list[list[int]] = []  # (a legal and a preferred name may overlap)
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in reversed(merged):
            text = text[:start] + replacement + text[end:]
        return replacement if self.found_in(text) else text
