"""What every page shares: the templates, the words the pages use for the register's
values, the navigation of each role, and how errors become messages on a page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

import pyvis
from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from api.identity import REVIEWER_ROLES, SCHOOL_ROLES, AccountRole, Session
from api.service import REFRESH_STEPS
from graph.clock import school_time
from graph.words import BASIS_NAMES, CHANNEL_NAMES as CHANNELS, shown_name
from jinja2 import pass_context

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE.parent / "templates"
STATIC_DIR = HERE.parent / "static"
# pyvis ships vis-network; the app serves that copy itself and inlines it in exports.
VIS_DIR = sorted((Path(pyvis.__file__).parent / "lib").glob("vis-9.*"))[-1]

# Nothing is loaded from outside the app; the pages run no inline script.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

RULE_NAMES = {
    "pupil-contact": "Personal contact with a pupil",
    "ex-pupil-contact": "Personal contact with an ex-pupil",
    "parent-contact": "Personal contact with a parent",
    # The rule fires in two states, named apart where a finding is shown (finding_name).
    "declaration-required": "Relationship without an accepted declaration",
    "approach-reported": "Approach reported",
    "school-account-oversight": "School account oversight",
    "data-quality": "Missing or contradictory data",
}
STATE_NAMES = {
    "open": "Open",
    "in_review": "In review",
    "accepted": "Accepted",
    "action_required": "Action required",
    "escalated": "Escalated",
    "dismissed": "Dismissed",
    "closed": "Closed",
    "resolved": "Resolved: the rule no longer fires",
}
# What a reviewer's button says for each move.
MOVE_NAMES = {
    "in_review": "Start the review",
    "accepted": "Accept: transparent and permitted",
    "action_required": "Require action",
    "escalated": "Escalate",
    "dismissed": "Dismiss",
    "closed": "Close",
    "open": "Reopen",
}
# Seen from the person declaring: the connection's person_id is them.
DIRECTION_NAMES = {
    "mutual": "We follow each other",
    "outbound": "I follow them; they do not follow me",
    "inbound": "They follow me; I do not follow them",
}
ESCALATION_NAMES = {
    "dsl": "the designated safeguarding lead",
    "lado": "the local authority designated officer (LADO)",
}
ROLE_NAMES = {
    "staff": "Staff", "senior_leader": "Senior leader", "headteacher": "Headteacher",
    "dsl": "Designated safeguarding lead", "trust_admin": "Trust admin", "auditor": "Auditor",
}
# Shown after a form has done its work (the code is in the address, never free text).
NOTICES = {
    "mail-saved": "The mail settings are saved. Send a test message to check them.",
    "mail-test-sent": "The test message was sent: check that it arrived.",
    "declared": "Your declaration is recorded. A senior leader will review it.",
    "connected": "Your connection is recorded.",
    "reported": "Your approach report is recorded.",
    "confirmed": "Your yearly confirmation is recorded.",
    "moved": "The case is updated and the decision recorded.",
    "decided": "The declaration is decided.",
    "imported": "The folder was imported.",
    "import-undone": "The last import is undone: what it wrote is gone, what it replaced is back.",
    "account": "The account is saved.",
    "profile": "The school is saved.",
    "signed-out": "You have signed out.",
    "withdrawn": "Your declaration is withdrawn.",
    "connection-withdrawn": "Your connection is withdrawn.",
    "assigned": "The case is given to the reviewer you chose.",
}


def nav_for(role: AccountRole) -> list[tuple[str, str]]:
    """(address, label) of the pages a role works with, in the order they are shown."""
    items = []
    if role in SCHOOL_ROLES:
        items += [("/my", "My relationships"), ("/my/declare", "Declare"),
                  ("/my/download-check", "Check a download")]
    if role in REVIEWER_ROLES:
        items += [("/cases", "Review queue"), ("/declarations", "Declarations"),
                  ("/network", "Network explorer")]
    if role is AccountRole.TRUST_ADMIN:
        # The queue shows them only the cases no one at a school was free to review.
        items += [("/cases", "Review queue")]
        items += [("/admin/import", "Import"), ("/admin/accounts", "Accounts"),
                  ("/admin/schools", "Schools"), ("/admin/sign-in", "Sign-in"),
                  ("/admin/mail", "Mail")]
    if role in (AccountRole.TRUST_ADMIN, AccountRole.DSL):
        items += [("/privacy", "Data protection")]
    if role is AccountRole.AUDITOR:
        items += [("/audit", "Audit trail")]
    items += [("/my/notifications", "Notifications")]
    return items


def home_for(role: AccountRole) -> str:
    return {AccountRole.STAFF: "/my", AccountRole.SENIOR_LEADER: "/cases",
            AccountRole.HEADTEACHER: "/cases", AccountRole.DSL: "/network",
            AccountRole.TRUST_ADMIN: "/admin/import", AccountRole.AUDITOR: "/audit"}[role]


def long_date(value: dt.date | str | None) -> str:
    """23 November 2026: how an English school writes a date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def uk_time(moment: str | float | dt.datetime | None, seconds: bool = False) -> str:
    """A moment the register keeps in UTC as the school reads it, in its own time zone
    (graph/clock.py): '1 July 2026 at 11:05' for 10:05 UTC in summer."""
    if moment is None or moment == "":
        return ""
    local = school_time(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M:%S}" if seconds else \
        f"{local.day} {local:%B %Y} at {local:%H:%M}"


