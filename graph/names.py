"""How the register compares names: one normal form, used by identity matching
(graph/intake/identity.py), download matching (graph/matching.py) and erasure's search of
free text (graph/mentions.py). It imports nothing of the register, so any module may use it.
"""

from __future__ import annotations

import re
import unicodedata

_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ß": "ss",
                          "æ": "ae", "œ": "oe", "ı": "i"})


def fold(text: str) -> str:
    """Lower case without accents, a letter with a stroke or a ligature spelled out:
    'Zoë Wiśniewska' -> 'zoe wisniewska', 'Łukasz' -> 'lukasz'."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c)).translate(_LETTERS)


def normal_name(given_name: str, family_name: str) -> str:
    """Lower case, accents and punctuation gone, single spaces: how names are compared.

    >>> normal_name(" Zoë ", "O'Brien-Smith"), normal_name("Łukasz", "Søndergaard")
    ('zoe o brien smith', 'lukasz sondergaard')
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(f"{given_name} {family_name}")).split())
