"""A school's own policy: a trust admin starts from the school's profile (or a shipped one),
changes its settings, each with the clause of the school's policy it rests on and that
clause's wording, sees what the change would do to today's findings at the school before
anything is saved, and saves it as the school's own profile (audited; every finding there
is re-evaluated, as when a shipped profile is chosen)."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import json
import secrets
from time import perf_counter
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool

from api.access import check_administers_school, person_in, reach
from api.deps import ActorDep, CurrentSession, RegisterDep, TrustAdmin
from api.pages.common import RULE_NAMES, page, see_other
from api.routing import InOrderRoute
from graph.model import World
from graph.policy_preview import APPEARS, CHANGES, DISAPPEARS, preview_policy
from graph.profiles import (
    SETTING_NAMES,
    SHIPPED,
    ProfileError,
    load_profile,
    own_name,
    profile_data,
    profile_from_data,
    save_own_profile,
)
from graph.words import BASIS_NAMES, CHANNEL_NAMES, POSITION_WORDS

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

# A preview's token is signed with a key of this process: a token cannot be made without a
# preview, and after a restart the settings are simply previewed again.
_TOKEN_KEY = secrets.token_bytes(32)

ROLE_OPTIONS = {"staff": "Staff", "governor": "Governors", "volunteer": "Volunteers",
                "contractor": "Contractors", "visitor": "Visitors"}
POSITION_OPTIONS = {p: words[0].upper() + words[1:] for p, words in POSITION_WORDS.items()}
YES_NO = {"yes": "Yes", "no": "No"}

# setting -> (kind of input, what it asks, its options or least number)
SETTINGS = {
    "covered_roles": ("several", "Who the policy covers", ROLE_OPTIONS),
    "scope": ("one", "Whose pupils it speaks of", {
        "school": "The pupils of the adult's own school",
        "trust": "The pupils of every school of the trust"}),
    "family_degree": ("number", "How many family links still count as family", 1),
    "ex_pupil_age_limit": ("age", "Ex-pupils are protected until this age", 1),
    "family_link_from_records_needs_declaration": (
        "yesno", "A family tie in the school's records still needs a declaration", YES_NO),
    "parent_contact": ("one", "Personal contact with a pupil's parent", {
        "prohibited": "Not allowed, unless a relationship the policy accepts is declared",
        "prior-relationship-only": "Allowed only where there was a relationship before",
        "approval": "Needs the approval of the headteacher or the chair of governors"}),
    "parent_contact_channels": ("channels", "Channels on which contact with a parent counts",
                                CHANNEL_NAMES),
    "inbound_only_is_advisory": (
        "yesno", "A pupil following an adult who does not follow back is advisory only", YES_NO),
    "review_days": ("number", "School days a reviewer has for a finding", 1),
    "approach_window_days": ("number", "Days within which three approaches tell the DSL", 1),
    "account_admin_authorisers": ("several", "Who may authorise a school account's administrators",
                                  POSITION_OPTIONS),
    "declaration_approvers": ("several", "Who may accept a declaration", POSITION_OPTIONS),
    "pupil_contact_exemptions": (
        "several", "Relationships that permit contact with a pupil or ex-pupil", BASIS_NAMES),
    "parent_contact_exemptions": (
        "several", "Relationships that permit contact with a parent", BASIS_NAMES),
    "account_admins_required": ("number", "Administrators each school account needs", 0),
}
assert tuple(SETTINGS) == SETTING_NAMES, "every setting of a profile is asked for"
# Settings whose list may not be empty: a policy that covers no one, or that no one may act on.
NOT_EMPTY = {"covered_roles", "declaration_approvers", "account_admin_authorisers"}
LONGEST = {"clause": 120, "wording": 4000, "title": 200, "reason": 1000}
SEVERITY_WORDS = {"high": "High", "medium": "Medium", "low": "Low"}


def _school(register, admin, school_id: str):
    """The school, if this trust admin administers it; otherwise no such school."""
    check_administers_school(admin, register.store, school_id, on=register.today())
    [school] = [s for s in register.store.schools() if s.school_id == school_id]
    return school


def _same(a, b) -> bool:
    """Two values of a setting are the same: lists in any order."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    return a == b


