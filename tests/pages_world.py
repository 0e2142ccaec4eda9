"""The world the page tests and the browser story use: one school with people who have
invented names, so that the pages and their screenshots read as a school would see them.

Meadowbank Academy (S1, ninestiles): headteacher Helen Achebe (H1), senior leader Liam
Brennan (L1), DSL Dana Kowalski (D1), chair of governors Grace Idowu (G1), teachers Tom
Fairweather (T1) and Priya Shah (T2); pupils Ella Morgan (P1) and her brother Jack Morgan
(P3), whose mother is Sarah Morgan (M1). Riverside Primary (S2): a second school with its
own leaders, where pupil Sam Okoro (P2) is.

Before the story: Tom Fairweather and Ella follow each other on Facebook (pupil-contact),
and Jack follows Tom on TikTok without Tom following back (pupil-contact, advisory); the
headteacher and Priya Shah are friends on Facebook, so she is recused from Priya's cases.
In the story Priya Shah declares that she is a friend of the Morgan family and that she
and Sarah Morgan are friends on Facebook: a declaration-required finding until it is
accepted.
"""

from __future__ import annotations

import dataclasses

from graph.model import BirthDate, World
from tests.builder import add_leaders, school_with_leaders

NAMES = {
    "H1": ("Helen", "Achebe"), "L1": ("Liam", "Brennan"), "D1": ("Dana", "Kowalski"),
    "G1": ("Grace", "Idowu"), "T1": ("Tom", "Fairweather"), "T2": ("Priya", "Shah"),
    "P1": ("Ella", "Morgan"), "P3": ("Jack", "Morgan"), "M1": ("Sarah", "Morgan"),
    "BH1": ("Owen", "Price"), "BL1": ("Mei", "Chen"), "BD1": ("Ravi", "Patel"),
    "BG1": ("Joan", "Hughes"), "BT1": ("Alfie", "Dunn"), "P2": ("Sam", "Okoro"),
}
SCHOOL_NAMES = {"S1": "Meadowbank Academy", "S2": "Riverside Primary"}


def story_world() -> World:
    builder = school_with_leaders("ninestiles", "S1").staff("T2", "S1", start="2019-09-01")
    builder.pupil("P1", born="2012-05-14").pupil("P3", born="2014-01-20")
    builder.family("M1", "parent", "P1").family("M1", "parent", "P3")
    builder.family("P3", "sibling", "P1")
    builder.school("S2", "ninestiles")
    add_leaders(builder, "S2", prefix="B").pupil("P2", "S2", born="2016-09-02")
    builder.connect("T1", "P1", connection_id="C1")
    builder.connect("T1", "P3", direction="inbound", channel="tiktok", connection_id="C2")
    builder.connect("H1", "T2", connection_id="C3")  # colleagues: H1 is recused from T2's cases
    world = builder.build()
    for person_id, (given, family) in NAMES.items():
        person = world.people[person_id]
        world.people[person_id] = dataclasses.replace(
            person, given_name=given, family_name=family,
            date_of_birth=person.date_of_birth or BirthDate(1980))
    for school_id, name in SCHOOL_NAMES.items():
        world.schools[school_id] = dataclasses.replace(world.schools[school_id], name=name)
    return world
