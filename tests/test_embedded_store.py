"""The embedded store keeps its findings current after each change, touching only what
the change can reach."""

import pytest

from graph.facts import FactGraph
from graph.model import World
from graph.profiles import PROFILE_DIR, _load_file
from graph.rules import Evaluation, evaluate
from graph.store.base import StoreError
from graph.store.embedded import EmbeddedStore
from tests.builder import WorldBuilder, d
from tests.scenarios import AS_OF, school, summary


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "data") as opened:
        yield opened


def summaries(store):
    assert store.findings(AS_OF) == evaluate(FactGraph(store.export_world()), AS_OF)
    return sorted(summary(f) for f in store.findings(AS_OF))


def test_a_family_link_far_from_both_parties_clears_a_finding(store):
    """Trap: the new link joins the teacher's sister G to the pupil's mother; neither the
    teacher nor the pupil is named in it, yet it makes the teacher the pupil's great-aunt."""
    store.import_world(school().family("T1", "sibling", "G").connect("T1", "P1").build())
    assert summaries(store) == ["pupil-contact S1 T1 P1"]
    change = WorldBuilder().family("G", "parent", "M1").build()
    change.people.clear()
    store.upsert(change)
    assert summaries(store) == []


def test_a_new_headteacher_changes_routing_school_wide(store):
    store.import_world(school().connect("T1", "P1").build())
    before = store.findings(AS_OF)[0]
    assert before.route_to == ("H1", "L1", "D1")
    change = WorldBuilder().staff("H2", position="headteacher", start="2026-09-01").build()
    store.upsert(change)
    assert store.findings(AS_OF)[0].route_to == ("H1", "H2", "L1", "D1")
    assert summaries(store) == ["pupil-contact S1 T1 P1"]


def test_accepting_a_declaration_resolves_the_finding_and_keeps_its_id(store):
    builder = school().declare("T1", "M1", "family_friend", declaration_id="DF").connect("T1", "P1")
    store.import_world(builder.build())
    [pending] = store.findings(AS_OF)
    assert summary(pending) == "declaration-required S1 T1 P1"
    accepted = school().declare("T1", "M1", "family_friend", "accepted", "H1", declaration_id="DF").build()
    store.upsert(World(declarations=accepted.declarations))
    assert summaries(store) == []
    rejected = school().declare("T1", "M1", "family_friend", "rejected", "H1", declaration_id="DF").build()
    store.upsert(World(declarations=rejected.declarations))
    assert summaries(store) == ["pupil-contact S1 T1 P1"]


def test_ending_a_pupil_membership_makes_an_ex_pupil(store):
    store.import_world(school().connect("T1", "P1").connect("T1", "M1").build())
    assert summaries(store) == ["parent-contact S1 T1 M1", "pupil-contact S1 T1 P1"]
    left = WorldBuilder().pupil("P1", end="2026-07-20").build()
    left.people.clear()
    store.upsert(left)
    assert summaries(store) == ["ex-pupil-contact S1 T1 P1"], "the mother is no longer a parent of a pupil"


def test_removing_a_connection(store):
    store.import_world(school().connect("T1", "P1", connection_id="C1").build())
    store.findings(AS_OF)
    store.remove_connection("C1")
    assert summaries(store) == []
    with pytest.raises(StoreError):
        store.remove_connection("C1")


def test_a_change_about_an_unknown_person_is_refused_and_nothing_is_written(store):
    store.import_world(school().build())
    with pytest.raises(StoreError, match="unknown person or school: NOBODY"):
        store.upsert(World(connections=WorldBuilder().connect("T1", "NOBODY").build().connections))
    assert store.export_world().connections == {}


def test_state_survives_reopening(tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().build())
        store.add_connection(WorldBuilder().connect("T1", "P1", connection_id="C9").build().connections["C9"], AS_OF)
    with EmbeddedStore(tmp_path / "data") as store:
        assert [summary(f) for f in store.findings(AS_OF)] == ["pupil-contact S1 T1 P1"]
        assert store.findings(AS_OF)[0].connection_ids == ("C9",)
        assert store.export_world().connections["C9"].first_seen == d("2026-01-10")