def _fields(data: dict, current: dict, errors: dict[str, str] | None = None,
            wordings: dict[str, str] | None = None) -> list[dict]:
    """What the form shows for each setting: its value in `data`, what the school's profile
    says today, the clause it rests on with its wording, and any problem with it."""
    fields = []
    for name, (kind, label, options) in SETTINGS.items():
        entry, today = data[name], current[name]
        clause = entry.get("clause") or ""
        value = entry["value"]
        fields.append({
            "name": name, "kind": kind, "label": label,
            "options": options if isinstance(options, dict) else {},
            "least": options if isinstance(options, int) else None,
            "value": value,
            "chosen": [] if not isinstance(value, list) else value,
            "clause": clause,
            "wording": (wordings or {}).get(name, data["clauses"].get(clause, "")),
            "default": entry.get("default"),
            "today": _value_words(name, today["value"]),
            "today_source": today.get("clause") or f"register's default: {today.get('default')}",
            "changed": not _same(value, today["value"]),
            "error": (errors or {}).get(name),
        })
    return fields


def _value_words(name: str, value) -> str:
    kind, _, options = SETTINGS[name]
    if kind == "yesno":
        return "Yes" if value else "No"
    if kind == "age" and value == "none":
        return "no age limit"
    if kind == "channels" and value == "all":
        return "every channel"
    if isinstance(value, list):
        return ", ".join(options.get(v, v) for v in value) or "none"
    if isinstance(options, dict):
        return options.get(value, str(value))
    return str(value)


def _read_form(form, base: dict) -> tuple[dict, dict[str, str], dict[str, str]]:
    """The profile data the form asks for, starting from `base`; the problems, by setting
    (or "title"); and the wording given beside each setting, to show it again."""
    data = copy.deepcopy(base)
    errors: dict[str, str] = {}
    wordings: dict[str, str] = {}
    proposed: dict[str, set[str]] = {}
    title = (form.get("title") or "").strip()
    if not title or len(title) > LONGEST["title"]:
        errors["title"] = "Name of the policy: fill this in (at most 200 characters)"
    data["title"] = title or base["title"]
    for name, (kind, label, options) in SETTINGS.items():
        entry = base[name]
        raw = form.get(f"value-{name}")
        value, problem = _value_of(kind, options, raw, form.getlist(f"value-{name}"),
                                   form.get(f"every-{name}"))
        if problem is None and name in NOT_EMPTY and value == []:
            problem = "choose at least one"
        if problem is not None:
            errors[name] = f"{label}: {problem}"
            value = entry["value"]
        if _same(value, entry["value"]):
            value = entry["value"]  # as the file had it, in its order
        clause = " ".join((form.get(f"clause-{name}") or "").split())
        wording = (form.get(f"wording-{name}") or "").strip()
        wordings[name] = wording
        if clause:
            if len(clause) > LONGEST["clause"] or len(wording) > LONGEST["wording"]:
                errors.setdefault(name, f"{label}: the clause's name or wording is too long")
            elif not wording:
                errors.setdefault(name, f"{label}: give the wording of clause {clause} as your "
                                        f"policy has it")
            proposed.setdefault(clause, set()).add(wording)
            data[name] = {"value": value, "clause": clause}
        elif "default" in entry and _same(value, entry["value"]):
            data[name] = {"value": value, "default": entry["default"]}
        else:
            errors.setdefault(name, f"{label}: name the clause of your policy that says this, "
                                    f"with its wording")
            data[name] = {"value": value, **{k: v for k, v in entry.items() if k != "value"}}
    for clause, texts in proposed.items():
        changed = texts - {base["clauses"].get(clause)}
        if len(changed) > 1:
            errors.setdefault("clauses", f"Clause {clause} is given two different wordings: "
                                         f"give it one")
        data["clauses"][clause] = changed.pop() if changed else base["clauses"][clause]
    return data, errors, wordings


def _value_of(kind, options, raw, chosen: list, every) -> tuple[object, str | None]:
    if kind in ("several", "channels"):
        if kind == "channels" and every:
            return "all", None
        picked = [v for v in options if v in chosen]
        if len(picked) != len(chosen):
            return None, "choose from the list"
        if kind == "channels" and not picked:
            return None, "choose every channel or at least one"
        return picked, None
    if kind == "one":
        return (raw, None) if raw in options else (None, "choose one")
    if kind == "yesno":
        return (raw == "yes", None) if raw in YES_NO else (None, "choose yes or no")
    if kind == "age" and every:
        return "none", None
    try:
        number = int(raw or "")
    except ValueError:
        return None, "give a whole number"
    if not options <= number <= 999:
        return None, f"give a whole number from {options} to 999"
    return number, None


