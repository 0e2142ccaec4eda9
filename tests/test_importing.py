"""`import_path`: CTFs and MIS exports into the store, one person per human, leavers by date,
nothing ended that a file does not name, a preview of every change and the undoing of the last.

Every positive case sits beside its near miss; the trap is named in the docstring."""

import datetime as dt
import filecmp
import re
from dataclasses import replace

import pytest

from graph.intake.ctf import CTFError
from graph.intake.exchange import ExchangeError, write_folder
from graph.intake.identity import IdentityTable, merge_people
from graph.intake.importing import import_path, undo_last_import
from graph.intake.mis import MISError, propose_mapping, save_mapping
from graph.model import FamilyKind, Role
from graph.store.embedded import EmbeddedStore
from tests.builder import WorldBuilder, add_leaders, school_with_leaders
from tests.ctf_factory import (
    FakeContact,
    FakePupil,
    billion_laughs,
    make_upn,
    synthetic_roll,
    write_ctf,
)

MUM = FakeContact("Nell", "Quillfeather", "PAM", 1, "nell.q@example.invalid", ("07700 900111",),
                  ("14 Elm Road", "ZZ1 1QQ"))
DAD = FakeContact("Piers", "Quillfeather", "PAF", 2, None, ("07700 900222",), ("14 Elm Road", "ZZ1 1QQ"))
GP = FakeContact("Hugh", "Marlow", "DOC", 3, None, ("01632 960999",))
AVA = FakePupil(make_upn(1), "Ava", "Quillfeather", "2014-05-06", "F", [MUM, DAD, GP], "2021-09-01")
BO = FakePupil(make_upn(2), "Bo", "Quillfeather", "2016-01-10", "M", [MUM, DAD], "2023-09-01")
CY = FakePupil(make_upn(3), "Cy", "Ferncastle", "2015-03-03", "M", [], "2022-09-01")


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(add_leaders(school_with_leaders().school("S2"), "S2", prefix="B").build())
        yield store


def exported(store, folder):
    write_folder(store.export_world(), folder)
    return folder


def same_folders(a, b) -> bool:
    return all(filecmp.cmp(a / f.name, b / f.name, shallow=False) for f in a.iterdir())


def pupil_memberships(store, school_id="S1"):
    return sorted((m.person_id, m.start_date.isoformat(), m.end_date and m.end_date.isoformat())
                  for m in store.export_world().memberships
                  if m.role is Role.PUPIL and m.school_id == school_id)


def test_a_ctf_brings_pupils_their_family_and_no_one_else(store, tmp_path):
    """Traps: the same mother and father appear under both children and must be one person
    each; the pupil's doctor is a contact, not family, and is not imported at all."""
    report = import_path(store, write_ctf(tmp_path / "roll.xml", [AVA, BO]), school_id="S1")
    world = store.export_world()
    assert pupil_memberships(store) == sorted([(f"UPN:{AVA.upn}", "2025-10-01", None),
                                               (f"UPN:{BO.upn}", "2025-10-01", None)]), "joined on the file's date"
    links = sorted((world.people[f.person_id].given_name, f.relative_id, f.kind) for f in world.family_links)
    assert links == [
        ("Nell", f"UPN:{AVA.upn}", FamilyKind.PARENT), ("Nell", f"UPN:{BO.upn}", FamilyKind.PARENT),
        ("Piers", f"UPN:{AVA.upn}", FamilyKind.PARENT), ("Piers", f"UPN:{BO.upn}", FamilyKind.PARENT),
    ]
    assert len({f.person_id for f in world.family_links}) == 2
    assert not any(p.family_name == "Marlow" for p in world.people.values())
    assert report.changes == {"people_added": 4, "memberships_added": 2, "family_links_added": 4}
    assert report.skipped_contacts == 1
    assert report.school_id == "S1" and report.file_date == dt.date(2025, 10, 1)


def test_contact_details_stay_out_of_the_exchange_world(store, tmp_path):
    """Trap: e-mail, phone and address are needed to match people, and are personal data
    the exchange format has no column for: they live in the identity table only."""
    import_path(store, write_ctf(tmp_path / "roll.xml", [AVA]), school_id="S1")
    folder = exported(store, tmp_path / "out")
    text = "".join(f.read_text() for f in folder.iterdir())
    assert "nell.q@example.invalid" not in text and "07700" not in text and "ZZ1" not in text
    with IdentityTable(tmp_path / "data") as identity:
        mum = next(f.person_id for f in store.export_world().family_links)
        assert ("email", "nell.q@example.invalid") in identity.of_person(mum)


def test_an_unknown_relationship_code_is_other_relative_with_a_warning(store, tmp_path):
    """Near miss of the CBDS codes: a code no list has still links the contact, warily."""
    aunt = FakeContact("Iris", "Quillfeather", "AUN", 1, "iris@example.invalid")
    path = write_ctf(tmp_path / "roll.xml", [FakePupil(make_upn(4), "Di", "Quillfeather", contacts=[aunt])])
    report = import_path(store, path, school_id="S1")
    [link] = store.export_world().family_links
    assert link.kind is FamilyKind.OTHER_RELATIVE
    assert len(report.warnings) == 1 and "'AUN' is not a CBDS relationship code" in report.warnings[0]


def test_importing_the_same_file_again_changes_nothing(store, tmp_path):
    """Trap: derived ids, start dates and family links must come out the same each time."""
    path = write_ctf(tmp_path / "roll.xml", synthetic_roll(40), version=19)
    import_path(store, path, school_id="S1")
    first = exported(store, tmp_path / "first")
    report = import_path(store, path)
    assert not report.changed and report.proposals == [] and report.leavers == []
    assert report.lines()[0].endswith("nothing changed")
    assert same_folders(first, exported(store, tmp_path / "second"))


