"""One rule of scope (api/access.py may_see_person, may_see_account, reach), proven as a
table: every route of the app that takes a person, declaration, connection, approach
report, case, hold, account (by id, username or sign-in link) or school, times every role,
times {own school, another school of the trust, a school outside the trust}.

The table's rows come from the app's own route table: a new route that takes one of those
without an entry in SCOPE fails test_every_route_that_takes_a_person_has_a_scope_entry.

The world: S1 and S2 are the trust TR's, S3 another trust's; all follow ninestiles, whose
policy speaks of one school (so only the trust admin reaches the trust). At each school
(no prefix, B, C) the leaders H1, L1, D1, G1 and teacher T1, pupil P1 and their mother M1;
T1 follows P1, declared a connection with M1 (CD) and, pending, that they are a friend of
P1's family (DA: the case is T1 and P1's declaration-required), and reported an approach
from P1 (RA, with evidence); the school's DSL holds P1. T1 has a second, staff account
(the subject of the account routes) with a link from the trust's sign-in provider, and a
first sign-in waits for approval. The accounts acting are S1's: T1 (staff), L1, H1, D1, a
trust admin of S1's trust, and the auditor.
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass

import pytest
from pydantic import BaseModel

import api.identity.accounts
import tests.api_world as api_world
from api.identity import AccountRole, SessionKind
from api.privacy import place_hold
from graph.model import Connection, ConnectionSource, Direction
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest, app_routes
from tests.ctf_factory import FakePupil, ctf_xml, make_upn
from tests.builder import WorldBuilder, add_leaders
from tests.test_policy_page import policy_form

PLACES = {"own": ("", "S1"), "trust": ("B", "S2"), "outside": ("C", "S3")}
ROLES = {"staff": "T1", "senior_leader": "L1", "headteacher": "H1", "dsl": "D1",
         "trust_admin": "admin", "auditor": "auditor"}
ACCOUNTS = {
    "T1": (AccountRole.STAFF, "T1", "S1"),
    "L1": (AccountRole.SENIOR_LEADER, "L1", "S1"),
    "H1": (AccountRole.HEADTEACHER, "H1", "S1"),
    "D1": (AccountRole.DSL, "D1", "S1"),
    "admin": (AccountRole.TRUST_ADMIN, None, "S1"),
    "auditor": (AccountRole.AUDITOR, None, None),
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Where a route takes one of these (path, query, form or JSON body), it must have an entry.
TAKES = {"person_id", "person", "counterpart_id", "other_id", "from_id", "assignee_id",
         "reveal_id", "reveal", "declaration_id", "connection_id", "report_id", "evidence_id",
         "finding_id", "account_id", "username", "link_id", "school_id", "school", "case"}
ISSUER = "https://sign-in.example.org"


def three_schools():
    builder = WorldBuilder()
    for place, (x, school) in PLACES.items():
        builder.school(school, "ninestiles", "TR" if place != "outside" else "OTHER")
        add_leaders(builder, school, prefix=x)
        builder.pupil(f"{x}P1", school).family(f"{x}M1", "parent", f"{x}P1")
        builder.connect(f"{x}T1", f"{x}P1", connection_id=f"{x}CM")
        builder.declare(f"{x}T1", f"{x}M1", "family_friend", declaration_id=f"{x}DA")
        builder.approach(f"{x}T1", f"{x}P1", report_id=f"{x}RA", status="open")
    world = builder.build()
    for x, _ in PLACES.values():
        world.connections[f"{x}CD"] = Connection(f"{x}CD", f"{x}T1", f"{x}M1", "whatsapp",
                                                 Direction.MUTUAL, dt.date(2026, 1, 5),
                                                 ConnectionSource.DECLARED)
    return world


class ThreeSchools(ServiceUnderTest):
    def __init__(self, folder):
        original = api_world.ACCOUNTS  # S1's accounts, the trust admin tied to S1
        api_world.ACCOUNTS = ACCOUNTS
        try:
            super().__init__(folder, three_schools())
        finally:
            api_world.ACCOUNTS = original
        register = self.register
        register.keep_current()
        self.targets = {}
        for place, (x, school) in PLACES.items():
            place_hold(register, f"account:{x}D1", f"{x}P1", "a section 47 enquiry",
                       school_id=school)
            with register.writing():
                evidence = register.evidence.add(f"{x}RA", "shot.png", PNG, "test")
            [case] = [c for c in register.cases.find(school_id=school,
                                                     rule="declaration-required")
                      if c.finding["counterpart_id"] == f"{x}P1"]
            subject = register.accounts.create(f"subject-{school.lower()}", PASSWORD,
                                               AccountRole.STAFF, f"{x}T1", school)
            with register.writing():
                link = register.db.execute("INSERT INTO oidc_links VALUES (?, ?, ?)", (
                    ISSUER, f"subject-{school}", subject.account_id)).lastrowid
                request = register.db.execute(
                    "INSERT INTO oidc_requests (issuer, subject, email, requested_at, status) "
                    "VALUES (?, ?, ?, ?, 'waiting')",
                    (ISSUER, f"new-{school}", f"new-{school.lower()}@example.org",
                     self.now)).lastrowid
            self.targets[place] = {
                "school": school, "pupil": f"{x}P1", "parent": f"{x}M1", "teacher": f"{x}T1",
                "leader": f"{x}L1", "declaration": f"{x}DA", "connection": f"{x}CD",
                "report": f"{x}RA", "evidence": evidence.evidence_id, "case": case.finding_id,
                "account": subject.account_id, "username": subject.username, "link": link,
                "request": request,
                "teacher_name": register.store.person(f"{x}T1").name,
            }


@dataclass(frozen=True)
class Entry:
    """How to call a route on the targets of one place, and who may: `own` the roles
    allowed on their own school's targets, `trust` those also allowed on another school
    of the trust. Everyone is refused on a school outside the trust. `same_as_nobody`
    names the field whose value, for a person out of reach, must get exactly the answer
    of a person who does not exist. `refused` is how a refusal is answered; `moved`, how
    a second allowed role is answered once the first has changed the thing."""

    request: callable
    own: frozenset[str]
    trust: frozenset[str] = frozenset()
    same_as_nobody: str | None = None
    why_exempt: str | None = None
    refused: frozenset[int] = frozenset({401, 403, 404, 422})
    moved: int = 409
    # The target (a key of ThreeSchools.targets) whose id in the path, for a thing beyond
    # reach (another school's), must get exactly the answer of an id that does not exist.
    nobody_in_path: str | None = None


def entry(request, own, trust=(), same_as_nobody=None, refused=(), moved=409,
          nobody_in_path=None):
    return Entry(request, frozenset(own.split()), frozenset(trust.split() if trust else ()),
                 same_as_nobody, refused=frozenset({401, 403, 404, 422, *refused}), moved=moved,
                 nobody_in_path=nobody_in_path)


NOBODY_IDS = {"case": "F-0000000000000000", "pupil": "NOBODY9"}


NO_HOLD = (409,)  # a hold out of reach is answered as no hold at all


LEADERS = "senior_leader headteacher dsl"
DECIDERS = "senior_leader headteacher"  # the DSL is not routed a declaration-required case
SCHOOL = "staff " + LEADERS
REASON = {"reason": "checked with the school"}

SCOPE: dict[tuple[str, str], Entry] = {
    # -- the API ---------------------------------------------------------------------------
    ("GET", "/api/people/{person_id}"): entry(
        lambda t: ("get", f"/api/people/{t['pupil']}", {}), LEADERS + " trust_admin", "trust_admin"),
    ("GET", "/api/people/{person_id}/network"): entry(
        lambda t: ("get", f"/api/people/{t['pupil']}/network", {}), LEADERS,
        nobody_in_path="pupil"),
    ("GET", "/api/people/{person_id}/memberships"): entry(
        lambda t: ("get", f"/api/people/{t['pupil']}/memberships", {}), LEADERS + " trust_admin",
        "trust_admin"),
    ("POST", "/api/people/{person_id}/memberships"): entry(
        lambda t: ("post", f"/api/people/{t['parent']}/memberships", {"json": {
            "school_id": t["school"], "role": "volunteer", "start_date": "2026-09-01"}}),
        "trust_admin", "trust_admin"),
    ("POST", "/api/people/{person_id}/memberships/end"): entry(
        lambda t: ("post", f"/api/people/{t['teacher']}/memberships/end", {"json": {
            "school_id": t["school"], "role": "staff", "start_date": "2018-09-01",
            "end_date": "2027-08-31"}}), "trust_admin", "trust_admin"),
    **{("POST", path): Entry(None, frozenset(), why_exempt=(
        "signing in names one's own account: it answers a wrong or unknown username alike, "
        "before anyone is signed in (tests/test_api_auth.py)"))
       for path in ("/api/auth/login", "/api/auth/token", "/sign-in")},
    **{("GET", path): Entry(None, frozenset(), why_exempt=(
        "the auditor's trail filtered to a case: the auditor alone reads it, and this table's "
        "auditor, tied to nothing, reaches every school; an auditor of a trust is answered on "
        "another trust's case exactly as on no case (tests/test_audit_case_links.py)"))
       for path in ("/audit", "/audit.csv")},
    ("POST", "/api/people"): Entry(None, frozenset(), why_exempt=(
        "makes a new person: no one's data is read, and an id taken answers 409 for anyone")),
    ("POST", "/api/declarations"): entry(
        lambda t: ("post", "/api/declarations", {"json": {
            "counterpart_id": t["parent"], "basis": "family_member"}}), SCHOOL,
        same_as_nobody="counterpart_id"),
    ("GET", "/api/declarations/{declaration_id}"): entry(
        lambda t: ("get", f"/api/declarations/{t['declaration']}", {}), SCHOOL),
    ("POST", "/api/declarations/{declaration_id}/withdraw"): entry(
        lambda t: ("post", f"/api/declarations/{t['declaration']}/withdraw", {"json": REASON}),
        "staff"),
    ("POST", "/api/declarations/{declaration_id}/decision"): entry(
        lambda t: ("post", f"/api/declarations/{t['declaration']}/decision", {"json": {
            "decision": "rejected", **REASON}}), "senior_leader headteacher"),
    ("GET", "/api/connections"): entry(
        lambda t: ("get", "/api/connections", {"params": {"person_id": t["teacher"]}}), SCHOOL),
    ("POST", "/api/connections"): entry(
        lambda t: ("post", "/api/connections", {"json": {
            "other_id": t["parent"], "channel": "instagram"}}), SCHOOL,
        same_as_nobody="other_id"),
    ("POST", "/api/connections/reports"): entry(
        lambda t: ("post", "/api/connections/reports", {"json": {
            "person_id": t["pupil"], "other_id": t["parent"], "channel": "snapchat"}}), SCHOOL,
        same_as_nobody="person_id"),
    ("GET", "/api/connections/{connection_id}"): entry(
        lambda t: ("get", f"/api/connections/{t['connection']}", {}), SCHOOL),
    ("DELETE", "/api/connections/{connection_id}"): entry(
        lambda t: ("delete", f"/api/connections/{t['connection']}", {}), "staff"),
    ("GET", "/api/approaches"): entry(
        lambda t: ("get", "/api/approaches", {"params": {"person_id": t["teacher"]}}), SCHOOL),
    ("POST", "/api/approaches"): entry(
        lambda t: ("post", "/api/approaches", {"data": {
            "from_id": t["pupil"], "channel": "instagram", "occurred_on": "2026-11-20"}}),
        SCHOOL, same_as_nobody="from_id"),
    ("GET", "/api/approaches/{report_id}"): entry(
        lambda t: ("get", f"/api/approaches/{t['report']}", {}), SCHOOL),
    ("POST", "/api/approaches/{report_id}/evidence"): entry(
        lambda t: ("post", f"/api/approaches/{t['report']}/evidence",
                   {"files": {"evidence": ("more.png", PNG, "image/png")}}), "staff"),
    ("GET", "/api/approaches/{report_id}/evidence/{evidence_id}"): entry(
        lambda t: ("get", f"/api/approaches/{t['report']}/evidence/{t['evidence']}", {}),
        SCHOOL),
    ("GET", "/api/cases/{finding_id}"): entry(
        lambda t: ("get", f"/api/cases/{t['case']}", {}), "staff " + DECIDERS,
        nobody_in_path="case"),
    ("POST", "/api/cases/{finding_id}/moves"): entry(
        lambda t: ("post", f"/api/cases/{t['case']}/moves", {"json": {
            "to_state": "in_review", **REASON}}), DECIDERS, nobody_in_path="case"),
    ("POST", "/api/cases/{finding_id}/assignment"): entry(
        lambda t: ("post", f"/api/cases/{t['case']}/assignment", {"json": {
            "assignee_id": t["leader"]}}), DECIDERS, nobody_in_path="case"),
    ("POST", "/api/accounts"): entry(
        lambda t: ("post", "/api/accounts", {"json": {
            "username": f"new-{t['teacher'].lower()}", "password": "a long enough password",
            "role": "staff", "person_id": t["teacher"], "school_id": t["school"]}}),
        "trust_admin", "trust_admin"),
    ("GET", "/api/accounts/{account_id}"): entry(
        lambda t: ("get", f"/api/accounts/{t['account']}", {}), "trust_admin", "trust_admin"),
    ("PATCH", "/api/accounts/{account_id}"): entry(
        lambda t: ("patch", f"/api/accounts/{t['account']}", {"json": {"disabled": True}}),
        "trust_admin", "trust_admin"),
    ("DELETE", "/api/identity-links/{link_id}"): entry(
        lambda t: ("delete", f"/api/identity-links/{t['link']}", {}), "trust_admin",
        "trust_admin"),
    ("PUT", "/api/schools/{school_id}/profile"): entry(
        lambda t: ("put", f"/api/schools/{t['school']}/profile", {"json": {
            "profile": "mowbray"}}), "trust_admin", "trust_admin"),
    ("PATCH", "/api/schools/{school_id}"): entry(
        lambda t: ("patch", f"/api/schools/{t['school']}", {"json": {
            "name": "A school renamed"}}), "trust_admin", "trust_admin"),
    ("GET", "/api/people"): entry(
        lambda t: ("get", "/api/people", {"params": {"school_id": t["school"]}}),
        LEADERS + " trust_admin", "trust_admin", same_as_nobody="school_id"),
    # A filter over what the account may see anyway: another school's answers as an
    # unknown school's does (nothing of theirs), and no one's name is in it.
    ("GET", "/api/cases"): entry(
        lambda t: ("get", "/api/cases", {"params": {"school_id": t["school"]}}),
        SCHOOL + " trust_admin", "trust_admin", same_as_nobody="school_id", refused=(200,)),
    ("GET", "/api/findings"): entry(
        lambda t: ("get", "/api/findings", {"params": {"school_id": t["school"]}}),
        SCHOOL + " trust_admin", "trust_admin", same_as_nobody="school_id", refused=(200,)),
    ("GET", "/api/privacy/people/{person_id}/erasure"): entry(
        lambda t: ("get", f"/api/privacy/people/{t['parent']}/erasure", {}),
        "trust_admin", "trust_admin"),
    ("POST", "/api/privacy/people/{person_id}/erasure"): entry(
        lambda t: ("post", f"/api/privacy/people/{t['parent']}/erasure", {}),
        "trust_admin", "trust_admin"),
    ("POST", "/api/privacy/holds"): entry(
        lambda t: ("post", "/api/privacy/holds", {"json": {
            "person_id": t["parent"], "reason": "a concern"}}), "dsl"),
    ("POST", "/api/privacy/holds/{person_id}/lift"): entry(
        lambda t: ("post", f"/api/privacy/holds/{t['pupil']}/lift", {"json": REASON}), "dsl",
        refused=NO_HOLD),
    ("POST", "/api/privacy/people/{person_id}/subject-access"): entry(
        lambda t: ("post", f"/api/privacy/people/{t['pupil']}/subject-access", {"json": {}}),
        "trust_admin", "trust_admin"),
    # -- the pages -------------------------------------------------------------------------
    ("GET", "/my/declare"): entry(
        lambda t: ("get", "/my/declare", {"params": {"person": t["parent"]}}), SCHOOL),
    ("POST", "/my/declarations"): entry(
        lambda t: ("post", "/my/declarations", {"data": {
            "counterpart_id": t["parent"], "basis": "family_member"}}), SCHOOL),
    ("POST", "/my/connections"): entry(
        lambda t: ("post", "/my/connections", {"data": {
            "other_id": t["parent"], "channel": "instagram", "direction": "mutual"}}), SCHOOL),
    ("POST", "/my/approaches"): entry(
        lambda t: ("post", "/my/approaches", {"data": {
            "from_id": t["pupil"], "channel": "instagram", "occurred_on": "2026-11-20"}}),
        SCHOOL),
    ("POST", "/my/declarations/{declaration_id}/withdraw"): entry(
        lambda t: ("post", f"/my/declarations/{t['declaration']}/withdraw", {"data": REASON}),
        "staff"),
    ("POST", "/my/connections/{connection_id}/withdraw"): entry(
        lambda t: ("post", f"/my/connections/{t['connection']}/withdraw", {}), "staff"),
    ("GET", "/cases/{finding_id}"): entry(
        lambda t: ("get", f"/cases/{t['case']}", {}), DECIDERS, nobody_in_path="case"),
    ("GET", "/cases/{finding_id}/print"): entry(
        lambda t: ("get", f"/cases/{t['case']}/print", {}), DECIDERS, nobody_in_path="case"),
    ("POST", "/cases/{finding_id}/moves"): entry(
        lambda t: ("post", f"/cases/{t['case']}/moves", {"data": {
            "to_state": "in_review", **REASON}}), DECIDERS, moved=422, nobody_in_path="case"),
    ("POST", "/cases/{finding_id}/declarations/{declaration_id}"): entry(
        lambda t: ("post", f"/cases/{t['case']}/declarations/{t['declaration']}", {"data": {
            "decision": "rejected", **REASON}}), DECIDERS, moved=422, nobody_in_path="case"),
    ("POST", "/cases/{finding_id}/assignment"): entry(
        lambda t: ("post", f"/cases/{t['case']}/assignment", {"data": {
            "assignee_id": t["leader"]}}), DECIDERS, nobody_in_path="case"),
    ("POST", "/cases/{finding_id}/decide"): entry(
        lambda t: ("post", f"/cases/{t['case']}/decide", {"data": {
            "decision": "in_review", **REASON}}), DECIDERS, moved=422, nobody_in_path="case"),
    ("POST", "/cases/bulk"): entry(
        lambda t: ("post", "/cases/bulk", {"data": {
            "finding_id": t["case"], "bulk_action": "decide", "decision": "in_review",
            **REASON}}), DECIDERS, moved=422, same_as_nobody="finding_id"),
    ("POST", "/declarations/{declaration_id}"): entry(
        lambda t: ("post", f"/declarations/{t['declaration']}", {"data": {
            "decision": "rejected", **REASON}}), DECIDERS, moved=422),
    ("GET", "/network"): entry(
        lambda t: ("get", "/network", {"params": {"person": t["pupil"]}}), LEADERS,
        same_as_nobody="person"),
    ("GET", "/people/{person_id}/chronology"): entry(
        lambda t: ("get", f"/people/{t['pupil']}/chronology", {}), LEADERS + " trust_admin",
        "trust_admin", nobody_in_path="pupil"),
    ("GET", "/network/export"): entry(
        lambda t: ("get", "/network/export", {"params": {"person": t["pupil"]}}), LEADERS,
        same_as_nobody="person"),
    ("POST", "/admin/accounts"): entry(
        lambda t: ("post", "/admin/accounts", {"data": {
            "username": f"new-{t['teacher'].lower()}", "password": "a long enough password",
            "role": "staff", "person_id": t["teacher"], "school_id": t["school"]}}),
        "trust_admin", "trust_admin"),
    ("GET", "/admin/accounts/{account_id}"): entry(
        lambda t: ("get", f"/admin/accounts/{t['account']}", {}), "trust_admin", "trust_admin"),
    ("POST", "/admin/accounts/{account_id}"): entry(
        lambda t: ("post", f"/admin/accounts/{t['account']}", {"data": {
            "role": "staff", "person_id": t["teacher"], "school_id": t["school"],
            "access": "disabled"}}),
        "trust_admin", "trust_admin"),
    ("POST", "/admin/sign-in/second-factor/{account_id}/remove"): entry(
        lambda t: ("post", f"/admin/sign-in/second-factor/{t['account']}/remove", {}),
        "trust_admin", "trust_admin"),
    ("POST", "/admin/sign-in/emails"): entry(
        lambda t: ("post", "/admin/sign-in/emails", {"data": {
            "username": t["username"], "email": f"{t['teacher'].lower()}@example.org"}}),
        "trust_admin", "trust_admin", same_as_nobody="username"),
    ("GET", "/admin/sign-in/links/{link_id}"): entry(
        lambda t: ("get", f"/admin/sign-in/links/{t['link']}", {}), "trust_admin",
        "trust_admin"),
    ("POST", "/admin/sign-in/links/{link_id}/revoke"): entry(
        lambda t: ("post", f"/admin/sign-in/links/{t['link']}/revoke", {}), "trust_admin",
        "trust_admin"),
    ("POST", "/admin/sign-in/requests/{request_id}"): entry(
        lambda t: ("post", f"/admin/sign-in/requests/{t['request']}", {"data": {
            "decision": "approve", "role": "staff", "name": t["teacher_name"],
            "school_id": t["school"]}}), "", same_as_nobody="school_id"),
    # (a waiting first sign-in is no trust's: only the whole register's admin settles it,
    # tests/test_account_scope.py)
    ("POST", "/admin/schools/{school_id}"): entry(
        lambda t: ("post", f"/admin/schools/{t['school']}", {"data": {
            "name": "A school renamed", "profile": "ninestiles"}}), "trust_admin",
        "trust_admin"),
    ("POST", "/admin/schools/{school_id}/profile"): entry(
        lambda t: ("post", f"/admin/schools/{t['school']}/profile", {"data": {
            "profile": "mowbray"}}), "trust_admin", "trust_admin"),
    ("GET", "/admin/schools/{school_id}/policy"): entry(
        lambda t: ("get", f"/admin/schools/{t['school']}/policy", {}), "trust_admin",
        "trust_admin"),
    ("POST", "/admin/schools/{school_id}/policy"): entry(
        lambda t: ("post", f"/admin/schools/{t['school']}/policy", {
            "data": policy_form("ninestiles")}), "trust_admin", "trust_admin"),
    ("POST", "/admin/import"): entry(
        lambda t: ("post", "/admin/import", {"data": {
            "action": "preview", "school": t["school"]}, "files": {"file": (
                "transfer.xml", ctf_xml([FakePupil(make_upn(7), "Newly", "Arrived")]),
                "text/xml")}}), "trust_admin", "trust_admin", same_as_nobody="school"),
    ("GET", "/cases"): entry(
        lambda t: ("get", "/cases", {"params": {"school": t["school"]}}),
        LEADERS + " trust_admin", "trust_admin", refused=(200,)),
    ("GET", "/cases.csv"): entry(
        lambda t: ("get", "/cases.csv", {"params": {"school": t["school"]}}), LEADERS,
        refused=(200,)),
    ("GET", "/privacy"): entry(
        lambda t: ("get", "/privacy", {"params": {"person_id": t["pupil"]}}),
        "dsl trust_admin", "trust_admin"),
    ("POST", "/privacy/erase"): entry(
        lambda t: ("post", "/privacy/erase", {"data": {"person_id": t["parent"]}}),
        "trust_admin", "trust_admin"),
    ("POST", "/privacy/holds"): entry(
        lambda t: ("post", "/privacy/holds", {"data": {
            "person_id": t["parent"], "reason": "a concern"}}), "dsl"),
    ("POST", "/privacy/holds/{person_id}/lift"): entry(
        lambda t: ("post", f"/privacy/holds/{t['pupil']}/lift", {"data": REASON}), "dsl",
        refused=NO_HOLD),
    ("POST", "/privacy/subject-access"): entry(
        lambda t: ("post", "/privacy/subject-access", {"data": {"person_id": t["pupil"]}}),
        "trust_admin", "trust_admin"),
}


# -- the route table ---------------------------------------------------------------------

def _fields(dependant) -> set[str]:
    found = set()
    for param in dependant.path_params + dependant.query_params + dependant.body_params:
        found.add(param.name)
        kind = param.field_info.annotation
        if inspect.isclass(kind) and issubclass(kind, BaseModel):
            found |= set(kind.model_fields)
    for sub in dependant.dependencies:
        found |= _fields(sub)
    return found


def routes_taking_a_target(app) -> dict[tuple[str, str], set[str]]:
    return {(method, route.path): taken
            for route in app_routes(app.routes)
            if (taken := _fields(route.dependant) & TAKES)
            for method in route.methods}


@pytest.fixture(scope="module")
def route_table(tmp_path_factory):
    served = ThreeSchools(tmp_path_factory.mktemp("routes"))
    try:
        yield routes_taking_a_target(served.app)
    finally:
        served.close()


def test_every_route_that_takes_a_person_has_a_scope_entry(route_table):
    """A person, or anything of a person's, an account or a school."""
    assert len(route_table) > 60, "the route table was read"
    missing = sorted(set(route_table) - set(SCOPE))
    assert not missing, f"routes without a scope entry in tests/test_scope_table.py: {missing}"
    stale = sorted(set(SCOPE) - set(route_table))
    assert not stale, f"scope entries for routes that are gone: {stale}"


