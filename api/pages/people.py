"""Finding a person by name, for an adult who declares a relationship, a connection or an
approach: the people of their own school (pupils, ex-pupils, staff, governors...) and the
family of the pupils found, who have no membership of their own. Only names and how each
person is known at the school are shown, never a date of birth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.access import check_is_adult_of_a_school, may_see_person
from api.identity import Account
from api.service import Register
from graph.model import FamilyKind, FamilyLink, Membership, Person, Role
from graph.store.base import sort_people

MAX_FOUND = 20
KIND_WORDS = {
    FamilyKind.PARENT: "parent", FamilyKind.STEP_PARENT: "step-parent",
    FamilyKind.FOSTER_PARENT: "foster parent", FamilyKind.CARER: "carer",
    FamilyKind.GRANDPARENT: "grandparent", FamilyKind.SIBLING: "sibling",
    FamilyKind.SPOUSE: "spouse", FamilyKind.PARTNER: "partner",
    FamilyKind.OTHER_RELATIVE: "relative",
}
SYMMETRIC_KINDS = {FamilyKind.SIBLING, FamilyKind.SPOUSE, FamilyKind.PARTNER,
                   FamilyKind.OTHER_RELATIVE}


@dataclass(frozen=True)
class Nameable:
    """A person an adult may name on a form, and how they are known at the school."""

    person: Person
    known_as: str  # "pupil", "staff", "parent of Ella Morgan"
    is_pupil: bool  # a pupil or ex-pupil (someone who can make an approach)
    at_school: bool = True  # False for a pupil's family, who have no membership there


def known_at(memberships: list[Membership], school_id: str, today: dt.date) -> str:
    """How someone is known at a school from their memberships there: 'pupil',
    'ex-pupil', 'staff', 'former staff'...; empty if they have none there."""
    here = [m for m in memberships if m.school_id == school_id]
    if not here:
        return ""
    active = [m for m in here if m.active_on(today)]
    if active:
        return ", ".join(sorted({str(m.role) for m in active}))
    if any(m.role is Role.PUPIL for m in here):
        return "ex-pupil"
    return "former " + ", ".join(sorted({str(m.role) for m in here}))


def family_words(link: FamilyLink, pupil: Person, name: str | None = None) -> tuple[str, str]:
    """How the other person of `link` is related to `pupil` (called `name`, by default
    their legal name): ('parent', 'Ella Morgan'), or ('parent with parental
    responsibility', 'Ella Morgan') where the records say."""
    name = name or pupil.name
    kind = KIND_WORDS[link.kind]
    if link.relative_id == pupil.person_id and link.parental_responsibility is not None:
        kind += " with" if link.parental_responsibility else " without"
        kind += " parental responsibility"
    if link.relative_id == pupil.person_id or link.kind in SYMMETRIC_KINDS:
        return kind, name
    return "family", name


def relation_text(relations: list[tuple[str, str]]) -> str:
    """'parent of Ella Morgan and Jack Morgan; grandparent of Sam Okoro'."""
    by_kind: dict[str, list[str]] = {}
    for kind, name in relations:
        if name not in by_kind.setdefault(kind, []):
            by_kind[kind].append(name)
    return "; ".join(f"{kind} of {' and '.join(names)}" for kind, names in by_kind.items())


class Found(list):
    """The people found, and whether more matched than are shown (`cut`)."""

    cut = False


def find_people_to_name(register: Register, account: Account, text: str) -> Found:
    """People at the account's school whose name holds `text` (any case; at least two
    letters), then the family of the pupils among them; at most MAX_FOUND of each."""
    check_is_adult_of_a_school(account)
    text = text.strip()
    if len(text) < 2:
        return Found()
    store, today = register.store, register.today()
    found: dict[str, Nameable] = {}
    cut = False
    for person in register.people_named(account.school_id, text):
        if person.person_id == account.person_id:
            continue
        if len(found) == MAX_FOUND:
            cut = True
            break
        memberships = store.memberships_of(person.person_id)
        found[person.person_id] = Nameable(
            person, known_at(memberships, account.school_id, today),
            any(m.role is Role.PUPIL for m in memberships))
    relations: dict[str, list[tuple[str, str]]] = {}
    relatives: dict[str, Person] = {}
    names = register.names()
    for pupil in [n.person for n in found.values() if n.is_pupil]:
        for link, relative in _family_of(register, pupil):
            if relative.person_id not in found and relative.person_id != account.person_id:
                relatives[relative.person_id] = relative
                relations.setdefault(relative.person_id, []).append(
                    family_words(link, pupil, names.person(pupil.person_id)))
    # Those whose own name holds the text first.
    ordered = sorted(sort_people(relatives.values()),
                     key=lambda p: text.casefold() not in p.name.casefold())
    result = Found(list(found.values()) + [
        Nameable(p, relation_text(relations[p.person_id]), False, at_school=False)
        for p in ordered[:MAX_FOUND]])
    result.cut = cut or len(ordered) > MAX_FOUND
    return result


def nameable(register: Register, account: Account, person_id: str) -> Nameable | None:
    """The person, if the account could have found them by name: at its school, or family
    of a pupil there."""
    check_is_adult_of_a_school(account)
    store, today = register.store, register.today()
    person = store.person(person_id)
    if person is None or person_id == account.person_id \
            or not may_see_person(account, store, person_id, on=today):
        return None
    memberships = store.memberships_of(person_id)
    if any(m.school_id == account.school_id for m in memberships):
        return Nameable(person, known_at(memberships, account.school_id, today),
                        any(m.role is Role.PUPIL for m in memberships))
    world = store.network(person_id, 1, max_people=50)
    relations = []
    for link in world.family_links:
        if person_id not in (link.person_id, link.relative_id):
            continue
        other = link.relative_id if link.person_id == person_id else link.person_id
        if any(m.school_id == account.school_id and m.role is Role.PUPIL
               for m in world.memberships if m.person_id == other):
            relations.append(family_words(link, world.people[other],
                                          register.names().person(other)))
    return Nameable(person, relation_text(relations), False, at_school=False) \
        if relations else None


def _family_of(register: Register, pupil: Person) -> list[tuple[FamilyLink, Person]]:
    """The pupil's family links, each with the relative it leads to."""
    world = register.store.network(pupil.person_id, 1, max_people=50)
    found = []
    for link in world.family_links:
        if pupil.person_id not in (link.person_id, link.relative_id):
            continue
        other = link.relative_id if link.person_id == pupil.person_id else link.person_id
        if other in world.people:
            found.append((link, world.people[other]))
    return found
