"""Policy profiles: what one school's policy says, as data, each value with its clause.

The five shipped profiles live in `graph/profiles/<name>.toml`; a school may instead follow a
profile file of its own in the same shape, kept in the data folder and recorded as
`own:<file name>` (docs/rules.md, "A school's own policy").
"""

from __future__ import annotations

import enum
import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graph.model import Basis, Position, Role

PROFILE_DIR = Path(__file__).parent / "profiles"
SHIPPED = ("ninestiles", "millfields", "aspire", "great-chart", "mowbray")

RULE_IDS = (
    "pupil-contact",
    "ex-pupil-contact",
    "parent-contact",
    "declaration-required",
    "approach-reported",
    "school-account-oversight",
    "data-quality",
)


# The checks of the data-quality rule, each cited on its own: a policy states few of them.
DATA_QUALITY_CHECKS = ("date_of_birth", "membership_dates", "no_leaders")


class Scope(enum.StrEnum):
    SCHOOL = "school"
    TRUST = "trust"


class ParentContact(enum.StrEnum):
    """How a policy treats a personal connection between an adult and a parent."""

    PROHIBITED = "prohibited"  # unless some other relationship exists (ninestiles 8.4)
    PRIOR_RELATIONSHIP_ONLY = "prior-relationship-only"  # great-chart: prior relationship
    APPROVAL = "approval"  # aspire c: the principal or chair of governors must approve


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Setting:
    """A profile value and where it comes from: the clause that says it or, where no clause
    of the policy does, the reason the register takes it as its default."""

    value: object
    clause: str | None
    default: str | None = None  # the reason, for a register's default

    @property
    def source(self) -> str:
        return self.clause if self.clause is not None else f"register's default: {self.default}"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    covered_roles: frozenset[Role]
    scope: Scope
    family_degree: int
    ex_pupil_age_limit: int | None
    family_link_from_records_needs_declaration: bool
    parent_contact: ParentContact
    parent_contact_channels: frozenset[str] | None  # None: every channel
    inbound_only_is_advisory: bool
    review_days: int
    approach_window_days: int
    account_admin_authorisers: frozenset[Position]
    declaration_approvers: tuple[Position, ...]  # whose acceptance makes a relationship open
    # the bases of a relationship that permit a connection the rule would otherwise forbid
    # (family_member: a family path, from the records or declared), by rule id
    exemptions: dict[str, frozenset[Basis]]
    account_admins_required: int  # authorised personnel each school account needs
    rule_clauses: dict[str, tuple[str, ...]]  # rule id -> clauses; a rule absent does not apply
    clause_texts: dict[str, str]
    settings: dict[str, Setting]  # every value above with the clause it comes from
    # data-quality check -> what it cites: the clause that needs it, or the register's default
    checks: dict[str, tuple[str, ...]]

    def applies(self, rule: str) -> bool:
        return rule in self.rule_clauses

    def clauses(self, rule: str) -> tuple[str, ...]:
        return self.rule_clauses[rule]

    def citation(self, rule: str, detail: str = "", dsl_told: bool = False) -> tuple[str, ...]:
        """What a finding of `rule` cites: the rule's clauses or, for a data-quality
        finding (whose `detail` names the check), the source of that one check; and the
        register's default behind any value its explanation rests on that no clause
        states (who may accept a declaration; the window of repeated approaches that
        told the DSL)."""
        if rule == "data-quality":
            check = "membership_dates" if detail.startswith("membership|") else detail
            return self.checks[check]
        rests_on = {"declaration-required": ["declaration_approvers"],
                    "parent-contact": ["declaration_approvers"],
                    "approach-reported": ["approach_window_days"] if dsl_told else []}
        return self.clauses(rule) + tuple(
            self.settings[name].source for name in rests_on.get(rule, ())
            if self.settings[name].clause is None)


SETTING_NAMES = (
    "covered_roles",
    "scope",
    "family_degree",
    "ex_pupil_age_limit",
    "family_link_from_records_needs_declaration",
    "parent_contact",
    "parent_contact_channels",
    "inbound_only_is_advisory",
    "review_days",
    "approach_window_days",
    "account_admin_authorisers",
    "declaration_approvers",
    "pupil_contact_exemptions",
    "parent_contact_exemptions",
    "account_admins_required",
)

