"""Matching names as people write them on social media to the people the register holds.

Tolerant of case and accents, middle names, a middle name used as the first, double and
hyphenated surnames (either part), common short forms (Alex for Alexander, Liz for
Elizabeth: the `nicknames` package's hand-curated English list, plus a few British forms it
lacks) and usernames that spell the name (`ella.morgan11`, `morgan_ella`). A first name
alone never matches: every match needs the family name too (in the name or the username),
or an e-mail address the school holds.

Each match says why and how sure, on a scale where 0.99 is "the same name, letter for
letter" and `MIN_CONFIDENCE` is the least that is reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from nicknames import NickNamer

from graph.intake.identity import normal_email
from graph.names import fold

MIN_CONFIDENCE = 0.7

EXACT = 0.99
SAME_FIRST_AND_LAST = 0.95
KNOWN_EMAIL = 0.99
SHORT_FORM = 0.85
MIDDLE_AS_FIRST = 0.85
PART_OF_SURNAME = 0.85
SHORT_FORM_AND_PART = 0.75
HANDLE_SPELLS_NAME = 0.8
HANDLE_SHORT_FORM = 0.7
AMBIGUOUS_PENALTY = 0.1
FAMILY_BONUS = 0.05

# Short forms common in England that the nicknames list lacks (it is American in origin).
EXTRA_SHORT_FORMS = {
    "alfie": {"alfred"}, "freddie": {"frederick", "alfred"}, "archie": {"archibald"},
    "ollie": {"oliver", "olivia"}, "izzy": {"isabella", "isabelle", "isobel"},
    "evie": {"eve", "evelyn"}, "millie": {"amelia", "millicent", "camilla"},
    "tommy": {"thomas"}, "harry": {"harrison"}, "jo": {"joanne", "joanna", "josephine"},
    "kate": {"catherine"}, "katie": {"catherine", "katherine"}, "theo": {"theodore"},
    "zac": {"zachary"}, "seb": {"sebastian"}, "nat": {"natalie", "nathan", "nathaniel"},
    "mo": {"muhammad", "mohammed", "mohammad"}, "beth": {"bethany", "elizabeth"},
}
# Parts of a family name that say nothing on their own ("Da" of Da Silva).
PARTICLES = {"da", "de", "del", "della", "di", "do", "dos", "das", "du", "van", "von", "der",
             "den", "ter", "le", "la", "al", "el", "bin", "ibn", "st", "mac", "mc", "o"}
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "nee"}


def tokens(text: str) -> list[str]:
    """The words of a name, folded: apostrophes join ("O'Brien" -> 'obrien'), hyphens and
    everything else that is not a letter separate, titles go."""
    text = re.sub(r"['’`]", "", fold(text))
    return [t for t in re.split(r"[^a-z]+", text) if t and t not in _TITLES]


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=20_000)
def _forms(name: str) -> frozenset[str]:
    """A given name with its short forms and the names it may be short for."""
    namer = _namer()
    forms = {name} | namer.nicknames_of(name) | namer.canonicals_of(name)
    forms |= EXTRA_SHORT_FORMS.get(name, set())
    forms |= {short for short, long in EXTRA_SHORT_FORMS.items() if name in long}
    return frozenset(forms)


def short_form_of(a: str, b: str) -> bool:
    """Whether two (folded) given names are one a short form of the other (Alex and
    Alexander, Liz and Elizabeth, Sam and Sammy)."""
    return a != b and (b in _forms(a) or a in _forms(b))


@dataclass(frozen=True)
class Named:
    """Someone a name may be matched to."""

    person_id: str
    given: tuple[str, ...]  # folded given names, the first first
    family: tuple[str, ...]  # folded family name parts
    firsts: frozenset[str]  # first words a name written for them may start with


@dataclass(frozen=True)
class NameMatch:
    person_id: str
    confidence: float
    reasons: tuple[str, ...]


class NameIndex:
    """The people to match against, indexed by family name part and by first name."""

    def __init__(self, people: Iterable[tuple[str, str, str]], emails: dict[str, str] | None = None):
        """`people` are (person_id, given_name, family_name); `emails` are e-mail addresses
        (lower case) the school holds, each with its person."""
        self.people: dict[str, Named] = {}
        self.by_family_part: dict[str, list[Named]] = defaultdict(list)
        for person_id, given_name, family_name in people:
            given, family = tuple(tokens(given_name)), tuple(tokens(family_name))
            if not given or not family:
                continue
            named = Named(person_id, given, family, frozenset(given) | _forms(given[0]))
            self.people[person_id] = named
            for part in set(named.family):
                self.by_family_part[part].append(named)
        self.emails = emails or {}

    # -- names -------------------------------------------------------------------------

    def match_name(self, name: str) -> list[NameMatch]:
        words = tokens(name)
        if len(words) < 2:
            return []  # a first name alone: never
        first, rest = words[0], words[1:]
        found: dict[str, NameMatch] = {}
        seen = set()
        for part in rest:
            for named in self.by_family_part.get(part, ()):
                if first not in named.firsts or named.person_id in seen:
                    continue
                seen.add(named.person_id)
                scored = _score_name(words, first, rest, named)
                if scored is not None:
                    found[named.person_id] = NameMatch(named.person_id, *scored)
        return _penalise_ambiguity(found)

    def match_handle(self, handle: str) -> list[NameMatch]:
        """A username that spells a given name and a family name, either way round, with or
        without separators and numbers."""
        letters = re.sub(r"[^a-z]", "", fold(handle))
        found: dict[str, NameMatch] = {}
        for cut in range(2, len(letters) - 1):
            left, right = letters[:cut], letters[cut:]
            for given, family in ((left, right), (right, left)):
                for named in self._by_family_whole(family):
                    if named.given[0] == given:
                        best = (HANDLE_SPELLS_NAME, ("the username spells the name",))
                    elif short_form_of(given, named.given[0]):
                        best = (HANDLE_SHORT_FORM, (f"the username spells {given.title()} "
                                                    f"{_title(named.family)}, a short form of "
                                                    f"the name",))
                    else:
                        continue
                    old = found.get(named.person_id)
                    if old is None or old.confidence < best[0]:
                        found[named.person_id] = NameMatch(named.person_id, *best)
        return _penalise_ambiguity(found)

    def _by_family_whole(self, family: str) -> list[Named]:
        """People with this family name, or this part of it, or all its parts run together
        ('campbellreid')."""
        found = list(self.by_family_part.get(family, ()))
        for cut in range(2, len(family) - 1):
            found += [n for n in self.by_family_part.get(family[:cut], ())
                      if "".join(n.family) == family]
        return found

    def match_email(self, email: str) -> list[NameMatch]:
        person_id = self.emails.get(normal_email(email) or "")
        if person_id is None:
            return []
        return [NameMatch(person_id, KNOWN_EMAIL, ("an e-mail address the school holds",))]


def _title(parts: Iterable[str]) -> str:
    return "-".join(p.title() for p in parts)


def _score_name(words: list[str], first: str, rest: list[str],
                named: Named) -> tuple[float, tuple[str, ...]] | None:
    family = named.family
    joined_rest = "".join(rest)
    # the family name: whole (its parts last, in order), or one part of a double one
    if rest[-len(family):] == list(family) or joined_rest.endswith("".join(family)):
        family_whole = True
    elif (set(family) & set(rest)) - PARTICLES and (len(family) > 1 or len(rest) > 1):
        family_whole = False
    else:
        return None
    given = named.given
    if first == given[0]:
        if family_whole and words == list(given) + list(family):
            return EXACT, ("exact name",)
        if family_whole:
            return SAME_FIRST_AND_LAST, ("same first and family name; middle names differ",)
        return PART_OF_SURNAME, (f"same first name and one part of the family name "
                                 f"{_title(family)}",)
    if first in given[1:]:
        score = MIDDLE_AS_FIRST if family_whole else SHORT_FORM_AND_PART
        return score, (f"goes by {first.title()}, a middle name in the school's records",)
    if short_form_of(first, given[0]):
        if family_whole:
            return SHORT_FORM, (f"{first.title()} is a short form of {given[0].title()}, "
                                f"same family name",)
        return SHORT_FORM_AND_PART, (f"{first.title()} is a short form of {given[0].title()}, "
                                     f"and one part of the family name {_title(family)}",)
    return None


def _penalise_ambiguity(found: dict[str, NameMatch]) -> list[NameMatch]:
    """Several people fit as well: each is less sure, and the reason says so."""
    matches = sorted(found.values(), key=lambda m: (-m.confidence, m.person_id))
    if len(matches) < 2:
        return matches
    best = matches[0].confidence
    tied = sum(1 for m in matches if m.confidence == best)
    if tied < 2:
        return matches
    return [NameMatch(m.person_id, round(m.confidence - AMBIGUOUS_PENALTY, 2),
                      m.reasons + (f"{tied} people at your school fit this name as well",))
            if m.confidence == best else m for m in matches]


def with_family_bonus(match: NameMatch, also_matched_family: int) -> NameMatch:
    """More sure when the person's family is in the same download."""
    if also_matched_family == 0:
        return match
    return NameMatch(match.person_id, min(EXACT, round(match.confidence + FAMILY_BONUS, 2)),
                     match.reasons + ("their family is in your download too",))
