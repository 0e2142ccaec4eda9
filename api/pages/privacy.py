"""The data protection page (/privacy): the audit trail's head to copy off the machine,
safeguarding holds placed and lifted, erasure with its preview, and subject access as a
page to print. Trust admins do erasure and subject access for the people of their trust;
the safeguarding lead places holds on the people of their school and lifts their school's.
Everyone is found, chosen and named within the account's reach (api/access.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

from api.access import check_places_hold, in_reach, may_see_person, reach
from api.identity import AccountRole
from graph.model import Role
from api.deps import ActorDep, CurrentSession, RegisterDep
from api.pages.common import messages_of, page, page_headers, see_other
from api.pages.people import _family_of, family_words, known_at
from api.routes.privacy import OWN_HOLD, lift_as, status_of, trusts_part, visible_holds
from api.privacy import (
    NoSuchPerson,
    PrivacyError,
    erase,
    place_hold,
    plan_erasure,
    subject_access,
    subject_access_html,
)
from api.routing import InOrderRoute

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

ADMIN, DSL = AccountRole.TRUST_ADMIN, AccountRole.DSL
NOTICES = {"held": "The hold is placed: the person's records cannot be erased.",
           "lifted": "The hold is lifted.", "erased": "The person is erased."}


def _allowed(session, *roles) -> None:
    if session.account.role not in roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only trust admins and the safeguarding lead may use this page")


MAX_FOUND = 20


def find_people(register, account, text: str) -> tuple[list[tuple[str, str, str]], bool]:
    """(person id, name, how they are known) of the people whose name holds `text` at the
    schools the account reaches (a trust admin: their trust's; the DSL: their own); then
    the family of the pupils found (a parent has no membership: they are found through
    their child, by either name). And whether more matched than are listed."""
    text = text.strip()
    if len(text) < 2:
        return [], False
    store, today, names = register.store, register.today(), register.names()
    reached = reach(account, store, on=today)
    schools = [s for s in store.schools() if s.school_id in reached]
    found: dict[str, tuple[str, str, str]] = {}
    family: dict[str, tuple[str, str, str]] = {}
    for school in schools:
        for person in register.people_named(school.school_id, text):
            memberships = store.memberships_of(person.person_id)
            found.setdefault(person.person_id, (
                person.person_id, names.person(person.person_id),
                f"{known_at(memberships, school.school_id, today)} at {school.name}"))
            if any(m.role is Role.PUPIL for m in memberships):
                for link, relative in _family_of(register, person):
                    kind, pupil = family_words(link, person, names.person(person.person_id))
                    family.setdefault(relative.person_id, (
                        relative.person_id, names.person(relative.person_id),
                        f"{kind} of {pupil}"))
            if len(found) > MAX_FOUND:
                break
    listed = sorted(found.values(), key=lambda f: f[1].casefold())
    listed += sorted((f for p, f in family.items() if p not in found),
                     key=lambda f: (text.casefold() not in f[1].casefold(), f[1].casefold()))
    return listed[:MAX_FOUND], len(listed) > MAX_FOUND


def _privacy_page(request, register, session, *, problems=None, status_code=200, plan=None,
                  person_id=""):
    with register.lock:
        head = register.audit.head()
    account = session.account
    held = visible_holds(register, account)
    names = register.names()
    name = request.query_params.get("name", "")[:100]
    found, cut = find_people(register, account, name) if name else (None, False)
    today = register.today()
    chosen = register.store.person(person_id.strip()) \
        if person_id and in_reach(account, register.store, person_id.strip(), on=today) else None
    others = []
    if chosen is not None and account.role is ADMIN:  # whom a SAR could name
        others = sorted(((p, names.person(p)) for p in
                         register.store.network(chosen.person_id, 1, max_people=200).people
                         if p != chosen.person_id
                         and may_see_person(account, register.store, p, on=today)),
                        key=lambda o: o[1].casefold())
    return page(request, "privacy.html", {
        "title": "Data protection", "head": head, "holds": held,
        "hold_names": {h.person_id: names.person(h.person_id) for h in held},
        "hold_schools": {s.school_id: s.name for s in register.store.schools()
                         if s.school_id in {h.school_id for h in held}},
        "name": name, "found": found, "cut": cut, "chosen": chosen, "others": others,
        "problems": problems or [], "plan": plan, "person_id": person_id,
        "is_admin": session.account.role is ADMIN, "is_dsl": session.account.role is DSL,
        "privacy_notice": NOTICES.get(request.query_params.get("done", "")),
    }, session=session, status_code=status_code)


def _no_one(person_id: str) -> PrivacyError:
    """The answer for someone out of reach: the same as for someone not there."""
    return NoSuchPerson(person_id)


def _refused(request, register, session, error: PrivacyError, person_id=""):
    return _privacy_page(request, register, session, problems=messages_of(error),
                         status_code=status_of(error), person_id=person_id)


@router.get("/privacy")
def privacy_page(request: Request, register: RegisterDep, session: CurrentSession,
                 person_id: Annotated[str, Query(max_length=64)] = ""):
    """Find a person by name (`name`); with one chosen (`person_id`), place a hold on
    them, and a trust admin sees what erasing them would remove."""
    _allowed(session, ADMIN, DSL)
    plan = None
    if person_id and not in_reach(session.account, register.store, person_id.strip(),
                                  on=register.today()):
        return _refused(request, register, session, _no_one(person_id.strip()))
    if person_id and session.account.role is ADMIN:
        try:
            plan = plan_erasure(register, person_id.strip(),
                                schools=trusts_part(register, session.account))
        except PrivacyError as error:
            return _refused(request, register, session, error, person_id)
    return _privacy_page(request, register, session, plan=plan, person_id=person_id)


@router.post("/privacy/erase")
def post_erase(request: Request, register: RegisterDep, session: CurrentSession,
               actor: ActorDep, person_id: Annotated[str, Form(max_length=64)]):
    _allowed(session, ADMIN)
    try:
        if not in_reach(session.account, register.store, person_id, on=register.today()):
            raise _no_one(person_id)
        erase(register, actor.name, person_id, client=actor.client,
              own_person_id=session.account.person_id,
              schools=trusts_part(register, session.account))
    except PrivacyError as error:
        return _refused(request, register, session, error, person_id)
    return see_other("/privacy", done="erased")


@router.post("/privacy/holds")
def post_hold(request: Request, register: RegisterDep, session: CurrentSession,
              actor: ActorDep, person_id: Annotated[str, Form(max_length=64)],
              reason: Annotated[str, Form(max_length=2000)] = ""):
    _allowed(session, DSL)
    try:
        if not in_reach(session.account, register.store, person_id.strip(), on=register.today()):
            raise _no_one(person_id.strip())
        check_places_hold(session.account, register.store, person_id.strip(), on=register.today())
        place_hold(register, actor.name, person_id.strip(), reason, actor.client,
                   school_id=session.account.school_id)
    except PrivacyError as error:
        return _refused(request, register, session, error)
    return see_other("/privacy", done="held")


@router.post("/privacy/holds/{person_id}/lift")
def post_lift(request: Request, register: RegisterDep, session: CurrentSession,
              actor: ActorDep, person_id: str, reason: Annotated[str, Form(max_length=2000)] = "",
              school_id: Annotated[str | None, Form(max_length=64)] = None):
    """Lift the hold of the row's school (`school_id`, empty for the command line's; left
    out, as lift_as chooses)."""
    _allowed(session, DSL)
    whose = OWN_HOLD if school_id is None else school_id or None
    try:
        lift_as(register, session.account, actor, person_id, reason, whose)
    except PrivacyError as error:
        return _refused(request, register, session, error)
    return see_other("/privacy", done="lifted")


@router.post("/privacy/subject-access")
def post_subject_access(request: Request, register: RegisterDep, session: CurrentSession,
                        actor: ActorDep, person_id: Annotated[str, Form(max_length=64)],
                        reveal_id: Annotated[str, Form(max_length=64)] = "",
                        reveal_why: Annotated[str, Form(max_length=2000)] = "",
                        release_items: Annotated[str, Form(max_length=4000)] = "",
                        release_why: Annotated[str, Form(max_length=2000)] = ""):
    """The printable page of everything held about the person; `release_items` (one or
    more withheld items, by their item, separated by spaces) are released with
    `release_why`."""
    _allowed(session, ADMIN)
    reveal = {reveal_id.strip(): reveal_why} if reveal_id.strip() else {}
    release = {item: release_why for item in release_items.split()}
    try:
        for someone in (person_id.strip(), *reveal):
            if not in_reach(session.account, register.store, someone, on=register.today()):
                raise _no_one(someone)
        report = subject_access(register, actor.name, person_id.strip(), reveal=reveal,
                                release=release, client=actor.client,
                                schools=trusts_part(register, session.account))
    except PrivacyError as error:
        return _refused(request, register, session, error)
    return HTMLResponse(subject_access_html(report), headers=page_headers())
