"""The import preview evaluates only the findings an import can reach (issue 28, item 3),
and says exactly what a whole evaluation of the register before and after would say: the
same findings opened, for every kind of import a school makes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.facts import FactGraph
from graph.intake.exchange import read_folder, write_folder
from graph.intake.importing import findings_it_would_open, import_path
from graph.model import (
    AccountAdmin,
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
    World,
)
from graph.profiles import SHIPPED
from graph.rules import Evaluation, evaluate
from graph.store.embedded import EmbeddedStore
from seed.generator import generate_trust
from tests.builder import WorldBuilder
from tests.scenarios import AS_OF
from tests.strategies import CHANNELS, TERM_STARTS, worlds

KINDS = ("pupil", "staff", "family", "kin", "connect", "reconnect", "end", "position", "declare",
         "birth", "admin", "profile")


def opened_by_whole_evaluation(existing: World, facts: World, as_of: dt.date) -> list:
    """The preview as it was first built: every finding of the register before and after."""
    firing = {f.id for f in evaluate(FactGraph(existing), as_of)}
    return [f for f in evaluate(FactGraph(existing.merged(facts)), as_of) if f.id not in firing]


def an_import(world: World, rng: random.Random, kinds=KINDS) -> World:
    """A few changes of the kinds a school's imports bring, against `world`: new pupils and
    staff (with their families and connections), family links, connections made or moved
    between other people, memberships ended, positions given or taken, declarations,
    dates of birth corrected or lost, account administrators and a school's profile. A
    "kin" link joins a relative of one party of a connection with a relative of the other:
    their families' paths, not the parties, change what the connection is."""
    people = sorted(world.people)
    schools = sorted(world.schools)
    memberships = {m.key: m for m in world.memberships}
    links = {f.key: f for f in world.family_links}
    admins = {a.key: a for a in world.account_admins}
    relatives = {p: {p} for p in people}
    for f in world.family_links:
        relatives[f.person_id].add(f.relative_id)
        relatives[f.relative_id].add(f.person_id)
    facts = World()
    added_memberships, added_links, added_admins = {}, {}, {}

    def someone() -> str:
        return rng.choice(people + sorted(facts.people))

    def connect(a: str, b: str, connection_id: str | None = None) -> None:
        if a == b:
            return
        connection_id = connection_id or f"IC{len(facts.connections)}"
        facts.connections[connection_id] = Connection(
            connection_id, a, b, rng.choice(CHANNELS), rng.choice(list(Direction)),
            rng.choice([None, AS_OF - dt.timedelta(days=30), AS_OF + dt.timedelta(days=1)]),
            ConnectionSource.MONITORING)

    def link(a: str, b: str) -> None:
        if a != b:
            new = FamilyLink(a, b, rng.choice(list(FamilyKind)), rng.choice(list(LinkSource)))
            added_links[new.key] = new

    for number in range(rng.randint(1, 4)):
        kind = rng.choice(kinds)
        if kind in ("pupil", "staff"):
            person_id = f"IP{number}"
            born = BirthDate(rng.randint(2006, 2019)) if kind == "pupil" else BirthDate(1980)
            facts.people[person_id] = Person(person_id, "New", person_id,
                                             None if rng.random() < 0.2 else born)
            role = Role.PUPIL if kind == "pupil" else Role.STAFF
            position = rng.choice([None, None, *Position]) if kind == "staff" else None
            m = Membership(person_id, rng.choice(schools), role, position,
                           rng.choice(TERM_STARTS), None)
            added_memberships[m.key] = m
            if people and rng.random() < 0.7:
                link(rng.choice(people), person_id)
            if people and rng.random() < 0.8:
                connect(rng.choice(people), person_id)
        elif kind == "family" and people:
            link(someone(), someone())
        elif kind == "kin" and world.connections:
            c = world.connections[rng.choice(sorted(world.connections))]
            link(rng.choice(sorted(relatives[c.person_id])),
                 rng.choice(sorted(relatives[c.other_id])))
        elif kind == "connect" and people:
            connect(someone(), someone())
        elif kind == "reconnect" and world.connections:
            connect(someone(), someone(), rng.choice(sorted(world.connections)))
        elif kind == "end" and memberships:
            m = memberships[rng.choice(sorted(memberships))]
            ended = dataclasses.replace(m, end_date=rng.choice(
                [AS_OF - dt.timedelta(days=1), AS_OF + dt.timedelta(days=60)]))
            added_memberships[ended.key] = ended
        elif kind == "position" and memberships:
            staff = [m for m in memberships.values() if m.role is Role.STAFF] or \
                list(memberships.values())
            m = rng.choice(sorted(staff, key=lambda m: m.key))
            changed = dataclasses.replace(
                m, position=None if m.position is not None else rng.choice(list(Position)))
            added_memberships[changed.key] = changed
        elif kind == "declare" and len(people) > 1:
            declaration_id = rng.choice(sorted(world.declarations) + [f"ID{number}"])
            status = rng.choice(list(DeclarationStatus))
            decided = status is not DeclarationStatus.PENDING
            facts.declarations[declaration_id] = Declaration(
                declaration_id, someone(), someone(), rng.choice(list(Basis)), "",
                dt.date(2025, 2, 1), status, someone() if decided else None,
                dt.date(2025, 3, 1) if decided else None)
        elif kind == "birth" and people:
            person = world.people[rng.choice(people)]
            facts.people[person.person_id] = dataclasses.replace(
                person, date_of_birth=rng.choice([None, BirthDate(2008, 5, 1), BirthDate(1990)]))
        elif kind == "admin" and world.school_accounts and people:
            admin = AccountAdmin(rng.choice(sorted(world.school_accounts)), someone(),
                                 someone(), rng.choice([None, *TERM_STARTS]))
            added_admins[admin.key] = admin
        elif kind == "profile" and schools:
            school = world.schools[rng.choice(schools)]
            facts.schools[school.school_id] = dataclasses.replace(
                school, profile=rng.choice([p for p in SHIPPED if p != school.profile]))
    facts.memberships = [m for m in added_memberships.values() if memberships.get(m.key) != m]
    facts.family_links = [f for f in added_links.values() if links.get(f.key) != f]
    facts.account_admins = [a for a in added_admins.values() if admins.get(a.key) != a]
    return facts


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(worlds(), st.randoms(use_true_random=False))
def test_the_preview_opens_what_a_whole_evaluation_opens(world, rng):
    """On small worlds of every shape: each import's findings opened are those of a whole
    evaluation of the register before and after, finding for finding."""
    facts = an_import(world, rng)
    assert findings_it_would_open(world, facts, AS_OF) == \
        opened_by_whole_evaluation(world, facts, AS_OF)


