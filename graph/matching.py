"""Matching names as people write them on social media to the people the register holds.

A name written in a download is matched to a person when every word of it is accounted for
by that person's names: their given name (or a short form of it, or a middle name they go
by, or initials), their family name (whole, or one part of a double one) and, between the
two, middle names the school may not hold. The order is free (family name first, as in
Vietnamese, Chinese or Hungarian), credentials, suffixes, pronouns and emoji are left out,
and a username is split into the same parts (separators, digits, camel case, names run
together: `ella.morgan13`, `morgan_ella`, `maryjaneobrien`, `jbsmith`). A word that no name
of theirs explains, outside the middle ("Jacob Smith Yang" for Jacob Smith, "Melissa
Bachman-Wood" for Lisa Wood), means it is someone else. A first name alone never matches.

Short forms go one way: the download may hold a short form of the name the school holds
(Alex for Alexander, Lisa for Melissa: the `nicknames` package's hand-curated English list,
plus a few British forms it lacks), never a longer name the school's one may be short for.

Each match says why, part by part, and how sure, on a scale where 0.99 is "the same name,
letter for letter" and `MIN_CONFIDENCE` is the least that is reported.
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

# How sure, from the given-name evidence ...
EXACT = 0.99
SAME_NAMES = 0.95  # the same given and family names, a middle name the school holds or not
SHORT_FORM = 0.9
MIDDLE_AS_FIRST = 0.85
ALL_INITIALS = 0.9  # J. B. Smith, jbsmith: every given name's initial, two or more
ONE_INITIAL = 0.75  # J. Smith, jsmith
KNOWN_EMAIL = 0.99
# ... less the doubts.
ONE_PART_OF_FAMILY = 0.1  # Alexander Reid for Alexander Campbell-Reid
FAMILY_FIRST = 0.05  # Morgan Ella
FAMILY_FIRST_LOOKS_GIVEN = 0.2  # Thomas James for James Thomas: as likely a stranger
UNKNOWN_MIDDLE = 0.05  # Ella Rose Morgan, where the school holds no middle name
UNKNOWN_MIDDLE_IN_HANDLE = 0.15  # ellarosemorgan: where the middle ends is a guess
IN_A_HANDLE = 0.05
OTHERS_FIT = 0.15  # someone else at the school fits the name as well or better: possible
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
# Written after a name: suffixes, degrees, professional letters. Dropped at the end of a name,
# or after a comma.
CREDENTIALS = {
    "jr", "jnr", "sr", "snr", "ii", "iii", "iv", "phd", "dphil", "mba", "msc", "bsc", "ba",
    "ma", "med", "bed", "mphil", "llb", "llm", "md", "mbbs", "frcs", "mrcp", "cpa", "aca",
    "acca", "cima", "pmp", "sphr", "phr", "shrm", "cipd", "mcipd", "chrp", "cfa", "rn", "esq",
    "pgce", "qts", "npqh", "npqsl", "frsa", "mbe", "obe", "cbe", "hons", "ceng", "frics",
    "fcca", "cissp", "cpd", "dds", "jd",
}
# Written as names too ("Ma Long"): dropped only after a comma, or in capitals ("MA").
_CREDENTIALS_ALSO_NAMES = {"ma", "ba", "md", "med", "do"}
# Words usernames wrap names in ("the.real.ella.morgan", "ellamorgan_official", "xx").
HANDLE_FILLERS = {"the", "real", "its", "im", "official", "x", "xx", "xxx", "xo", "xoxo",
                  "mr", "mrs", "miss", "ms", "dr", "ig", "tiktok", "tt", "uk"}
_PRONOUNS = re.compile(r"\b(?:she|he|they|xe|ze|it)\s*/\s*[a-z]+(?:\s*/\s*[a-z]+)?\b", re.I)


def tokens(text: str) -> list[str]:
    """The words of a name, folded: apostrophes join ("O'Brien" -> 'obrien'), hyphens and
    everything else that is not a letter separate, titles go."""
    return [t for group in _word_groups(text) for t in group]


def _word_groups(text: str) -> list[tuple[str, ...]]:
    """The words of a name, folded, those joined by a hyphen kept together as one group;
    titles go."""
    text = re.sub(r"['’`]", "", fold(text))
    groups = []
    for word in re.split(r"[^a-z-]+", text):
        group = tuple(t for t in word.split("-") if t and t not in _TITLES)
        if group:
            groups.append(group)
    return groups


def written_name(text: str) -> list[tuple[str, ...]]:
    """The name part of a displayed name, as word groups: what is in brackets, pronouns
    ("she/her"), credentials and suffixes ("Jr", "PhD", "SPHR", after a comma or at the end)
    and emoji left out."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}", " ", text)
    text = _PRONOUNS.sub(" ", text)
    head, *after_commas = text.split(",")
    kept = [head]
    for part in after_commas:
        words = [w for w in re.split(r"[^\w]+", fold(part)) if w]
        if not all(w.replace(".", "") in CREDENTIALS for w in words):
            kept.append(part)  # "Smith, John": a name, in another order
    text = " ".join(kept)
    raw = [w for w in re.split(r"[\s,]+", text) if w]
    while len(raw) > 2:  # at the end: "Jacob Smith Jr", "Ana Lima PhD" (never a name's last word)
        word = re.sub(r"[^a-z]", "", fold(raw[-1]))
        letters = re.sub(r"[^A-Za-z]", "", raw[-1])
        if not word or (word in CREDENTIALS and (word not in _CREDENTIALS_ALSO_NAMES
                                                  or letters.isupper())):
            raw.pop()
        else:
            break
    return _word_groups(" ".join(raw))


