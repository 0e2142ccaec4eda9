"""`relreg import PATH`: an exchange folder, a DfE Common Transfer File or an MIS export.

A CTF or an MIS export becomes a small world of people, memberships and family links that
is added to what the store already holds: ids are derived from the source's own
identifiers, each incoming person is resolved against the register first (graph.intake.identity),
and a record is written only where it is new or has changed, so importing the same file
twice changes nothing.

A CTF belongs to one register school, found from its Header:
- a roll: the school's own export (no destination school, or itself). A pupil in the last
  roll of the school and missing from a later one has left: their membership ends on the
  new file's date, so they become an ex-pupil. Nobody is deleted.
- a transfer to a register school: the pupils join it.
- a transfer from a register school to a school outside the register: the pupils leave it,
  on their leaving date in the school history, else on the file's date.
The school is matched through the DfE numbers (LEA/Estab) the register remembers for it;
the first file of a school names it with `school_id`, and its number is remembered.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.intake.ctf import MAX_CTF_BYTES, CTFError, CTFFile, read_ctf
from graph.intake.exchange import ExchangeError, read_folder
from graph.intake.identity import Identity, IdentityIndex, IdentityTable, Kind, MatchProposal, propose_matches
from graph.intake.mis import MISError, load_mapping, read_mis
from graph.model import FamilyLink, LinkSource, Membership, Person, Role, World
from graph.store.base import Store


@dataclass
class ImportReport:
    path: str
    kind: str  # folder, ctf or mis
    school_id: str | None = None
    file_date: dt.date | None = None
    changes: Counter = field(default_factory=Counter)  # e.g. people_added, memberships_ended
    leavers: list[str] = field(default_factory=list)  # people whose pupil membership ended
    skipped_contacts: int = 0  # contacts who are not family (a doctor, a social worker...)
    warnings: list[str] = field(default_factory=list)
    proposals: list[MatchProposal] = field(default_factory=list)  # new, for a person to confirm

    @property
    def changed(self) -> bool:
        return any(self.changes.values())

    def lines(self) -> list[str]:
        """What `relreg import` prints."""
        where = f" for school {self.school_id}" if self.school_id else ""
        dated = f" dated {self.file_date}" if self.file_date else ""
        done = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in sorted(self.changes.items()) if n)
        lines = [f"imported {self.path} ({self.kind}{dated}){where}: {done or 'nothing changed'}"]
        if self.skipped_contacts:
            lines.append(f"{self.skipped_contacts} contact(s) who are not family were not imported")
        if self.leavers:
            lines.append(f"{len(self.leavers)} pupil(s) missing from this file left on "
                         f"{self.file_date}: {', '.join(self.leavers)}")
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"possible same person: {p.person_id} and {p.other_id} ({p.reason})"
                  for p in self.proposals]
        return lines


def import_path(store: Store, path: str | os.PathLike, *, school_id: str | None = None,
                source: str | None = None, data_dir: str | os.PathLike | None = None,
                max_ctf_bytes: int = MAX_CTF_BYTES) -> ImportReport:
    """Import a folder (exchange format), an .xml (CTF) or a .csv (MIS export of `source`,
    read through its confirmed column mapping). Raises ExchangeError (CTFError, MISError)
    listing every problem; then nothing was imported."""
    path = Path(path)
    if data_dir is None:
        from graph.store.embedded import default_data_dir

        data_dir = getattr(store, "data_dir", None) or default_data_dir()
    if path.is_dir():
        return import_folder(store, path)
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return import_ctf(store, path, school_id=school_id, data_dir=data_dir, max_bytes=max_ctf_bytes)
    if suffix == ".csv":
        if not source:
            raise MISError([f"{path.name}:1: -: name the source of this export, so that its "
                            "confirmed column mapping is used"])
        return import_mis(store, path, source=source, school_id=school_id, data_dir=data_dir)
    raise ExchangeError([f"{path.name}:1: -: not an exchange folder, a common transfer file "
                         "(.xml) or an MIS export (.csv)"])


def import_folder(store: Store, folder: Path) -> ImportReport:
    world = read_folder(folder)
    store.import_world(world)
    report = ImportReport(str(folder), "folder")
    report.changes.update({f"{name}_imported": n for name, n in world.counts().items()})
    return report


class _Delta:
    """The facts a file brings that the store does not hold yet, as they are met."""

    def __init__(self, existing: World):
        self.existing = existing
        self.world = World()
        self.changes: Counter = Counter()
        # (person, school, role) -> {membership key: membership}, as stored or as changed here
        self._memberships: dict[tuple, dict[tuple, Membership]] = defaultdict(dict)
        for m in existing.memberships:
            self._memberships[m.person_id, m.school_id, m.role][m.key] = m
        self._changed_memberships: dict[tuple, Membership] = {}
        self._links = {f.key for f in existing.family_links}

    def person(self, person: Person) -> None:
        old = self.known_person(person.person_id)
        if old != person:
            self.changes["people_updated" if old else "people_added"] += 1
            self.world.people[person.person_id] = person

    def person_from(self, person: Person, source_id: str) -> None:
        """A source rewrites the people it made (their id is the one it derives); a person
        made elsewhere and matched to it keeps their record, gaining only a date of birth."""
        old = self.known_person(person.person_id)
        if old is not None and person.date_of_birth is None:
            person = replace(person, date_of_birth=old.date_of_birth)  # unknown is not erased
        if old is None or person.person_id == source_id:
            self.person(person)
        elif old.date_of_birth is None and person.date_of_birth is not None:
            self.person(replace(old, date_of_birth=person.date_of_birth))

    def known_person(self, person_id: str) -> Person | None:
        return self.world.people.get(person_id) or self.existing.people.get(person_id)

    def membership(self, membership: Membership, *, ending: bool = False) -> None:
        held = self._memberships[membership.person_id, membership.school_id, membership.role]
        old = held.get(membership.key)
        if old == membership:
            return
        change = "memberships_added" if old is None else (
            "memberships_ended" if ending else "memberships_updated")
        self.changes[change] += 1
        held[membership.key] = membership
        self._changed_memberships[membership.key] = membership

    def memberships_of(self, person_id: str, school_id: str, role: Role) -> list[Membership]:
        return sorted(self._memberships[person_id, school_id, role].values(),
                      key=lambda m: m.start_date)

    def family_link(self, link: FamilyLink) -> None:
        if link.key not in self._links:
            self._links.add(link.key)
            self.changes["family_links_added"] += 1
            self.world.family_links.append(link)

    def facts(self) -> World:
        """Every new or changed fact, to add to the store; empty where nothing changed."""
        self.world.memberships = list(self._changed_memberships.values())
        return self.world


class _Incoming:
    """The people of one file, each resolved against the register as they are met."""

    def __init__(self, index: IdentityIndex):
        self.index = index
        self.found: dict[str, Identity] = {}  # person id -> all the file says of them

    def resolve(self, person: Identity, new_id: str) -> str:
        """The register's id for `person`: someone known on exact identifiers, else `new_id`."""
        person_id = self.index.resolve(person) or new_id
        self.index.add(person_id, person)
        if person_id in self.found:
            person = replace(person, identifiers=self.found[person_id].identifiers | person.identifiers)
        self.found[person_id] = person
        return person_id


