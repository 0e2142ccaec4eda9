"""People and their memberships, and the network around a person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from api.access import (
    check_lists_school,
    check_sees_network,
    check_sees_person,
    may_see_person,
    reach,
    world_within_reach,
)
from api.identity import Account
from api.deps import ActorDep, RegisterDep, RegisterUser, ReviewerAccount, TrustAdmin
from api.errors import conflict, invalid, not_found
from api.routing import InOrderRoute
from api.schemas import (
    ID_PATTERN,
    MembershipCreate,
    MembershipEnd,
    MembershipPublic,
    NetworkPublic,
    PersonCreate,
    PersonDetail,
    PersonPublic,
)
from api.service import Actor, Register
from graph.model import BirthDate, Membership, Person, World

router = APIRouter(route_class=InOrderRoute, prefix="/people", tags=["people"])

PersonId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


def _person(register, person_id: str) -> Person:
    person = register.store.person(person_id)
    if person is None:
        raise not_found("person", person_id)
    return person


def _administered(register, account: Account, person_id: str) -> Person:
    """The person, if the trust admin's trust reaches them; else the answer of no one."""
    person = _person(register, person_id)
    if not may_see_person(account, register.store, person_id, on=register.today()):
        raise not_found("person", person_id)
    return person


def _check_school(register, account: Account, school_id: str, field: str = "school_id") -> None:
    if school_id not in reach(account, register.store, on=register.today()):
        raise invalid(field, f"no school {school_id}")


@router.get("", response_model=list[PersonPublic])
def find_people(
    register: RegisterDep, account: RegisterUser,
    school_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN,
                                           description="default: your own school")] = None,
    name: Annotated[str, Query(max_length=100, description="part of the name, any case")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PersonPublic]:
    """People who hold or held a membership at a school, by their legal or preferred
    name."""
    school_id = school_id or account.school_id
    if school_id is None:
        raise invalid("school_id", "name a school", where="query")
    check_lists_school(account, register.store, school_id, on=register.today())
    people = register.people_named(school_id, name)
    return [PersonPublic.of(p) for p in people[offset:offset + limit]]


@router.post("", response_model=PersonPublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "The person id is taken"}})
def create_person(register: RegisterDep, _admin: TrustAdmin, actor: ActorDep,
                  body: PersonCreate) -> PersonPublic:
    with register.lock:
        if register.store.person(body.person_id) is not None:
            raise conflict(f"person {body.person_id} already exists")
        person = Person(body.person_id, body.given_name, body.family_name,
                        BirthDate.parse(body.date_of_birth) if body.date_of_birth else None)
        register.change_facts(actor, "person.create", "person", subjects=[person.person_id],
                              upsert=World(people={person.person_id: person}),
                              cause=f"person {person.person_id} added")
    return PersonPublic.of(person)


@router.get("/{person_id}", response_model=PersonDetail)
def get_person(register: RegisterDep, account: RegisterUser,
               person_id: PersonId) -> PersonDetail:
    person = _person(register, person_id)
    check_sees_person(account, register.store, person_id, on=register.today())
    return PersonDetail(person=PersonPublic.of(person),
                        memberships=[MembershipPublic.of(m)
                                     for m in register.store.memberships_of(person_id)])


@router.get("/{person_id}/network", response_model=NetworkPublic)
def get_network(register: RegisterDep, account: ReviewerAccount, actor: ActorDep,
                person_id: PersonId,
                depth: Annotated[int, Query(ge=1, le=3)] = 1) -> NetworkPublic:
    """Everyone within `depth` family links or connections of a person, and the facts
    among them. Every view is audited."""
    max_people = register.settings.network_max_people
    world, capped = view_network(register, account, actor, person_id, depth, max_people)
    return NetworkPublic.of(person_id, depth, world, capped)


def view_network(register: Register, account: Account, actor: Actor, person_id: str, depth: int,
                 max_people: int, action: str = "person.network.view",
                 **details) -> tuple[World, bool]:
    """The network around a person, if the account may see it, without the people beyond
    its reach, and whether the walk stopped at `max_people`; every view is audited
    (`action` tells a page's export from a view)."""
    _person(register, person_id)
    try:
        check_sees_network(account, register.store, person_id, on=register.today())
    except HTTPException:  # out of reach is answered as no one, not "there but not yours"
        raise not_found("person", person_id) from None
    walked = register.store.network(person_id, depth, max_people)
    world = world_within_reach(account, register.store, walked, on=register.today())
    register.record(actor, action, "person", object_id=person_id, subjects=[person_id],
                    depth=depth, cap=max_people, people=len(world.people), **details)
    return world, len(walked.people) >= max_people


@router.get("/{person_id}/memberships", response_model=list[MembershipPublic])
def list_memberships(register: RegisterDep, account: RegisterUser,
                     person_id: PersonId) -> list[MembershipPublic]:
    _person(register, person_id)
    check_sees_person(account, register.store, person_id, on=register.today())
    return [MembershipPublic.of(m) for m in register.store.memberships_of(person_id)]


@router.post("/{person_id}/memberships", response_model=MembershipPublic,
             status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "That membership already exists"}})
def add_membership(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                   person_id: PersonId, body: MembershipCreate) -> MembershipPublic:
    with register.lock:
        _administered(register, admin, person_id)
        _check_school(register, admin, body.school_id)
        membership = Membership(person_id, body.school_id, body.role, body.position,
                                body.start_date, body.end_date)
        if any(m.key == membership.key for m in register.store.memberships_of(person_id)):
            raise conflict("that membership already exists")
        register.change_facts(
            actor, "membership.create", "membership", subjects=[person_id],
            upsert=World(memberships=[membership]),
            cause=f"{person_id} became {body.role} at {body.school_id}")
    return MembershipPublic.of(membership)


@router.post("/{person_id}/memberships/end", response_model=MembershipPublic)
def end_membership(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                   person_id: PersonId, body: MembershipEnd) -> MembershipPublic:
    """Set the end date of a membership (a pupil leaves, a teacher moves on)."""
    with register.lock:
        _administered(register, admin, person_id)
        key = (person_id, body.school_id, str(body.role), body.start_date.isoformat())
        found = [m for m in register.store.memberships_of(person_id) if m.key == key]
        if not found:
            raise not_found("membership", "/".join(key))
        ended = Membership(person_id, body.school_id, body.role, found[0].position,
                           body.start_date, body.end_date)
        register.change_facts(
            actor, "membership.end", "membership", subjects=[person_id],
            upsert=World(memberships=[ended]),
            cause=f"{person_id}'s {body.role} membership at {body.school_id} ends "
                  f"on {body.end_date.isoformat()}")
    return MembershipPublic.of(ended)

