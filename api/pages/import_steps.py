"""What the admin Import page needs beside the import itself: the schools a trust admin
may import into (by name), the MIS column mapping step (each column of the export with
the field it fills, recognised ones pre-filled), the name an upload is known by, the last
import in words, and a long import run in the background with its progress to poll."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from api.pages.common import uk_time

from api.routes.schools import list_schools
from graph.intake.importing import STAGES
from graph.intake.mis import (
    CONTACT_FIELDS,
    CONTACT_ROLE,
    CONTACT_SLOTS,
    FIELDS,
    MAPPINGS_FOLDER,
    ColumnMapping,
    check_mapping,
    propose_mapping,
)
from graph.model import Role


# The MIS a school is likely to export from, as the page offers them; a source confirmed
# before (on the command line too) is offered as well.
KNOWN_SOURCES = {"sims": "SIMS", "arbor": "Arbor", "bromcom": "Bromcom",
                 "scholarpack": "ScholarPack", "mis": "Another MIS"}

ROLE_WORDS = {"pupil": "Pupils", "staff": "Staff", "governor": "Governors",
              "volunteer": "Volunteers", "contractor": "Contractors", "visitor": "Visitors",
              CONTACT_ROLE: "Pupils' contacts (one row per contact)"}
assert set(ROLE_WORDS) == {*Role, CONTACT_ROLE}

_FIELD_WORDS = {
    "external_id": "The MIS's own id (admission number, staff code)", "upn": "UPN",
    "former_upn": "Former UPN", "given_name": "Legal first name",
    "family_name": "Legal surname", "preferred_given_name": "Preferred first name",
    "preferred_family_name": "Preferred surname", "date_of_birth": "Date of birth",
    "sex": "Sex", "email": "Email", "phone": "Phone", "address_line": "First line of address",
    "postcode": "Postcode", "school": "School", "role": "Role (pupil, staff...)",
    "position": "Position", "start_date": "Start date", "end_date": "Leaving date",
    "relationship": "Relationship to the pupil", "responsibility": "Parental responsibility",
    "priority": "Contact priority",
}
_CONTACT_WORDS = {
    "given_name": "first name", "family_name": "surname", "relationship": "relationship",
    "responsibility": "parental responsibility", "priority": "priority", "email": "email",
    "phone": "phone", "address_line": "first line of address", "postcode": "postcode",
    "address_as_pupil": "lives with the pupil",
}
assert set(_CONTACT_WORDS) == set(CONTACT_FIELDS)
FIELD_WORDS = {**_FIELD_WORDS, **{f"contact{n}_{name}": f"Contact {n}: {words}"
                                  for n in CONTACT_SLOTS for name, words in _CONTACT_WORDS.items()}}
assert set(FIELD_WORDS) == set(FIELDS)


def schools_to_choose(register, admin) -> list[tuple[str, str]]:
    """(id, name) of the schools `admin` may import into (api/access.py's reach, as the
    schools route applies it), by name."""
    return sorted(((s.school_id, s.name) for s in list_schools(register, admin)),
                  key=lambda s: (s[1].casefold(), s[0]))


def sources_to_choose(data_dir: Path) -> dict[str, str]:
    """The MIS sources offered: the usual ones and any confirmed before."""
    found = {path.stem for path in (data_dir / MAPPINGS_FOLDER).rglob("*.toml")}
    return {**KNOWN_SOURCES, **{s: s for s in sorted(found - set(KNOWN_SOURCES))}}


def upload_name(filename: str | None) -> str:
    """The name of a file as it was uploaded, fit to show (no folder, no control
    characters, not too long); "the file" where it had none."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]+", "", name).strip()[:120]
    return name or "the file"


@contextmanager
def named_as_uploaded(kept: Path, name: str):
    """The upload kept aside, seen under the name it was uploaded with (so that the import
    log, and every problem, names the file its admin knows)."""
    safe = re.sub(r"[^\w .()+-]+", "_", PurePath(name).stem).strip(" .")[:100] or "upload"
    with tempfile.TemporaryDirectory() as folder:
        named = Path(folder) / f"{safe}{kept.suffix}"
        try:
            os.link(kept, named)
        except OSError:
            shutil.copyfile(kept, named)
        yield named


def when(imported_at: str) -> str:
    """An import log time (UTC) as the school reads it: '7 December 2026 at 09:15'."""
    return uk_time(imported_at)


# -- the mapping step ---------------------------------------------------------------------