def _changes(current: dict, data: dict) -> list[dict]:
    """What differs from the school's profile today: settings, their clauses, wordings."""
    changed = []
    for name in SETTING_NAMES:
        before, after = current[name], data[name]
        if not _same(before["value"], after["value"]) or before.get("clause") != after.get("clause"):
            changed.append({"setting": name, "from": before["value"], "to": after["value"],
                            "clause": after.get("clause")})
    for clause, text in data["clauses"].items():
        if current["clauses"].get(clause) != text:
            changed.append({"clause_wording": clause})
    return changed


def _changed_words(current: dict, data: dict) -> list[str]:
    """The changes from the school's profile today, as the page lists them."""
    words = []
    for change in _changes(current, data):
        if "setting" in change:
            name = change["setting"]
            rests_on = f"clause {change['clause']}" if change["clause"] else "register's default"
            if _same(change["from"], change["to"]):
                words.append(f"{SETTINGS[name][1]}: {_value_words(name, change['to'])}, now "
                             f"resting on {rests_on}")
            else:
                words.append(f"{SETTINGS[name][1]}: {_value_words(name, change['from'])} → "
                             f"{_value_words(name, change['to'])} ({rests_on})")
        else:
            words.append(f"The wording of clause {change['clause_wording']}")
    return words


def _token(school_id: str, data: dict) -> str:
    message = json.dumps([school_id, data], sort_keys=True, default=sorted).encode()
    return hmac.new(_TOKEN_KEY, message, hashlib.sha256).hexdigest()


def _base(school, start: str) -> tuple[str, dict]:
    """Where the form starts: a shipped profile chosen, or the school's profile today. A
    shipped profile's name and title become the school's, as the policy will be its own."""
    start = start if start in SHIPPED else ""
    data = profile_data(load_profile(start or school.profile))
    if start or school.profile in SHIPPED:
        data["name"] = f"{school.school_id}-own"
        data["title"] = f"{school.name}'s policy"
    return start, data


def _effect_words(register, admin, effect, world: World, seconds: float) -> dict:
    """The preview as the queue names things: people by name within the admin's reach;
    `seconds`, how long reading the facts and evaluating them took."""
    today = register.today()
    reached = reach(admin, register.store, on=today)
    names = register.names()
    known: dict[str, str] = {}

    def person(person_id: str | None) -> str:
        if person_id is None:
            return ""
        if person_id not in known:
            known[person_id] = names.person(person_id) \
                if person_in(register.store, person_id, reached) \
                else "someone outside your trust's schools"
        return known[person_id]

    def school_account(account_id: str | None) -> str:
        account = world.school_accounts.get(account_id) if account_id else None
        if account is None:
            return ""
        return f"the school's {CHANNEL_NAMES.get(account.channel, account.channel)} account " \
               f"{account.handle}"

    def weight(finding) -> str:
        if finding is None:
            return "—"
        words = SEVERITY_WORDS[finding.severity]
        return f"{words}, advisory" if finding.advisory else words

    groups: dict[str, list[dict]] = {}
    for change in effect.changes:
        f = change.finding
        groups.setdefault(f.rule, []).append({
            "kind": change.kind,
            "adult": person(f.adult_id) or school_account(f.account_id) or "the school",
            "other": person(f.counterpart_id) or (school_account(f.account_id)
                                                  if f.adult_id else ""),
            "before": weight(change.before), "after": weight(change.after),
            "before_rule": RULE_NAMES[change.before.rule] if change.before else "",
            "after_rule": RULE_NAMES[change.after.rule] if change.after else "",
        })
    return {"groups": [(rule, RULE_NAMES[rule], rows) for rule, rows in sorted(groups.items())],
            "appear": effect.count(APPEARS), "disappear": effect.count(DISAPPEARS),
            "change": effect.count(CHANGES), "before": effect.before, "after": effect.after,
            "seconds": seconds}


