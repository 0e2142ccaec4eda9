"""The register's identifiers as a person reads them. Findings, explanations and the audit
trail name people and schools by id (so that the findings JSON holds no names); whatever
shows them to a person (the pages, `relreg detect`'s table) renders the ids as names here:
the legal name, with the preferred name beside it as schools write it ("Alexander (Alex)
Smith"), and, where asked, the person's role at the school.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from graph.model import Membership, Person, School, World

# A word that may be an id: letters, digits, _ . - inside.
_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_]")

# A declaration's basis as a person reads it.
BASIS_NAMES = {
    "family_member": "Family member",
    "family_friend": "Family friend",
    "prior_friendship": "Friendship from before",
    "other": "Other",
}
POSITION_WORDS = {"headteacher": "headteacher", "senior_leader": "senior leader",
                  "dsl": "designated safeguarding lead",
                  "chair_of_governors": "chair of governors", "trust_ceo": "trust CEO"}
FORMER = {"pupil": "ex-pupil"}
CHANNEL_NAMES = {
    "facebook": "Facebook", "instagram": "Instagram", "x": "X (Twitter)", "tiktok": "TikTok",
    "snapchat": "Snapchat", "linkedin": "LinkedIn", "youtube": "YouTube", "twitch": "Twitch",
    "whatsapp": "WhatsApp", "xbox_live": "Xbox Live", "playstation": "PlayStation Network",
    "personal_phone": "Personal phone (calls or texts)", "personal_email": "Personal e-mail",
}


def shown_name(person: Person, preferred: tuple[str, str] | None = None) -> str:
    """The legal name, with any preferred name that differs beside its part."""
    given, family = person.given_name, person.family_name
    if preferred:
        known_given, known_family = (part.strip() for part in preferred)
        if known_given and known_given.casefold() != given.casefold():
            given = f"{given} ({known_given})"
        if known_family and known_family.casefold() != family.casefold():
            family = f"{family} ({known_family})"
    return f"{given} {family}".strip()


class Names:
    """Names for ids, looked up as they are met."""

    def __init__(self, person: Callable[[str], Person | None], schools: Iterable[School],
                 memberships_of: Callable[[str], list[Membership]] | None = None,
                 preferred: Callable[[str], tuple[str, str] | None] | None = None,
                 others: dict[str, str] | None = None):
        self._person = person
        self.schools = {s.school_id: s.name for s in schools}
        self._memberships_of = memberships_of
        self._preferred = preferred or (lambda _person_id: None)
        self._others = CHANNEL_NAMES if others is None else others
        self._found: dict[str, str] = {}

    @classmethod
    def of_store(cls, store, **kwargs) -> Names:
        return cls(store.person, store.schools(), store.memberships_of, **kwargs)

    @classmethod
    def of_world(cls, world: World, **kwargs) -> Names:
        by_person: dict[str, list[Membership]] = defaultdict(list)
        for membership in world.memberships:
            by_person[membership.person_id].append(membership)
        return cls(world.people.get, world.schools.values(),
                   lambda person_id: by_person.get(person_id, []), **kwargs)

    def person(self, person_id: str) -> str:
        """The person's name; the id itself if the register has no such person."""
        found = self._person(person_id) if person_id else None
        return shown_name(found, self._preferred(person_id)) if found else person_id

    def school(self, school_id: str) -> str:
        return self.schools.get(school_id, school_id)

    def role_at(self, person_id: str, school_id: str, on: dt.date) -> str:
        """'pupil', 'senior leader', 'ex-pupil', ...: what they are (or were) at the school
        on the day; blank if they have no membership there (a parent, say)."""
        if self._memberships_of is None:
            return ""
        here = [m for m in self._memberships_of(person_id) if m.school_id == school_id]
        current = [m for m in here if m.active_on(on)]
        for membership in sorted(current, key=lambda m: m.position is None):
            return POSITION_WORDS.get(membership.position or "", str(membership.role))
        ended = sorted((m for m in here if m.ended_before(on)), key=lambda m: m.end_date)
        if ended:
            role = str(ended[-1].role)
            return FORMER.get(role, f"former {role}")
        return ""

    def person_at(self, person_id: str, school_id: str, on: dt.date) -> str:
        """'Tom Fairweather (staff)': the name, with the role at the school where known."""
        role = self.role_at(person_id, school_id, on)
        return f"{self.person(person_id)} ({role})" if role else self.person(person_id)

    def text(self, text: str) -> str:
        """A sentence of the register's, with names for the ids of people and schools (and
        channels' names for their codes, or `others`' words)."""

        def word(match: re.Match) -> str:
            token = match.group(0)
            if token not in self._found:
                named = self._person(token) if any(c.isdigit() for c in token) else None
                self._found[token] = (shown_name(named, self._preferred(token)) if named
                                      else self.schools.get(token) or self._others.get(token)
                                      or token)
            return self._found[token]

        return _TOKEN.sub(word, text)