def handle_words(handle: str) -> list[str]:
    """The parts of a username: split at separators, digits and camel case, the words
    usernames wrap names in left out ('The_Real_EllaMorgan13' -> ['ella', 'morgan'])."""
    handle = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", handle)
    words = [w for w in re.split(r"[^a-z]+", re.sub(r"['’`]", "", fold(handle))) if w]
    while words and words[0] in HANDLE_FILLERS:
        words.pop(0)
    while words and words[-1] in HANDLE_FILLERS:
        words.pop()
    return words


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


@lru_cache(maxsize=20_000)
def short_forms(name: str) -> frozenset[str]:
    """The short forms of a (folded) given name: what someone called `name` may write
    instead of it (Alex for Alexander, Lisa for Melissa; never Melissa for Lisa)."""
    found = set(_namer().nicknames_of(name))
    found |= {short for short, long in EXTRA_SHORT_FORMS.items() if name in long}
    return frozenset(f for f in found if f != name and len(f) > 1)


@lru_cache(maxsize=20_000)
def looks_given(word: str) -> bool:
    """Whether a word is a common given name (Thomas, James, Scott), by the nicknames list:
    a family name that is one makes 'Thomas James' as likely someone called Thomas."""
    namer = _namer()
    return (len(namer.nicknames_of(word)) + len(namer.canonicals_of(word)) >= 2
            or word in EXTRA_SHORT_FORMS)


@dataclass(frozen=True)
class Named:
    """Someone a name may be matched to."""

    person_id: str
    given: tuple[str, ...]  # folded given names, the first first
    family: tuple[str, ...]  # folded family name parts
    given_shown: tuple[str, ...]  # the given names as the school writes them
    family_shown: str
    given_words: frozenset[str]  # every word a written name of theirs may give them by

    @property
    def essential_family(self) -> frozenset[str]:
        return frozenset(p for p in self.family if p not in PARTICLES) or frozenset(self.family)


@dataclass(frozen=True)
class NameMatch:
    person_id: str
    confidence: float
    reasons: tuple[str, ...]
    others_fit: bool = False  # someone else at the school fits the name as well or better


def _shown(original: str, folded: tuple[str, ...]) -> tuple[str, ...]:
    words = [w for w in re.split(r"[\s-]+", original.strip()) if w]
    return tuple(words) if len(words) == len(folded) else tuple(w.title() for w in folded)


