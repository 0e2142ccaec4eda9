"""One person per human: exact matches, proposals never merged alone, merges undone exactly.

Every positive case sits beside its near miss; the trap is named in the docstring."""

import datetime as dt
import filecmp

import pytest

from graph.intake.exchange import write_folder
from graph.intake.identity import (
    Identity,
    IdentityIndex,
    IdentityTable,
    merge_people,
    merges,
    normal_phone,
    propose_matches,
    undo_merge,
)
from graph.model import BirthDate, Person
from graph.store.base import StoreError
from graph.store.embedded import EmbeddedStore
from tests.builder import school_with_leaders


def index_of(people: dict[str, Identity]) -> IdentityIndex:
    records = {pid: Person(pid, i.given_name, i.family_name, i.date_of_birth) for pid, i in people.items()}
    index = IdentityIndex(records, [])
    for pid, identity in people.items():
        index.add(pid, identity)
    return index


JANE = Identity.of("Jane", "Quillfeather", emails=["Jane.Q@example.invalid"], phones=["07700 900001"],
                   addresses=[("14 Elm Road", "ZZ1 1QQ")], sex="F")


def test_phone_numbers_in_one_form():
    """Trap: +44 (0)7700 and 07700 are the same number."""
    assert normal_phone("+44 (0)7700 900123") == normal_phone("0044 7700 900123") == "07700900123"
    assert normal_phone("12") is None


def test_same_name_and_email_is_the_same_person():
    """Near miss: a shared family e-mail address under another given name is not."""
    index = index_of({"A": JANE})
    assert index.resolve(Identity.of("JANE", "quillfeather", emails=["jane.q@EXAMPLE.invalid"])) == "A"
    assert index.resolve(Identity.of("John", "Quillfeather", emails=["jane.q@example.invalid"])) is None


def test_a_name_with_a_stroked_letter_is_the_same_name_spelled_without_it():
    """Trap: ł and ø do not come apart into a letter and an accent, so an earlier
    normal form dropped them: 'Łukasz' matched 'ukasz' and missed 'Lukasz'."""
    index = index_of({"A": Identity.of("Łukasz", "Sørensen", emails=["l.s@example.invalid"])})
    assert index.resolve(Identity.of("Lukasz", "Sorensen", emails=["l.s@example.invalid"])) == "A"
    assert index.resolve(Identity.of("ukasz", "Srensen", emails=["l.s@example.invalid"])) is None


def test_a_stable_id_does_not_move_when_names_are_compared_differently():
    """Trap: the id of someone already imported is worked out from the name; comparing
    'Łukasz' as 'lukasz' must not give the same file's row a new id on the next import.
    The id is the one the previous release gave this row."""
    row = Identity.of("Łukasz", "Sørensen", emails=["l.s@example.invalid"])
    assert row.stable_id("CON:") == "CON:c16616d9e11c02c9"


def test_same_name_and_address_is_the_same_person():
    """Near miss: the same name and postcode on another street is not an exact match."""
    index = index_of({"A": JANE})
    assert index.resolve(Identity.of("Jane", "Quillfeather", addresses=[("14 elm road", "zz11qq")])) == "A"
    assert index.resolve(Identity.of("Jane", "Quillfeather", addresses=[("3 Oak Lane", "ZZ1 1QQ")])) is None


def test_a_mother_is_never_taken_for_the_daughter_who_bears_her_name():
    """Trap: same name, same address; the daughter has a UPN and is matched by UPN alone."""
    daughter = Identity.of("Jane", "Quillfeather", BirthDate(2012, 1, 1), upn="U1",
                           addresses=[("14 Elm Road", "ZZ1 1QQ")])
    index = index_of({"UPN:U1": daughter})
    assert index.resolve(Identity.of("Jane", "Quillfeather", addresses=[("14 Elm Road", "ZZ1 1QQ")])) is None
    assert index.resolve(Identity.of("Jane", "Quillfeather", upn="U1")) == "UPN:U1"