def test_the_same_file_gives_the_same_ids_in_another_register(store, tmp_path):
    """Trap: a contact's id is derived from what the file says, not from a counter."""
    path = write_ctf(tmp_path / "roll.xml", [AVA, BO])
    import_path(store, path, school_id="S1")
    with EmbeddedStore(tmp_path / "other") as other:
        other.import_world(school_with_leaders().build())
        import_path(other, path, school_id="S1")
        assert set(other.export_world().people) - {"H1", "L1", "D1", "G1", "T1"} == {
            p for p in store.export_world().people if p.startswith(("UPN:", "CON:"))}


OUR = ("823", "4001")  # school S1's DfE number, remembered from its first file


def on_roll(store, tmp_path, *pupils, file_date="2025-10-01"):
    """S1 as the register has it after a file that brought `pupils` in."""
    import_path(store, write_ctf(tmp_path / "in.xml", list(pupils), file_date=file_date), school_id="S1")


def test_a_leavers_file_to_an_unknown_destination_ends_only_the_pupils_it_names(store, tmp_path):
    """The damage this prevents: a school's own CTF to XXX/XXXX was read as a roll and
    ended every pupil not in it. Only the pupil named leaves, on their LeavingDate, and the
    teacher's connection to them turns from pupil-contact into ex-pupil-contact."""
    on_roll(store, tmp_path, AVA, BO, CY)
    store.upsert(WorldBuilder().connect("T1", f"UPN:{CY.upn}", connection_id="C1").build())
    leaving = replace(CY, entry_date="2025-10-01", leaving_date="2026-01-16", history_school=OUR)
    report = import_path(store, write_ctf(tmp_path / "leavers.xml", [leaving], file_date="2026-01-19",
                                          source=OUR, dest=("XXX", "XXXX")))
    assert (report.school_id, report.direction, report.leavers) == ("S1", "out", [f"UPN:{CY.upn}"])
    assert report.changes == {"memberships_ended": 1}
    assert pupil_memberships(store) == sorted([(f"UPN:{AVA.upn}", "2025-10-01", None),
                                               (f"UPN:{BO.upn}", "2025-10-01", None),
                                               (f"UPN:{CY.upn}", "2025-10-01", "2026-01-16")])

    def rules(on):
        return {f.rule for f in store.findings(on) if f.counterpart_id == f"UPN:{CY.upn}"}

    assert rules(dt.date(2026, 1, 16)) == {"pupil-contact"}
    assert rules(dt.date(2026, 1, 17)) == {"ex-pupil-contact"}
    again = import_path(store, tmp_path / "leavers.xml")
    assert not again.changed


@pytest.mark.parametrize("dest", [("MMM", "MMMM"), ("823", "4777"), ("MIS", "MIS")])
def test_a_file_out_without_a_leaving_date_ends_on_the_files_date(store, tmp_path, dest):
    """Near miss of the leavers file: missing or abroad (MMM/MMMM), another school, the
    school's MIS; no LeavingDate in the history, so the file's date is the last day."""
    on_roll(store, tmp_path, AVA, BO)
    report = import_path(store, write_ctf(tmp_path / "out.xml", [BO], file_date="2026-03-02",
                                          source=OUR, dest=dest))
    assert report.leavers == [f"UPN:{BO.upn}"]
    assert pupil_memberships(store) == sorted([(f"UPN:{AVA.upn}", "2025-10-01", None),
                                               (f"UPN:{BO.upn}", "2025-10-01", "2026-03-02")])


def test_a_partial_file_or_the_schools_own_file_ends_nobody_it_leaves_out(store, tmp_path):
    """Traps: a `partial` file leaves out modules and pupils; the school's own file (to
    itself) names some pupils. Neither is a roll: nobody missing from it leaves, and a
    pupil whose contacts module is missing keeps their family."""
    on_roll(store, tmp_path, AVA, BO, CY)
    links = len(store.export_world().family_links)
    bare_ava = replace(AVA, contacts=[])
    partial = write_ctf(tmp_path / "partial.xml", [bare_ava], file_date="2026-02-01",
                        qualifier="partial", dest=OUR)
    report = import_path(store, partial)
    assert report.partial and report.leavers == [] and not report.changed
    own = write_ctf(tmp_path / "own.xml", [AVA], file_date="2026-02-01", source=OUR, dest=OUR)
    report = import_path(store, own)
    assert report.direction == "own" and report.leavers == [] and not report.changed
    assert [m[2] for m in pupil_memberships(store)] == [None, None, None]
    assert len(store.export_world().family_links) == links


def test_a_pupil_who_comes_back_gets_a_new_membership(store, tmp_path):
    """Trap: reopening the old membership would erase the time they were away."""
    on_roll(store, tmp_path, AVA, CY)
    import_path(store, write_ctf(tmp_path / "out.xml", [CY], file_date="2026-01-12", source=OUR,
                                 dest=("XXX", "XXXX")))
    import_path(store, write_ctf(tmp_path / "back.xml", [CY], file_date="2026-04-20"))
    assert [m for m in pupil_memberships(store) if m[0] == f"UPN:{CY.upn}"] == [
        (f"UPN:{CY.upn}", "2025-10-01", "2026-01-12"), (f"UPN:{CY.upn}", "2026-04-20", None)]