class NameIndex:
    """The people to match against, indexed by family name part and by family name run
    together."""

    def __init__(self, people: Iterable[tuple[str, str, str]],
                 emails: dict[str, str] | None = None):
        """`people` are (person_id, given_name, family_name); `emails` are e-mail addresses
        (lower case) the school holds, each with its person."""
        self.people: dict[str, Named] = {}
        self.by_family: dict[str, list[Named]] = defaultdict(list)
        self.given_names: set[str] = set()  # every given name of theirs: so a word may be one
        for person_id, given_name, family_name in people:
            given, family = tuple(tokens(given_name)), tuple(tokens(family_name))
            if not given or not family:
                continue
            initials = "".join(g[0] for g in given)
            words = set(given) | short_forms(given[0]) | {"".join(given), initials, initials[0]}
            named = Named(person_id, given, family, _shown(given_name, given),
                          family_name.strip(), frozenset(words))
            self.people[person_id] = named
            self.given_names.update(given)
            for key in set(named.essential_family) | {"".join(family)}:
                self.by_family[key].append(named)
        self.emails = emails or {}

    # -- names -------------------------------------------------------------------------

    def match_name(self, name: str) -> list[NameMatch]:
        groups = written_name(name)
        words = [w for g in groups for w in g]
        if len(words) == 1:
            return self.match_handle(name)  # 'EllaMorgan', 'ella.morgan': a username as a name
        if len(words) < 2 or len(words) > 8:
            return []  # a first name alone: never
        found: dict[str, NameMatch] = {}
        for named in {n.person_id: n for w in words for n in self.by_family.get(w, ())}.values():
            if named.given_words.isdisjoint(words):
                continue
            scored = _score_words(groups, named, self.is_given)
            if scored is not None:
                found[named.person_id] = NameMatch(named.person_id, *scored)
        return _penalise_ambiguity(found)

    def match_handle(self, handle: str) -> list[NameMatch]:
        """A username that spells the name, any way round, with or without separators,
        numbers, middle names or initials."""
        words = handle_words(handle)
        letters = "".join(words)
        if len(letters) < 4:
            return []
        people = {}
        for end in range(2, len(letters) + 1):  # the family name starts or ends it
            for key in (letters[:end], letters[-end:]):
                people.update((n.person_id, n) for n in self.by_family.get(key, ()))
        found: dict[str, NameMatch] = {}
        for named in people.values():
            scored = _score_handle(words, letters, named, self.is_given)
            if scored is not None:
                found[named.person_id] = NameMatch(named.person_id, *scored)
        return _penalise_ambiguity(found)

    def is_given(self, word: str) -> bool:
        """Whether a (folded) word is a given name: someone's at the school, or a common one."""
        return word in self.given_names or looks_given(word)

    def match_email(self, email: str) -> list[NameMatch]:
        person_id = self.emails.get(normal_email(email) or "")
        if person_id is None:
            return []
        return [NameMatch(person_id, KNOWN_EMAIL, ("an e-mail address the school holds",))]


# -- one written name against one person ------------------------------------------------------

@dataclass(frozen=True)
class _Given:
    """What the given-name side of a written name shows of a person's given names."""

    evidence: float
    headline: str
    parts: tuple[str, ...]


def _given_side(words: list[str], named: Named, where: str) -> _Given | None:
    """The written words (all of them) read as the person's given names, or None if one of
    them is not: their first given name, a short form of it, a middle name, all their given
    names run together, or initials."""
    given, shown = named.given, named.given_shown
    joined = "".join(given)
    kinds, parts = [], []
    for word in words:
        title = f"'{word.title()}' {where}"
        if word == given[0]:
            kinds.append("first")
            parts.append(f"{title} is their given name '{shown[0]}'")
        elif len(given) > 1 and word == joined:
            kinds.append("first")
            parts.append(f"{title} is their given names '{' '.join(shown)}' run together")
        elif word in given[1:]:
            kinds.append("middle")
            parts.append(f"{title} is their middle name '{shown[given.index(word)]}'")
        elif word in short_forms(given[0]):
            kinds.append("short")
            parts.append(f"{title} is a short form of their given name '{shown[0]}'")
        elif len(given) > 1 and word == "".join(g[0] for g in given):
            kinds += ["initial"] * len(word)
            parts += [f"'{letter.upper()}' {where} is the initial of their given name '{name}'"
                      for letter, name in zip(word, shown)]
        elif len(word) == 1 and any(g[0] == word for g in given):
            kinds.append("initial")
            parts.append(f"'{word.upper()}' {where} is the initial of their given name "
                         f"'{shown[[g[0] for g in given].index(word)]}'")
        else:
            return None
    if "first" in kinds:
        return _Given(EXACT, "same given name", tuple(parts))
    if "short" in kinds:
        return _Given(SHORT_FORM, f"{words[kinds.index('short')].title()} is a short form of "
                                  f"{shown[0]}", tuple(parts))
    if "middle" in kinds:
        middle = words[kinds.index("middle")]
        return _Given(MIDDLE_AS_FIRST, f"goes by {middle.title()}, a middle name in the "
                                       f"school's records", tuple(parts))
    initials = "".join(words)
    if initials == "".join(g[0] for g in given) and len(given) > 1:
        return _Given(ALL_INITIALS, "the initials of all their given names", tuple(parts))
    if initials == given[0][0]:
        return _Given(ONE_INITIAL, "the initial of their given name only", tuple(parts))
    return None