def test_a_contradicting_sex_or_birth_date_is_not_the_same_person():
    """Trap: Sam Quillfeather and Sam Quillfeather, mother and father, share an e-mail."""
    index = index_of({"A": Identity.of("Sam", "Quillfeather", emails=["q@example.invalid"], sex="F")})
    father = Identity.of("Sam", "Quillfeather", emails=["q@example.invalid"], sex="M")
    assert index.resolve(father) is None
    assert father.stable_id("CON:") != Identity.of(
        "Sam", "Quillfeather", emails=["q@example.invalid"], sex="F").stable_id("CON:")
    unknown = Identity.of("Sam", "Quillfeather", emails=["q@example.invalid"])
    assert index.resolve(unknown) == "A", "near miss: no sex given contradicts nothing"


def test_a_similar_name_with_a_shared_phone_is_proposed():
    """Near miss of the exact match: Jennifer and Jenny share a phone, the names differ."""
    index = index_of({
        "STAFF": Identity.of("Jennifer", "Quillfeather", phones=["07700 900001"]),
        "CON": Identity.of("Jenny", "Quillfeather", phones=["07700900001"]),
    })
    assert index.resolve(Identity.of("Jenny", "Quillfeather", phones=["07700900001"])) == "CON"
    [proposal] = propose_matches(index, ["CON"])
    assert (proposal.person_id, proposal.other_id) == ("CON", "STAFF")
    assert proposal.reason.startswith("same phone; names 'jenny quillfeather' and 'jennifer quillfeather'")


def test_twins_family_and_decided_pairs_are_not_proposed():
    """Traps: twins share a birthday, an address and a surname but have two UPNs; a mother
    and child are linked by family; a pair rejected once is not proposed again."""
    twin = dict(date_of_birth=BirthDate(2014, 5, 6), addresses=[("14 Elm Road", "ZZ1 1QQ")])
    index = index_of({
        "UPN:A": Identity.of("Amy", "Quillfeather", upn="A", **twin),
        "UPN:B": Identity.of("Ami", "Quillfeather", upn="B", **twin),
        "CON:M": Identity.of("Amie", "Quillfeather", addresses=[("14 Elm Road", "ZZ1 1QQ")]),
    })
    assert propose_matches(index, ["UPN:A", "UPN:B"], linked={frozenset(("UPN:A", "CON:M")),
                                                              frozenset(("UPN:B", "CON:M"))}) == []
    assert [(p.person_id, p.other_id) for p in propose_matches(index, ["UPN:A"])] == [("CON:M", "UPN:A")]
    assert propose_matches(index, ["UPN:A"], decided={frozenset(("UPN:A", "CON:M"))}) == []


def test_a_name_alone_is_never_proposed():
    """Trap: two Jane Quillfeathers with nothing else in common are two people."""
    index = index_of({"A": Identity.of("Jane", "Quillfeather", phones=["07700900001"]),
                      "B": Identity.of("Jane", "Quillfeather", phones=["07700900002"])})
    assert propose_matches(index, ["A", "B"]) == []


# -- merges ------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    world = (
        school_with_leaders()
        .pupil("P1").pupil("P2")
        .person("PARENT", born=None)
        .family("PARENT", "parent", "P1")
        .staff("DUP", "S1", start="2019-09-01", born="1980-01-01")
        .family("DUP", "parent", "P2")
        .family("DUP", "spouse", "PARENT")
        .connect("DUP", "P1", connection_id="C1")
        .connect("DUP", "PARENT", connection_id="C2")
        .declare("DUP", "P1", "family_member", declaration_id="D1")
        .approach("DUP", "P2", report_id="R1")
        .account("A1").admin("A1", "DUP", "H1").admin("A1", "L1", "DUP")
        .build()
    )
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(world)
        yield store