@dataclass
class MappingStep:
    """An MIS export whose columns are not yet mapped for this school: each column of its
    header with the field it is read as ("" for none)."""

    source: str
    header: list[str]
    chosen: list[str]  # per column, the field it fills, or ""
    role: str
    problems: list[str] = field(default_factory=list)

    @property
    def recognised(self) -> int:
        return sum(1 for f in self.chosen if f)


def propose_step(path: Path, source: str, school_id: str | None) -> MappingStep:
    """The columns of the export at `path`, with the fields they are recognised as."""
    proposed = propose_mapping(path, source, school_id=school_id)
    by_heading = {h: f for f, headings in proposed.columns.items() for h in headings}
    role = "" if "role" in proposed.columns else (
        "pupil" if "upn" in proposed.columns else "")
    if "relationship" in proposed.columns and not any(
            f.startswith("contact1_") for f in proposed.columns):
        role = CONTACT_ROLE
    return MappingStep(source, proposed.header, [by_heading.get(h, "") for h in proposed.header],
                       role)


def mapping_of(step: MappingStep, school_id: str | None) -> ColumnMapping:
    """The mapping the admin chose in the page."""
    columns: dict[str, list[str]] = {}
    for heading, chosen in zip(step.header, step.chosen):
        if chosen:
            columns.setdefault(chosen, []).append(heading)
    school = None if "school" in columns else school_id
    return ColumnMapping(step.source, columns, role=step.role or None, school_id=school,
                         header=list(step.header))


def mapping_problems(step: MappingStep, mapping: ColumnMapping) -> list[str]:
    """What is wrong with the chosen mapping, in the page's words (no file named)."""
    problems = []
    for chosen in set(step.chosen):
        if chosen and chosen not in FIELDS:
            problems.append(f"{chosen!r} is not a field of the register.")
    if problems:
        return problems
    found, _ = check_mapping(mapping, step.header, "-")
    for problem in found:
        what = problem.split(": ", 2)[-1]
        what = re.sub(r"the mapping of '[^']*' ", "the mapping ", what)
        what = what.replace("gives neither a role column nor a role for every row",
                            "needs a Role column, or say who every row is")
        what = what.replace("gives neither a school column nor a school for every row",
                            "needs a School column, or choose the school")
        for name, words in FIELD_WORDS.items():
            what = re.sub(rf"\b{name}\b", words.lower(), what)
        problems.append(what[0].upper() + what[1:] + ".")
    return problems


# -- a long import, in the background ---------------------------------------------------

# An upload at least this large is imported in the background while the page shows how far
# it has got; a smaller one is done before the page answers.
BACKGROUND_BYTES = 2 * 1024 * 1024
KEEP_SECONDS = 3600


@dataclass
class ImportJob:
    """An import running in the background for one admin: how far it has got, then what
    it did (the page's context) or why it was refused."""

    account_id: int
    file_name: str
    step: int = 0
    steps: int = len(STAGES)
    what: str = "starting"
    done: bool = False
    finished_at: float = 0.0
    result: dict = field(default_factory=dict)

    def stage(self, what: str) -> None:
        self.what = what
        self.step = STAGES.index(what) if what in STAGES else self.step

    def status(self) -> dict:
        return {"step": self.step, "steps": self.steps, "what": self.what, "done": self.done}


class ImportJobs:
    """The background imports of this service, each known by an unguessable token and
    seen only by the admin who started it."""

    def __init__(self):
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def start(self, account_id: int, file_name: str, work) -> str:
        """Run `work(job)` in the background; it returns the page's context. A result
        nobody came back for is dropped after KEEP_SECONDS (it names people)."""
        token = secrets.token_urlsafe(16)
        job = ImportJob(account_id, file_name)
        with self._lock:
            stale = time.monotonic() - KEEP_SECONDS
            for old in [t for t, j in self._jobs.items() if j.done and j.finished_at < stale]:
                del self._jobs[old]
            self._jobs[token] = job

        def run():
            try:
                job.result = work(job)
            finally:
                job.finished_at = time.monotonic()
                job.done = True

        threading.Thread(target=run, name="import", daemon=True).start()
        return token

    def find(self, token: str, account_id: int) -> ImportJob | None:
        """The job, to its own admin only ("not yours" reads as "not there")."""
        with self._lock:
            job = self._jobs.get(token)
        return job if job is not None and job.account_id == account_id else None

    def finish(self, token: str, account_id: int) -> ImportJob | None:
        """The finished job, taken out (its result is shown once)."""
        with self._lock:
            job = self._jobs.get(token)
            if job is None or job.account_id != account_id or not job.done:
                return None
            return self._jobs.pop(token)


JOBS = ImportJobs()