def _family_side(words: list[str], named: Named, where: str) -> tuple[bool, str] | None:
    """The written words (all of them) read as the person's family name: (whole or not,
    the reason), or None if one of them is not part of it."""
    family = named.family
    joined = "".join(family)
    covered = set()
    for word in words:
        if word in family:
            covered.add(word)
        elif word == joined:
            covered |= set(family)
        else:
            return None
    essential = named.essential_family
    written = "-".join(w.title() for w in words) if len(words) > 1 else words[0].title()
    if essential <= covered:
        return True, f"'{written}' {where} is their family name '{named.family_shown}'"
    if covered & essential and len(essential) > 1:
        return False, f"'{written}' {where} is one part of their family name '{named.family_shown}'"
    return None


Scored = tuple[float, tuple[str, ...]]  # how sure, and why


def _score_words(groups: list[tuple[str, ...]], named: Named, is_given) -> Scored | None:
    """The best reading of a written name as the person's: given names, then perhaps middle
    names the school does not hold, then the family name; or the family name first. Word
    groups joined by a hyphen stay on one side. None if no reading accounts for every word."""
    words = [w for g in groups for w in g]
    cuts = [0]
    for group in groups:
        cuts.append(cuts[-1] + len(group))
    best = None
    for family_first in (False, True):
        for i in cuts[1:-1]:
            for j in (c for c in cuts if i <= c < len(words)):
                if family_first:
                    family_words, middle, given_words = words[:i], words[i:j], words[j:]
                    if not given_words:
                        continue
                else:
                    given_words, middle, family_words = words[:i], words[i:j], words[j:]
                scored = _reading(given_words, middle, family_words, family_first, named,
                                  "in the download", words, is_given)
                if scored and (best is None or scored[0] > best[0]):
                    best = scored
    return best


def _reading(given_words, middle, family_words, family_first, named, where, all_words,
             is_given, in_handle=False):
    """How sure the reading of the written words as the person's given names, unrecorded
    middle names and family name is, and why; None if it is no reading of their name."""
    given = _given_side(given_words, named, where)
    if given is None:
        return None
    family = _family_side(family_words, named, where)
    if family is None:
        return None
    whole, family_reason = family
    confidence = given.evidence
    headline = given.headline
    if not whole:
        confidence -= ONE_PART_OF_FAMILY
        headline += f", one part of the family name {named.family_shown}"
    elif confidence == EXACT and not in_handle and not family_first and not middle:
        if all_words == list(named.given) + list(named.family):
            headline = "exact name"
        else:
            confidence = SAME_NAMES
            headline = "same given and family name; middle names differ"
    else:
        headline += ", same family name"
    if in_handle:
        headline = "the username spells the name: " + headline
    notes = []
    if family_first:
        if any(is_given(w) for w in family_words):
            confidence -= FAMILY_FIRST_LOOKS_GIVEN
            notes.append(f"written family name first, and '{named.family_shown}' is a given "
                         f"name too: it may be someone called {named.family_shown}")
        else:
            confidence -= FAMILY_FIRST
            notes.append("written family name first")
    if middle:
        confidence -= UNKNOWN_MIDDLE_IN_HANDLE if in_handle else UNKNOWN_MIDDLE
        shown = " ".join(w.title() for w in middle) if not in_handle else "".join(middle)
        notes.append(f"'{shown}' {where} is a middle name the school does not hold")
    if in_handle:
        confidence -= IN_A_HANDLE
    confidence = round(min(confidence, EXACT), 2)
    if confidence < MIN_CONFIDENCE:
        return None
    return confidence, (headline, *given.parts, family_reason, *notes)


