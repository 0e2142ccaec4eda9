"""The family graph as the rules see it when facts change one at a time: who is family of
whom, through which records, on which date."""

import datetime as dt

from graph.facts import FactGraph
from graph.model import (
    Basis,
    Declaration,
    DeclarationStatus,
    FamilyKind,
    FamilyLink,
    LinkSource,
    Person,
    World,
)

DAY = dt.date(2026, 3, 2)


def facts_of(*people: str) -> FactGraph:
    return FactGraph(World(people={p: Person(p, p, "", None) for p in people}))


def declaration(status=DeclarationStatus.PENDING, basis=Basis.FAMILY_MEMBER,
                decided_on=None) -> Declaration:
    return Declaration("D1", "T1", "A1", basis, "my aunt", DAY, status,
                       "H1" if decided_on else None, decided_on)


def test_a_link_whose_source_changes_is_one_link_from_the_new_source():
    facts = facts_of("T1", "A1")
    facts.put_family_link(FamilyLink("T1", "A1", FamilyKind.SIBLING, LinkSource.DECLARED))
    assert facts.family_distances("T1", 1, records_only=True) == {"T1": 0}

    facts.put_family_link(FamilyLink("T1", "A1", FamilyKind.SIBLING, LinkSource.RECORDS))

    assert facts.family_distances("T1", 1, records_only=True) == {"T1": 0, "A1": 1}
    assert list(facts.family.get_edge_data("T1", "A1")) == [
        FamilyLink("T1", "A1", FamilyKind.SIBLING, LinkSource.RECORDS)]


def test_a_declared_relative_is_family_until_the_day_the_declaration_is_rejected():
    facts = facts_of("T1", "A1")
    facts.put_declaration(declaration())
    assert facts.family_distances("T1", 1, DAY) == {"T1": 0, "A1": 1}

    rejected_on = DAY + dt.timedelta(days=5)
    facts.put_declaration(declaration(DeclarationStatus.REJECTED, decided_on=rejected_on))

    assert facts.family_distances("T1", 1, rejected_on - dt.timedelta(days=1)) == {
        "T1": 0, "A1": 1}
    assert facts.family_distances("T1", 1, rejected_on) == {"T1": 0}
    assert len(facts.family.get_edge_data("T1", "A1")) == 1  # the new record, not both


def test_a_declaration_changed_to_friendship_leaves_the_family_link_beside_it():
    facts = facts_of("T1", "A1", "C1")
    facts.put_family_link(FamilyLink("A1", "C1", FamilyKind.PARENT, LinkSource.RECORDS))
    facts.put_declaration(declaration())
    assert facts.family_distances("T1", 2, DAY) == {"T1": 0, "A1": 1, "C1": 2}

    facts.put_declaration(declaration(basis=Basis.FAMILY_FRIEND))

    assert facts.family_distances("T1", 2, DAY) == {"T1": 0}
    assert not facts.family.has_edge("T1", "A1")
    assert facts.family_distances("A1", 1, DAY) == {"A1": 0, "C1": 1}