@pytest.fixture(scope="module")
def trust(tmp_path_factory) -> World:
    """A seeded synthetic trust of four schools, as the benchmarks seed theirs."""
    folder = tmp_path_factory.mktemp("trust")
    generate_trust(folder, schools=4, people=1500, seed=7, as_of=AS_OF)
    return read_folder(folder)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "profile"] + [None])
def test_on_a_seeded_trust_each_kind_of_import_opens_what_a_whole_evaluation_opens(trust, kind):
    """Imports of one kind each (and of every kind mixed), forty of each, on a realistic
    trust with its leaders, families and connections; the evaluation of the register
    before is the one a store keeps, handed to the preview."""
    firing = evaluate(FactGraph(trust), AS_OF)
    rng = random.Random(f"seeded {kind}")
    opened_any = 0
    for _ in range(40):
        facts = an_import(trust, rng, KINDS if kind is None else (kind,))
        expected = opened_by_whole_evaluation(trust, facts, AS_OF)
        assert findings_it_would_open(trust, facts, AS_OF, firing) == expected
        opened_any += bool(expected)
    if kind in ("pupil", "staff", "connect", None):
        assert opened_any, "these imports open findings: the comparison must not be vacuous"


def test_a_link_between_two_families_reaches_the_connection_between_their_members():
    """Teacher T is connected with pupil P. Linking T's sibling Z with P's parent W puts T
    within three links of P's family: the connection no longer breaks the rule, but the
    school's policy wants the family tie declared. Neither T nor P is in the import."""
    world = (WorldBuilder().school("S1", profile="aspire").staff("H1", position="headteacher")
             .staff("T").pupil("P").person("Z").person("W")
             .family("Z", "sibling", "T").family("W", "parent", "P").connect("T", "P")).build()
    facts = World(family_links=[FamilyLink("Z", "W", FamilyKind.SIBLING, LinkSource.RECORDS)])
    opened = findings_it_would_open(world, facts, AS_OF)
    assert [(f.rule, f.adult_id, f.counterpart_id) for f in opened] == \
        [("declaration-required", "T", "P")]
    assert opened == opened_by_whole_evaluation(world, facts, AS_OF)


