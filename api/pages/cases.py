"""Senior leaders' pages: the review queue (overdue first, filtered by school, rule,
severity and state) and the case page (the finding's explanation, the policy clause's own
words, the evidence, the small network around the two people, who was recused and why,
and the decisions, each with a reason). The pages call the API's own route functions."""

from __future__ import annotations

import csv
import io
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, Response, status
from pydantic import ValidationError

from api.access import check_acts_on_case, check_decides_declaration, check_sees_network
from api.deps import ActorDep, CaseAccount, CurrentSession, RegisterDep, ReviewerAccount
from api.errors import not_found
from api.pages.common import (
    RULE_NAMES,
    STATE_NAMES,
    account_words,
    in_words,
    messages_of,
    page,
    see_other,
    uk_time,
)
from api.pages.network import firing_findings
from api.routes.people import view_network
from api.pages.people import known_at
from api.pages.picture import EDGE_STYLES, ROLE_STYLES, draw
from api.routes.cases import assign_case, get_case, move_case, visible_cases
from api.routes.declarations import decide_declaration, list_declarations
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, CaseAssign, CaseMove, CasePublic, DeclarationDecision
from graph.intake.exchange import spreadsheet_safe
from graph.intake.identity import IDENTITY_DATABASE, IdentityTable
from graph.model import World
from graph.profiles import load_profile
from graph.review import DECISIONS, REVIEWER_MOVES, CaseError, CaseNotFound, CaseState

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

FindingId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
SEVERITIES = {"high": "High", "medium": "Medium", "low": "Low"}
CASE_NETWORK_CAP = 40  # people around each of the two: enough to see, small enough to read
MOVE_LABELS = {"to_state": "Decision", "reason": "Reason", "action": "Action",
               "action_due": "Action due by", "escalated_to": "Escalate to",
               "conditions": "Conditions", "decision": "Decision"}


def _names(register, person_ids) -> dict[str, str]:
    words = register.names()
    return {person_id: words.person(person_id) for person_id in person_ids if person_id}


QUEUE_PAGE = 50
# Grouped, the queue pages through its groups, and shows at most QUEUE_PAGE cases of each:
# "All N in this group" still acts on every case of the group, shown or not.
GROUPS_PAGE = 25
GROUPINGS = {"adult": "By adult", "import": "By import"}
IMPORT_KINDS = {"mis": "MIS export", "ctf": "common transfer file", "folder": "exchange folder"}
# What the queue's own forms may decide: (state, escalated to, words). From open, a
# decision also starts the review, with the same reason: one step, two recorded moves.
# Requiring action needs an action and a date: that is done on the case page.
QUEUE_CHOICES = {
    "in_review": ("in_review", None, "Start the review"),
    "accepted": ("accepted", None, "Accept"),
    "dismissed": ("dismissed", None, "Dismiss"),
    "escalated_dsl": ("escalated", "dsl", "Escalate to the DSL"),
    "escalated_lado": ("escalated", "lado", "Escalate to the LADO"),
    "closed": ("closed", None, "Close"),
    "open": ("open", None, "Reopen"),
}


def queue_choices(state: str) -> dict[str, str]:
    """The queue's choices for a case in `state`: the moves allowed from it, and from open
    the decisions too."""
    state = CaseState(state)
    return {key: words for key, (to_state, _, words) in QUEUE_CHOICES.items()
            if CaseState(to_state) in REVIEWER_MOVES[state]
            or (state is CaseState.OPEN and CaseState(to_state) in DECISIONS)}


def _queue(register, account, school: str, rule: str, severity: str, state: str, q: str,
           mine: str = ""):
    """The cases the queue shows for these filters (unknown values are ignored: they come
    from the form's own lists), with the names of the people in them. `mine`: only the
    cases assigned to the account's holder."""
    school = school if school in {s.school_id for s in register.store.schools()} else ""
    rule = rule if rule in RULE_NAMES else ""
    severity = severity if severity in SEVERITIES else ""
    state = state if state in STATE_NAMES else ""
    mine = "1" if mine and account.person_id else ""
    today = register.today()
    cases = [CasePublic.of(c, today) for c in visible_cases(
        register, account, school_id=school or None, rule=rule or None,
        severity=severity or None, state=state or None)]
    if mine:
        cases = [c for c in cases if c.assignee_id == account.person_id]
    names = _names(register, {p for c in cases
                              for p in (c.finding.adult_id, c.finding.counterpart_id)})
    q = q.strip()
    if q:
        wanted = q.casefold()
        cases = [c for c in cases if any(wanted in names.get(p, "").casefold() for p in
                                         (c.finding.adult_id, c.finding.counterpart_id) if p)]
    filters = {"school": school, "rule": rule, "severity": severity, "state": state, "q": q,
               "mine": mine}
    return cases, names, filters