def _not_ended_by(memberships: list[Membership], on: dt.date) -> Membership | None:
    """The membership still open on `on` (started or not), if any."""
    return next((m for m in memberships if m.end_date is None or m.end_date >= on), None)


# -- common transfer files ---------------------------------------------------------------


def import_ctf(store: Store, path: Path, *, school_id: str | None, data_dir: str | os.PathLike,
               max_bytes: int = MAX_CTF_BYTES) -> ImportReport:
    ctf = read_ctf(path, max_bytes)
    with IdentityTable(data_dir) as identity:
        existing = store.export_world()
        school_id, direction, number = _school_of(ctf, school_id, identity.school_numbers(), existing)
        report = ImportReport(str(path), "ctf", school_id, ctf.file_date)
        report.warnings += ctf.warnings
        people = _Incoming(identity.index(existing))
        delta = _Delta(existing)
        listed = set()
        for pupil in ctf.pupils:
            listed.add(pupil.upn)
            pupil_id = people.resolve(
                Identity.of(pupil.given_name, pupil.family_name, pupil.date_of_birth,
                            upn=pupil.upn, sex=pupil.sex),
                f"UPN:{pupil.upn}",
            )
            delta.person_from(Person(pupil_id, pupil.given_name, pupil.family_name,
                                     pupil.date_of_birth), f"UPN:{pupil.upn}")
            _pupil_membership(delta, report, ctf, pupil, pupil_id, school_id, direction, number)
            for contact in pupil.contacts:
                if contact.kind is None:
                    report.skipped_contacts += 1
                    continue
                address = contact.address
                person = Identity.of(
                    contact.given_name, contact.family_name, emails=contact.emails,
                    phones=contact.phones, sex=contact.sex,
                    addresses=[(address.first_line, address.postcode)] if address else [],
                )
                new_id = person.stable_id("CON:", f"contact of {pupil.upn}")
                contact_id = people.resolve(person, new_id)
                delta.person_from(Person(contact_id, contact.given_name, contact.family_name, None), new_id)
                delta.family_link(FamilyLink(contact_id, pupil_id, contact.kind, LinkSource.RECORDS))

        roll_to_remember = None
        if direction == "roll":
            roll_to_remember = _end_leavers(delta, report, identity, people.index, ctf, school_id, listed)

        if any(delta.facts().counts().values()):
            store.import_world(delta.facts())
        report.changes.update(delta.changes)
        # Side tables after the store: a crash in between is mended by importing again.
        identity.add(people.found)
        if number:
            identity.remember_school_number(number, school_id)
        if roll_to_remember is not None:
            identity.remember_roll(school_id, ctf.file_date, roll_to_remember)
        report.proposals = _new_proposals(store, identity, people.found)
    return report