def test_a_store_written_before_a_column_was_added_opens_with_its_rows(tmp_path):
    """A data folder from an earlier release lacks the columns the exchange format gained
    since: it is upgraded in place, nothing refused and nothing lost."""
    import sqlite3

    world = school().connect("T1", "P1").build()
    with EmbeddedStore(tmp_path / "data") as opened:
        opened.import_world(world)
        path = opened.path
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE connections DROP COLUMN first_seen")
    with EmbeddedStore(tmp_path / "data") as reopened:
        kept = reopened.export_world()
        assert kept.people == world.people
        assert sorted(kept.memberships, key=str) == sorted(world.memberships, key=str)
        assert [(c.connection_id, c.first_seen) for c in kept.connections.values()] == [
            (c.connection_id, None) for c in world.connections.values()]
        assert [summary(f) for f in reopened.findings(AS_OF)] == ["pupil-contact S1 T1 P1"]


def connection(a, b, connection_id):
    return World(connections=WorldBuilder().connect(a, b, connection_id=connection_id)
                 .build().connections)


def refuse(*args, **kwargs):
    raise AssertionError("evaluated or loaded again")


def test_a_start_with_unchanged_facts_reads_the_findings_back_without_evaluating(tmp_path, monkeypatch):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().connect("T1", "P1").connect("T1", "M1").build())
        made = store.findings(AS_OF)
    monkeypatch.setattr(Evaluation, "run", refuse)
    monkeypatch.setattr(FactGraph, "__init__", refuse)
    with EmbeddedStore(tmp_path / "data") as store:
        assert store.findings(AS_OF) == made
        assert len(made) == 2


def test_findings_kept_current_by_changes_are_saved_when_the_store_closes(tmp_path, monkeypatch):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().build())
        store.findings(AS_OF)
        store.upsert(connection("T1", "P1", "C1"))
        made = store.findings(AS_OF)
    monkeypatch.setattr(Evaluation, "run", refuse)
    with EmbeddedStore(tmp_path / "data") as store:
        assert store.findings(AS_OF) == made
        assert [summary(f) for f in made] == ["pupil-contact S1 T1 P1"]


def test_saved_findings_are_not_used_once_the_facts_change(tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().build())
        assert store.findings(AS_OF) == []
    with EmbeddedStore(tmp_path / "data") as writer:  # as another process would
        writer.upsert(connection("T1", "P1", "C1"))
    with EmbeddedStore(tmp_path / "data") as store:
        assert summaries(store) == ["pupil-contact S1 T1 P1"]
        assert [summary(f) for f in store.findings(d("2026-11-23"))] == ["pupil-contact S1 T1 P1"]


def test_a_store_another_writer_got_ahead_of_saves_no_findings(tmp_path):
    first = EmbeddedStore(tmp_path / "data")
    first.import_world(school().build())
    first.findings(AS_OF)
    with EmbeddedStore(tmp_path / "data") as second:
        second.upsert(connection("T1", "P1", "C1"))
    first.upsert(connection("T1", "M1", "C2"))  # it knows nothing of C1
    first.close()
    with EmbeddedStore(tmp_path / "data") as store:
        assert summaries(store) == ["parent-contact S1 T1 M1", "pupil-contact S1 T1 P1"]


def test_a_changed_profile_file_makes_the_findings_be_evaluated_again(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text((PROFILE_DIR / "ninestiles.toml").read_text())
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school(str(policy)).connect("T1", "M1").build())
        assert [summary(f) for f in store.findings(AS_OF)] == ["parent-contact S1 T1 M1"]
    policy.write_text(policy.read_text().replace('parent-contact = ["ninestiles 8.4"]\n', ""))
    _load_file.cache_clear()  # as a new process would read it
    with EmbeddedStore(tmp_path / "data") as store:
        assert summaries(store) == []


def test_taking_the_position_of_whoever_accepted_a_declaration_brings_its_finding_back(store):
    store.import_world(school().declare("T1", "M1", "family_friend", "accepted", "H1")
                       .connect("T1", "P1").build())
    assert summaries(store) == []
    no_longer_head = WorldBuilder().staff("H1", start="2010-09-01").build()
    no_longer_head.people.clear()
    store.upsert(no_longer_head)
    assert summaries(store) == ["declaration-required S1 T1 P1"]


def test_when_an_accounts_administrator_leaves_its_finding_is_raised(store):
    """The policy's "authorised personnel" are employees: the staff member who left no longer counts,
    which leaves the account with one administrator."""
    store.import_world(school("mowbray").account("A1").admin("A1", "T1", "H1")
                       .admin("A1", "L1", "H1").build())
    assert summaries(store) == []
    left = WorldBuilder().staff("T1", start="2018-09-01", end="2026-10-31").build()
    left.people.clear()
    store.upsert(left)
    assert summaries(store) == ["school-account-oversight S1 - - account=A1"]


