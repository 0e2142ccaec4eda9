"""Invariants of the rules, checked on many small random worlds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.facts import FactGraph
from graph.model import (
    Basis,
    BirthDate,
    Connection,
    ConnectionSource,
    Declaration,
    DeclarationStatus,
    Direction,
    Membership,
    Person,
    Role,
    World,
)
from graph.rules import Evaluation, evaluate, findings_json
from tests.strategies import CHANNELS, worlds

AS_OF = dt.date(2026, 11, 22)
PROHIBITED = {"pupil-contact", "ex-pupil-contact", "parent-contact"}
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_json(world: World, as_of: dt.date = AS_OF) -> str:
    return json.dumps(findings_json(evaluate(FactGraph(world), as_of), as_of))


def shuffled(world: World, random) -> World:
    def mix(items):
        items = list(items)
        random.shuffle(items)
        return items

    return World(
        schools=dict(mix(world.schools.items())),
        people=dict(mix(world.people.items())),
        memberships=mix(world.memberships),
        family_links=mix(world.family_links),
        connections=dict(mix(world.connections.items())),
        declarations=dict(mix(world.declarations.items())),
        approaches=dict(mix(world.approaches.items())),
        school_accounts=dict(mix(world.school_accounts.items())),
        account_admins=mix(world.account_admins),
    )


@fast
@given(worlds(), st.randoms(use_true_random=False))
def test_row_order_never_changes_the_findings(world, random):
    assert as_json(shuffled(world, random)) == as_json(world)


def prohibited(world: World) -> set[tuple]:
    return {
        (f.rule, f.school_id, f.adult_id, f.counterpart_id)
        for f in evaluate(FactGraph(world), AS_OF) if f.rule in PROHIBITED
    }


@fast
@given(worlds(), st.data())
def test_accepted_family_declaration_never_adds_a_prohibited_finding(world, data):
    people = sorted(world.people)
    declarer = data.draw(st.sampled_from(people))
    counterpart = data.draw(st.sampled_from([p for p in people if p != declarer]))
    before = prohibited(world)
    world.declarations["NEW"] = Declaration(
        "NEW", declarer, counterpart, Basis.FAMILY_MEMBER, "", dt.date(2025, 1, 1),
        DeclarationStatus.ACCEPTED, None, dt.date(2025, 1, 2),
    )
    assert prohibited(world) <= before


@fast
@given(worlds(with_approaches=False), st.data())
def test_turning_18_removes_only_that_ex_pupils_findings(world, data):
    # Every other birthday falls in the spring, so between the two autumn dates below the
    # only thing that changes is the ex-pupil's 18th birthday.
    for person_id, person in world.people.items():
        if person.date_of_birth is not None:
            spring = BirthDate(person.date_of_birth.year, 3, 15)
            world.people[person_id] = dataclasses.replace(person, date_of_birth=spring)
    born = dt.date(2008, data.draw(st.integers(10, 12)), data.draw(st.integers(1, 28)))
    school_id = data.draw(st.sampled_from(sorted(world.schools)))
    world.people["X"] = Person("X", "Ex", "Pupil", BirthDate(born.year, born.month, born.day))
    world.memberships.append(Membership("X", school_id, Role.PUPIL, None, dt.date(2016, 9, 1),
                                        dt.date(2025, 7, 20)))
    for number, other in enumerate(data.draw(st.lists(st.sampled_from(sorted(world.people)), max_size=4))):
        if other != "X":
            world.connections[f"CX{number}"] = Connection(
                f"CX{number}", other, "X", data.draw(st.sampled_from(CHANNELS)), Direction.MUTUAL,
                dt.date(2025, 9, 1), ConnectionSource.REPORTED,
            )
    birthday = dt.date(2026, born.month, born.day)
    day_before = {f.id: f for f in evaluate(FactGraph(world), birthday - dt.timedelta(days=1))}
    on_birthday = {f.id: f for f in evaluate(FactGraph(world), birthday)}
    assert set(on_birthday) <= set(day_before), "turning 18 never adds a finding"
    for finding_id in set(day_before) - set(on_birthday):
        gone = day_before[finding_id]
        assert gone.counterpart_id == "X"
        assert gone.rule in {"ex-pupil-contact", "declaration-required"}
        assert world.schools[gone.school_id].profile != "great-chart"
    for finding_id in on_birthday:
        assert on_birthday[finding_id] == day_before[finding_id]


@fast
@given(worlds(), st.data())
def test_refresh_after_one_connection_equals_a_full_evaluation(world, data):
    """What a store does after one new connection (re-evaluate only what it touches) must
    give exactly what evaluating the whole graph again gives."""
    facts = FactGraph(world)
    evaluation = Evaluation(facts, AS_OF).run()
    people = sorted(world.people)
    a = data.draw(st.sampled_from(people))
    b = data.draw(st.sampled_from([p for p in people if p != a]))
    connection = Connection("NEW", a, b, data.draw(st.sampled_from(CHANNELS)),
                            data.draw(st.sampled_from(list(Direction))), None, ConnectionSource.DECLARED)
    facts.put_connection(connection)
    evaluation.refresh({a, b})
    assert evaluation.sorted() == Evaluation(facts, AS_OF).run().sorted()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), worlds(), st.data())
def test_store_stays_current_after_any_small_change(world, other, data):
    """Whatever one change adds (a family link, a declaration, a membership, a connection,
    an approach, an account administrator), the store's kept findings equal a full
    evaluation of what it now holds."""
    import tempfile

    from graph.store.embedded import EmbeddedStore

    people = sorted(world.people)
    # One fact drawn from another random world, renamed onto this world's people.
    rename = {p: data.draw(st.sampled_from(people)) for p in other.people}
    candidates = (
        [World(family_links=[dataclasses.replace(link, person_id=rename[link.person_id],
                                                 relative_id=rename[link.relative_id])])
         for link in other.family_links]
        + [World(declarations={"NEW": dataclasses.replace(d, declaration_id="NEW", declarer_id=rename[d.declarer_id],
                                                          counterpart_id=rename[d.counterpart_id], decided_by=None)})
           for d in other.declarations.values()]
        + [World(memberships=[dataclasses.replace(m, person_id=rename[m.person_id], school_id=sorted(world.schools)[0])])
           for m in other.memberships]
        + [World(approaches={"NEWR": dataclasses.replace(r, report_id="NEWR", adult_id=rename[r.adult_id],
                                                         from_id=rename[r.from_id])})
           for r in other.approaches.values()]
    )
    # The store refuses a fact between a person and themself (its own test says so); the
    # renaming can make one of any kind, not only a family link.
    candidates = [c for c in candidates if not _between_one_person(c)]
    if not candidates:
        return
    change = data.draw(st.sampled_from(candidates))
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        store.import_world(world)
        store.findings(AS_OF)
        store.upsert(change)
        expected = evaluate(FactGraph(store.export_world()), AS_OF)
        assert store.findings(AS_OF) == expected


def _between_one_person(world: World) -> bool:
    pairs = ([(f.person_id, f.relative_id) for f in world.family_links]
             + [(d.declarer_id, d.counterpart_id) for d in world.declarations.values()]
             + [(r.adult_id, r.from_id) for r in world.approaches.values()])
    return any(a == b for a, b in pairs)