def _school_of(ctf: CTFFile, school_id: str | None, numbers: dict[str, str],
               existing: World) -> tuple[str, str, str | None]:
    """(register school, direction: roll, in or out, the school's DfE number in this file)."""
    name = ctf.name
    source, dest = ctf.source_school, ctf.dest_school
    if school_id is not None and school_id not in existing.schools:
        raise CTFError([f"{name}:1: -: there is no school {school_id!r} in the register"])

    def known_as(number: str | None) -> str | None:
        found = numbers.get(number) if number else None
        return found if found in existing.schools else None

    if dest is None or dest == source:
        known = known_as(source)
        if school_id and known and known != school_id:
            raise CTFError([f"{name}:1: Header/SourceSchool: {source} is school {known} in the "
                            f"register, not {school_id}"])
        chosen, direction, number = school_id or known, "roll", source
    elif school_id:
        if known_as(source) == school_id:
            chosen, direction, number = school_id, "out", source
        elif known_as(dest) in (None, school_id):
            chosen, direction, number = school_id, "in", dest
        else:
            raise CTFError([f"{name}:1: Header/DestSchool: {dest} is school {known_as(dest)} in "
                            f"the register, not {school_id}"])
    elif known_as(dest):
        chosen, direction, number = known_as(dest), "in", dest
    elif known_as(source):
        chosen, direction, number = known_as(source), "out", source
    else:
        chosen, direction, number = None, "", None
    if chosen is None:
        raise CTFError([f"{name}:1: Header: the register knows neither the source school "
                        f"{source or '(none)'} nor the destination {dest or '(none)'}: name the "
                        "register school this file is for"])
    return chosen, direction, number


