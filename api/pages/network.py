"""The network explorer, for safeguarding leads (and the senior leaders, who may see the
same networks): a person's network to depth 1, 2 or 3 as an interactive picture, filtered
by school and rule, capped, and exported as one self-contained HTML file. Every view and
every export is written to the audit trail, as the API's network view is."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.access import world_within_reach
from api.deps import ActorDep, CurrentSession, RegisterDep, ReviewerAccount
from api.identity import Account
from api.pages.common import RULE_NAMES, STATIC_DIR, VIS_DIR, page, templates
from api.pages.people import find_people_to_name
from api.routes.people import view_network
from api.pages.picture import (
    CONNECTION_RULES,
    EDGE_KINDS,
    EDGE_STYLES,
    ROLE_STYLES,
    Picture,
    draw,
    filter_world,
)
from api.routing import InOrderRoute
from api.service import Register
from graph.model import World

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

DEFAULT_CAP = 100
# The most people a capped network is counted to, for "showing N of M".
COUNT_CEILING = 10_000
Depth = Annotated[int, Query(ge=1, le=3)]
Cap = Annotated[int | None, Query(ge=2, le=10_000)]
Filter = Annotated[str, Query(max_length=64)]


def firing_findings(register: Register, people) -> list[dict]:
    """The findings that fire today about the adults among `people`, as the cases hold
    them (kept in line with the facts after every change)."""
    register.keep_current()
    found: dict[str, dict] = {}
    with register.lock:
        for person_id in people:
            for case in register.cases.find(adult_id=person_id):
                if case.fires:
                    found[case.finding_id] = case.finding
    return list(found.values())


def _picture(register, account, actor, person_id, depth, cap, school, rule, action):
    world, capped = view_network(register, account, actor, person_id, depth, cap, action,
                                  school=school or None, rule=rule or None)
    findings = firing_findings(register, world.people)
    shown = filter_world(world, person_id, findings, school or None, rule or None)
    picture = draw(shown, [person_id], findings, register.today(), register.preferred_names())
    return world, picture, capped


def people_within(register: Register, account: Account, person_id: str, depth: int,
                  world: World, capped: bool) -> int:
    """How many people within `depth` steps the account may see: those of `world`, unless
    the cap stopped the walk; then counted over the whole network (up to COUNT_CEILING)."""
    if not capped:
        return len(world.people)
    whole = register.store.network(person_id, depth, max_people=COUNT_CEILING)
    return len(world_within_reach(account, register.store, whole, on=register.today()).people)


def _cap(register: Register, cap: int | None) -> int:
    most = register.settings.network_max_people
    return min(cap or min(DEFAULT_CAP, most), most)


@router.get("/network")
def network_explorer(request: Request, register: RegisterDep, session: CurrentSession,
                     account: ReviewerAccount, actor: ActorDep,
                     name: Filter = "", person: Filter = "", depth: Depth = 2,
                     school: Filter = "", rule: Filter = "", cap: Cap = None):
    cap = _cap(register, cap)
    found = find_people_to_name(register, account, name) if name else None
    context = {"title": "Network explorer", "name": name, "found": found, "depth": depth,
               "school": school, "rule": rule, "cap": cap,
               "max_cap": register.settings.network_max_people,
               "rules": {r: RULE_NAMES[r] for r in CONNECTION_RULES}, "role_styles": ROLE_STYLES,
               "edge_styles": EDGE_STYLES}
    if person:
        world, picture, capped = _picture(register, account, actor, person, depth, cap,
                                          school, rule, "person.network.view")
        context.update(_picture_context(register, account, world, picture, person, depth, capped))
    return page(request, "network.html", context, session=session)


@router.get("/network/export")
def export_network(request: Request, register: RegisterDep, account: ReviewerAccount,
                   actor: ActorDep, person: Filter, depth: Depth = 2, school: Filter = "",
                   rule: Filter = "", cap: Cap = None):
    """The picture as one HTML file that opens anywhere, with no network: vis-network, the
    styles and the data are all inside it."""
    cap = _cap(register, cap)
    world, picture, capped = _picture(register, account, actor, person, depth, cap, school,
                                      rule, "person.network.export")
    context = {"request": request, "depth": depth, "school": school, "rule": rule,
               "role_styles": ROLE_STYLES, "edge_styles": EDGE_STYLES,
               "exported_by": account.username, "exported_on": register.today(),
               "max_cap": register.settings.network_max_people,
               "vis_js": (VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
               "vis_css": (VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
               "app_css": (STATIC_DIR / "style.css").read_text(encoding="utf-8"),
               "network_js": (STATIC_DIR / "network.js").read_text(encoding="utf-8"),
               "network_css": (STATIC_DIR / "network.css").read_text(encoding="utf-8"),
               **_picture_context(register, account, world, picture, person, depth, capped)}
    html = templates.get_template("network_export.html").render(context)
    file_name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"network-{person}-depth-{depth}.html")
    return HTMLResponse(html, headers={
        "Content-Disposition": f'attachment; filename="{file_name}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _picture_context(register: Register, account: Account, world: World, picture: Picture,
                     person_id: str, depth: int, capped: bool) -> dict:
    centre = world.people[person_id]
    data = picture.data()
    data["centre"] = person_id
    return {"centre": centre, "picture": picture, "picture_data": data,
            "capped": capped,
            "reached": people_within(register, account, person_id, depth, world, capped),
            "edge_kinds": {k: words for k, words in EDGE_KINDS.items()
                           if any(e["kind"] == k for e in picture.edges)},
            "schools": {s.school_id: s.name for s in sorted(world.schools.values(),
                                                              key=lambda s: s.name)},
            "as_of": register.today()}