def test_the_school_is_named_once_then_recognised_by_its_dfe_number(store, tmp_path):
    """Traps: a first file of an unknown school cannot be placed; a later one is placed by
    the number remembered; naming a school that contradicts the number is refused."""
    path = write_ctf(tmp_path / "in.xml", [AVA])
    with pytest.raises(CTFError) as caught:
        import_path(store, path)
    assert caught.value.problems == [
        "in.xml:1: Header: the register knows neither the source school 823/3999 nor the "
        "destination 823/4001: name the register school this file is for"]
    with pytest.raises(CTFError) as caught:
        import_path(store, path, school_id="S404")
    assert caught.value.problems == ["in.xml:1: -: there is no school 'S404' in the register"]
    assert import_path(store, path, school_id="S1").school_id == "S1"
    assert import_path(store, write_ctf(tmp_path / "later.xml", [AVA, BO], file_date="2026-01-05")).school_id == "S1"
    with pytest.raises(CTFError) as caught:
        import_path(store, path, school_id="S2")
    assert caught.value.problems == ["in.xml:1: Header/DestSchool: 823/4001 is school S1 in the "
                                     "register, not S2"]


def test_a_transfer_between_two_register_schools(store, tmp_path):
    """Trap: a CTF from S1 to S2 is no roll: it must end nobody else's membership at S1.
    The pupils join S2 on the file's date; the leaving date the history gives at S1 ends
    their membership there too; a file naming S1 as the school sees them leave."""
    on_roll(store, tmp_path, AVA, CY)
    import_path(store, write_ctf(tmp_path / "s2.xml", [BO], dest=("823", "4002")), school_id="S2")
    moving = replace(CY, entry_date="2025-10-01", leaving_date="2026-01-30", history_school=OUR)
    transfer = write_ctf(tmp_path / "move.xml", [moving], file_date="2026-02-02",
                         source=OUR, dest=("823", "4002"))
    report = import_path(store, transfer)
    assert (report.school_id, report.direction, report.leavers) == ("S2", "in", [])
    assert (f"UPN:{CY.upn}", "2026-02-02", None) in pupil_memberships(store, "S2")
    assert (f"UPN:{BO.upn}", "2025-10-01", None) in pupil_memberships(store, "S2")
    assert pupil_memberships(store, "S1") == sorted([(f"UPN:{AVA.upn}", "2025-10-01", None),
                                                     (f"UPN:{CY.upn}", "2025-10-01", "2026-01-30")])
    report = import_path(store, transfer, school_id="S1")
    assert report.direction == "out" and not report.changed


def test_a_former_upn_is_the_same_child(store, tmp_path):
    """The damage this prevents: a child who arrived with a temporary UPN became two
    people when the permanent one came with FormerUPN."""
    temporary = make_upn(77)
    on_roll(store, tmp_path, replace(AVA, upn=temporary, contacts=[]))
    permanent = replace(AVA, contacts=[], former_upn=temporary)
    report = import_path(store, write_ctf(tmp_path / "later.xml", [permanent], file_date="2026-01-05"))
    pupils = [p for p in store.export_world().people.values() if p.given_name == "Ava"]
    assert [p.person_id for p in pupils] == [f"UPN:{temporary}"]
    assert not report.changed
    with IdentityTable(tmp_path / "data") as identity:
        assert {("upn", temporary), ("upn", AVA.upn)} <= identity.of_person(f"UPN:{temporary}")


def test_a_father_under_two_siblings_is_one_person(store, tmp_path):
    """The damage this prevents: a father with no phone or e-mail, whose address is given
    as AddressAsPupil, became one person per child. Same name, relationship and (the
    pupils') address: one person. Near miss: with no address at all, the two are proposed,
    never merged alone."""
    dad = FakeContact("Piers", "Quillfeather", "PAF", 2, None, (), None, address_as_pupil=True)
    kids = [replace(AVA, contacts=[dad]), replace(BO, contacts=[dad])]
    report = import_path(store, write_ctf(tmp_path / "in.xml", kids), school_id="S1")
    world = store.export_world()
    [piers] = [p.person_id for p in world.people.values() if p.given_name == "Piers"]
    assert sorted(f.relative_id for f in world.family_links if f.person_id == piers) == [
        f"UPN:{AVA.upn}", f"UPN:{BO.upn}"]
    assert report.proposals == []
    assert {f.relative_id: f.parental_responsibility for f in world.family_links
            if f.person_id == piers} == {f"UPN:{AVA.upn}": True, f"UPN:{BO.upn}": True}

    far = FakeContact("Hal", "Ferncastle", "PAF", 1)
    mum = FakeContact("Rue", "Ferncastle", "PAM", 2, "rue@example.invalid")
    twins = [FakePupil(make_upn(11), "Ed", "Ferncastle", contacts=[far, mum], address=None),
             FakePupil(make_upn(12), "Flo", "Ferncastle", contacts=[far, mum], address=None)]
    report = import_path(store, write_ctf(tmp_path / "twins.xml", twins))
    hals = sorted(p.person_id for p in store.export_world().people.values() if p.given_name == "Hal")
    assert len(hals) == 2, "no exact evidence: two people until someone confirms"
    assert [(p.person_id, p.other_id) for p in report.proposals] == [tuple(hals)]
    assert "same name 'hal ferncastle' and relationship PAF" in report.proposals[0].reason


@pytest.mark.parametrize("version", [17, 21, 25])
def test_versions_import_alike(store, tmp_path, version):
    """Trap: `Sex` in older files, `Gender` in newer; the register's facts are the same."""
    report = import_path(store, write_ctf(tmp_path / "roll.xml", [AVA, BO], version=version), school_id="S1")
    assert report.changes == {"people_added": 4, "memberships_added": 2, "family_links_added": 4}
    with IdentityTable(tmp_path / "data") as identity:
        assert ("sex", "M") in identity.of_person(f"UPN:{BO.upn}")