def _pupil_membership(delta, report, ctf, pupil, pupil_id, school_id, direction, number) -> None:
    spell = pupil.spell_at(number)
    memberships = delta.memberships_of(pupil_id, school_id, Role.PUPIL)
    if direction == "out":
        leaving = spell.leaving_date if spell and spell.leaving_date else ctf.file_date
        current = _not_ended_by(memberships, leaving)
        if current is not None and current.start_date <= leaving:
            delta.membership(replace(current, end_date=leaving), ending=True)
            report.leavers.append(pupil_id)
        elif not memberships:
            if spell and spell.entry_date and spell.entry_date <= leaving:
                delta.membership(Membership(pupil_id, school_id, Role.PUPIL, None,
                                            spell.entry_date, leaving))
            else:
                report.warnings.append(
                    f"{ctf.name}:{pupil.line}: Pupil: {pupil.upn} leaves school {school_id}, "
                    "which the register never had on roll and the file gives no entry date: "
                    "no membership recorded")
        return
    if _not_ended_by(memberships, ctf.file_date) is None:
        start = spell.entry_date if spell and spell.entry_date and spell.entry_date <= ctf.file_date \
            else ctf.file_date
        delta.membership(Membership(pupil_id, school_id, Role.PUPIL, None, start, None))


def _end_leavers(delta, report, identity, index: IdentityIndex, ctf: CTFFile, school_id: str,
                 listed: set[str]) -> set[str] | None:
    """End the membership of every pupil of the school's last roll missing from this one;
    returns the roll to remember, or None where this file is older than the last."""
    last = identity.last_roll(school_id)
    if last is None:
        return listed
    last_date, last_upns = last
    if ctf.file_date < last_date:
        report.warnings.append(
            f"{ctf.name}:1: Header/DateTime: this file ({ctf.file_date}) is older than the last "
            f"file of school {school_id} ({last_date}): nobody's membership was ended")
        return None
    for upn in sorted(last_upns - listed):
        people = index.by_identifier.get((Kind.UPN, upn))
        if not people:
            continue
        pupil_id = min(people)
        current = _not_ended_by(delta.memberships_of(pupil_id, school_id, Role.PUPIL), ctf.file_date)
        if current is not None and current.start_date <= ctf.file_date and current.end_date != ctf.file_date:
            delta.membership(replace(current, end_date=ctf.file_date), ending=True)
            report.leavers.append(pupil_id)
    return listed


def _new_proposals(store: Store, identity: IdentityTable, found: dict[str, Identity]) -> list[MatchProposal]:
    world = store.export_world()
    linked = {frozenset((f.person_id, f.relative_id)) for f in world.family_links}
    proposals = propose_matches(identity.index(world), found, linked, identity.decided_pairs())
    identity.add_proposals(proposals, dt.date.today())
    return proposals


# -- MIS exports -------------------------------------------------------------------------


def import_mis(store: Store, path: Path, *, source: str, school_id: str | None,
               data_dir: str | os.PathLike) -> ImportReport:
    mapping = load_mapping(data_dir, source)
    if school_id is not None:
        if "school" in mapping.columns or (mapping.school_id and mapping.school_id != school_id):
            raise MISError([f"{path.name}:1: -: the mapping of {source!r} already says which "
                            f"school each row is for; {school_id!r} contradicts it"])
        mapping.school_id = school_id
    with IdentityTable(data_dir) as identity:
        existing = store.export_world()
        export = read_mis(path, mapping, set(existing.schools))
        report = ImportReport(str(path), "mis", mapping.school_id)
        report.warnings += export.warnings
        people = _Incoming(identity.index(existing))
        delta = _Delta(existing)
        for row in export.rows:
            person = Identity.of(
                row.given_name, row.family_name, row.date_of_birth, upn=row.upn,
                ref=f"{source}:{row.external_id}" if row.external_id else None,
                emails=row.emails, phones=row.phones, sex=row.sex,
                addresses=[row.address] if row.address else [],
            )
            if row.upn:
                new_id = f"UPN:{row.upn}"
            elif row.external_id:
                new_id = f"MIS:{source}:{row.external_id}"
            else:
                new_id = person.stable_id(f"MIS:{source}:")
            person_id = people.resolve(person, new_id)
            delta.person_from(Person(person_id, row.given_name, row.family_name, row.date_of_birth),
                              new_id)
            delta.membership(Membership(person_id, row.school_id, row.role, row.position,
                                        row.start_date, row.end_date))
        if any(delta.facts().counts().values()):
            store.import_world(delta.facts())
        report.changes.update(delta.changes)
        identity.add(people.found)
        report.proposals = _new_proposals(store, identity, people.found)
    return report