def test_merge_rewrites_every_fact_and_undo_restores_exactly(store, tmp_path):
    """Trap: facts between the two (a spouse link, a connection) would become a person's
    link with themselves; they are dropped by the merge and restored by the undo."""
    write_folder(store.export_world(), tmp_path / "before")
    with IdentityTable(tmp_path / "data") as identity:
        identity.add({"DUP": Identity.of("Dee", "Dup", emails=["dee@example.invalid"], sex="F"),
                      "PARENT": Identity.of("Dee", "Dupe", phones=["07700900009"])})
        record = merge_people(store, identity, "PARENT", "DUP", merged_by="H1", reason="same person")
        world = store.export_world()
        assert "DUP" not in world.people
        assert world.people["PARENT"].date_of_birth == BirthDate(1980, 1, 1)
        assert [(m.person_id, m.role) for m in world.memberships if m.person_id == "PARENT"] == [("PARENT", "staff")]
        assert sorted((f.person_id, f.relative_id) for f in world.family_links
                      if "PARENT" in (f.person_id, f.relative_id)) == [("PARENT", "P1"), ("PARENT", "P2")]
        assert set(world.connections) == {"C1"} and world.connections["C1"].person_id == "PARENT"
        assert world.declarations["D1"].declarer_id == "PARENT"
        assert world.approaches["R1"].adult_id == "PARENT"
        assert sorted((a.person_id, a.authorised_by) for a in world.account_admins) == [
            ("L1", "PARENT"), ("PARENT", "H1")]
        assert identity.of_person("DUP") == set()
        assert ("email", "dee@example.invalid") in identity.of_person("PARENT")
        assert record.summary().startswith(f"{record.merge_id}: merged DUP into PARENT (")
        assert [m.merge_id for m in merges(identity)] == [record.merge_id]

        undone = undo_merge(store, identity, record.merge_id)
        assert undone.undone_at is not None
        write_folder(store.export_world(), tmp_path / "after")
        for name in sorted(p.name for p in (tmp_path / "before").iterdir()):
            assert filecmp.cmp(tmp_path / "before" / name, tmp_path / "after" / name, shallow=False), name
        assert identity.of_person("DUP") == {("email", "dee@example.invalid"), ("sex", "F")}
        assert identity.of_person("PARENT") == {("phone", "07700900009")}
        assert identity.proposal_status("DUP", "PARENT") == "rejected"
        with pytest.raises(StoreError, match="already undone"):
            undo_merge(store, identity, record.merge_id)


def test_merge_refuses_unknown_or_identical_people(store, tmp_path):
    """Near miss: a merge of someone with themselves, or with nobody."""
    with IdentityTable(tmp_path / "data") as identity:
        with pytest.raises(StoreError, match="no person NOBODY"):
            merge_people(store, identity, "P1", "NOBODY")
        with pytest.raises(StoreError, match="themselves"):
            merge_people(store, identity, "P1", "P1")


def test_findings_follow_a_merge(tmp_path):
    """Trap: the teacher T1 is also recorded as CON, the parent of P1 in the school's records.
    Apart, T1's connection with P1 is contact with a pupil; merged, it is a parent's with
    their own child and pupil-contact no longer fires. Undone, it fires again."""
    as_of = dt.date(2026, 3, 1)
    world = (school_with_leaders().pupil("P1").person("CON", born=None)
             .family("CON", "parent", "P1").connect("T1", "P1").build())
    with EmbeddedStore(tmp_path / "data") as store, IdentityTable(tmp_path / "data") as identity:
        store.import_world(world)

        def pupil_contact():
            return [(f.adult_id, f.counterpart_id) for f in store.findings(as_of) if f.rule == "pupil-contact"]

        assert pupil_contact() == [("T1", "P1")]
        record = merge_people(store, identity, "T1", "CON")
        assert pupil_contact() == []
        undo_merge(store, identity, record.merge_id)
        assert pupil_contact() == [("T1", "P1")]