def test_a_schools_profile_changed_is_evaluated_whole_and_opens_what_it_would(trust):
    """A school's new profile decides every finding there: the preview still answers
    exactly, whatever its cost."""
    school = trust.schools[sorted(trust.schools)[0]]
    for profile in SHIPPED:
        if profile == school.profile:
            continue
        facts = World(schools={school.school_id: dataclasses.replace(school, profile=profile)})
        assert findings_it_would_open(trust, facts, AS_OF) == \
            opened_by_whole_evaluation(trust, facts, AS_OF)


def a_new_pupil_followed_by_a_teacher(trust: World) -> tuple[str, World]:
    """(a teacher of the trust, an import of a new pupil at their school they follow)."""
    teacher = next(m for m in trust.memberships
                   if m.role is Role.STAFF and m.position is None and m.end_date is None
                   and m.start_date <= AS_OF)
    facts = World(
        people={"IP": Person("IP", "New", "Pupil", BirthDate(2012, 3, 4))},
        memberships=[Membership("IP", teacher.school_id, Role.PUPIL, None,
                                dt.date(2026, 9, 1), None)],
        connections={"IC": Connection("IC", teacher.person_id, "IP", "instagram",
                                      Direction.MUTUAL, None, ConnectionSource.MONITORING)})
    return teacher.person_id, facts


def test_a_pupils_import_is_not_evaluated_whole(trust, monkeypatch):
    """The point of the reach: a new pupil connected with a teacher has the findings of a
    handful of people evaluated again, not the whole trust's connections."""
    pairs = []
    original = Evaluation._connection_findings

    def counted(self, a, b, connections=None):
        pairs.append((a, b))
        return original(self, a, b, connections)

    firing = evaluate(FactGraph(trust), AS_OF)
    teacher, facts = a_new_pupil_followed_by_a_teacher(trust)
    monkeypatch.setattr(Evaluation, "_connection_findings", counted)
    opened = findings_it_would_open(trust, facts, AS_OF, firing)
    assert [(f.rule, f.adult_id, f.counterpart_id) for f in opened] == \
        [("pupil-contact", teacher, "IP")]
    assert len(pairs) < len(trust.connections) / 20, len(pairs)


def test_the_command_line_preview_starts_from_the_findings_the_store_saved(trust, tmp_path,
                                                                         monkeypatch):
    """`relreg import --dry-run` on a store whose findings for the day were saved reads
    them back instead of evaluating the register before, and opens the same findings."""
    teacher, facts = a_new_pupil_followed_by_a_teacher(trust)
    facts = facts.merged(an_import(trust, random.Random("saved"), ("connect", "end", "position")))
    write_folder(trust.merged(facts), tmp_path / "folder")
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(trust)
        store.findings(AS_OF)  # evaluated and saved, as `relreg detect` leaves them
    with EmbeddedStore(tmp_path / "data") as store:
        assert store.findings_at_hand(AS_OF)
        monkeypatch.setattr("graph.intake.importing.evaluate", lambda *_: pytest.fail(
            "the register was evaluated whole though its findings were at hand"))
        report = import_path(store, tmp_path / "folder", dry_run=True, as_of=AS_OF)
    expected = [f.id for f in opened_by_whole_evaluation(trust, facts, AS_OF)]
    assert report.findings_opened == expected and expected