# -- the table itself ----------------------------------------------------------------------

@pytest.fixture
def three(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ThreeSchools(tmp_path)
    yield served
    served.close()


def call(served, who, request):
    method, url, kwargs = request
    return getattr(served, method)(who, url, follow_redirects=False, **kwargs)


@pytest.mark.parametrize("route", [r for r, e in SCOPE.items() if e.why_exempt is None],
                         ids=lambda r: f"{r[0]} {r[1]}")
def test_scope(three, route):
    """Each role on each place's targets: refused everywhere it should be (tried first, so
    nothing allowed has changed the targets yet), then allowed where it should be. An
    allowed request may meet a 409 (an earlier allowed role already moved the thing): it
    got past the scope."""
    rule = SCOPE[route]
    changed = set()  # the places whose targets an allowed role has changed
    tried = []
    for place in ("outside", "trust", "own"):
        for role, who in ROLES.items():
            allowed = role in rule.own if place == "own" else \
                role in rule.trust if place == "trust" else False
            tried.append((allowed, place, role, who))
    for allowed, place, role, who in sorted(tried, key=lambda t: t[0]):
        targets = three.targets[place]
        response = call(three, who, rule.request(targets))
        where = (role, place, response.status_code, response.text[:300])
        if allowed:
            assert response.status_code < 400 or (
                place in changed and response.status_code == rule.moved), where
            changed.add(place)
            continue
        assert response.status_code in rule.refused, where
        if place != "own":
            named = three.register.store.person(targets["pupil"])
            assert named.family_name not in response.text, ("a name leaked",) + where
        if rule.same_as_nobody and place == "outside":
            method, url, kwargs = rule.request(targets)
            part = next(p for p in ("json", "data", "params") if p in kwargs)
            body = dict(kwargs[part])
            stranger = body[rule.same_as_nobody]
            body[rule.same_as_nobody] = "NOBODY9"
            nobody = call(three, who, (method, url, {**kwargs, part: body}))
            assert (response.status_code, response.text) == (
                nobody.status_code, nobody.text.replace("NOBODY9", stranger)), where
        if rule.nobody_in_path and place != "own":
            stranger, missing = targets[rule.nobody_in_path], NOBODY_IDS[rule.nobody_in_path]
            nobody = call(three, who, rule.request({**targets, rule.nobody_in_path: missing}))
            assert (response.status_code, response.text) == (
                nobody.status_code, nobody.text.replace(missing, stranger)), where


# -- an account's own schools follow its person's CURRENT memberships ---------------------

def test_a_trust_admin_reaches_nothing_of_a_trust_where_their_person_was_staff_once(three):
    """A trust admin tied to T1 (staff at S1 now, and at S3, another trust's school, until
    last summer) reaches S1's trust, never S3's: not its people, schools or accounts. And
    an account whose person was once staff at S1 is no longer S1's admin's. The day is the
    service's: while T1 was still staff at S3, S3 was in reach."""
    from graph.model import Membership, Role, World

    last_summer = three.today.replace(year=three.today.year - 1, month=8, day=31)
    three.register.store.import_world(World(memberships=[
        Membership("T1", "S3", Role.STAFF, None, dt.date(2018, 9, 1), last_summer),
        Membership("CT1", "S1", Role.STAFF, None, dt.date(2018, 9, 1), last_summer)]))
    register = three.register
    for name, person in (("t1-admin", "T1"), ("ct1-auditor", "CT1")):
        role = AccountRole.TRUST_ADMIN if name == "t1-admin" else AccountRole.AUDITOR
        account = register.accounts.create(name, PASSWORD, role, person, None)
        three.tokens[name], _ = register.accounts.start_session(account, SessionKind.BEARER)
    outside = three.targets["outside"]

    def reached():
        schools = [s["school_id"] for s in three.get("t1-admin", "/api/schools").json()]
        accounts = {a["username"] for a in three.get("t1-admin", "/api/accounts").json()}
        stranger = three.get("t1-admin", f"/api/people/{outside['pupil']}")
        return schools, accounts, stranger

    schools, accounts, stranger = reached()
    assert schools == ["S1", "S2"]
    assert "subject-s2" in accounts and "subject-s3" not in accounts
    nobody = three.get("t1-admin", "/api/people/NOBODY9")
    assert (stranger.status_code, stranger.text) == (
        nobody.status_code, nobody.text.replace("NOBODY9", outside["pupil"]))
    assert three.get("t1-admin", f"/api/accounts/{outside['account']}").status_code == 404
    assert three.get("t1-admin", "/api/people/BP1").status_code == 200, "the trust's own"
    # CT1 left S1 last summer: their auditor's account is S3's alone now.
    assert "ct1-auditor" not in {a["username"] for a in three.get("admin", "/api/accounts").json()}

    three.today = last_summer  # the service's clock, back when T1 was still staff at S3
    schools, accounts, stranger = reached()
    assert schools == ["S1", "S2", "S3"] and "subject-s3" in accounts
    assert stranger.status_code == 200
    assert "ct1-auditor" in {a["username"] for a in three.get("admin", "/api/accounts").json()}