def _groups(register, cases, names, grouping: str) -> list[dict]:
    """The cases in groups, in the queue's order within each: by adult (their name), or by
    the import that opened them (its kind, school and time; never its number or file
    name)."""
    groups: dict[str, dict] = {}
    opened_by, import_schools = {}, {}
    if grouping == "import":
        with register.lock:
            opened_by = register.cases.opened_by_imports()
        import_schools = _import_schools(register)
    for case in cases:
        if grouping == "adult":
            key = case.finding.adult_id or ""
            label = names.get(key, "") or "No adult named"
        else:
            import_id, kind, at = opened_by.get(case.finding_id, ("", "", ""))
            key = import_id
            school = import_schools.get(import_id)
            label = (f"{IMPORT_KINDS.get(kind, 'import')}{f' for {school}' if school else ''} "
                     f"imported on {uk_time(at)}" if import_id else "Not opened by an import")
        group = groups.setdefault(key, {"key": f"{grouping}:{key}", "label": label,
                                        "cases": [], "overdue": 0})
        group["cases"].append(case)
        group["overdue"] += case.overdue
    # The group with most overdue first, then the biggest; the cases of no group last.
    return sorted(groups.values(), key=lambda g: (g["key"].endswith(":"), -g["overdue"],
                                                  -len(g["cases"]), g["label"]))


def _import_schools(register) -> dict[str, str]:
    """import id -> the name of the school the import was for (a common transfer file's or
    an MIS export's; an exchange folder is for no one school), from the import log."""
    if not (register.data_dir / IDENTITY_DATABASE).exists():
        return {}
    with register.lock, IdentityTable(register.data_dir) as identity:
        logged = {i["import_id"]: i["school_id"] for i in identity.imports()}
    schools = {s.school_id: s.name for s in register.store.schools()}
    return {import_id: schools[school_id] for import_id, school_id in logged.items()
            if school_id in schools}


def group_cases(register, cases, names, grouping: str, key: str) -> list:
    """The cases of one group (its `key`, as the page gives it), among `cases`."""
    return next((g["cases"] for g in _groups(register, cases, names, grouping)
                 if g["key"] == key), [])