def _policy_page(request, register, session, school, *, start: str, data: dict, current: dict,
                 errors=None, wordings=None, effect=None, token="", reason="",
                 status_code=200):
    problems = list((errors or {}).values())
    return page(request, "policy.html", {
        "title": f"The policy of {school.name}", "school": school, "start": start,
        "shipped": {name: load_profile(name).title for name in SHIPPED},
        "fields": _fields(data, current, errors, wordings), "policy_title": data["title"],
        "errors": problems, "title_error": (errors or {}).get("title"),
        "effect": effect, "token": token, "reason": reason,
        "changed": _changed_words(current, data),
        "neo4j": type(register.unlocked_store).__name__ != "EmbeddedStore",
        "own": school.profile not in SHIPPED,
    }, session=session, status_code=status_code)


@router.get("/admin/schools/{school_id}/policy")
def policy_page(request: Request, register: RegisterDep, session: CurrentSession,
                admin: TrustAdmin, school_id: Annotated[str, Path(max_length=64)],
                start: Annotated[str, Query(max_length=64)] = ""):
    """The school's policy as a form, starting from its profile or a shipped one."""
    school = _school(register, admin, school_id)
    current = profile_data(load_profile(school.profile))
    start, data = _base(school, start)
    return _policy_page(request, register, session, school, start=start, data=data,
                        current=current)


@router.post("/admin/schools/{school_id}/policy")
async def post_policy(request: Request, register: RegisterDep, session: CurrentSession,
                      admin: TrustAdmin, actor: ActorDep,
                      school_id: Annotated[str, Path(max_length=64)]):
    """Preview the effect of the settings (nothing is saved), or save them as the school's
    own profile: only settings previewed as they are, and with a reason."""
    form = await request.form()
    return await run_in_threadpool(_post_policy, request, register, session, admin, actor,
                                   school_id, form)


def _post_policy(request, register, session, admin, actor, school_id, form):
    school = _school(register, admin, school_id)
    current = profile_data(load_profile(school.profile))
    start, base = _base(school, str(form.get("start") or ""))
    data, errors, wordings = _read_form(form, base)
    reason = str(form.get("reason") or "").strip()
    shown = dict(start=start, data=data, current=current, wordings=wordings, reason=reason)
    profile = None
    if not errors:
        try:
            profile = profile_from_data(data)
        except ProfileError as error:
            errors["profile"] = f"These settings do not make a policy the register can read: {error}"
    if errors:
        return _policy_page(request, register, session, school, errors=errors, **shown,
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    token = _token(school_id, data)
    if form.get("action") == "save":
        if not hmac.compare_digest(str(form.get("token") or ""), token):
            errors["token"] = ("These settings are not the ones you previewed: preview the "
                               "effect of these settings, then save them.")
        if not reason or len(reason) > LONGEST["reason"]:
            errors["reason"] = "Why the school's policy changes: fill this in (at most 1000 " \
                               "characters)"
        if not errors:
            _save(register, admin, actor, school_id, data, current, start, reason)
            return see_other(f"/admin/schools/{school_id}/policy", "profile")
        if "token" in errors:  # nothing previewed to show: ask for the preview
            return _policy_page(request, register, session, school, errors=errors, **shown,
                                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    # Timed from the read of the facts: from Neo4j it can take longer than the rules do.
    started = perf_counter()
    world = register.store.export_world()
    effect = preview_policy(world, school_id, profile, register.today())
    seconds = perf_counter() - started
    register.record(actor, "school.policy.preview", "school", object_id=school_id,
                    appear=effect.count(APPEARS), disappear=effect.count(DISAPPEARS),
                    change=effect.count(CHANGES))
    return _policy_page(request, register, session, school, token=token, errors=errors,
                        effect=_effect_words(register, admin, effect, world, seconds), **shown,
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if errors else 200)


def _save(register, admin, actor, school_id, data, current, start, reason) -> None:
    with register.lock:
        school = _school(register, admin, school_id)  # still theirs, now the lock is held
        path = save_own_profile(register.data_dir, school_id, data)
        changed = dataclasses.replace(school, profile=own_name(path))
        register.change_facts(
            actor, "school.policy.own", "school", object_id=school_id, reason=reason,
            started_from=start or "the school's profile", changed=_changes(current, data),
            upsert=World(schools={school_id: changed}),
            cause=f"{school_id} now follows a policy of its own")
