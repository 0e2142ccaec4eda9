"""`relreg import PATH`: an exchange folder, a DfE Common Transfer File or an MIS export.

Every import is planned before it changes anything: the plan says which people are added,
updated (old and new values) or matched to someone the register knows, which memberships
start and end, which family links are added, and every problem with its file and line.
`import_path(..., dry_run=True)` stops there (the preview); otherwise the plan is applied,
logged with its counts, and can be undone while it is the last import of its school.

A CTF or an MIS export becomes a small world of people, memberships and family links that
is added to what the store already holds: ids are derived from the source's own
identifiers, each incoming person is resolved against the register first
(graph.intake.identity), and a record is written only where it is new or has changed, so
importing the same file twice changes nothing.

A CTF transfers some pupils; it is never a school's roll, so it never ends a membership it
does not name. Its Header says which way the pupils move:
- in: the DestSchool is the register's school; the pupils join it from their EntryDate
  there, else the file's date;
- out: the SourceSchool is the register's school, whatever the destination (another
  school, XXX/XXXX for an unknown one, MMM/MMMM for a pupil gone missing or abroad); the
  pupils named leave on their LeavingDate at the school, else on the file's date;
- the school's own file (DestSchool is itself): the pupils named are on roll, and leave
  only where their history gives a LeavingDate.
A LeavingDate at any register school in a pupil's history ends that membership too. A
`partial` file leaves out whole modules: what it does not say is never read as deleted.

Only an MIS export imported as the full roll (`full_roll=True`) ends the memberships of
people it does not list; ending more than a tenth of a school's roll needs
`confirm_ending=True`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.intake.ctf import MAX_CTF_BYTES, CTFError, CTFFile, CTFPupil, read_ctf
from graph.intake.exchange import ExchangeError, collector_held_off, read_folder
from graph.intake.identity import (
    Identity,
    IdentityIndex,
    IdentityTable,
    Kind,
    MatchProposal,
    normal_address,
    propose_matches,
)
from graph.intake.mis import MISContact, MISError, load_mapping, read_mis, read_mis_contacts
from graph.facts import FactGraph
from graph.model import FamilyLink, Finding, LinkSource, Membership, Person, Role, World
from graph.names import normal_name
from graph.profiles import SHIPPED, keep_profile
from graph.rules import Evaluation, evaluate
from graph.store.base import Store

# Ending more than this share of a school's roll in one import needs an explicit yes.
CONFIRM_ENDING_SHARE = 0.10
MAX_DETAILS = 2000  # changes listed one by one; past that, counted
# A preview that would open more findings than this warns that they land in the queue.
MANY_FINDINGS = 20
# The steps of an import, as `import_path(stage=...)` announces them (a preview stops after
# the second).
STAGES = ("reading the file", "checking every change", "writing the changes",
          "looking for people who may be the same")


@dataclass
class ImportReport:
    path: str
    kind: str  # folder, ctf or mis
    school_id: str | None = None
    file_date: dt.date | None = None
    changes: Counter = field(default_factory=Counter)  # e.g. people_added, memberships_ended
    details: list[str] = field(default_factory=list)  # each change, one line each, for the preview
    leavers: list[str] = field(default_factory=list)  # people whose pupil membership ended
    skipped_contacts: int = 0  # contacts who are not family (a doctor, a social worker...)
    skipped: list[str] = field(default_factory=list)  # bad records left out on request
    matched: list[str] = field(default_factory=list)  # people recognised as someone known
    warnings: list[str] = field(default_factory=list)
    proposals: list[MatchProposal] = field(default_factory=list)  # new, for a person to confirm
    direction: str = ""  # for a CTF: in, out or own
    partial: bool = False
    dry_run: bool = False
    import_id: str | None = None
    # In a preview: the findings the import would raise that do not fire now, each a case
    # for the review queue (evaluated on the import's as-of date, nothing written).
    findings_opened: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.changes.values())

    def lines(self) -> list[str]:
        """What `relreg import` prints, and the admin page shows."""
        where = f" for school {self.school_id}" if self.school_id else ""
        dated = f" dated {self.file_date}" if self.file_date else ""
        what = {"in": ", pupils joining", "out": ", pupils leaving", "own": ", the school's own file"}
        kind = self.kind + what.get(self.direction, "") + (", partial" if self.partial else "")
        done = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in sorted(self.changes.items()) if n)
        verb = "would import" if self.dry_run else "imported"
        lines = [f"{verb} {self.path} ({kind}{dated}){where}: {done or 'nothing changed'}"]
        if self.dry_run:  # the preview lists each change; the import itself counts them
            lines += [f"  {d}" for d in self.details[:MAX_DETAILS]]
            if len(self.details) > MAX_DETAILS:
                lines.append(f"  ... and {len(self.details) - MAX_DETAILS:,} more changes")
        elif self.leavers:
            lines.append(f"{len(self.leavers)} membership(s) ended: {', '.join(self.leavers)}")
        if self.matched:
            lines.append(f"{len(self.matched)} person(s) recognised on exact identifiers:")
            lines += [f"  {m}" for m in self.matched[:MAX_DETAILS]]
        if self.skipped_contacts:
            lines.append(f"{self.skipped_contacts} contact(s) who are not family were not imported")
        if self.skipped:
            lines.append(f"{len(self.skipped)} bad record(s) left out, as asked:")
            lines += [f"  skipped {s}" for s in self.skipped]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"possible same person: {p.person_id} and {p.other_id} ({p.reason})"
                  for p in self.proposals]
        if self.dry_run:
            lines.append(findings_sentence(len(self.findings_opened)))
            if len(self.findings_opened) > MANY_FINDINGS:
                lines.append(f"warning: {many_findings_warning(len(self.findings_opened))}")
            lines.append("nothing was changed: this was a preview")
        elif self.import_id and self.changed:
            school = f" --school {self.school_id}" if self.school_id else ""
            lines.append(f"`relreg undo-import{school}` takes it back while it is the last "
                         "import" + (" of its school" if school else ""))
        return lines


def import_path(store: Store, path: str | os.PathLike, *, school_id: str | None = None,
                source: str | None = None, data_dir: str | os.PathLike | None = None,
                max_ctf_bytes: int = MAX_CTF_BYTES, dry_run: bool = False,
                skip_bad: bool = False, full_roll: bool = False, confirm_ending: bool = False,
                as_of: dt.date | None = None, progress=None, write=None,
                list_changes: bool = True, check=None,
                stage: Callable[[str], None] | None = None,
                schools: Collection[str] | None = None) -> ImportReport:
    """Import a folder (exchange format), an .xml (CTF) or a .csv (MIS export of `source`,
    read through its confirmed column mapping). Raises ExchangeError (CTFError, MISError)
    listing every problem; then nothing was imported. `dry_run`: plan and report only.
    `skip_bad`: leave out records with problems (each reported) instead of refusing the
    file. `full_roll`: an MIS export that lists the whole roll, ending the memberships of
    people it leaves out on `as_of` (default today). `write(facts, report)`, where given,
    stores the facts instead of `store.import_world` (the service audits them as it does).
    `list_changes=False`: the report counts the changes without listing each (a million
    lines nobody reads). `check(existing, facts, school_id)`, where given, lists why the
    planned facts may not be imported (the service's limit to a trust), refusing the file
    whole, in its preview too. `stage(what)`, where given, is told each step as it starts
    (STAGES), for a progress bar. `schools`, where given (a trust's), are the only schools a
    CTF's DfE numbers are read as: another school's number is answered exactly as a number
    no school has, and is never taken from that school."""
    stage = stage or (lambda _what: None)
    path = Path(path)
    if data_dir is None:
        from graph.store.embedded import default_data_dir

        data_dir = getattr(store, "data_dir", None) or default_data_dir()
    with IdentityTable(data_dir) as identity, collector_held_off():
        if not dry_run:
            identity.carry_link_details(store)
        stage(STAGES[0])
        existing = store.export_world()
        if path.is_dir():
            plan = _plan_folder(existing, path, progress, skip_bad,
                                keep_profiles_in=None if dry_run else data_dir)
        else:
            suffix = path.suffix.lower()
            if suffix == ".xml":
                plan = _plan_ctf(existing, identity, path, school_id, max_ctf_bytes, skip_bad,
                                 schools)
            elif suffix == ".csv":
                if not source:
                    raise MISError([f"{path.name}:1: -: name the source of this export, so that "
                                    "its confirmed column mapping is used"])
                plan = _plan_mis(existing, identity, path, source, school_id, data_dir, skip_bad,
                                 full_roll, confirm_ending or dry_run, as_of or dt.date.today())
            else:
                raise ExchangeError([f"{path.name}:1: -: not an exchange folder, a common transfer "
                                     "file (.xml) or an MIS export (.csv)"])
        report = plan.report
        stage(STAGES[1])
        if check is not None and (problems := check(existing, plan.facts, report.school_id)):
            raise ExchangeError(problems)
        describe(existing, plan.facts, report, list_changes=list_changes)
        report.matched = [
            f"{name} in the file is {existing.people[pid].name} ({pid}), already in the register"
            for pid, name in sorted(plan.matched.items()) if pid in existing.people]
        report.dry_run = dry_run
        if dry_run:
            on = as_of or dt.date.today()
            report.findings_opened = [f.id for f in findings_it_would_open(
                existing, plan.facts, on, findings_now(store, on))]
            report.proposals = _proposals(lambda: existing.merged(plan.facts), identity,
                                          plan.found, plan.extra_proposals, save=False)
            return report
        stage(STAGES[2])
        if report.changed:
            report.import_id = identity.log_import(
                report.school_id, report.kind, path.name, dict(report.changes),
                removed=replaced(existing, plan.facts), added=plan.facts)
            if write is None:
                store.import_world(plan.facts)
            else:
                write(plan.facts, report)
        # Side tables after the store: a crash in between is mended by importing again.
        identity.add(plan.found)
        identity.add_preferred_names(plan.preferred)
        if plan.school_number and (schools is None or identity.school_numbers().get(
                plan.school_number, report.school_id) in schools):
            identity.remember_school_number(plan.school_number, report.school_id)
        stage(STAGES[3])
        report.proposals = _proposals(store.export_world, identity, plan.found,
                                      plan.extra_proposals, save=True)
    return report


def findings_it_would_open(existing: World, facts: World, as_of: dt.date,
                           firing: Iterable[Finding] | None = None) -> list[Finding]:
    """The findings that would fire on `as_of` once `facts` are imported and do not fire
    now: each opens (or reopens) a case. The rules run on copies; nothing is written.
    `firing`: the findings of `existing` as of `as_of`, when the caller has them at hand
    (`findings_now`); otherwise they are evaluated here, on the whole register.

    After the import only the findings the facts can reach are evaluated again
    (`_reach`), as the embedded store refreshes its findings after a change, so the
    preview's cost follows the size of the import, not of the register."""
    if firing is None:
        firing = evaluate(FactGraph(existing), as_of)
    firing = list(firing)
    now = {f.id for f in firing}
    merged = FactGraph(existing.merged(facts))
    reach = _reach(existing, facts, merged, firing)
    if reach is None:
        after = evaluate(merged, as_of)
    else:
        evaluation = Evaluation(merged, as_of).restore(firing)
        evaluation.refresh(*reach)
        after = evaluation.sorted()
    return [f for f in after if f.id not in now]


def findings_now(store: Store, as_of: dt.date) -> list[Finding] | None:
    """The store's findings as of `as_of` if it has them at hand (kept current as the
    service runs, or saved for these facts), else None: nothing is loaded or evaluated."""
    return store.findings(as_of) if store.findings_at_hand(as_of) else None


def _reach(existing: World, facts: World, merged: FactGraph, firing: list[Finding]
           ) -> tuple[set[str], set[str]] | None:
    """(people, accounts): every finding an import of `facts` can make fire or stop firing
    involves one of them, as graph/store/embedded.py's `upsert` reasons for a change; None
    when the import changes a school, whose profile and trust decide every finding there
    and across the trust's scope: then everything is evaluated again.

    `merged` is the register after the import, `firing` its findings before: the family
    circle of everyone the facts (or the facts they replace, which name every family path
    the import breaks) are about, and the reach of a position given, kept or taken
    (FactGraph.reach_of_positions)."""
    if facts.schools:
        return None
    old = replaced(existing, facts)
    people = merged.family_circle(facts.people_involved() | old.people_involved())
    accounts = set(facts.school_accounts) | {a.account_id for a in facts.account_admins}
    leaders = {m.person_id for m in [*facts.memberships, *old.memberships]
               if m.position is not None}
    if leaders:
        their_people, their_accounts = merged.reach_of_positions(leaders, facts.memberships,
                                                                 firing)
        people |= their_people
        accounts |= their_accounts
    return people, accounts


def findings_sentence(count: int) -> str:
    if not count:
        return "it would raise no new finding: nothing new for the review queue"
    return (f"it would raise {count:,} new finding{'s' if count != 1 else ''}, each a case "
            "for the review queue")


def many_findings_warning(count: int) -> str:
    return (f"{count:,} cases would land in the review queue at once: check the file is the "
            "one you meant, and plan who reviews them (the queue groups them by import)")


@dataclass
class _Plan:
    report: ImportReport
    facts: World  # every new or changed fact
    found: dict[str, Identity] = field(default_factory=dict)
    school_number: str | None = None
    preferred: dict[str, tuple[str, str]] = field(default_factory=dict)  # person -> preferred names
    extra_proposals: list[MatchProposal] = field(default_factory=list)
    matched: dict[str, str] = field(default_factory=dict)  # person id -> name in the file


def _proposals(read_world: Callable[[], World], identity: IdentityTable,
               found: dict[str, Identity], extra: list[MatchProposal], *,
               save: bool) -> list[MatchProposal]:
    """Possible same people among those the file brought (`found`) and the register's
    world as `read_world` gives it, read only when there are some (an exchange folder
    resolves nobody)."""
    if not found and not extra:
        return []
    world = read_world()
    linked = {frozenset((f.person_id, f.relative_id)) for f in world.family_links}
    decided = identity.decided_pairs()
    index = identity.index(world)
    for person_id, person in found.items():
        index.add(person_id, person)
    proposals = propose_matches(index, found, linked, decided)
    seen = {frozenset((p.person_id, p.other_id)) for p in proposals}
    for p in extra:
        pair = frozenset((p.person_id, p.other_id))
        if pair not in seen and pair not in decided and p.person_id in world.people \
                and p.other_id in world.people:
            seen.add(pair)
            proposals.append(p)
    if save:
        identity.add_proposals(proposals, dt.date.today())
    return proposals


# -- what an import changes ---------------------------------------------------------------


def replaced(existing: World, facts: World) -> World:
    """The stored facts that `facts` replace: what an undo puts back."""
    return World(
        schools={k: existing.schools[k] for k in facts.schools if k in existing.schools},
        people={k: existing.people[k] for k in facts.people if k in existing.people},
        memberships=_same_keys(existing.memberships, facts.memberships),
        family_links=_same_keys(existing.family_links, facts.family_links),
        connections={k: existing.connections[k] for k in facts.connections if k in existing.connections},
        declarations={k: existing.declarations[k] for k in facts.declarations if k in existing.declarations},
        approaches={k: existing.approaches[k] for k in facts.approaches if k in existing.approaches},
        school_accounts={k: existing.school_accounts[k] for k in facts.school_accounts
                         if k in existing.school_accounts},
        account_admins=_same_keys(existing.account_admins, facts.account_admins),
    )


def _same_keys(records: list, of: list) -> list:
    keys = {r.key for r in of}
    return [r for r in records if r.key in keys]


def describe(existing: World, facts: World, report: ImportReport, *,
             list_changes: bool = True) -> None:
    """Count and list what `facts` change in `existing`: nothing overwritten unseen.
    `list_changes=False`: count them only."""
    changes, details = report.changes, report.details
    changes.clear()
    details.clear()
    people = existing.people

    def in_order(records, key=None):  # a list is in order; a count need not be
        return sorted(records, key=key) if list_changes else records

    def who(person_id: str) -> str:
        person = people.get(person_id) or facts.people.get(person_id)  # the name known so far
        if person is None:
            return "someone not in the file or the register"
        born = f", born {person.date_of_birth}" if person.date_of_birth else ""
        return f"{person.name}{born}"

    def school_name(school_id: str) -> str:
        known = facts.schools.get(school_id) or existing.schools.get(school_id)
        return known.name if known else school_id

    for school_id, school in in_order(facts.schools.items()):
        old = existing.schools.get(school_id)
        if old == school:
            continue
        changes["schools_updated" if old else "schools_added"] += 1
        if list_changes:
            details.append(f"school {school.name}: "
                           + (_fields_changed(old, school) if old else "added"))
    for person_id, person in in_order(facts.people.items()):
        old = people.get(person_id)
        if old == person:
            continue
        changes["people_updated" if old else "people_added"] += 1
        if list_changes:
            details.append(f"{who(person_id)}: " + (_fields_changed(old, person) if old else "added"))
    held = {m.key: m for m in existing.memberships}
    for m in in_order(facts.memberships, key=lambda m: m.key):
        old = held.get(m.key)
        if old == m:
            continue
        if old is None:
            change = "memberships_added"
        elif m.end_date is not None and (old.end_date is None or old.end_date > m.end_date):
            change = "memberships_ended"
        else:
            change = "memberships_updated"
        changes[change] += 1
        if not list_changes:
            continue
        at = f"{who(m.person_id)}: {m.role} at {school_name(m.school_id)}"
        if change == "memberships_added":
            until = f" until {m.end_date}" if m.end_date else ""
            details.append(f"{at} from {m.start_date}{until}")
        elif change == "memberships_ended":
            details.append(f"{at} since {m.start_date} ends on {m.end_date}")
        else:
            details.append(f"{at} since {m.start_date}: {_fields_changed(old, m)}")
    links = {f.key: f for f in existing.family_links}
    for link in in_order(facts.family_links, key=lambda f: f.key):
        old = links.get(link.key)
        if old == link:
            continue
        changes["family_links_updated" if old else "family_links_added"] += 1
        if not list_changes:
            continue
        kind = str(link.kind).replace("_", " ")
        detail = f"{who(link.person_id)} is the {kind} of {who(link.relative_id)}"
        if link.parental_responsibility is not None and (
                old is None or old.parental_responsibility != link.parental_responsibility):
            detail += (", with parental responsibility" if link.parental_responsibility
                       else ", without parental responsibility")
        details.append(detail)
    for name, new, old in (
        ("connections", facts.connections, existing.connections),
        ("declarations", facts.declarations, existing.declarations),
        ("approaches", facts.approaches, existing.approaches),
        ("school_accounts", facts.school_accounts, existing.school_accounts),
    ):
        for key, record in new.items():
            if old.get(key) != record:
                changes[f"{name}_updated" if key in old else f"{name}_added"] += 1
    admins = {a.key: a for a in existing.account_admins}
    for admin in facts.account_admins:
        if admins.get(admin.key) != admin:
            changes["account_admins_updated" if admin.key in admins else "account_admins_added"] += 1


def _fields_changed(old, new) -> str:
    names = [n for n in old.__slots__ if getattr(old, n) != getattr(new, n)]
    return "; ".join(f"{n.replace('_', ' ')} {_shown(getattr(old, n))} -> {_shown(getattr(new, n))}"
                     for n in names)


def _shown(value) -> str:
    return "(none)" if value is None or value == "" else repr(str(value))


def only_changed(existing: World, incoming: World) -> World:
    """The facts of `incoming` that are new or differ from what is stored."""
    held = {m.key: m for m in existing.memberships}
    links = {f.key: f for f in existing.family_links}
    admins = {a.key: a for a in existing.account_admins}
    return World(
        schools={k: v for k, v in incoming.schools.items() if existing.schools.get(k) != v},
        people={k: v for k, v in incoming.people.items() if existing.people.get(k) != v},
        memberships=[m for m in incoming.memberships if held.get(m.key) != m],
        family_links=[f for f in incoming.family_links if links.get(f.key) != f],
        connections={k: v for k, v in incoming.connections.items() if existing.connections.get(k) != v},
        declarations={k: v for k, v in incoming.declarations.items() if existing.declarations.get(k) != v},
        approaches={k: v for k, v in incoming.approaches.items() if existing.approaches.get(k) != v},
        school_accounts={k: v for k, v in incoming.school_accounts.items()
                         if existing.school_accounts.get(k) != v},
        account_admins=[a for a in incoming.account_admins if admins.get(a.key) != a],
    )


# -- exchange folders ----------------------------------------------------------------------


def keep_own_profiles(world: World, data_dir: str | os.PathLike) -> None:
    """Copy each profile file of its own that a school of `world` (read from an exchange
    folder) follows into the data folder, and have the school follow the copy there, which
    goes wherever the data folder goes (the folder imported may not)."""
    for school in list(world.schools.values()):
        if school.profile not in SHIPPED:
            world.schools[school.school_id] = replace(
                school, profile=keep_profile(Path(data_dir), Path(school.profile)))


def _plan_folder(existing: World, folder: Path, progress=None, skip_bad: bool = False,
                 keep_profiles_in: str | os.PathLike | None = None) -> _Plan:
    """The facts of an exchange folder, its schools' own profiles kept in the data folder
    `keep_profiles_in` (`keep_own_profiles`) when it is given."""
    report = ImportReport(str(folder), "folder")
    world = read_folder(folder, progress=progress, notices=report.warnings)
    if keep_profiles_in is not None:
        keep_own_profiles(world, keep_profiles_in)
    if skip_bad:
        report.warnings.append("an exchange folder is imported all or nothing: --skip-bad "
                               "leaves nothing out of it")
    return _Plan(report, only_changed(existing, world))


# -- building the facts of a CTF or MIS export --------------------------------------------


class _Delta:
    """The facts a file brings that the store does not hold yet, as they are met."""

    def __init__(self, existing: World):
        self.existing = existing
        self.world = World()
        # (person, school, role) -> {membership key: membership}, as stored or as changed here
        self._memberships: dict[tuple, dict[tuple, Membership]] = defaultdict(dict)
        for m in existing.memberships:
            self._memberships[m.person_id, m.school_id, m.role][m.key] = m
        self._changed_memberships: dict[tuple, Membership] = {}
        self._links = {f.key: f for f in existing.family_links}

    def person(self, person: Person) -> None:
        if self.known_person(person.person_id) != person:
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

    def membership(self, membership: Membership) -> None:
        held = self._memberships[membership.person_id, membership.school_id, membership.role]
        if held.get(membership.key) == membership:
            return
        held[membership.key] = membership
        self._changed_memberships[membership.key] = membership

    def memberships_of(self, person_id: str, school_id: str, role: Role) -> list[Membership]:
        return sorted(self._memberships[person_id, school_id, role].values(),
                      key=lambda m: m.start_date)

    def family_link(self, link: FamilyLink) -> None:
        """Add the link, or record what it says of parental responsibility on the link
        already held; a file that says nothing of it erases nothing."""
        known = self._links.get(link.key)
        if known is not None:
            if link.parental_responsibility in (None, known.parental_responsibility):
                return
            link = replace(known, parental_responsibility=link.parental_responsibility)
            self.world.family_links = [f for f in self.world.family_links if f.key != link.key]
        self._links[link.key] = link
        self.world.family_links.append(link)

    def join(self, person_id: str, school_id: str, role: Role, start: dt.date,
             end: dt.date | None = None, position=None) -> None:
        """On roll from `start`: nothing to do where a membership is open then."""
        current = _not_ended_by(self.memberships_of(person_id, school_id, role), start)
        if current is None:
            self.membership(Membership(person_id, school_id, role, position, start, end))
        elif end is not None and current.end_date is None and current.start_date <= end:
            self.membership(replace(current, end_date=end))

    def leave(self, person_id: str, school_id: str, role: Role, on: dt.date) -> bool:
        """End the membership open on `on`; False where there is none."""
        current = _not_ended_by(self.memberships_of(person_id, school_id, role), on)
        if current is None or current.start_date > on:
            return False
        if current.end_date != on:
            self.membership(replace(current, end_date=on))
        return True

    def facts(self) -> World:
        """Every new or changed fact, to add to the store; empty where nothing changed."""
        self.world.memberships = list(self._changed_memberships.values())
        return self.world


class _Incoming:
    """The people of one file, each resolved against the register as they are met."""

    def __init__(self, index: IdentityIndex):
        self.index = index
        self.found: dict[str, Identity] = {}  # person id -> all the file says of them
        self.matched: dict[str, str] = {}  # person id -> the name the file gives them

    def resolve(self, person: Identity, new_id: str) -> str:
        """The register's id for `person`: someone known on exact identifiers, else `new_id`."""
        person_id = self.index.resolve(person) or new_id
        if person_id != new_id:  # made by another file or source: one person, shown as such
            self.matched[person_id] = f"{person.given_name} {person.family_name}".strip()
        self.index.add(person_id, person)
        if person_id in self.found:
            person = replace(person, identifiers=self.found[person_id].identifiers | person.identifiers)
        self.found[person_id] = person
        return person_id


def _not_ended_by(memberships: list[Membership], on: dt.date) -> Membership | None:
    """The membership still open on `on` (started or not), if any."""
    return next((m for m in memberships if m.end_date is None or m.end_date >= on), None)


def _address_pair(address) -> list[tuple[str, str]]:
    return [(address.first_line, address.postcode)] if address else []


def _add_contact(delta: _Delta, people: _Incoming, contact, child_id: str,
                 fallback: str) -> str:
    """The contact as a person with a family link to the child; returns their id."""
    person = Identity.of(contact.given_name, contact.family_name, emails=contact.emails,
                         phones=contact.phones, sex=contact.sex,
                         addresses=_address_pair(contact.address))
    new_id = person.stable_id("CON:", fallback)
    contact_id = people.resolve(person, new_id)
    delta.person_from(Person(contact_id, contact.given_name, contact.family_name, None), new_id)
    delta.family_link(FamilyLink(contact_id, child_id, contact.kind, LinkSource.RECORDS,
                                 contact.responsibility))
    return contact_id


def _sibling_proposals(seen: list[tuple[str, str, str, str | None, frozenset]]) -> list[MatchProposal]:
    """Contacts with no phone, e-mail or address of their own, of the same name and
    relationship under children who share an address or another contact: one human most
    likely, proposed for a person to confirm. `seen`: (contact id, normal name, relationship,
    the child's address, the child's other contacts)."""
    groups = defaultdict(list)
    for contact_id, name, relationship, home, others in seen:
        groups[name, relationship].append((contact_id, home, others))
    proposals = {}
    for (name, relationship), members in groups.items():
        for i, (a, home_a, others_a) in enumerate(members):
            for b, home_b, others_b in members[i + 1:]:
                if a == b or not ((home_a and home_a == home_b) or (others_a & others_b)):
                    continue
                first, second = sorted((a, b))
                proposals[first, second] = MatchProposal(
                    first, second, 100.0,
                    f"same name {name!r} and relationship {relationship} under children who share "
                    "a home or another contact; no phone, e-mail or address to be sure")
    return list(proposals.values())


# -- common transfer files ---------------------------------------------------------------


def _plan_ctf(existing: World, identity: IdentityTable, path: Path, school_id: str | None,
              max_bytes: int, skip_bad: bool, schools: Collection[str] | None) -> _Plan:
    ctf = read_ctf(path, max_bytes, skip_bad=skip_bad)
    numbers = {number: school for number, school in identity.school_numbers().items()
               if schools is None or school in schools}
    school_id, direction, number = _school_of(ctf, school_id, numbers, existing)
    report = ImportReport(str(path), "ctf", school_id, ctf.file_date, direction=direction,
                          partial=ctf.partial, warnings=list(ctf.warnings), skipped=list(ctf.skipped))
    delta = _Delta(existing)
    plan = _Plan(report, delta.world, school_number=number)
    people = _Incoming(identity.index(existing))
    known_schools = {n: s for n, s in numbers.items() if s in existing.schools}
    if number:
        known_schools[number] = school_id
    alone: list = []
    for pupil in ctf.pupils:
        pupil_id = _ctf_pupil(delta, people, plan, ctf, pupil, school_id, direction, number,
                              known_schools)
        contacts_of_child = []
        for contact in pupil.contacts:
            if contact.kind is None:
                report.skipped_contacts += 1
                continue
            contact_id = _add_contact(delta, people, contact, pupil_id,
                                      f"contact of {pupil.upn}")
            bare = not (contact.emails or contact.phones or contact.address)
            contacts_of_child.append((contact_id, contact, bare))
        home = normal_address(pupil.address.first_line, pupil.address.postcode) if pupil.address else None
        for contact_id, contact, bare in contacts_of_child:
            if bare:
                others = frozenset(c for c, _, _ in contacts_of_child if c != contact_id)
                alone.append((contact_id, normal_name(contact.given_name, contact.family_name),
                              contact.relationship, home, others))
    plan.facts = delta.facts()
    plan.found = people.found
    plan.matched = people.matched
    plan.extra_proposals = _sibling_proposals(alone)
    return plan


def _ctf_pupil(delta: _Delta, people: _Incoming, plan: _Plan, ctf: CTFFile, pupil: CTFPupil,
               school_id: str, direction: str, number: str | None,
               known_schools: dict[str, str]) -> str:
    report = plan.report
    upn_id = f"UPN:{pupil.upn}"
    person = Identity.of(pupil.given_name, pupil.family_name, pupil.date_of_birth,
                         upn=pupil.upn, sex=pupil.sex)
    if pupil.former_upn:  # a temporary UPN replaced by a permanent one: one child
        person = replace(person, identifiers=person.identifiers | {(Kind.UPN, pupil.former_upn)})
    pupil_id = people.resolve(person, upn_id)
    delta.person_from(Person(pupil_id, pupil.given_name, pupil.family_name, pupil.date_of_birth),
                      pupil_id if pupil_id.startswith("UPN:") else upn_id)
    if pupil.preferred_given_name or pupil.preferred_family_name:
        plan.preferred[pupil_id] = (pupil.preferred_given_name, pupil.preferred_family_name)

    spell = pupil.spell_at(number)
    if direction == "out":
        leaving = spell.leaving_date if spell and spell.leaving_date else ctf.file_date
        if delta.leave(pupil_id, school_id, Role.PUPIL, leaving):
            report.leavers.append(pupil_id)
        elif spell and spell.entry_date and spell.entry_date <= leaving:
            delta.join(pupil_id, school_id, Role.PUPIL, spell.entry_date, leaving)
        else:
            report.warnings.append(
                f"{ctf.name}:{pupil.line}: Pupil: {pupil.upn} leaves school {school_id}, "
                "which the register never had on roll and the file gives no entry date: "
                "no membership recorded")
    else:
        start = spell.entry_date if spell and spell.entry_date and spell.entry_date <= ctf.file_date \
            else ctf.file_date
        leaving = spell.leaving_date if spell else None
        if direction == "own" and leaving:
            delta.join(pupil_id, school_id, Role.PUPIL, start, leaving)
            if delta.leave(pupil_id, school_id, Role.PUPIL, leaving):
                report.leavers.append(pupil_id)
        else:
            delta.join(pupil_id, school_id, Role.PUPIL, start)
    # The history's other register schools: a leaving date there ends that membership.
    for other in pupil.history:
        other_school = known_schools.get(other.school_number)
        if other_school is None or other.school_number == number or not other.leaving_date:
            continue
        if not delta.leave(pupil_id, other_school, Role.PUPIL, other.leaving_date) \
                and other.entry_date and other.entry_date <= other.leaving_date:
            delta.join(pupil_id, other_school, Role.PUPIL, other.entry_date, other.leaving_date)
    return pupil_id


def _school_of(ctf: CTFFile, school_id: str | None, numbers: dict[str, str],
               existing: World) -> tuple[str, str, str | None]:
    """(register school, direction: in, out or own, the school's DfE number in this file)."""
    name = ctf.name
    source, dest = ctf.source_school, ctf.dest_school
    if school_id is not None and school_id not in existing.schools:
        raise CTFError([f"{name}:1: -: there is no school {school_id!r} in the register"])

    def known_as(number: str | None) -> str | None:
        found = numbers.get(number) if number else None
        return found if found in existing.schools else None

    if dest is not None and dest == source:
        known = known_as(source)
        if school_id and known and known != school_id:
            raise CTFError([f"{name}:1: Header/SourceSchool: {source} is school {known} in the "
                            f"register, not {school_id}"])
        chosen, direction, number = school_id or known, "own", source
    elif school_id:
        if known_as(source) == school_id:
            chosen, direction, number = school_id, "out", source
        elif dest is not None and known_as(dest) in (None, school_id):
            chosen, direction, number = school_id, "in", dest
        elif dest is None and known_as(source) is None:
            # To no school (XXX, MMM...): only its source school sends such a file.
            chosen, direction, number = school_id, "out", source
        elif known_as(dest):
            raise CTFError([f"{name}:1: Header/DestSchool: {dest} is school {known_as(dest)} in "
                            f"the register, not {school_id}"])
        else:
            raise CTFError([f"{name}:1: Header/SourceSchool: {source} is school "
                            f"{known_as(source)} in the register, not {school_id}"])
    elif known_as(dest):
        chosen, direction, number = known_as(dest), "in", dest
    elif known_as(source):
        chosen, direction, number = known_as(source), "out", source
    else:
        chosen, direction, number = None, "", None
    if chosen is None:
        raise CTFError([f"{name}:1: Header: the register knows neither the source school "
                        f"{source or '(none)'} nor the destination {ctf.dest_code or '(none)'}: "
                        "name the register school this file is for"])
    return chosen, direction, number


# -- MIS exports -------------------------------------------------------------------------


def _plan_mis(existing: World, identity: IdentityTable, path: Path, source: str,
              school_id: str | None, data_dir, skip_bad: bool, full_roll: bool,
              confirm_ending: bool, as_of: dt.date) -> _Plan:
    mapping = load_mapping(data_dir, source, school_id)
    if school_id is not None:
        if "school" in mapping.columns or (mapping.school_id and mapping.school_id != school_id):
            raise MISError([f"{path.name}:1: -: the mapping of {source!r} already says which "
                            f"school each row is for; {school_id!r} contradicts it"])
        mapping.school_id = school_id
    if mapping.role == "contact":
        if full_roll:
            raise MISError([f"{path.name}:1: -: a contacts export lists families, not a roll: "
                            "it cannot be imported as the full roll"])
        return _plan_mis_contacts(existing, identity, path, mapping, skip_bad)
    export = read_mis(path, mapping, set(existing.schools), skip_bad=skip_bad)
    report = ImportReport(str(path), "mis", mapping.school_id, warnings=list(export.warnings),
                          skipped=list(export.skipped))
    delta = _Delta(existing)
    plan = _Plan(report, delta.world)
    people = _Incoming(identity.index(existing))
    listed: dict[tuple[str, Role], set[str]] = defaultdict(set)
    pupils_without_contacts = 0
    for row in export.rows:
        person = Identity.of(
            row.given_name, row.family_name, row.date_of_birth, upn=row.upn,
            ref=f"{source}:{row.external_id}" if row.external_id else None,
            emails=row.emails, phones=row.phones, sex=row.sex,
            addresses=[row.address] if row.address else [],
        )
        if row.former_upn:
            person = replace(person, identifiers=person.identifiers | {(Kind.UPN, row.former_upn)})
        if row.upn:
            new_id = f"UPN:{row.upn}"
        elif row.external_id:
            new_id = f"MIS:{source}:{row.external_id}"
        else:
            new_id = person.stable_id(f"MIS:{source}:")
        person_id = people.resolve(person, new_id)
        delta.person_from(Person(person_id, row.given_name, row.family_name, row.date_of_birth),
                          new_id)
        if row.preferred_given_name or row.preferred_family_name:
            plan.preferred[person_id] = (row.preferred_given_name, row.preferred_family_name)
        listed[row.school_id, row.role].add(person_id)
        delta.membership(Membership(person_id, row.school_id, row.role, row.position,
                                    row.start_date, row.end_date))
        for contact in row.contacts:
            if contact.kind is None:
                report.skipped_contacts += 1
                continue
            _add_contact(delta, people, contact, person_id,
                         f"contact of {row.upn or row.external_id or person_id}")
        if row.role is Role.PUPIL and not row.contacts:
            pupils_without_contacts += 1
    if pupils_without_contacts and not export.has_contact_columns:
        report.warnings.append(
            f"{path.name}: {pupils_without_contacts} pupil(s) came with no contact columns, so no "
            "family links came with them: the register cannot see that a member of staff is "
            "connected to these pupils' parents until a contacts export or a CTF brings them")
    if full_roll:
        _end_missing(delta, report, existing, listed, as_of, confirm_ending, path.name)
    plan.facts = delta.facts()
    plan.found = people.found
    plan.matched = people.matched
    return plan


def _end_missing(delta: _Delta, report: ImportReport, existing: World,
                 listed: dict[tuple[str, Role], set[str]], as_of: dt.date, confirmed: bool,
                 name: str) -> None:
    """A full roll: everyone on roll at a listed school and role and missing from the
    export leaves on `as_of`."""
    for (school_id, role), present in sorted(listed.items()):
        on_roll = {m.person_id for m in existing.memberships
                   if m.school_id == school_id and m.role is role and m.active_on(as_of)}
        missing = sorted(on_roll - present)
        for person_id in missing:
            if delta.leave(person_id, school_id, role, as_of):
                report.leavers.append(person_id)
        share = len(missing) / len(on_roll) if on_roll else 0
        if missing:
            report.warnings.append(
                f"{name}: imported as the full roll, it ends the {role} membership of "
                f"{len(missing)} of the {len(on_roll)} on roll at {school_id} ({share:.0%}) on {as_of}")
        if share > CONFIRM_ENDING_SHARE and not confirmed:
            raise MISError([
                f"{name}:1: -: as the full roll this export would end {len(missing)} of the "
                f"{len(on_roll)} {role} memberships at {school_id} ({share:.0%}), more than a tenth: "
                "check the preview (--dry-run), then confirm with --confirm-ending; nothing was imported"])


def _plan_mis_contacts(existing: World, identity: IdentityTable, path: Path, mapping,
                       skip_bad: bool) -> _Plan:
    export = read_mis_contacts(path, mapping, skip_bad=skip_bad)
    report = ImportReport(str(path), "mis contacts", mapping.school_id,
                          warnings=list(export.warnings), skipped=list(export.skipped))
    delta = _Delta(existing)
    plan = _Plan(report, delta.world)
    index = identity.index(existing)
    people = _Incoming(index)
    pupils_source = mapping.pupils_source or mapping.source
    for row in export.rows:
        key = ((Kind.UPN, row.pupil_upn) if row.pupil_upn
               else (Kind.REF, f"{pupils_source}:{row.pupil_ref}"))
        found = index.by_identifier.get(key)
        child_id = min(found) if found else None
        if child_id is None or child_id not in existing.people:
            shown = row.pupil_upn or row.pupil_ref
            report.skipped.append(f"{path.name}:{row.line}: no pupil {shown} in the register: "
                                  "import the pupils first")
            continue
        contact: MISContact = row.contact
        if contact.kind is None:
            report.skipped_contacts += 1
            continue
        _add_contact(delta, people, contact, child_id, f"contact of {row.pupil_upn or row.pupil_ref}")
    plan.facts = delta.facts()
    plan.found = people.found
    plan.matched = people.matched
    return plan


# -- undoing the last import ---------------------------------------------------------------


@dataclass(frozen=True)
class UndoPlan:
    """What undoing the last import would do: the facts it wrote go, the ones it replaced
    come back; refused (`changed_since` > 0) once anything has changed them since."""

    import_id: str
    kind: str
    name: str
    imported_at: str
    removed: World  # what the import replaced: it comes back
    added: World  # what the import wrote: it goes
    changed_since: int

    @property
    def refusal(self) -> str | None:
        if not self.changed_since:
            return None
        return (f"import {self.import_id} ({self.name}) cannot be undone: "
                f"{self.changed_since} of the facts it wrote have changed since (a later "
                "import, a merge or an edit); undo those first")


def plan_undo(store: Store, data_dir: str | os.PathLike,
              school_id: str | None = None) -> UndoPlan | None:
    """The plan for undoing the last import (of `school_id`, where given); None if there
    is none."""
    with IdentityTable(data_dir) as identity:
        entry = identity.last_import(school_id)
        if entry is None:
            return None
        import_id, kind, name, removed, added = entry
        when = next((i["imported_at"] for i in identity.imports()
                     if i["import_id"] == import_id), "")
    changed = only_changed(store.export_world(), added)
    return UndoPlan(import_id, kind, name, when, removed, added,
                    sum(changed.counts().values()))


def undo_last_import(store: Store, data_dir: str | os.PathLike,
                     school_id: str | None = None, *, expected: str | None = None,
                     write: Callable[[World, World], None] | None = None) -> str:
    """Undo the last import (of `school_id`, where given): the facts it wrote go, the ones
    it replaced come back. Refused where anything has changed them since, or where the
    last import is no longer `expected` (one a preview showed). `write(remove, add)` makes
    the change (the service audits it); else the store does. Returns a line saying what
    was undone."""
    plan = plan_undo(store, data_dir, school_id)
    if plan is None:
        where = f" of school {school_id}" if school_id else ""
        raise ExchangeError([f"-:1: -: there is no import{where} to undo"])
    if expected is not None and plan.import_id != expected:
        raise ExchangeError(["-:1: -: another import came after the one shown: look at "
                             "what undoing would take back again"])
    if plan.refusal:
        raise ExchangeError([f"-:1: -: {plan.refusal}"])
    # Every fact the import wrote goes; the ones it replaced come back.
    (write or store.replace_facts)(plan.added, plan.removed)
    with IdentityTable(data_dir) as identity:
        identity.mark_import_undone(plan.import_id)
    counts = ", ".join(f"{n} {what}" for what, n in plan.added.counts().items() if n)
    return f"undid the import of {plan.name} ({plan.kind}): {counts} taken back"
