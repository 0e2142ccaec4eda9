"""Hypothesis strategies for small random worlds, bounded so that each example is quick."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from graph.model import (
    AccountAdmin,
    ApproachReport,
    ApproachStatus,
    Basis,
    BirthDate,
    Connection,
    ConnectionSource,
    Declaration,
    DeclarationStatus,
    Direction,
    FamilyKind,
    FamilyLink,
    LinkSource,
    Membership,
    Person,
    Position,
    Role,
    School,
    SchoolAccount,
    World,
)
from graph.profiles import SHIPPED

TERM_STARTS = [dt.date(year, 9, 1) for year in range(2012, 2026)]
TERM_ENDS = [dt.date(year, 7, 20) for year in range(2013, 2027)]
CHANNELS = ["facebook", "instagram", "personal_phone", "personal_email"]


def birth_dates(adult: bool):
    years = st.integers(1960, 1995) if adult else st.integers(2003, 2020)
    return st.one_of(
        st.none(),
        st.builds(BirthDate, years),
        st.builds(BirthDate, years, st.integers(1, 12)),
        st.builds(lambda y, m, d: BirthDate(y, m, d), years, st.integers(1, 12), st.integers(1, 28)),
        st.builds(lambda y: BirthDate(y, 2, 29), st.sampled_from([2004, 2008, 2012, 2016])),
    )


@st.composite
def worlds(draw, max_people: int = 14, with_approaches: bool = True) -> World:
    world = World()
    profiles = draw(st.lists(st.sampled_from(SHIPPED), min_size=1, max_size=2))
    same_trust = draw(st.booleans())
    for number, profile in enumerate(profiles, start=1):
        # schools of one trust share a profile, as trusts do
        trust = "TR1" if same_trust else None
        world.schools[f"S{number}"] = School(f"S{number}", f"School {number}", trust,
                                             profiles[0] if same_trust else profile)
    school_ids = sorted(world.schools)
    count = draw(st.integers(3, max_people))
    people = [f"A{i}" for i in range(count)]
    for person_id in people:
        role = draw(st.sampled_from([Role.PUPIL, Role.PUPIL, Role.STAFF, Role.STAFF, Role.GOVERNOR,
                                     Role.VOLUNTEER, Role.VISITOR]))
        world.people[person_id] = Person(person_id, "Given", person_id,
                                         draw(birth_dates(adult=role is not Role.PUPIL)))
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.sampled_from(TERM_STARTS))
            end = draw(st.one_of(st.none(), st.sampled_from(TERM_ENDS)))
            position = None
            if role is Role.STAFF:
                position = draw(st.one_of(st.none(), st.sampled_from(list(Position))))
            membership = Membership(person_id, draw(st.sampled_from(school_ids)), role, position, start, end)
            if membership.key not in {m.key for m in world.memberships}:
                world.memberships.append(membership)
    pairs = st.tuples(st.sampled_from(people), st.sampled_from(people)).filter(lambda p: p[0] != p[1])
    links = {}
    for a, b in draw(st.lists(pairs, max_size=count)):
        link = FamilyLink(a, b, draw(st.sampled_from(list(FamilyKind))), draw(st.sampled_from(list(LinkSource))),
                          draw(st.sampled_from([None, True, False])))
        links[link.key] = link
    world.family_links = list(links.values())
    for number, (a, b) in enumerate(draw(st.lists(pairs, max_size=2 * count))):
        world.connections[f"C{number}"] = Connection(
            f"C{number}", a, b, draw(st.sampled_from(CHANNELS)), draw(st.sampled_from(list(Direction))),
            draw(st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2026, 6, 30)))),
            ConnectionSource.MONITORING,
        )
    for number, (a, b) in enumerate(draw(st.lists(pairs, max_size=count // 2))):
        status = draw(st.sampled_from(list(DeclarationStatus)))
        decided = status is not DeclarationStatus.PENDING
        world.declarations[f"D{number}"] = Declaration(
            f"D{number}", a, b, draw(st.sampled_from(list(Basis))), "", dt.date(2025, 2, 1), status,
            draw(st.sampled_from(people)) if decided else None, dt.date(2025, 3, 1) if decided else None,
        )
    if with_approaches:
        for number, (a, b) in enumerate(draw(st.lists(pairs, max_size=4))):
            when = draw(st.dates(dt.date(2026, 9, 1), dt.date(2026, 11, 22)))
            status = draw(st.sampled_from(list(ApproachStatus)))
            reviewed_on = None
            if status is ApproachStatus.REVIEWED:
                reviewed_on = draw(st.one_of(st.none(), st.dates(when, dt.date(2026, 12, 31))))
            world.approaches[f"R{number}"] = ApproachReport(
                f"R{number}", a, b, "instagram", when, when, "", status, reviewed_on,
                draw(st.sampled_from(people)) if reviewed_on else None,
            )
        admins = {}
        for number in range(draw(st.integers(0, 2))):
            account_id = f"SA{number}"
            world.school_accounts[account_id] = SchoolAccount(account_id, draw(st.sampled_from(school_ids)),
                                                              "x", f"@school{number}")
            for person_id in draw(st.lists(st.sampled_from(people), max_size=3, unique=True)):
                admins[(account_id, person_id)] = AccountAdmin(
                    account_id, person_id, draw(st.one_of(st.none(), st.sampled_from(people))),
                    draw(st.one_of(st.none(), st.sampled_from(TERM_STARTS))),
                )
        world.account_admins = list(admins.values())
    return world