def render_queue(request: Request, register, session, account, *, school: str = "",
                 rule: str = "", severity: str = "", state: str = "", q: str = "",
                 mine: str = "", group: str = "", page_number: int = 1,
                 extra: dict | None = None, status_code: int = 200):
    """The review queue page, as filtered and grouped; the queue's forms show it again
    with what they did (`extra`: their results and errors)."""
    cases, names, filters = _queue(register, account, school, rule, severity, state, q, mine)
    group = group if group in GROUPINGS else ""
    filters["group"] = group
    groups = _groups(register, cases, names, group) if group else []
    per_page = GROUPS_PAGE if group else QUEUE_PAGE
    listed = groups if group else cases  # what the pages go through
    pages = max(1, -(-len(listed) // per_page))
    page_number = min(page_number, pages)
    shown = listed[(page_number - 1) * per_page:page_number * per_page]
    schools = {s.school_id: s.name for s in register.store.schools()
               if s.school_id in {account.school_id, filters["school"]}
               | {c.finding.school_id for c in cases}}
    query = {k: v for k, v in filters.items() if v}
    routed = _names(register, {p for c in cases for p in c.finding.route_to})
    names.update(routed)
    return page(request, "queue.html", {
        "title": "Review queue", "cases": [] if group else shown, "total": len(cases),
        "names": names, "schools": schools, "filters": filters, "severities": SEVERITIES,
        "overdue_count": sum(c.overdue for c in cases), "page_number": page_number,
        "pages": pages, "first_shown": (page_number - 1) * per_page + 1,
        "query": urlencode({k: v for k, v in query.items() if k != "group"}),
        "page_link": lambda n: "/cases?" + urlencode({**query, "page": n}),
        "groupings": GROUPINGS, "groups": shown if group else [], "group_count": len(groups),
        "group_cap": QUEUE_PAGE,
        "choices": queue_choices, "all_choices": {k: w for k, (_, _, w) in QUEUE_CHOICES.items()},
        "assignees": routed, "may_be_mine": bool(account.person_id),
        "errors": {}, "values": {}, "results": None, **(extra or {}),
    }, session=session, status_code=status_code)


@router.get("/cases")
def review_queue(request: Request, register: RegisterDep, session: CurrentSession,
                 account: CaseAccount, school: str = "", rule: str = "",
                 severity: str = "", state: str = "", q: Annotated[str, Query(max_length=100)] = "",
                 mine: Annotated[str, Query(max_length=1)] = "",
                 group: Annotated[str, Query(max_length=10)] = "",
                 page_number: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1):
    return render_queue(request, register, session, account, school=school, rule=rule,
                        severity=severity, state=state, q=q, mine=mine, group=group,
                        page_number=page_number)


EXPORT_COLUMNS = ("Due by", "Overdue", "Finding", "Adult", "About", "Severity", "State",
                  "School", "Raised on", "Policy clauses")


@router.get("/cases.csv")
def export_queue(register: RegisterDep, account: ReviewerAccount, actor: ActorDep,
                 school: str = "", rule: str = "", severity: str = "", state: str = "",
                 q: Annotated[str, Query(max_length=100)] = "",
                 mine: Annotated[str, Query(max_length=1)] = ""):
    """The whole queue as the filters choose it, as a CSV file a spreadsheet opens."""
    cases, names, filters = _queue(register, account, school, rule, severity, state, q, mine)
    schools = {s.school_id: s.name for s in register.store.schools()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for c in cases:
        f = c.finding
        writer.writerow([spreadsheet_safe(str(v)) for v in (
            c.due_on.isoformat(), "yes" if c.overdue else "no", RULE_NAMES[f.rule],
            names.get(f.adult_id, ""), names.get(f.counterpart_id, f.account_id or ""),
            SEVERITIES[f.severity], STATE_NAMES[c.state], schools.get(f.school_id, ""),
            c.raised_on.isoformat(), "; ".join(f.clauses))])
    register.record(actor, "cases.export", "case", count=len(cases),
                    filters={k: v for k, v in filters.items() if v and k != "q"})
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="review-queue.csv"',
                             "Cache-Control": "no-store"})


def _case_page(request: Request, register, session, account, actor, finding_id: str, *,
               errors: dict[str, list[str]] | None = None, values: dict | None = None,
               status_code: int = 200, printing: bool = False):
    try:
        case = get_case(register, account, finding_id)
    except CaseNotFound:
        raise not_found("case", finding_id) from None
    finding = case.finding
    store = register.store
    today = register.today()
    school = next((s for s in store.schools() if s.school_id == finding.school_id), None)
    profile = load_profile(school.profile) if school else None
    clauses = [(c, profile.clause_texts.get(c, "") if profile else "") for c in finding.clauses]
    parties = [p for p in (finding.adult_id, finding.counterpart_id) if p]
    recused = [r.person_id for r in finding.recused]
    names = _names(register, {*parties, *recused, *finding.route_to,
                               *([case.assignee_id] if case.assignee_id else [])})
    network = {"shown": False, "why": "Not printed: see the case in the register."} \
        if printing else _small_network(register, account, actor, parties, finding_id)
    drawn_as = {row.person_id: row.known_as for row in network["picture"].people} \
        if network["shown"] else {}
    known_as = {p: known_at(store.memberships_of(p), finding.school_id, today)
                or drawn_as.get(p, "no membership at this school") for p in parties}
    connections = [c for c in (store.connection(cid) for cid in finding.connection_ids) if c]
    approaches = []
    if finding.rule == "approach-reported" and finding.adult_id:
        with register.lock:
            approaches = [(r, register.evidence.of_report(r.report_id))
                          for r in store.approaches_of(finding.adult_id)
                          if r.from_id == finding.counterpart_id]
    declarations = []
    if finding.adult_id and finding.counterpart_id:
        for d in store.declarations_of(finding.adult_id):
            if d.declarer_id == finding.adult_id and d.counterpart_id == finding.counterpart_id:
                declarations.append((d, not printing and _may_decide(account, store, d, today)))
    reasons = register.declaration_reasons([d.declaration_id for d, _ in declarations])
    try:
        with register.lock:
            check_acts_on_case(account, register.store, register.cases.get(finding_id),
                               on=register.today())
        moves = sorted(REVIEWER_MOVES[case.state], key=list(STATE_NAMES).index)
    except HTTPException:
        moves = []
    if printing:
        moves = []
        register.record(actor, "case.print", "case", object_id=finding_id,
                        subjects=parties)
    return page(request, "case.html", {
        "title": f"{RULE_NAMES[finding.rule]}: case", "case": case, "finding": finding,
        "school": school, "profile": profile, "clauses": clauses, "names": names,
        "known_as": known_as, "connections": connections, "approaches": approaches,
        "declarations": declarations, "declaration_reasons": reasons, "network": network,
        "moves": moves, "actors": _actor_names(register, case.history or []),
        "errors": errors or {}, "values": values or {}, "today": today,
        "role_styles": ROLE_STYLES, "edge_styles": EDGE_STYLES,
        "explanation": in_words(finding.explanation, register),
        "recused_reasons": [in_words(r.reason, register) for r in finding.recused],
        "history_reasons": [in_words(e.reason, register) for e in case.history or []],
        "assignee": names.get(case.assignee_id) if case.assignee_id else None,
        "printing": printing, "printed_by": account_words(account, register),
    }, session=session, status_code=status_code)


def _may_decide(account, store, declaration, today) -> bool:
    try:
        check_decides_declaration(account, store, declaration, on=today)
    except HTTPException:
        return False
    return declaration.status == "pending"


def _small_network(register, account, actor, parties: list[str], finding_id: str) -> dict:
    """The two people and those directly around them, drawn from the networks the reviewer
    may see (each view audited). A party whose network they may not see (a parent has no
    membership of the school) is reached one step further from the other party."""
    if not parties:
        return {"shown": False, "why": "This finding is not about two people."}
    viewable, refused = [], []
    for person_id in parties:
        try:
            check_sees_network(account, register.store, person_id, on=register.today())
            viewable.append(person_id)
        except HTTPException as error:
            refused.append(messages_of(error)[0])
    if not viewable:
        return {"shown": False, "why": refused[0]}
    depth = 2 if refused else 1
    cap = CASE_NETWORK_CAP * depth
    parts = [view_network(register, account, actor, person_id, depth, cap, case=finding_id)
             for person_id in viewable]
    world = World()
    for part, _ in parts:
        world = world.merged(part)
    findings = firing_findings(register, world.people)
    picture = draw(world, parties, findings, register.today(), register.preferred_names())
    return {"shown": True, "picture": picture,
            "capped": any(capped for _, capped in parts)}


def _actor_names(register, history) -> dict[str, str]:
    """How the history names each actor: the person and their role, never a number."""
    names = {"register": "The register"}
    with register.lock:
        for event in history:
            if event.actor.startswith("account:") and event.actor not in names:
                account = register.accounts.get(int(event.actor.partition(":")[2]))
                names[event.actor] = account_words(account, register) if account \
                    else "an account since removed"
    return names


@router.get("/cases/{finding_id}")
def case_page(request: Request, register: RegisterDep, session: CurrentSession,
              account: CaseAccount, actor: ActorDep, finding_id: FindingId):
    return _case_page(request, register, session, account, actor, finding_id)


@router.get("/cases/{finding_id}/print")
def case_print(request: Request, register: RegisterDep, session: CurrentSession,
               account: CaseAccount, actor: ActorDep, finding_id: FindingId):
    """The case on paper: everything but the forms and the picture (printing is audited)."""
    return _case_page(request, register, session, account, actor, finding_id, printing=True)


@router.post("/cases/{finding_id}/moves")
def post_move(request: Request, register: RegisterDep, session: CurrentSession,
              account: CaseAccount, actor: ActorDep, finding_id: FindingId,
              to_state: Annotated[str, Form(max_length=40)] = "",
              reason: Annotated[str, Form(max_length=4000)] = "",
              action: Annotated[str, Form(max_length=4000)] = "",
              action_due: Annotated[str, Form(max_length=10)] = "",
              escalated_to: Annotated[str, Form(max_length=10)] = "",
              conditions: Annotated[str, Form(max_length=4000)] = ""):
    values = {"to_state": to_state, "reason": reason, "action": action,
              "action_due": action_due, "escalated_to": escalated_to, "conditions": conditions}
    # Only the details of the decision taken go with it.
    details = {"action_required": {"action": action or None, "action_due": action_due or None},
               "escalated": {"escalated_to": escalated_to or None},
               "accepted": {"conditions": conditions or None}}.get(to_state, {})
    try:
        if not to_state:
            raise HTTPException(422, [{"loc": ["body", "to_state"], "msg": "choose one"}])
        body = CaseMove(to_state=to_state, reason=reason, **details)
        move_case(register, account, actor, finding_id, body)
    except (ValidationError, HTTPException, CaseError) as error:
        return _case_page(request, register, session, account, actor, finding_id,
                          errors={"move": messages_of(error, MOVE_LABELS)}, values=values,
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other(f"/cases/{finding_id}", "moved")


@router.post("/cases/{finding_id}/declarations/{declaration_id}")
def post_declaration_decision(request: Request, register: RegisterDep,
                              session: CurrentSession, account: ReviewerAccount,
                              actor: ActorDep, finding_id: FindingId,
                              declaration_id: Annotated[str, Path(max_length=64,
                                                                  pattern=ID_PATTERN)],
                              decision: Annotated[str, Form(max_length=20)] = "",
                              reason: Annotated[str, Form(max_length=4000)] = ""):
    try:
        body = DeclarationDecision(decision=decision, reason=reason)
        decide_declaration(register, account, actor, declaration_id, body)
    except (ValidationError, HTTPException) as error:
        return _case_page(request, register, session, account, actor, finding_id,
                          errors={declaration_id: messages_of(error, MOVE_LABELS)},
                          values={"decision": decision, "reason": reason},
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other(f"/cases/{finding_id}", "decided")


@router.post("/cases/{finding_id}/assignment")
def post_assignment(request: Request, register: RegisterDep, session: CurrentSession,
                    account: ReviewerAccount, actor: ActorDep, finding_id: FindingId,
                    assignee_id: Annotated[str, Form(max_length=64)] = "",
                    reason: Annotated[str, Form(max_length=4000)] = ""):
    """Give the case to one of the reviewers it is routed to (or take it back)."""
    try:
        if not assignee_id:
            raise HTTPException(422, [{"loc": ["body", "assignee_id"], "msg": "choose one"}])
        assign_case(register, account, actor, finding_id,
                    CaseAssign(assignee_id=assignee_id, reason=reason))
    except (ValidationError, HTTPException) as error:
        return _case_page(request, register, session, account, actor, finding_id,
                          errors={"assign": messages_of(error, {"assignee_id": "Give it to",
                                                                "reason": "Why"})},
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other(f"/cases/{finding_id}", "assigned")


# -- declarations waiting for a decision --------------------------------------------------

@router.get("/declarations")
def waiting_declarations(request: Request, register: RegisterDep, session: CurrentSession,
                         account: ReviewerAccount):
    return _declarations_page(request, register, session, account)


def _declarations_page(request, register, session, account, *, errors: dict | None = None,
                       values: dict | None = None, status_code: int = 200):
    """Every declaration at the leader's school that waits for a decision, oldest first,
    whether or not it raised a finding, each with the case it goes with, if any."""
    waiting = sorted(list_declarations(register, account, status_="pending"),
                     key=lambda d: (d.declared_on, d.declaration_id))
    store, today = register.store, register.today()
    names = _names(register, {p for d in waiting for p in (d.declarer_id, d.counterpart_id)})
    known_as = {d.counterpart_id: known_at(store.memberships_of(d.counterpart_id),
                                           account.school_id, today) or "family of a pupil"
                for d in waiting}
    by_pair = {}
    for c in visible_cases(register, account):
        by_pair.setdefault((c.finding["adult_id"], c.finding["counterpart_id"]), c)
    cases = {d.declaration_id: by_pair[(d.declarer_id, d.counterpart_id)] for d in waiting
             if (d.declarer_id, d.counterpart_id) in by_pair}
    # No case about the pair, but one about either of them: the page says so, with links.
    about = {d.declaration_id: [c for pair, c in by_pair.items()
                                if {d.declarer_id, d.counterpart_id} & set(pair)]
             for d in waiting if d.declaration_id not in cases}
    names |= _names(register, {c.finding.get(key) for found in about.values() for c in found
                               for key in ("adult_id", "counterpart_id")} - set(names))
    decides = {d.declaration_id: _may_decide(account, store, store.declaration(d.declaration_id),
                                             today)
               for d in waiting}
    return page(request, "declarations.html", {
        "title": "Declarations waiting for a decision", "waiting": waiting, "names": names,
        "known_as": known_as, "cases": cases, "about": about, "decides": decides, "errors": errors or {},
        "values": values or {},
    }, session=session, status_code=status_code)


@router.post("/declarations/{declaration_id}")
def post_waiting_decision(request: Request, register: RegisterDep, session: CurrentSession,
                          account: ReviewerAccount, actor: ActorDep,
                          declaration_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
                          decision: Annotated[str, Form(max_length=20)] = "",
                          reason: Annotated[str, Form(max_length=4000)] = ""):
    try:
        decide_declaration(register, account, actor, declaration_id,
                           DeclarationDecision(decision=decision, reason=reason))
    except (ValidationError, HTTPException) as error:
        return _declarations_page(
            request, register, session, account,
            errors={declaration_id: messages_of(error, MOVE_LABELS)},
            values={declaration_id: {"decision": decision, "reason": reason}},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/declarations", "decided")