def test_a_hostile_file_imports_nothing(store, tmp_path):
    """Trap: a billion-laughs file must fail before anything reaches the store."""
    before = exported(store, tmp_path / "before")
    (tmp_path / "laughs.xml").write_text(billion_laughs())
    with pytest.raises(CTFError):
        import_path(store, tmp_path / "laughs.xml", school_id="S1")
    big = write_ctf(tmp_path / "big.xml", synthetic_roll(5))
    with pytest.raises(CTFError) as caught:
        import_path(store, big, school_id="S1", max_ctf_bytes=100)
    assert "over the limit of 100" in caught.value.problems[0]
    assert same_folders(before, exported(store, tmp_path / "after"))


def test_folders_and_unknown_files(store, tmp_path):
    """Near miss: a PDF is none of the three kinds of input."""
    folder = exported(store, tmp_path / "folder")
    assert import_path(store, folder).kind == "folder"
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(ExchangeError) as caught:
        import_path(store, tmp_path / "notes.pdf")
    assert caught.value.problems == ["notes.pdf:1: -: not an exchange folder, a common transfer "
                                     "file (.xml) or an MIS export (.csv)"]


# -- MIS exports and one person per human ---------------------------------------------

STAFF_HEADER = "Staff ID,Forename,Surname,Personal Email,Mobile,Start Date,Leaving Date"


def staff_export(tmp_path, *rows, name="staff.csv"):
    path = tmp_path / name
    path.write_text("\n".join([STAFF_HEADER, *rows]) + "\n")
    return path


@pytest.fixture
def staff_source(tmp_path):
    path = staff_export(tmp_path, "X1,Nell,Quillfeather,,,01/09/2020,")
    save_mapping(propose_mapping(path, "sims-staff", role="staff", school_id="S1"),
                 tmp_path / "data", confirmed_by="Ada Admin")
    return "sims-staff"


def test_a_parent_who_is_also_staff_is_one_person(store, tmp_path, staff_source):
    """Trap: the staff export and the CTF both name Nell Quillfeather with the same e-mail:
    one human, so one person with a staff membership and two children."""
    import_path(store, write_ctf(tmp_path / "roll.xml", [AVA, BO]), school_id="S1")
    path = staff_export(tmp_path, "X1,Nell,Quillfeather,nell.q@example.invalid,,01/09/2020,")
    report = import_path(store, path, source=staff_source)
    assert report.proposals == []
    world = store.export_world()
    nell = [p for p in world.people.values() if p.given_name == "Nell"]
    assert len(nell) == 1
    assert [m.role for m in world.memberships if m.person_id == nell[0].person_id] == [Role.STAFF]
    assert sorted(f.relative_id for f in world.family_links if f.person_id == nell[0].person_id) == [
        f"UPN:{AVA.upn}", f"UPN:{BO.upn}"]
    assert report.changes == {"memberships_added": 1}
    assert report.matched == [f"Nell Quillfeather in the file is Nell Quillfeather ({nell[0].person_id}), "
                              "already in the register"]
    assert not import_path(store, path, source=staff_source).changed


def test_a_similar_name_is_proposed_and_never_merged_alone(store, tmp_path, staff_source):
    """Near miss of the exact match: "Nel" on the staff export shares Nell's mobile. The
    import proposes the pair and keeps two people until someone confirms; then one merge
    makes them one, and the proposal is not raised again."""
    import_path(store, write_ctf(tmp_path / "roll.xml", [AVA]), school_id="S1")
    path = staff_export(tmp_path, "X1,Nel,Quillfeather,,07700 900111,01/09/2020,")
    report = import_path(store, path, source=staff_source)
    [proposal] = report.proposals
    pair = {proposal.person_id, proposal.other_id}
    assert "MIS:sims-staff:X1" in pair and "same phone" in proposal.reason
    assert pair <= set(store.export_world().people), "both people are still there"
    with IdentityTable(tmp_path / "data") as identity:
        assert [p.person_id for p in identity.pending_proposals()] == [proposal.person_id]
        mum = (pair - {"MIS:sims-staff:X1"}).pop()
        merge_people(store, identity, mum, "MIS:sims-staff:X1", merged_by="H1")
        assert identity.pending_proposals() == []
    again = import_path(store, path, source=staff_source)
    assert not again.changed and again.proposals == []
    assert "MIS:sims-staff:X1" not in store.export_world().people


def test_a_staff_export_records_leaving_dates(store, tmp_path, staff_source):
    """Trap: a leaving date on an existing staff member replaces their membership; it does
    not add a second one."""
    import_path(store, staff_export(tmp_path, "X1,Nell,Quillfeather,,,01/09/2020,"), source=staff_source)
    report = import_path(store, staff_export(tmp_path, "X1,Nell,Quillfeather,,,01/09/2020,31/12/2025"),
                         source=staff_source)
    assert report.changes == {"memberships_ended": 1}
    [membership] = [m for m in store.export_world().memberships if m.person_id == "MIS:sims-staff:X1"]
    assert membership.end_date == dt.date(2025, 12, 31)


def test_a_csv_needs_its_source_and_a_confirmed_mapping(store, tmp_path):
    """Near miss: the same export with no source, or a source nobody mapped yet."""
    path = staff_export(tmp_path, "X1,Nell,Quillfeather,,,01/09/2020,")
    with pytest.raises(MISError) as caught:
        import_path(store, path)
    assert "name the source of this export" in caught.value.problems[0]
    with pytest.raises(MISError) as caught:
        import_path(store, path, source="arbor")
    assert "no confirmed column mapping for source 'arbor'" in caught.value.problems[0]


def test_a_contacts_birth_date_from_the_staff_export_survives_the_next_ctf(store, tmp_path, staff_source):
    """Trap: a CTF gives contacts no date of birth; its silence must not erase the one the
    staff export gave the same person."""
    roll = write_ctf(tmp_path / "roll.xml", [AVA])
    import_path(store, roll, school_id="S1")
    path = tmp_path / "staff.csv"
    path.write_text(STAFF_HEADER + ",Date of Birth\nX1,Nell,Quillfeather,nell.q@example.invalid,,01/09/2020,,1984-03-02\n")
    mapping = propose_mapping(path, "hr", role="staff", school_id="S1")
    save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin")
    import_path(store, path, source="hr")
    nell = next(p for p in store.export_world().people.values() if p.given_name == "Nell")
    assert str(nell.date_of_birth) == "1984-03-02"
    assert not import_path(store, roll).changed