# Settings a profile file written before they existed may leave out: the value the register
# read then, so such a file keeps its meaning.
EARLIER_READINGS = {
    "pupil_contact_exemptions": ["family_member", "family_friend", "prior_friendship"],
    "parent_contact_exemptions": ["family_member", "family_friend", "prior_friendship", "other"],
    "account_admins_required": 2,
}


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name, a school's own profile by its recorded name
    (`own:<file name>`, in this process's data folder), or a profile file by path.

    >>> load_profile("great-chart").ex_pupil_age_limit is None
    True
    """
    if name_or_path in SHIPPED:
        return _load_file(PROFILE_DIR / f"{name_or_path}.toml")
    path = profile_file(name_or_path)
    if path is None:
        raise ProfileError(
            f"no profile {name_or_path!r}: name one of {', '.join(SHIPPED)} or a profile file"
        )
    return _load_file(path.resolve())


@cache
def _load_file(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(f"{path}: {error}") from error
    try:
        return _profile_from(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ProfileError(f"{path}: {error}") from error


def _profile_from(data: dict) -> Profile:
    clause_texts = dict(data["clauses"])
    settings = {}
    for name in SETTING_NAMES:
        if name not in data and name in EARLIER_READINGS:
            settings[name] = Setting(EARLIER_READINGS[name], None,
                                     "the profile file does not give it; the register's earlier "
                                     "reading, which the file was written for")
            continue
        entry = data[name]
        if ("clause" in entry) == ("default" in entry):
            raise ValueError(f"{name}: give either the clause that states the value or, where no "
                             f"clause does, default = \"the reason for the register's default\"")
        if "clause" in entry and entry["clause"] not in clause_texts:
            raise ValueError(f"{name}: clause {entry['clause']!r} has no text in [clauses]")
        settings[name] = Setting(entry["value"], entry.get("clause"), entry.get("default"))
    rule_clauses = {}
    checks = {}
    for rule, clauses in data["rules"].items():
        if rule not in RULE_IDS:
            raise ValueError(f"[rules]: unknown rule {rule!r}")
        if rule == "data-quality" and isinstance(clauses, dict):
            checks = _checks(clauses, clause_texts)
            rule_clauses[rule] = tuple(dict.fromkeys(
                c for cited in checks.values() for c in cited if c in clause_texts))
            continue
        missing = [c for c in clauses if c not in clause_texts]
        if not clauses or missing:
            raise ValueError(f"[rules] {rule}: every rule needs clauses with text ({missing})")
        rule_clauses[rule] = tuple(clauses)
        if rule == "data-quality":  # a profile file of the earlier shape: its own citation
            checks = {name: tuple(clauses) for name in DATA_QUALITY_CHECKS}

    def value(name):
        return settings[name].value

    age_limit = value("ex_pupil_age_limit")
    channels = value("parent_contact_channels")
    degree = int(value("family_degree"))
    if degree < 1:
        raise ValueError("family_degree must be at least 1")
    return Profile(
        name=data["name"],
        title=data["title"],
        covered_roles=frozenset(Role(r) for r in value("covered_roles")),
        scope=Scope(value("scope")),
        family_degree=degree,
        ex_pupil_age_limit=None if age_limit == "none" else int(age_limit),
        family_link_from_records_needs_declaration=bool(
            value("family_link_from_records_needs_declaration")
        ),
        parent_contact=ParentContact(value("parent_contact")),
        parent_contact_channels=None if channels == "all" else frozenset(channels),
        inbound_only_is_advisory=bool(value("inbound_only_is_advisory")),
        review_days=int(value("review_days")),
        approach_window_days=int(value("approach_window_days")),
        account_admin_authorisers=frozenset(
            Position(p) for p in value("account_admin_authorisers")
        ),
        declaration_approvers=tuple(sorted(
            {Position(p) for p in value("declaration_approvers")}, key=list(Position).index)),
        exemptions={
            "pupil-contact": frozenset(Basis(b) for b in value("pupil_contact_exemptions")),
            "ex-pupil-contact": frozenset(Basis(b) for b in value("pupil_contact_exemptions")),
            "parent-contact": frozenset(Basis(b) for b in value("parent_contact_exemptions")),
        },
        account_admins_required=int(value("account_admins_required")),
        rule_clauses=rule_clauses,
        clause_texts=clause_texts,
        settings=settings,
        checks=checks,
    )


def _checks(table: dict, clause_texts: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """[rules.data-quality]: for each check, the clause that needs the fact it checks or,
    where no clause does, default = "the reason the register checks it"."""
    if set(table) != set(DATA_QUALITY_CHECKS):
        raise ValueError(f"[rules.data-quality]: give each of {', '.join(DATA_QUALITY_CHECKS)} "
                         f"as a table with its clause or its default's reason")
    checks = {}
    for name in DATA_QUALITY_CHECKS:
        entry = table[name]
        if not isinstance(entry, dict) or ("clause" in entry) == ("default" in entry):
            raise ValueError(f"[rules.data-quality] {name}: give either the clause that needs the "
                             f"check or, where no clause does, default = \"the reason for it\"")
        if "clause" in entry and entry["clause"] not in clause_texts:
            raise ValueError(f"[rules.data-quality] {name}: clause {entry['clause']!r} has no "
                             f"text in [clauses]")
        checks[name] = (Setting(True, entry.get("clause"), entry.get("default")).source,)
    return checks


# -- a school's own profile, made in the pages from a shipped one -------------------------

# Where a school's own profile files live, inside the data folder: the Policy page's and
# those an exchange folder's import keeps (api/routes/imports.py).
OWN_PROFILES = "profiles"
# How a school records its own profile: this and the file's name in OWN_PROFILES, so the
# record holds wherever the data folder is restored, moved or mounted.
OWN_PREFIX = "own:"

_DEFAULT_PREFIX = "register's default: "


def profile_data(profile: Profile) -> dict:
    """The profile as the data of its file (the shape load_profile reads)."""
    data: dict = {"name": profile.name, "title": profile.title}
    for name, setting in profile.settings.items():
        data[name] = {"value": setting.value, **(
            {"clause": setting.clause} if setting.clause is not None
            else {"default": setting.default})}
    rules: dict = {rule: list(clauses) for rule, clauses in profile.rule_clauses.items()
                   if rule != "data-quality"}
    if "data-quality" in profile.rule_clauses or profile.checks:
        rules["data-quality"] = {
            check: ({"clause": source} if source in profile.clause_texts
                    else {"default": source.removeprefix(_DEFAULT_PREFIX)})
            for check, (source, *_) in profile.checks.items()}
    data["rules"] = rules
    data["clauses"] = dict(profile.clause_texts)
    return data


def profile_from_data(data: dict) -> Profile:
    """A profile from the data of a file not yet written (ProfileError if it is not one)."""
    try:
        return _profile_from(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ProfileError(str(error)) from error


def profile_toml(data: dict) -> str:
    """The text of a profile file holding `data` (strings, numbers, yes/no and lists)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)  # JSON's escapes are all TOML's too
        if isinstance(v, (list, tuple, frozenset, set)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(f"a profile holds no {type(v).__name__}")

    lines = [f"name = {value(data['name'])}", f"title = {value(data['title'])}"]
    for name in SETTING_NAMES:
        lines += ["", f"[{name}]"] + [f"{k} = {value(v)}" for k, v in data[name].items()]
    lines += ["", "[rules]"] + [f"{json.dumps(rule)} = {value(clauses)}"
                                for rule, clauses in data["rules"].items() if rule != "data-quality"]
    if "data-quality" in data["rules"]:
        lines += ["", '[rules."data-quality"]'] + [
            f"{check} = {value(entry)}" for check, entry in data["rules"]["data-quality"].items()]
    lines += ["", "[clauses]"] + [f"{json.dumps(k)} = {value(v)}"
                                  for k, v in data["clauses"].items()]
    return "\n".join(lines) + "\n"


def keep_profile(data_dir: Path, source: Path) -> str:
    """Keep a copy of the profile file at `source` (an exchange folder's) among the data
    folder's own profiles, named by its content; what a school records to follow it."""
    content = Path(source).read_bytes()
    return own_name(_write_own(data_dir, f"{hashlib.sha256(content).hexdigest()[:16]}.toml",
                               content))


def save_own_profile(data_dir: Path, school_id: str, data: dict) -> Path:
    """Write a school's own profile file in the data folder and return its path (a school
    records it by `own_name`). The file is named by its content, so a saved file never
    changes under a school that follows it (and the loaded profiles, cached by path, stay
    true)."""
    text = profile_toml(data)
    profile_from_data(tomllib.loads(text))  # what is written reads back as a profile
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    stem = school_id if school_id.replace("-", "").replace("_", "").isalnum() else "school"
    return _write_own(data_dir, f"{stem}-{digest}.toml", text.encode())


def _write_own(data_dir: Path, file_name: str, content: bytes) -> Path:
    """The file `file_name` among the data folder's own profiles, written whole (through a
    partial file) unless it is there already: named by its content, it never changes."""
    folder = Path(data_dir) / OWN_PROFILES
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.write_bytes(content)
        partial.replace(path)
    return path.resolve()


# -- where a school's own profile is found ---------------------------------------------

# The data folder whose OWN_PROFILES an `own:` name is looked for in: the one this process
# was started on. Every reader of a school's profile needs it (the in-memory rules, access
# checks, Neo4j's own evaluation), and most reach it only through the Store interface,
# which knows no data folder; so it is set where a process pairs its store with its data
# folder: graph/cli.py open_store (every command, `serve` included) and api/service.py
# Register (the service; the tests make one per data folder).
_data_folder: Path | None = None


def use_data_folder(folder: str | Path) -> None:
    """Read schools' own profiles from `folder`'s OWN_PROFILES from now on."""
    global _data_folder
    _data_folder = Path(folder).resolve()


def own_name(path: Path) -> str:
    """What a school records to follow the own profile file at `path` (in OWN_PROFILES)."""
    return OWN_PREFIX + Path(path).name


def profile_source(recorded: str) -> bytes:
    """The text of the profile a school records, for a digest of what its findings are
    made from: a shipped profile's file or the school's own (b"missing" when gone)."""
    path = PROFILE_DIR / f"{recorded}.toml" if recorded in SHIPPED else profile_file(recorded)
    return path.read_bytes() if path is not None and path.is_file() else b"missing"


def profile_file(recorded: str, data_folder: Path | None = None) -> Path | None:
    """The file of a profile a school records, if there is one (a shipped name has none):
    `own:<file name>` in `data_folder`'s OWN_PROFILES (this process's, by default), or a
    path. A path recorded before the `own:` form (an absolute path into the data folder of
    its day) that is no longer there is looked for by its file name in `data_folder`'s
    OWN_PROFILES, so a data folder restored or moved elsewhere keeps its schools' policies."""
    data_folder = data_folder if data_folder is not None else _data_folder
    if recorded.startswith(OWN_PREFIX):
        name = recorded.removeprefix(OWN_PREFIX)
        if data_folder is None or name != Path(name).name or name.startswith("."):
            return None
        path = data_folder / OWN_PROFILES / name
        return path if path.is_file() else None
    path = Path(recorded)
    if path.is_file():
        return path
    if data_folder is not None and path.is_absolute() and path.suffix == ".toml":
        moved = data_folder / OWN_PROFILES / path.name
        if moved.is_file():
            return moved
    return None


def school_profile(school) -> Profile:
    """The profile `school` (a graph.model.School) follows; a ProfileError, in one line
    naming the school and what to do, when its own profile file is not here."""
    if school.profile not in SHIPPED and profile_file(school.profile) is None:
        where = _data_folder / OWN_PROFILES if _data_folder is not None else "the data folder"
        raise ProfileError(
            f"the policy profile of {school.name} is not in {where}: restore that folder's "
            f"files from a backup of this data folder (relreg restore) or from the data "
            f"folder it was copied from, then try again")
    return load_profile(school.profile)


def missing_profiles(schools) -> list[str]:
    """The one-line error of each school whose profile cannot be read here."""
    problems = []
    for school in schools:
        try:
            school_profile(school)
        except ProfileError as error:
            problems.append(str(error))
    return problems
