"""A person's chronology (graph/chronology.py) as a page: one dated list, newest first, of
what the reader may see, each line linking to its record. A staff member sees only their
own; leaders, the DSL and trust admins the people within their reach; anyone else, and
anyone beyond reach, is answered as no one. Every view is written to the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request

from api.access import (check_sees_approach, check_sees_connection, check_sees_declaration,
                        check_sees_network, in_reach, is_reviewer, may_see_case,
                        may_see_person)
from api.deps import ActorDep, CurrentSession, RegisterDep, RegisterUser
from api.errors import not_found
from api.identity import Account, AccountRole
from api.pages.common import account_words, page
from api.routing import InOrderRoute
from api.service import Register
from graph.chronology import Event, chronology
from graph.model import ApproachReport, Connection, Declaration
from graph.review import Case
from graph.words import Names

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

PersonId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
KIND_NAMES = {"membership": "Membership", "family": "Family link", "declaration": "Declaration",
              "connection": "Connection", "approach": "Approach report", "finding": "Finding",
              "decision": "Decision"}


@router.get("/people/{person_id}/chronology")
def chronology_page(request: Request, register: RegisterDep, session: CurrentSession,
                    account: RegisterUser, actor: ActorDep, person_id: PersonId):
    store, today = register.store, register.today()
    register.keep_current()
    with register.lock:
        if not in_reach(account, store, person_id, on=today) or (
                account.role is AccountRole.STAFF and person_id != account.person_id):
            raise not_found("person", person_id)  # not theirs is answered as not there
        events = [e for e in chronology(store, register.cases, person_id)
                  if _may_see(account, store, e, today)]
        network_of = person_id if _sees_network(account, store, person_id, today) else None
        names = register.names()
        lines = [_line(register, names, account, e, network_of) for e in events]
    register.record(actor, "person.chronology.view", "person", object_id=person_id,
                    subjects=[person_id], lines=len(lines))
    return page(request, "chronology.html", {
        "title": f"Chronology of {register.names().person(person_id)}",
        "person": store.person(person_id), "dated": [l for l in lines if l["on"]],
        "undated": [l for l in lines if not l["on"]], "network_of": network_of,
        "own": person_id == account.person_id}, session=session)


def _may_see(account: Account, store, event: Event, today: dt.date) -> bool:
    """The line's own check (api/access.py), and every other person it names within reach."""
    if not all(may_see_person(account, store, p, on=today) for p in event.others):
        return False
    source = event.source
    checks = {Declaration: check_sees_declaration, Connection: check_sees_connection,
              ApproachReport: check_sees_approach}
    for kind, check in checks.items():
        if isinstance(source, kind):
            try:
                check(account, store, source, on=today)
            except HTTPException:
                return False
            return True
    if isinstance(source, Case):
        return may_see_case(account, store, source, on=today)
    return True  # a membership or family link of someone the reader may see


def _sees_network(account: Account, store, person_id: str, today: dt.date) -> bool:
    try:
        check_sees_network(account, store, person_id, on=today)
    except HTTPException:
        return False
    return True


def _line(register: Register, names: Names, account: Account, event: Event,
          network_of: str | None) -> dict:
    text = names.text(event.text)
    # The reviewers see who decided and why; the person it is about, only the outcome.
    if event.kind == "decision" and account.role is not AccountRole.STAFF:
        text += f" by {_actor_words(register, event.actor)}"
        if event.reason:
            text += f": {names.text(event.reason)}"
    return {"on": event.on, "at": event.at, "kind": KIND_NAMES[event.kind], "text": text,
            "link": _link(account, event, network_of)}


def _actor_words(register: Register, actor: str) -> str:
    if not actor.startswith("account:"):
        return "the register"
    holder = register.accounts.get(int(actor.partition(":")[2]))
    return account_words(holder, register) if holder else "an account since removed"


def _link(account: Account, event: Event, network_of: str | None) -> tuple[str, str] | None:
    """(address, words) of the page that holds the line's record, for this reader."""
    source = event.source
    if isinstance(source, Case):
        if account.role is AccountRole.STAFF:
            return "/my#findings-heading", "Findings about me"
        return f"/cases/{source.finding_id}", "The case"
    if account.role is AccountRole.STAFF:
        heading = {"declaration": "declarations", "connection": "connections",
                   "approach": "approaches"}.get(event.kind)
        return (f"/my#{heading}-heading", "My relationships") if heading else None
    if isinstance(source, Declaration) and is_reviewer(account) \
            and str(source.status) == "pending":
        return "/declarations", "Declarations waiting"
    if network_of:
        return f"/network?person={network_of}", "The network"
    return None