def test_merge_and_undo_on_the_command_line_are_in_the_audit_trail(store, tmp_path, staff_source):
    """A trust admin confirms a proposal with `relreg people merge`, then undoes it: both are
    audited, the chain still verifies, and the register is as it was."""
    import shutil
    import subprocess

    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
    from graph.audit import AuditTrail

    import_path(store, write_ctf(tmp_path / "roll.xml", [AVA]), school_id="S1")
    import_path(store, staff_export(tmp_path, "X1,Nel,Quillfeather,,07700 900111,01/09/2020,"),
                source=staff_source)
    write_folder(store.export_world(), tmp_path / "before")
    store.close()
    relreg = [shutil.which("relreg")]
    data = ["--data", str(tmp_path / "data")]
    proposals = subprocess.run(relreg + ["people", "proposals"] + data, capture_output=True, text=True,
                               check=True).stdout.split()
    kept, absorbed = proposals[0], proposals[1].rstrip(":")
    assert "Quillfeather" in " ".join(proposals[2:]), "who they are, by name"
    merging = subprocess.run(relreg + ["people", "merge", kept, absorbed, "--by", "H1"] + data,
                             capture_output=True, text=True)
    assert merging.returncode == 0, merging.stderr
    merged = merging.stdout
    merge_id = merged.split()[0].rstrip(":")
    subprocess.run(relreg + ["people", "undo", merge_id] + data, capture_output=True, check=True)
    subprocess.run(relreg + ["audit", "verify"] + data, capture_output=True, check=True)
    db = open_service_db(tmp_path / "data" / SERVICE_DATABASE_NAME)
    actions = [entry.action for entry in AuditTrail(db).entries()]
    db.close()
    assert actions == ["person.merge", "person.merge.undo"]
    with EmbeddedStore(tmp_path / "data") as reopened:
        write_folder(reopened.export_world(), tmp_path / "after")
    assert filecmp.dircmp(tmp_path / "before", tmp_path / "after").diff_files == []


# -- previews, bad records, undo -------------------------------------------------------


def test_a_dry_run_lists_every_change_and_changes_nothing(store, tmp_path):
    """Trap: a preview that wrote the identity table or the store would be an import."""
    before = exported(store, tmp_path / "before")
    path = write_ctf(tmp_path / "in.xml", [AVA, BO])
    preview = import_path(store, path, school_id="S1", dry_run=True)
    assert same_folders(before, exported(store, tmp_path / "after"))
    assert preview.changes == {"people_added": 4, "memberships_added": 2, "family_links_added": 4}
    assert "  Ava Quillfeather, born 2014-05-06: pupil at School S1 from 2025-10-01" in preview.lines()
    assert preview.lines()[-1] == "nothing was changed: this was a preview"
    done = import_path(store, path, school_id="S1")
    assert done.changes == preview.changes and done.details == preview.details


def test_a_preview_shows_what_an_import_overwrites(store, tmp_path):
    """Nothing existing is overwritten unseen: a new surname is listed with old and new."""
    import_path(store, write_ctf(tmp_path / "in.xml", [AVA]), school_id="S1")
    renamed = replace(AVA, family_name="Marlow", contacts=[])
    preview = import_path(store, write_ctf(tmp_path / "later.xml", [renamed]), dry_run=True)
    assert preview.changes == {"people_updated": 1}
    assert preview.details == ["Ava Quillfeather, born 2014-05-06: family name 'Quillfeather' -> 'Marlow'"]


def test_bad_records_are_left_out_only_on_request(store, tmp_path):
    """Near miss: without skip_bad the file is refused whole; with it, the bad pupil is
    left out and its line reported, and the good ones are imported."""
    bad = FakePupil(make_upn(5), "Di", "Quillfeather", date_of_birth="2014-02-30")
    path = write_ctf(tmp_path / "in.xml", [AVA, bad])
    with pytest.raises(CTFError):
        import_path(store, path, school_id="S1")
    report = import_path(store, path, school_id="S1", skip_bad=True)
    assert [m[0] for m in pupil_memberships(store)] == [f"UPN:{AVA.upn}"]
    [skipped] = report.skipped
    assert "Pupil/DOB: '2014-02-30' is not a date that exists" in skipped
    assert any(line.startswith("  skipped in.xml:") for line in report.lines())


def test_the_last_import_of_a_school_can_be_undone(store, tmp_path):
    """Trap: undo must take back what the import added and put back what it replaced (an
    ended membership reopens), and must refuse once a later import changed the same facts."""
    on_roll(store, tmp_path, AVA, CY)
    after_roll = exported(store, tmp_path / "roll")
    out = write_ctf(tmp_path / "out.xml", [CY], file_date="2026-01-12", source=OUR, dest=("XXX", "XXXX"))
    import_path(store, out)
    assert undo_last_import(store, tmp_path / "data", "S1").startswith("undid the import of ")
    assert same_folders(after_roll, exported(store, tmp_path / "undone"))
    assert undo_last_import(store, tmp_path / "data", "S1").startswith("undid the import of ")
    assert [m for m in store.export_world().memberships if m.role is Role.PUPIL] == []
    with pytest.raises(ExchangeError) as caught:
        undo_last_import(store, tmp_path / "data", "S1")
    assert caught.value.problems == ["-:1: -: there is no import of school S1 to undo"]


