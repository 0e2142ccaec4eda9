"""A person's network as a picture: pyvis builds the nodes, edges and options that
vis-network draws. People are coloured (and shaped, for those who cannot tell the colours
apart) by their role; a connection a rule prohibits is red, one that needs a declaration
amber, and one only the other person follows (inbound-only) dashed. The same facts are
listed in tables beside the picture, for those who cannot use it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pyvis.network import Network

from api.pages.common import CHANNELS, RULE_NAMES
from api.pages.people import KIND_WORDS
from graph.words import shown_name
from graph.model import (
    ADULT_ROLES,
    PARENTAL_KINDS,
    Connection,
    DeclarationStatus,
    Direction,
    LinkSource,
    Role,
    World,
)

# Rules whose findings mean the connection is prohibited, and the one that means it is
# permitted but not yet declared.
PROHIBITING_RULES = ("pupil-contact", "ex-pupil-contact", "parent-contact")
UNDECLARED_RULE = "declaration-required"
CONNECTION_RULES = (*PROHIBITING_RULES, UNDECLARED_RULE)


@dataclass(frozen=True)
class RoleStyle:
    label: str
    colour: str  # at least 4.5:1 against white, like text
    shape: str  # a vis-network shape that draws its label below it


ROLE_STYLES = {
    "staff": RoleStyle("Staff", "#1d4ed8", "square"),
    "governor": RoleStyle("Governor", "#6d28d9", "diamond"),
    "other_adult": RoleStyle("Volunteer, contractor or visitor", "#4b5563", "triangle"),
    "pupil": RoleStyle("Pupil", "#047857", "dot"),
    "ex_pupil": RoleStyle("Ex-pupil", "#0e7490", "triangleDown"),
    "parent": RoleStyle("Parent or carer", "#be185d", "star"),
    "other": RoleStyle("Family or someone else", "#57534e", "hexagon"),
}


@dataclass(frozen=True)
class EdgeStyle:
    label: str
    colour: str
    width: float
    dashes: bool | list[int]


EDGE_STYLES = {
    "prohibited": EdgeStyle("Connection a rule prohibits", "#b91c1c", 4, False),
    "undeclared": EdgeStyle("Connection not yet declared and accepted", "#b45309", 4, False),
    "connection": EdgeStyle("Other connection", "#4b5563", 2, False),
    "inbound_only": EdgeStyle("Dashed: only the other person follows the adult "
                              "(inbound-only)", "#4b5563", 2, [10, 8]),
    "family": EdgeStyle("Family link", "#1f2937", 2, False),
    "declaration": EdgeStyle("Declared relationship", "#047857", 3, [3, 5]),
}

TEXT_COLOUR = "#111827"
NETWORK_OPTIONS = {
    "layout": {"randomSeed": 7},
    "physics": {"solver": "forceAtlas2Based",
                "forceAtlas2Based": {"gravitationalConstant": -90, "springLength": 140},
                "stabilization": {"iterations": 400, "fit": True}},
    "interaction": {"hover": True, "navigationButtons": True, "tooltipDelay": 150,
                    "keyboard": {"enabled": True, "bindToWindow": False}},
    "nodes": {"size": 18, "borderWidth": 2,
              "font": {"size": 16, "color": TEXT_COLOUR, "strokeWidth": 4,
                       "strokeColor": "#ffffff"}},
    "edges": {"font": {"size": 13, "color": TEXT_COLOUR, "strokeWidth": 4,
                       "strokeColor": "#ffffff", "align": "middle"},
              "smooth": {"type": "dynamic"}},
}


# The kinds of link a reader can show or hide in the picture, and the edge styles of each.
EDGE_KINDS = {"family": "Family links", "connection": "Connections",
              "declaration": "Declared relationships"}
KIND_OF_STYLE = {"family": "family", "declaration": "declaration", "prohibited": "connection",
                 "undeclared": "connection", "connection": "connection"}
# From this many people on, the picture is drawn for speed: straight links without labels
# (each link's words are in its tooltip and the table), vis-network's slower first layout
# off, and a shorter settling.
BIG_PICTURE = 80
BIG_PICTURE_OPTIONS = {
    "layout": {"randomSeed": 7, "improvedLayout": False},
    "physics": {"solver": "forceAtlas2Based",
                "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 100},
                "stabilization": {"iterations": 200, "updateInterval": 50, "fit": True}},
    "interaction": {**NETWORK_OPTIONS["interaction"], "hideEdgesOnDrag": True},
    "nodes": NETWORK_OPTIONS["nodes"],
    "edges": {"smooth": False},
}


@dataclass
class PersonRow:
    person_id: str
    name: str
    role: str  # a key of ROLE_STYLES
    known_as: str


@dataclass
class LinkRow:
    between: str
    what: str
    finding: str
    style: str  # a key of EDGE_STYLES


@dataclass
class Picture:
    """What the page and the exported file draw and list."""

    nodes: list[dict]
    edges: list[dict]
    options: dict
    people: list[PersonRow]
    links: list[LinkRow]
    roles_shown: list[str] = field(default_factory=list)

    def data(self) -> dict:
        return {"nodes": self.nodes, "edges": self.edges, "options": self.options}


def role_of(person_id: str, world: World, today: dt.date) -> str:
    """The role a person is drawn with: the adult role first (a teacher who is also a
    parent is drawn as staff), then pupil, parent, ex-pupil."""
    memberships = [m for m in world.memberships if m.person_id == person_id]
    active = {m.role for m in memberships if m.active_on(today)}
    if Role.STAFF in active:
        return "staff"
    if Role.GOVERNOR in active:
        return "governor"
    if active & ADULT_ROLES:
        return "other_adult"
    if Role.PUPIL in active:
        return "pupil"
    if _is_parent(person_id, world, today):
        return "parent"
    if any(m.role is Role.PUPIL for m in memberships):
        return "ex_pupil"
    return "other"


def _is_parent(person_id: str, world: World, today: dt.date) -> bool:
    children = {link.relative_id for link in world.family_links
                if link.person_id == person_id and link.kind in PARENTAL_KINDS}
    return any(m.person_id in children and m.role is Role.PUPIL and m.active_on(today)
               for m in world.memberships)


def _adult_of(connection: Connection, roles: dict[str, str]) -> str | None:
    adult_roles = ("staff", "governor", "other_adult")
    if roles.get(connection.person_id) in adult_roles:
        return connection.person_id
    if roles.get(connection.other_id) in adult_roles:
        return connection.other_id
    return None


def is_inbound_only(connection: Connection, roles: dict[str, str]) -> bool:
    """Only the other person follows the adult of the connection."""
    adult = _adult_of(connection, roles)
    return adult is not None and connection.only_followed_by_other(adult)


def filter_world(world: World, centre: str, findings: list[dict], school_id: str | None,
                 rule: str | None) -> World:
    """The people of one school (with their families) and the connections one rule's
    findings name; the centre person is always kept."""
    keep = set(world.people)
    if school_id:
        at_school = {m.person_id for m in world.memberships if m.school_id == school_id}
        families = {other for link in world.family_links
                    for person, other in ((link.person_id, link.relative_id),
                                          (link.relative_id, link.person_id))
                    if person in at_school}
        keep = at_school | families | {centre}
    connections = {i: c for i, c in world.connections.items()
                   if c.person_id in keep and c.other_id in keep}
    if rule:
        named = {cid for f in findings if f["rule"] == rule for cid in f["connection_ids"]}
        connections = {i: c for i, c in connections.items() if i in named}
        keep = {centre} | {p for c in connections.values() for p in (c.person_id, c.other_id)}
    return World(
        schools=world.schools,
        people={p: person for p, person in world.people.items() if p in keep},
        memberships=[m for m in world.memberships if m.person_id in keep],
        family_links=[f for f in world.family_links
                      if f.person_id in keep and f.relative_id in keep],
        connections=connections,
        declarations={i: d for i, d in world.declarations.items()
                      if d.declarer_id in keep and d.counterpart_id in keep},
    )


def draw(world: World, centres: list[str], findings: list[dict], today: dt.date,
         preferred: dict[str, tuple[str, str]] | None = None) -> Picture:
    """The picture of `world`, the `centres` drawn larger; `findings` (in the JSON shape of
    docs/exchange.md) colour the connections they name; people by the names they are
    known by (`preferred`)."""
    net = Network(directed=True)  # directed: pyvis would merge two edges between a pair
    roles = {p: role_of(p, world, today) for p in world.people}
    preferred = preferred or {}
    names = {p: shown_name(person, preferred.get(p)) for p, person in world.people.items()}
    people = []
    for person_id, person in world.people.items():
        style = ROLE_STYLES[roles[person_id]]
        known_as = _known_as(person_id, world, today, roles[person_id])
        centre = person_id in centres
        net.add_node(person_id, label=names[person_id], shape=style.shape,
                     title=f"{names[person_id]}: {known_as}",
                     color={"background": style.colour, "border": "#000000" if centre
                            else style.colour,
                            "highlight": {"background": style.colour, "border": "#000000"},
                            "hover": {"background": style.colour, "border": "#000000"}},
                     size=28 if centre else 18, borderWidth=4 if centre else 2,
                     font={"size": 20 if centre else 16})
        people.append(PersonRow(person_id, names[person_id], roles[person_id], known_as))

    rules_of: dict[str, list[dict]] = {}
    for finding in findings:
        for cid in finding["connection_ids"]:
            rules_of.setdefault(cid, []).append(finding)
    pair_count: Counter = Counter()
    links = []
    big = len(world.people) >= BIG_PICTURE

    def add(a: str, b: str, style_key: str, label: str, title: str, arrows: dict,
            dashes=None) -> None:
        style = EDGE_STYLES[style_key]
        pair = tuple(sorted((a, b)))
        nth = pair_count[pair]
        pair_count[pair] += 1
        straight = False if big else {"type": "dynamic"}
        smooth = straight if nth == 0 else \
            {"type": "curvedCW" if nth % 2 else "curvedCCW", "roundness": 0.25 * ((nth + 1) // 2)}
        net.add_edge(a, b, color={"color": style.colour, "highlight": style.colour,
                                  "hover": style.colour},
                     width=style.width, dashes=style.dashes if dashes is None else dashes,
                     label="" if big else label, title=title, arrows=arrows, smooth=smooth,
                     kind=KIND_OF_STYLE[style_key])

    no_arrows = {"to": {"enabled": False}}
    for link in world.family_links:
        kind = KIND_WORDS[link.kind]
        text = f"{names[link.person_id]} is the {kind} of {names[link.relative_id]}"
        add(link.person_id, link.relative_id, "family", kind, text, no_arrows)
        links.append(LinkRow(f"{names[link.person_id]} and {names[link.relative_id]}",
                             f"Family: {text} ({SOURCE_WORDS[link.source]})", "", "family"))
    for connection in world.connections.values():
        fired = rules_of.get(connection.connection_id, [])
        fired_rules = {f["rule"] for f in fired}
        if fired_rules & set(PROHIBITING_RULES):
            style_key = "prohibited"
        elif UNDECLARED_RULE in fired_rules:
            style_key = "undeclared"
        else:
            style_key = "connection"
        inbound_only = is_inbound_only(connection, roles)
        channel = CHANNELS.get(connection.channel, connection.channel)
        a, b = connection.person_id, connection.other_id
        follows = {Direction.MUTUAL: f"{names[a]} and {names[b]} follow each other",
                   Direction.OUTBOUND: f"{names[a]} follows {names[b]}",
                   Direction.INBOUND: f"{names[b]} follows {names[a]}"}[connection.direction]
        finding_text = "; ".join(
            f"{RULE_NAMES[f['rule']]} ({f['severity']} concern{', advisory' if f['advisory'] else ''})"
            for f in fired)
        arrows = {"to": {"enabled": connection.direction is not Direction.INBOUND},
                  "from": {"enabled": connection.direction is not Direction.OUTBOUND}}
        add(a, b, style_key, channel,
            f"{channel}: {follows}." + (f" {finding_text}." if finding_text else ""),
            arrows, dashes=EDGE_STYLES["inbound_only"].dashes if inbound_only else None)
        links.append(LinkRow(f"{names[a]} and {names[b]}",
                             f"{channel}: {follows}" + (" (inbound-only)" if inbound_only else ""),
                             finding_text or "None", style_key))
    for declaration in world.declarations.values():
        basis = declaration.basis.replace("_", " ")
        a, b = declaration.declarer_id, declaration.counterpart_id
        status = STATUS_WORDS[declaration.status]
        if declaration.status is DeclarationStatus.REJECTED and declaration.decided_by == a:
            status = "withdrawn by them"  # a withdrawal is the declarer's own rejection
        text = f"{names[a]} declared: {basis} of {names[b]} ({status})"
        add(a, b, "declaration", f"{basis} (declared)", text, {"to": {"enabled": True}})
        links.append(LinkRow(f"{names[a]} and {names[b]}", f"Declaration: {text}", "",
                             "declaration"))

    nodes, edges, *_ = net.get_network_data()
    shown = [key for key in ROLE_STYLES if key in set(roles.values())]
    return Picture(nodes=nodes, edges=edges,
                   options=BIG_PICTURE_OPTIONS if big else NETWORK_OPTIONS, people=people,
                   links=links, roles_shown=shown)


SOURCE_WORDS = {LinkSource.RECORDS: "from the school's records",
                LinkSource.DECLARED: "declared by staff"}
STATUS_WORDS = {DeclarationStatus.PENDING: "waiting for a decision",
                DeclarationStatus.ACCEPTED: "accepted",
                DeclarationStatus.REJECTED: "rejected"}


def _known_as(person_id: str, world: World, today: dt.date, role: str) -> str:
    schools = {m.school_id: world.schools[m.school_id].name for m in world.memberships
               if m.person_id == person_id and m.school_id in world.schools}
    words = ROLE_STYLES[role].label.lower()
    if role == "parent":
        children = [world.people[link.relative_id].name for link in world.family_links
                    if link.person_id == person_id and link.kind in PARENTAL_KINDS
                    and link.relative_id in world.people]
        return f"{words} of {' and '.join(children)}"
    if schools:
        return f"{words} at {', '.join(sorted(schools.values()))}"
    return words