def _score_handle(words: list[str], letters: str, named: Named, is_given) -> Scored | None:
    """The best reading of a username as the person's name: its letters are given-name parts
    and family-name parts (either first), with perhaps a middle name between."""
    vocabulary = set(named.given) | {"".join(named.given)} | short_forms(named.given[0]) \
        | set(named.family) | {"".join(named.family)} | {g[0] for g in named.given}
    best = None
    for pieces in _segmentations(words, vocabulary):
        for cut in range(1, len(pieces)):
            for family_first in (False, True):
                first, second = pieces[:cut], pieces[cut:]
                given_side, family_side = (second, first) if family_first else (first, second)
                scored = _reading(given_side, [], family_side, family_first, named,
                                  "in the username", pieces, is_given, in_handle=True)
                if scored and (best is None or scored[0] > best[0]):
                    best = scored
    if best is None:  # a middle name the school does not hold: given + middle + family
        for g in _prefixes(letters, named):
            for f in _suffixes(letters, named):
                middle = letters[len(g):len(letters) - len(f)]
                if len(middle) < 2:
                    continue
                scored = _reading([g], [middle], [f], False, named, "in the username",
                                  [g, middle, f], is_given, in_handle=True)
                if scored and (best is None or scored[0] > best[0]):
                    best = scored
    return best


def _segmentations(words: list[str], vocabulary: set[str], limit: int = 20) -> list[list[str]]:
    """The ways the username's words split into the person's name parts, each word wholly."""
    found: list[list[str]] = [[]]
    for word in words:
        ways = _split_word(word, frozenset(vocabulary))
        found = [done + way for done in found for way in ways][:limit]
        if not found:
            return []
    return found


@lru_cache(maxsize=50_000)
def _split_word(word: str, vocabulary: frozenset[str]) -> list[list[str]]:
    if not word:
        return [[]]
    ways = []
    for end in range(len(word), 0, -1):
        if word[:end] in vocabulary:
            ways += [[word[:end]] + rest for rest in _split_word(word[end:], vocabulary)]
    return ways[:20]


def _prefixes(letters: str, named: Named) -> list[str]:
    options = {named.given[0], "".join(named.given)} | set(short_forms(named.given[0]))
    return [o for o in options if letters.startswith(o)]


def _suffixes(letters: str, named: Named) -> list[str]:
    options = {"".join(named.family)} | set(named.essential_family)
    return [o for o in options if letters.endswith(o)]


def _penalise_ambiguity(found: dict[str, NameMatch]) -> list[NameMatch]:
    """Several people fit as well: each is less sure, and the reason says so; so is
    each who fits less well than another."""
    matches = sorted(found.values(), key=lambda m: (-m.confidence, m.person_id))
    if len(matches) < 2:
        return matches
    best = matches[0].confidence
    tied = sum(1 for m in matches if m.confidence == best)
    return [NameMatch(m.person_id, round(m.confidence - OTHERS_FIT, 2),
                      m.reasons + (f"{tied} people at your school fit this name as well",), True)
            if m.confidence == best and tied > 1 else
            NameMatch(m.person_id, round(m.confidence - OTHERS_FIT, 2),
                      m.reasons + ("someone else at your school fits this name better",), True)
            if m.confidence < best else m for m in matches]


def with_family_bonus(match: NameMatch, also_matched_family: int) -> NameMatch:
    """More sure when the person's family is in the same download; not when others at the
    school fit the name as well (their family may be in it too: namesakes often are family)."""
    if also_matched_family == 0 or match.others_fit:
        return match
    return NameMatch(match.person_id, min(EXACT, round(match.confidence + FAMILY_BONUS, 2)),
                     match.reasons + ("their family is in your download too",))