def test_an_import_changed_since_is_not_undone(store, tmp_path):
    on_roll(store, tmp_path, AVA)
    import_path(store, write_ctf(tmp_path / "later.xml", [replace(AVA, family_name="Marlow")],
                                 file_date="2026-01-05"))
    with IdentityTable(tmp_path / "data") as identity:
        first = identity.imports()[0]["import_id"]
        identity.mark_import_undone(identity.imports()[1]["import_id"])  # as if skipped over
    with pytest.raises(ExchangeError) as caught:
        undo_last_import(store, tmp_path / "data", "S1")
    assert f"import {first} (in.xml) cannot be undone: 1 of the facts it wrote have changed" in \
        caught.value.problems[0]


# -- MIS exports bring families; full rolls ---------------------------------------------

SIMS_PUPILS = ("Adno,UPN,Legal Surname,Legal Forename,Preferred Forename,Date of Birth,Gender,"
               "Date of Admission,Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,"
               "Contact 1 Parental Responsibility,Contact 1 Priority,Contact 1 Email,"
               "Contact 1 Telephone,Contact 2 Forename,Contact 2 Surname,Contact 2 Relationship,"
               "Contact 2 Parental Responsibility,Contact 2 Priority,Contact 2 Email,Contact 2 Telephone")


def mis_export(tmp_path, header, *rows, name="pupils.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def confirm(tmp_path, path, source, **kwargs):
    mapping = propose_mapping(path, source, **kwargs)
    save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin")
    return mapping


def test_a_sims_pupil_export_with_contact_columns_brings_the_family(store, tmp_path):
    """The damage this prevents: an export with parents' columns brought zero family
    links, silently. Traps: SIMS's "Date of Admission" is the start date; the preferred
    forename is shown, never taken for the legal one; siblings share one mother."""
    path = mis_export(tmp_path, SIMS_PUPILS,
                      f"1001,{AVA.upn},Quillfeather,Ava,Avie,06/05/2014,F,01/09/2021,Nell,Quillfeather,"
                      "Mother,Yes,1,nell.q@example.invalid,07700 900111,Piers,Quillfeather,Father,No,2,,",
                      f"1002,{BO.upn},Quillfeather,Bo,,10/01/2016,M,01/09/2023,Nell,Quillfeather,"
                      "Mother,Yes,1,nell.q@example.invalid,07700 900111,Hugh,Marlow,Doctor,No,3,,")
    mapping = confirm(tmp_path, path, "sims-pupils", role="pupil", school_id="S1")
    assert mapping.columns["start_date"] == ["Date of Admission"]
    assert mapping.columns["given_name"] == ["Legal Forename"]
    report = import_path(store, path, source="sims-pupils")
    world = store.export_world()
    assert world.people[f"UPN:{AVA.upn}"].given_name == "Ava"
    assert pupil_memberships(store) == sorted([(f"UPN:{AVA.upn}", "2021-09-01", None),
                                               (f"UPN:{BO.upn}", "2023-09-01", None)])
    parents = sorted((world.people[f.person_id].given_name, f.relative_id, f.kind) for f in world.family_links)
    assert parents == sorted([("Nell", f"UPN:{AVA.upn}", FamilyKind.PARENT),
                              ("Nell", f"UPN:{BO.upn}", FamilyKind.PARENT),
                              ("Piers", f"UPN:{AVA.upn}", FamilyKind.PARENT)])
    assert report.skipped_contacts == 1 and report.warnings == []
    with IdentityTable(tmp_path / "data") as identity:
        assert identity.preferred_name(f"UPN:{AVA.upn}") == ("Avie", "")
    [piers] = [f for f in world.family_links if world.people[f.person_id].given_name == "Piers"]
    assert piers.parental_responsibility is False


def test_pupils_without_contact_columns_come_with_a_plain_warning(store, tmp_path):
    """Near miss: the same pupils with no contact columns: imported, and the admin is told
    that no family came with them and what that means."""
    path = mis_export(tmp_path, "UPN,Legal Surname,Legal Forename,Date of Admission",
                      f"{AVA.upn},Quillfeather,Ava,01/09/2021")
    confirm(tmp_path, path, "arbor", role="pupil", school_id="S1")
    report = import_path(store, path, source="arbor")
    assert report.changes == {"people_added": 1, "memberships_added": 1}
    [warning] = report.warnings
    assert "1 pupil(s) came with no contact columns, so no family links came with them" in warning
    assert "connected to these pupils' parents" in warning


def test_a_separate_contacts_export_keyed_by_admission_number(store, tmp_path):
    """Bromcom and Arbor export contacts on their own, one row per contact, naming the
    pupil by UPN or by the pupils' export's id. Trap: a contact of a pupil the register
    does not hold is reported, not invented."""
    pupils = mis_export(tmp_path, "Admission Number,UPN,Legal Surname,Legal Forename,Date of Admission",
                        f"1001,{AVA.upn},Quillfeather,Ava,01/09/2021", name="pupils.csv")
    confirm(tmp_path, pupils, "bromcom", role="pupil", school_id="S1")
    import_path(store, pupils, source="bromcom")
    contacts = mis_export(tmp_path, "Admission Number,Forename,Surname,Relationship,"
                                    "Parental Responsibility,Priority,Email,Mobile",
                          "1001,Nell,Quillfeather,Mother,Yes,1,nell.q@example.invalid,07700 900111",
                          "9999,Iris,Nobody,Aunt,No,1,,", name="contacts.csv")
    mapping = propose_mapping(contacts, "bromcom-contacts", role="contact")
    mapping.pupils_source = "bromcom"
    save_mapping(mapping, tmp_path / "data", confirmed_by="Ada Admin")
    report = import_path(store, contacts, source="bromcom-contacts")
    [link] = store.export_world().family_links
    assert (link.relative_id, link.kind) == (f"UPN:{AVA.upn}", FamilyKind.PARENT)
    assert report.skipped == ["contacts.csv:3: no pupil 9999 in the register: import the pupils first"]


def test_only_a_full_roll_ends_the_memberships_it_leaves_out(store, tmp_path):
    """Traps: an export that is not said to be the full roll ends nobody; as the full roll,
    the preview says how many it ends, and ending more than a tenth needs a yes."""
    header = "UPN,Legal Surname,Legal Forename,Date of Admission"
    everyone = [f"{p.upn},{p.family_name},{p.given_name},01/09/2021" for p in (AVA, BO, CY)]
    confirm(tmp_path, mis_export(tmp_path, header, *everyone), "sims", role="pupil", school_id="S1")
    import_path(store, mis_export(tmp_path, header, *everyone), source="sims")
    two = mis_export(tmp_path, header, *everyone[:2], name="two.csv")
    assert import_path(store, two, source="sims").leavers == []
    preview = import_path(store, two, source="sims", full_roll=True, dry_run=True,
                          as_of=dt.date(2026, 3, 1))
    assert preview.changes == {"memberships_ended": 1}
    assert any("it ends the pupil membership of 1 of the 3 on roll at S1 (33%)" in w
               for w in preview.warnings)
    with pytest.raises(MISError) as caught:
        import_path(store, two, source="sims", full_roll=True, as_of=dt.date(2026, 3, 1))
    assert "would end 1 of the 3 pupil memberships at S1 (33%), more than a tenth" in \
        caught.value.problems[0]
    assert all(m[2] is None for m in pupil_memberships(store)), "refused: nothing ended"
    report = import_path(store, two, source="sims", full_roll=True, confirm_ending=True,
                         as_of=dt.date(2026, 3, 1))
    assert report.leavers == [f"UPN:{CY.upn}"]
    assert (f"UPN:{CY.upn}", "2021-09-01", "2026-03-01") in pupil_memberships(store)


# -- the command line and the admin page --------------------------------------------------


def test_the_command_line_previews_and_undoes(store, tmp_path):
    """A data manager runs --dry-run, reads what would change, imports, and takes it back."""
    import shutil
    import subprocess

    store.close()
    relreg = [shutil.which("relreg")]
    data = ["--data", str(tmp_path / "data")]
    path = write_ctf(tmp_path / "in.xml", [AVA])
    before = exported(EmbeddedStore(tmp_path / "data"), tmp_path / "before")
    preview = subprocess.run(relreg + ["import", str(path), "--school", "S1", "--dry-run"] + data,
                             capture_output=True, text=True, check=True).stdout
    assert preview.startswith(f"would import {path} (ctf, pupils joining dated 2025-10-01) for "
                              "school S1: 2 family links added, 1 memberships added, 3 people added")
    assert "nothing was changed: this was a preview" in preview
    done = subprocess.run(relreg + ["import", str(path), "--school", "S1"] + data,
                          capture_output=True, text=True, check=True).stdout
    assert done.startswith(f"imported {path}")
    undone = subprocess.run(relreg + ["undo-import", "--school", "S1"] + data,
                            capture_output=True, text=True, check=True).stdout
    assert undone.startswith("undid the import of ")
    with EmbeddedStore(tmp_path / "data") as reopened:
        assert same_folders(before, exported(reopened, tmp_path / "after"))
    again = subprocess.run(relreg + ["undo-import", "--school", "S1"] + data, capture_output=True,
                           text=True)
    assert again.returncode == 1 and "there is no import of school S1 to undo" in again.stderr
    from graph.audit import AuditTrail
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db

    db = open_service_db(tmp_path / "data" / SERVICE_DATABASE_NAME)
    entries = [(e.action, e.details.get("counts")) for e in AuditTrail(db).entries()]
    db.close()
    assert entries == [("import", {"family_links_added": 2, "memberships_added": 1,
                                   "people_added": 3}), ("import.undo", None)]


def test_the_admin_page_previews_an_import_before_it_is_made(tmp_path, monkeypatch):
    """Nothing existing is overwritten unseen: Preview lists each change and stores nothing;
    Import these changes then imports the zip kept from the preview."""
    import io
    import zipfile

    import api.identity.accounts
    from tests.api_world import FAST_HASHER, ServiceUnderTest
    from tests.pages_world import story_world
    from tests.test_pages import Browser, text

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, world=story_world())
    try:
        world = service.store.export_world()
        world.people["P1"] = replace(world.people["P1"], family_name="Morgan-Hale")
        write_folder(world, tmp_path / "folder")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for file in sorted((tmp_path / "folder").iterdir()):
                archive.write(file, file.name)
        admin = Browser(service, "admin")
        preview = admin.post("/admin/import", {"action": "preview"},
                             files={"file": ("trust.zip", buffer.getvalue())})
        shown = text(preview.text)
        assert "Preview of trust.zip: nothing has changed yet." in shown
        assert re.search(r"Ella Morgan, born [0-9-]+: family name 'Morgan' -> 'Morgan-Hale'", shown)
        assert service.store.person("P1").family_name == "Morgan"
        pending = re.search(r'name="pending" value="([0-9a-f]{64}\.zip)"', preview.text).group(1)
        imported = admin.post("/admin/import", {"action": "import", "pending": pending})
        assert "was imported." in text(imported.text)
        assert service.store.person("P1").family_name == "Morgan-Hale"
    finally:
        service.close()