def in_words(text: str, register) -> str:
    """A sentence of the register's (which names people and schools by id, so that the
    findings JSON holds no names) as a person reads it (graph/words.py)."""
    return register.names().text(text)


def account_words(account, register) -> str:
    """How a page names the holder of an account: 'Liam Brennan (Senior leader)'."""
    name = register.names().person(account.person_id) if account.person_id else None
    return f"{name or account.username} ({ROLE_NAMES[account.role]})"


DECLARATION_STATE_NAMES = {
    "pending": "Relationship declared, awaiting a decision",
    "undeclared": "Relationship not declared",
}


@pass_context
def finding_name(context, finding) -> str:
    """A finding's title as its state is: a declaration-required finding says whether the
    relationship is declared and awaiting a decision or not declared at all."""
    get = finding.get if isinstance(finding, dict) else (lambda key: getattr(finding, key))
    if get("rule") != "declaration-required":
        return RULE_NAMES[get("rule")]
    pair = {get("adult_id"), get("counterpart_id")}
    store = context["request"].app.state.register.store
    pending = any({d.declarer_id, d.counterpart_id} == pair and d.status == "pending"
                  for d in store.declarations_of(get("adult_id")))
    return DECLARATION_STATE_NAMES["pending" if pending else "undeclared"]


@pass_context
def shown(context, person) -> str:
    """A person as the pages name them: 'Alexander (Alex) Smith' (graph/words.py)."""
    register = context["request"].app.state.register
    return shown_name(person, register.preferred_names().get(person.person_id))


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["long_date"] = long_date
templates.env.filters["shown"] = shown
templates.env.filters["uk_time"] = uk_time
templates.env.globals.update(RULE_NAMES=RULE_NAMES, STATE_NAMES=STATE_NAMES,
                             BASIS_NAMES=BASIS_NAMES, DIRECTION_NAMES=DIRECTION_NAMES,
                             CHANNELS=CHANNELS, ROLE_NAMES=ROLE_NAMES, MOVE_NAMES=MOVE_NAMES,
                             ESCALATION_NAMES=ESCALATION_NAMES, finding_name=finding_name)


def page(request: Request, template: str, context: dict | None = None, *,
         session: Session | None = None, status_code: int = 200):
    """A page, with what the layout needs: who is signed in, their navigation, the CSRF
    token every form carries, and a notice left by the form before."""
    context = dict(context or {})
    if session is not None:
        context.setdefault("account", session.account)
        context.setdefault("csrf_token", session.csrf_token or "")
        context.setdefault("nav", nav_for(session.account.role))
        if session.account.role is AccountRole.TRUST_ADMIN:
            context.setdefault("plain_http_warning",
                               request.app.state.register.plain_http_sign_in_on)
    context.setdefault("findings", request.app.state.register.findings_label())
    context.setdefault("refresh_steps", REFRESH_STEPS)
    context.setdefault("notice", NOTICES.get(request.query_params.get("notice", "")))
    context.setdefault("path", request.url.path)
    return templates.TemplateResponse(request, template, context, status_code=status_code,
                                      headers=page_headers())


def page_headers() -> dict[str, str]:
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store"}


def see_other(path: str, notice: str | None = None, **query) -> RedirectResponse:
    """After a form: the page to show next (303, so a reload does not post again)."""
    if notice:
        query["notice"] = notice
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(path + (f"?{urlencode(query)}" if query else ""), status_code=303)


class Problem(str):
    """One line of what went wrong, and the form field it is about ("" for the whole form):
    the page shows it in the summary, linked to the field, and beside the field."""

    field: str

    def __new__(cls, text: str, field: str = "") -> "Problem":
        made = super().__new__(cls, text)
        made.field = field
        return made


def about_field(messages, name: str) -> list[str]:
    """The lines of `messages` about the field `name` (a template filter)."""
    return [m for m in messages or () if getattr(m, "field", "") == name]


templates.env.filters["about_field"] = about_field


def messages_of(error: Exception, labels: dict[str, str] | None = None) -> list[Problem]:
    """What went wrong, in words a person can act on: one line per field the service or
    the form's model named (HTTPException details, pydantic ValidationErrors), each a
    Problem that knows its field."""
    labels = labels or {}
    if isinstance(error, ValidationError):
        problems = [(e["loc"][-1] if e["loc"] else "", _plain(e)) for e in error.errors()]
    elif isinstance(error, HTTPException) and isinstance(error.detail, list):
        problems = [(p.get("loc", [""])[-1], p.get("msg", "")) for p in error.detail]
    elif isinstance(error, HTTPException):
        problems = [("", str(error.detail))]
    else:
        problems = [("", str(error))]
    return [Problem(f"{labels.get(str(field), str(field).replace('_', ' ').capitalize())}: "
                    f"{message}", str(field))
            if field not in ("", "body") else Problem(message) for field, message in problems]


def _plain(problem: dict) -> str:
    """pydantic's message, unless a plainer one says the same."""
    context = problem.get("ctx") or {}
    if problem["type"] == "missing" or context.get("pattern") == r"\S" or (
            problem["type"] == "string_too_short" and context.get("min_length") == 1):
        return "fill this in"
    if problem["type"] == "string_too_short":
        return f"use at least {context.get('min_length')} characters"
    if problem["type"] == "string_too_long":
        return f"use at most {context.get('max_length')} characters"
    if problem["type"] in ("enum", "literal_error"):
        return "choose one from the list"
    if problem["type"].startswith(("date_", "datetime_")):
        return "give a date, such as 27/11/2026 or 2026-11-27"
    return problem["msg"]