def test_when_the_last_leaders_leave_the_school_has_a_finding_of_its_own(store):
    store.import_world(school().build())
    assert summaries(store) == []
    left = (WorldBuilder().staff("H1", position="headteacher", start="2010-09-01", end="2026-08-31")
            .staff("L1", position="senior_leader", start="2012-09-01", end="2026-08-31").build())
    left.people.clear()
    store.upsert(left)
    assert summaries(store) == ["data-quality S1 - -"]


def test_a_trust_chief_executive_at_one_school_reviews_for_another_without_leaders(store):
    store.import_world(WorldBuilder().school("S1", trust="TR").school("S2", trust="TR")
                       .staff("T1", "S1").pupil("P1", "S1").connect("T1", "P1").build())
    [contact] = [f for f in store.findings(AS_OF) if f.rule == "pupil-contact"]
    assert contact.route_to == ("register administrators",)
    store.upsert(WorldBuilder().staff("CEO", "S2", position="trust_ceo").build())
    [contact] = [f for f in store.findings(AS_OF) if f.rule == "pupil-contact"]
    assert contact.route_to == ("CEO",)
    assert summaries(store) == ["data-quality S1 - -", "data-quality S2 - -",
                               "pupil-contact S1 T1 P1"]


def test_a_change_after_a_start_on_saved_findings_refreshes_them_without_evaluating_all(tmp_path, monkeypatch):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().connect("T1", "M1").build())
        store.findings(AS_OF)
    with EmbeddedStore(tmp_path / "data") as store:
        assert [summary(f) for f in store.findings(AS_OF)] == ["parent-contact S1 T1 M1"]
        with monkeypatch.context() as patched:
            patched.setattr(Evaluation, "run", refuse)
            store.upsert(connection("T1", "P1", "NEW"))
            changed = store.findings(AS_OF)
        assert changed == evaluate(FactGraph(store.export_world()), AS_OF)
        assert sorted(summary(f) for f in changed) == ["parent-contact S1 T1 M1",
                                                       "pupil-contact S1 T1 P1"]


def test_a_write_while_the_facts_load_in_the_background_waits_for_them(tmp_path):
    import threading

    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().connect("T1", "M1").build())
        store.findings(AS_OF)
    with EmbeddedStore(tmp_path / "data") as store:
        loader = threading.Thread(target=store.load)
        loader.start()
        assert [summary(f) for f in store.findings(AS_OF)] == ["parent-contact S1 T1 M1"]
        store.upsert(connection("T1", "P1", "NEW"))
        assert summaries(store) == ["parent-contact S1 T1 M1", "pupil-contact S1 T1 P1"]
        loader.join()
    with EmbeddedStore(tmp_path / "data") as store:
        assert summaries(store) == ["parent-contact S1 T1 M1", "pupil-contact S1 T1 P1"]


def test_an_erasure_leaves_no_saved_finding_naming_the_person(tmp_path):
    import sqlite3

    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school().connect("T1", "P1").build())
        store.findings(AS_OF)
    with EmbeddedStore(tmp_path / "data") as store:
        assert [summary(f) for f in store.findings(AS_OF)] == ["pupil-contact S1 T1 P1"]
        store.erase_person("P1")
        with sqlite3.connect(store.path) as db:
            assert db.execute("SELECT findings FROM saved_findings").fetchall() == []
        assert store.findings(AS_OF) == []
    with sqlite3.connect(tmp_path / "data" / "register.sqlite3") as db:
        assert all('"P1"' not in text for (text,) in
                   db.execute("SELECT findings FROM saved_findings"))


def test_an_import_into_an_empty_store_answers_from_what_it_wrote(tmp_path):
    """The facts of an import into an empty store are built from the world it wrote when
    first asked for: the same findings as a store that reads its tables, whatever the
    caller does with its world afterwards."""
    world = school().connect("T1", "P1").build()
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(world)
        world.connections.clear()  # the caller's world, changed after the import
        world.people.clear()
        found = [summary(f) for f in store.findings(AS_OF)]
        assert store.person("P1") is not None
    assert found == ["pupil-contact S1 T1 P1"]
    with EmbeddedStore(tmp_path / "data") as reread:
        reread.findings(AS_OF)  # saved by the first store: read back
        assert reread.facts.world == reread.export_world()
        assert sorted(summary(f) for f in Evaluation(reread.facts, AS_OF).run().sorted()) == found