def test_the_admin_page_previews_and_imports_a_common_transfer_file(tmp_path, monkeypatch):
    """A trust admin uploads a school's CTF: the preview lists the pupils and parents it
    brings and changes nothing; importing it raises the cases a connection to a new pupil
    makes, and the audit trail has the import with its counts."""
    import api.identity.accounts
    from tests.api_world import FAST_HASHER, ServiceUnderTest
    from tests.pages_world import story_world
    from tests.test_pages import Browser, text

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    service = ServiceUnderTest(tmp_path, world=story_world())
    try:
        admin = Browser(service, "admin")
        path = write_ctf(tmp_path / "in.xml", [AVA])
        preview = admin.post("/admin/import", {"action": "preview", "school": "S1"},
                             files={"file": ("autumn.xml", path.read_bytes())})
        shown = text(preview.text)
        assert "Ava Quillfeather, born 2014-05-06: pupil at Meadowbank Academy from 2025-10-01" in shown
        assert service.store.person(f"UPN:{AVA.upn}") is None
        pending = re.search(r'name="pending" value="([0-9a-f]{64}\.xml)"', preview.text).group(1)
        admin.post("/admin/import", {"action": "import", "pending": pending, "school": "S1"})
        assert service.store.person(f"UPN:{AVA.upn}") is not None
        [entry] = service.register.audit.entries(action="import")
        assert entry.details["counts"] == {"family_links_added": 2, "memberships_added": 1,
                                           "people_added": 3}
        bad = admin.post("/admin/import", {"action": "preview"},
                         files={"file": ("notes.pdf", b"%PDF")})
        assert bad.status_code == 422 and "choose a zip of an exchange folder" in text(bad.text)
    finally:
        service.close()


def test_parental_responsibility_lives_on_the_family_link(store, tmp_path):
    """A CTF's Responsibility is kept on the family link and shown in the preview; a later
    file that does not say (no Responsibility element) erases nothing; one that says
    otherwise changes it, shown as an update before anything is written."""
    no_pr = replace(DAD, responsibility=False)
    import_path(store, write_ctf(tmp_path / "in.xml", [replace(AVA, contacts=[MUM, no_pr])]),
                school_id="S1")
    def held():
        world = store.export_world()
        return {world.people[f.person_id].given_name: f.parental_responsibility
                for f in world.family_links}
    assert held() == {"Nell": True, "Piers": False}

    silent = [replace(MUM, responsibility=None), replace(DAD, responsibility=None)]
    report = import_path(store, write_ctf(tmp_path / "silent.xml", [replace(AVA, contacts=silent)],
                                          file_date="2026-01-05"), school_id="S1")
    assert "family_links_updated" not in report.changes
    assert held() == {"Nell": True, "Piers": False}, "a file that does not say erases nothing"

    court = [MUM, replace(DAD, responsibility=True)]
    preview = import_path(store, write_ctf(tmp_path / "court.xml", [replace(AVA, contacts=court)],
                                           file_date="2026-02-05"), school_id="S1", dry_run=True)
    assert preview.changes["family_links_updated"] == 1
    assert any(d.endswith("is the parent of Ava Quillfeather, born 2014-05-06, with parental "
                          "responsibility") for d in preview.details)
    assert held()["Piers"] is False, "a preview writes nothing"


def test_an_earlier_releases_responsibility_table_is_carried_onto_the_links(store, tmp_path):
    """Before the family link held it, parental responsibility sat in identity.sqlite3's
    link_details: the next import carries it onto the links and drops the table, so that the
    concept has one home."""
    import sqlite3

    import_path(store, write_ctf(tmp_path / "in.xml", [replace(AVA, contacts=[
        replace(MUM, responsibility=None), replace(DAD, responsibility=None)])]), school_id="S1")
    world = store.export_world()
    ids = {world.people[f.person_id].given_name: f.person_id for f in world.family_links}
    db = sqlite3.connect(tmp_path / "data" / "identity.sqlite3")
    db.execute("CREATE TABLE link_details (person_id TEXT, relative_id TEXT, "
               "parental_responsibility INTEGER, PRIMARY KEY (person_id, relative_id))")
    db.executemany("INSERT INTO link_details VALUES (?, ?, ?)",
                   [(ids["Nell"], f"UPN:{AVA.upn}", 1), (ids["Piers"], f"UPN:{AVA.upn}", 0)])
    db.commit()
    db.close()

    import_path(store, write_ctf(tmp_path / "next.xml", [CY], file_date="2026-01-05"),
                school_id="S1")
    assert {world.people[f.person_id].given_name: f.parental_responsibility
            for f in store.export_world().family_links} == {"Nell": True, "Piers": False}
    db = sqlite3.connect(tmp_path / "data" / "identity.sqlite3")
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert "link_details" not in tables


def test_an_import_that_prints_counts_counts_what_its_preview_lists_and_undoes_whole(store, tmp_path):
    """`relreg import FOLDER` counts without listing each change (a million lines at a
    million people): the counts are those its preview lists one by one, nothing is
    proposed for a folder, and the import log written for it still takes it back whole."""
    before = exported(store, tmp_path / "before")
    world = (school_with_leaders(school_id="S3", prefix="C").pupil("CP1", "S3")
             .family("CM1", "parent", "CP1").connect("CT1", "CM1").build())
    world.people["CM1"] = replace(world.people["CM1"], date_of_birth=None)
    folder = tmp_path / "trust"
    write_folder(world, folder)
    preview = import_path(store, folder, dry_run=True)
    done = import_path(store, folder, list_changes=False)
    assert done.changes == preview.changes == {
        "schools_added": 1, "people_added": 7, "memberships_added": 6,
        "family_links_added": 1, "connections_added": 1}
    assert len(preview.details) == 15 and done.details == []
    assert done.proposals == [] and done.lines()[0].startswith(f"imported {folder} (folder): ")
    assert undo_last_import(store, tmp_path / "data").startswith("undid the import of ")
    assert same_folders(before, exported(store, tmp_path / "undone"))
