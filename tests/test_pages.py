"""The pages, through the same app as the API (the browser story is tests/test_browser.py):
what each role sees and does, that every form needs its CSRF token, that the access rules
are the API's, and that network views and exports are audited and self-contained."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

import api.identity.accounts
import tests.api_world
from api.pages.common import CONTENT_SECURITY_POLICY
from api.pages.picture import EDGE_STYLES, ROLE_STYLES, draw
from graph.intake.exchange import write_folder
from graph.model import World
from graph.intake.identity import Identity, IdentityTable
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.builder import WorldBuilder
from tests.pages_world import story_world

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def service(tmp_path, monkeypatch):
    """The story's school served, first on 9 November so that the cases it raises then are
    overdue when the tests run, on 23 November."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 9))
    served = ServiceUnderTest(tmp_path, world=story_world())
    served.today = dt.date(2026, 11, 23)
    yield served
    served.close()


class Browser:
    """A person's browser: their own cookies, signed in through the sign-in form."""

    def __init__(self, service, who: str):
        self.http = TestClient(service.app, base_url="https://testserver")
        self.service = service
        form = self.http.get("/sign-in")
        signed_in = self.http.post("/sign-in", data={
            "username": f"{who.lower()}-user", "password": PASSWORD,
            "sign_in_token": field(form.text, "sign_in_token")}, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        self.home = signed_in.headers["location"]
        self.csrf = field(self.http.get(self.home).text, "csrf_token")

    def get(self, url, **kwargs):
        return self.http.get(url, **kwargs)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return self.http.post(url, data=data, follow_redirects=False, **kwargs)


def field(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def text(page: str) -> str:
    """The page's words, as a person reads them."""
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" (?=[.,:;)])|(?<=\() ", "", words)


def region(page: str, heading_id: str) -> str:
    """The words from the heading with this id up to the next h2."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start)
    return text(page[start:end if end > 0 else None].partition(">")[2])


# -- signing in, CSRF, and pages versus the API ---------------------------------------------

def test_a_page_sends_someone_not_signed_in_to_the_sign_in_form(service):
    response = service.http.get("/cases?rule=pupil-contact", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fcases%3Frule%3Dpupil-contact"
    assert service.http.get("/api/cases").status_code == 401, "the API still answers JSON"


def test_signing_in_goes_where_the_person_was_going_and_never_to_another_site(service):
    http = TestClient(service.app, base_url="https://testserver")
    for wanted, landed in (("/network", "/network"), ("//evil.example/", "/cases")):
        token = field(http.get("/sign-in").text, "sign_in_token")
        response = http.post("/sign-in", data={"username": "l1-user", "password": PASSWORD,
                                                "sign_in_token": token, "next": wanted},
                             follow_redirects=False)
        assert response.headers["location"] == landed


def test_a_wrong_password_or_a_forged_sign_in_form_is_refused_on_the_page(service):
    http = TestClient(service.app, base_url="https://testserver")
    token = field(http.get("/sign-in").text, "sign_in_token")
    wrong = http.post("/sign-in", data={"username": "t2-user", "password": "not it",
                                        "sign_in_token": token})
    assert wrong.status_code == 401 and "The username or password is wrong." in text(wrong.text)
    other_site = TestClient(service.app, base_url="https://testserver")  # no sign-in cookie
    forged = other_site.post("/sign-in", data={"username": "t2-user", "password": PASSWORD,
                                               "sign_in_token": token})
    assert forged.status_code == 400 and "relreg_session" not in other_site.cookies


def test_every_form_needs_the_csrf_token(service):
    teacher = Browser(service, "T2")
    declaration = {"counterpart_id": "M1", "basis": "family_friend"}
    refused = teacher.post("/my/declarations", declaration, csrf=False)
    assert refused.status_code == 403 and "CSRF" in text(refused.text)
    assert refused.headers["content-type"].startswith("text/html")
    assert service.store.declarations_of("T2") == [], "nothing was declared"
    assert teacher.post("/my/declarations", declaration).status_code == 303
    signed_out = teacher.post("/sign-out", csrf=False)
    assert signed_out.status_code == 403, "even signing out"


def test_pages_load_nothing_from_outside_the_app(service):
    leader = Browser(service, "L1")
    for url in ("/cases", "/network?person=P1"):
        response = leader.get(url)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert not re.search(r'(src|href)="(https?:)?//', response.text), url


# -- staff --------------------------------------------------------------------------------------

def test_staff_find_people_of_their_school_and_a_pupils_family_by_name(service):
    teacher = Browser(service, "T2")
    found = teacher.get("/my/declare", params={"name": "morgan"}).text
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', found)
    assert rows == [("Ella Morgan", "pupil"), ("Jack Morgan", "pupil"),
                    ("Sarah Morgan", "parent of Ella Morgan and Jack Morgan")]
    assert "2012" not in found, "no date of birth"
    assert "No one at your school" in text(teacher.get("/my/declare?name=okoro").text), \
        "a pupil of another school is not found"
    assert teacher.get("/my/declare?person=P2").status_code == 404


def test_staff_declare_a_relationship_and_a_connection_and_see_the_finding(service):
    teacher = Browser(service, "T2")
    chosen = teacher.get("/my/declare?person=M1").text
    assert "About Sarah Morgan" in text(chosen)
    assert "Report an approach" not in chosen, "a parent makes no approach"
    declared = teacher.post("/my/declarations", {"counterpart_id": "M1",
                                                 "basis": "family_friend",
                                                 "details": "choir friends"})
    assert declared.headers["location"] == "/my?notice=declared"
    connected = teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                                 "direction": "mutual"})
    assert connected.headers["location"] == "/my?notice=connected"
    [declaration] = service.store.declarations_of("T2")
    assert (declaration.counterpart_id, declaration.basis, declaration.status) == \
        ("M1", "family_friend", "pending")
    page = teacher.get("/my").text
    assert "Sarah Morgan Family friend choir friends 23 November 2026 Pending" in \
        region(page, "declarations-heading")
    assert "Sarah Morgan Facebook We follow each other 23 November 2026 Declared " \
           "Relationship declared, awaiting a decision Open" in region(page, "connections-heading")
    assert "Relationship declared, awaiting a decision Sarah Morgan Low" in \
        region(page, "findings-heading")
    assert "not yet declared" not in text(page), "a declared relationship is called declared"


def test_a_bad_declaration_is_shown_on_the_form_and_nothing_is_stored(service):
    teacher = Browser(service, "T2")
    refused = teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "acquaintance"})
    assert refused.status_code == 422
    assert "Basis: choose one from the list" in text(refused.text)
    assert "family_friend" not in text(refused.text), "no codes on the page"
    assert "About Sarah Morgan" in text(refused.text), "the form is shown again"
    assert service.store.declarations_of("T2") == []


def test_staff_report_an_approach_with_its_evidence(service):
    teacher = Browser(service, "T2")
    assert "Report an approach" in teacher.get("/my/declare?person=P1").text
    reported = teacher.post("/my/approaches",
                            {"from_id": "P1", "channel": "instagram",
                             "occurred_on": "2026-11-20", "summary": "asked to follow me"},
                            files={"evidence": ("message.png", PNG, "image/png")})
    assert reported.headers["location"] == "/my?notice=reported"
    page = teacher.get("/my").text
    approaches = region(page, "approaches-heading")
    assert "Ella Morgan Instagram 20 November 2026 asked to follow me message.png Open" \
        in approaches
    assert "Approach reported" in region(page, "findings-heading")
    refused = teacher.post("/my/approaches", {"from_id": "M1", "channel": "instagram",
                                              "occurred_on": "2026-11-20"})
    assert refused.status_code == 422 and "is not a pupil or ex-pupil" in text(refused.text)


def test_the_yearly_confirmation_is_given_and_its_date_shown(service):
    teacher = Browser(service, "T2")
    assert "Your yearly confirmation is due." in text(teacher.get("/my").text)
    refused = teacher.post("/my/confirmation", {"choice": "changes", "changes": " "})
    assert refused.status_code == 422 and "Say what has changed" in text(refused.text)
    assert teacher.post("/my/confirmation", {"choice": "nothing_further"}).status_code == 303
    confirmation = region(teacher.get("/my").text, "confirmation-heading")
    assert "You last gave it on 23 November 2026: nothing further to declare. It is next " \
           "due by 23 November 2027." in confirmation
    [entry] = service.register.audit.entries(action="confirmation.give")
    assert entry.actor == service.accounts["T2"].actor and entry.details["subjects"] == ["T2"]


def test_staff_may_not_open_the_leaders_pages(service):
    teacher = Browser(service, "T2")
    for url in ("/cases", "/network?person=P1", "/admin/accounts"):
        refused = teacher.get(url)
        assert refused.status_code == 403, url
        assert "You may not see this page" in text(refused.text)


# -- senior leaders ---------------------------------------------------------------------------

def test_the_review_queue_shows_overdue_cases_first_and_filters(service):
    Browser(service, "T2").post("/my/connections", {"other_id": "P1", "channel": "x",
                                                    "direction": "mutual"})
    leader = Browser(service, "L1")
    rows = re.findall(r'<tr( class="overdue")?>\s*<td class="date">.*?<a href="/cases/[^"]+">'
                      r"([^<]+)<", leader.get("/cases").text, re.S)
    assert rows[:2] == [(' class="overdue"', "Personal contact with a pupil")] * 2
    assert rows[2] == ("", "Personal contact with a pupil"), "T2 and P1, raised today"
    low = leader.get("/cases", params={"severity": "low"}).text
    assert "No case matches these filters." in low
    open_contact = leader.get("/cases", params={"state": "open", "rule": "pupil-contact"})
    assert open_contact.text.count('<td class="date">') == 3
    assert "3 cases, 2 overdue." in text(open_contact.text)
    in_review = leader.get("/cases", params={"state": "in_review"}).text
    assert "No case matches these filters." in in_review


def test_the_case_page_shows_the_finding_the_clause_and_who_was_recused(service):
    teacher = Browser(service, "T2")
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                     "direction": "mutual"})
    leader = Browser(service, "L1")
    case = service.case_of("declaration-required", "T2", "M1")
    page = leader.get(f"/cases/{case['finding_id']}").text
    explained = region(page, "explanation-heading")
    assert "Priya Shah is connected with Sarah Morgan (Facebook)" in explained
    assert not re.search(r"\b(T2|M1|S1|facebook)\b", explained), "no ids or codes"
    assert "ninestiles 8.4.1 Staff at schools can often have more complex relationships" \
        in region(page, "clauses-heading")
    assert "Helen Achebe connected to Priya Shah" in region(page, "routing-heading")
    assert "Priya Shah and Sarah Morgan follow each other" in region(page, "evidence-heading")
    assert "Facebook: Priya Shah and Sarah Morgan follow each other" in \
        region(page, "network-heading"), "the small network around them"
    views = service.register.audit.entries(action="person.network.view")
    assert [(e.details["object_id"], e.details["depth"]) for e in views] == [("T2", 2)], \
        "Sarah Morgan's own network is not the leader's to see: Priya's, one step further"


def test_a_decision_needs_a_reason_and_is_recorded_with_it(service):
    leader = Browser(service, "L1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    refused = leader.post(f"/cases/{case_id}/moves", {"to_state": "in_review", "reason": ""})
    assert refused.status_code == 422 and "Reason: fill this in" in text(refused.text)
    assert service.register.cases.get(case_id).state == "open"
    assert leader.post(f"/cases/{case_id}/moves", {"to_state": "in_review",
                                                   "reason": "looking"}).status_code == 303
    no_date = leader.post(f"/cases/{case_id}/moves", {
        "to_state": "action_required", "reason": "unfollow", "action": "Unfollow Ella"})
    assert no_date.status_code == 422 and "requiring action needs the date it is due by: give the date" in \
        text(no_date.text)
    decided = leader.post(f"/cases/{case_id}/moves", {
        "to_state": "action_required", "reason": "a pupil, no basis",
        "action": "Unfollow Ella", "action_due": "2026-11-27", "conditions": "ignored"})
    assert decided.status_code == 303
    case = service.register.cases.get(case_id, with_history=True)
    assert (case.state, case.action, case.action_due, case.conditions) == \
        ("action_required", "Unfollow Ella", dt.date(2026, 11, 27), None)
    assert case.history[-1].reason == "a pupil, no basis"
    history = region(leader.get(f"/cases/{case_id}").text, "history-heading")
    assert "Liam Brennan (Senior leader): moved to action required. a pupil, no basis" in history
    [move] = service.register.audit.entries(action="case.move", after=0, limit=1000)[-1:]
    assert move.details["reason"] == "a pupil, no basis"


def test_a_leader_accepts_the_declaration_from_the_case_and_the_case_resolves(service):
    teacher = Browser(service, "T2")
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                     "direction": "mutual"})
    [declaration] = service.store.declarations_of("T2")
    case_id = service.case_of("declaration-required", "T2", "M1")["finding_id"]
    leader = Browser(service, "L1")
    accepted = leader.post(f"/cases/{case_id}/declarations/{declaration.declaration_id}",
                           {"decision": "accepted", "reason": "known to the school"})
    assert accepted.status_code == 303
    assert service.register.cases.get(case_id).state == "resolved"
    page = text(leader.get(f"/cases/{case_id}").text)
    assert "Status: Accepted: known to the school" in page
    assert "The rule no longer fires, so there is nothing to decide." in page


def test_a_case_not_routed_to_the_reader_is_answered_as_no_case(service):
    """Case ids follow from the rule, school and people: a case the reader may not see is
    answered exactly as one that does not exist, so nobody learns that it stands."""
    leader_elsewhere = Browser(service, "BL1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    missing = "F-0000000000000000"
    for path in ("/cases/{}", "/cases/{}/print"):
        unseen, none = (leader_elsewhere.get(path.format(i)) for i in (case_id, missing))
        assert unseen.status_code == 404
        assert unseen.text == none.text.replace(missing, case_id)
    unseen, none = (leader_elsewhere.post(f"/cases/{i}/moves", {
        "to_state": "in_review", "reason": "mine now"}) for i in (case_id, missing))
    assert unseen.status_code == 404 and unseen.text == none.text.replace(missing, case_id)
    assert service.register.cases.get(case_id).state == "open"


# -- safeguarding leads: the network picture -------------------------------------------------

def test_a_network_view_is_drawn_and_audited(service):
    dsl = Browser(service, "D1")
    page = dsl.get("/network", params={"person": "P1", "depth": 2}).text
    data = re.search(r'<script type="application/json" id="network-data">(.*?)</script>',
                     page, re.S).group(1)
    assert '"label": "Ella Morgan"' in data
    links = region(page, "links-table-heading")
    assert "Tom Fairweather and Ella Morgan Facebook: Tom Fairweather and Ella Morgan follow " \
           "each other Prohibited: Personal contact with a pupil (high concern)" in links
    assert "Ella Morgan (from the school's records)" in links, "a family link's source, in words"
    assert "Connection a rule prohibits" in region(page, "legend-heading")
    [view] = service.register.audit.entries(action="person.network.view")
    assert view.actor == service.accounts["D1"].actor
    assert (view.details["object_id"], view.details["depth"]) == ("P1", 2)


def test_the_explorer_finds_people_of_the_school_and_links_only_to_networks_it_may_show(
        service):
    found = Browser(service, "D1").get("/network", params={"name": "morgan"}).text
    assert 'href="/network?person=P1&amp;depth=2"' in found
    assert 'href="/network?person=M1' not in found, "a parent has no membership to see by"
    assert "Not a member of your school" in text(found)


def test_the_network_of_someone_at_another_school_is_answered_as_no_one(service):
    dsl = Browser(service, "D1")
    unseen = dsl.get("/network", params={"person": "P2"})
    none = dsl.get("/network", params={"person": "NOBODY9"})
    assert unseen.status_code == 404 and unseen.text == none.text.replace("NOBODY9", "P2")
    assert service.register.audit.entries(action="person.network.view") == []


def test_the_cap_on_people_drawn_says_when_it_is_reached(service):
    dsl = Browser(service, "D1")
    capped = text(dsl.get("/network", params={"person": "P1", "depth": 2, "cap": 3}).text)
    assert "The picture stops at 3 people." in capped
    assert "3 people, as of" in capped
    whole = text(dsl.get("/network", params={"person": "P1", "depth": 2}).text)
    assert "The picture stops" not in whole


def test_the_rule_filter_keeps_the_connections_its_findings_name(service):
    dsl = Browser(service, "D1")
    page = dsl.get("/network", params={"person": "P1", "depth": 2,
                                       "rule": "pupil-contact"}).text
    people = region(page, "people-table-heading")
    assert "Tom Fairweather" in people and "Jack Morgan" in people
    assert "Sarah Morgan" not in people


def test_the_export_is_one_self_contained_file_and_is_audited(service):
    dsl = Browser(service, "D1")
    exported = dsl.get("/network/export", params={"person": "P1", "depth": 2})
    assert exported.headers["content-disposition"] == \
        'attachment; filename="network-P1-depth-2.html"'
    page = exported.text
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(\s*['\"]?(https?:)?//",
                         page), "no script or style is fetched"
    assert "vis-network" in page and "new vis.Network" in page, "vis-network is inlined"
    assert "Network of Ella Morgan" in text(page)
    [export] = service.register.audit.entries(action="person.network.export")
    assert export.details["object_id"] == "P1"


def test_the_picture_colours_prohibited_undeclared_and_inbound_only_connections(service):
    world = service.store.network("P1", 2, 50)
    findings = [c.finding for c in service.register.cases.find() if c.fires]
    declared = {"rule": "declaration-required", "connection_ids": ["C3"], "severity": "low",
                "advisory": False}
    picture = draw(world, ["P1"], findings + [declared], dt.date(2026, 11, 23))
    edges = {(e["from"], e["to"]): e for e in picture.edges}
    assert edges[("T1", "P1")]["color"]["color"] == EDGE_STYLES["prohibited"].colour
    assert edges[("T1", "P1")]["dashes"] is False
    assert edges[("T1", "P3")]["dashes"] == EDGE_STYLES["inbound_only"].dashes
    assert edges[("T1", "P3")]["arrows"] == {"to": {"enabled": False},
                                             "from": {"enabled": True}}, "Jack follows Tom"
    nodes = {n["id"]: n for n in picture.nodes}
    assert nodes["P1"]["shape"] == ROLE_STYLES["pupil"].shape
    assert nodes["M1"]["color"]["background"] == ROLE_STYLES["parent"].colour
    assert nodes["T1"]["color"]["background"] == ROLE_STYLES["staff"].colour


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_colours_have_the_contrast_wcag_asks_for():
    for style in [*ROLE_STYLES.values(), *EDGE_STYLES.values()]:
        assert contrast(style.colour, "#ffffff") >= 4.5, style
    css = open("api/static/style.css").read()
    for background in ("--prohibited", "--undeclared", "--ok", "--header", "--link"):
        colour = re.search(rf"{background}: (#[0-9a-f]{{6}})", css).group(1)
        assert contrast(colour, "#ffffff") >= 4.5, background
    assert contrast("#4b5563", "#f3f4f6") >= 4.5, "hints and muted text on the light grey"


# -- trust admins -------------------------------------------------------------------------------

def zipped(world: World, folder, spoil=None) -> bytes:
    write_folder(world, folder)
    if spoil:
        name, old, new = spoil
        (folder / name).write_text((folder / name).read_text().replace(old, new))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    return buffer.getvalue()


def test_a_rejected_import_shows_every_problem_with_its_line(service, tmp_path):
    admin = Browser(service, "admin")
    world = WorldBuilder().school("S3").staff("T7", "S3").pupil("P7", "S3").build()
    bad = zipped(world, tmp_path / "bad", ("people.csv", "2015-03-03", "2015-02-30"))
    rejected = admin.post("/admin/import", files={"file": ("trust.zip", bad)})
    assert rejected.status_code == 422
    assert "trust.zip was rejected: nothing was imported" in text(rejected.text)
    assert "people.csv:2: date_of_birth: &#39;2015-02-30&#39; is not a date that exists" in \
        rejected.text
    assert service.store.person("T7") is None
    good = zipped(world, tmp_path / "good")
    imported = admin.post("/admin/import", files={"file": ("trust.zip", good)})
    assert "trust.zip was imported." in text(imported.text)
    assert service.store.person("T7") is not None


def test_trust_admins_manage_accounts(service):
    admin = Browser(service, "admin")
    found = admin.get("/admin/accounts?name=Fairweather").text
    assert "Tom Fairweather Meadowbank Academy Staff" in text(found)
    chosen = admin.get(re.search(r'href="(/admin/accounts\?person=[^"#]+)', found).group(1))
    assert "For Tom Fairweather, staff at Meadowbank Academy." in text(chosen.text)
    person_id = field(chosen.text, "person_id")
    weak = admin.post("/admin/accounts", {"username": "new.teacher", "password": "short",
                                          "role": "staff", "person_id": person_id,
                                          "school_id": "S1"})
    assert weak.status_code == 422 and "Password: use at least 12 characters" in text(weak.text)
    pupil = admin.post("/admin/accounts", {"username": "new.teacher", "password": PASSWORD * 2,
                                           "role": "dsl", "person_id": "P1", "school_id": "S1"})
    assert pupil.status_code == 422
    assert "Ella Morgan is not a current member of staff at Meadowbank Academy" in text(pupil.text)
    made = admin.post("/admin/accounts", {"username": "new.teacher", "password": PASSWORD * 2,
                                          "role": "staff", "person_id": person_id,
                                          "school_id": "S1"})
    assert made.status_code == 303
    account = service.register.accounts.by_username("new.teacher")
    listed = text(admin.get("/admin/accounts").text)
    assert "new.teacher Staff Tom Fairweather Meadowbank Academy Active" in listed
    assert not re.search(r"\b(T1|P1|S1)\b", listed), "people and schools by name, never by id"
    assert admin.post(f"/admin/accounts/{account.account_id}",
                      {"access": "disabled"}).status_code == 303
    assert service.register.accounts.get(account.account_id).disabled
    [update] = service.register.audit.entries(action="account.update")
    assert update.details["changed"] == ["disabled"]


def test_trust_admins_make_staff_accounts_in_bulk_after_a_preview(service):
    with IdentityTable(service.register.data_dir) as identity:  # as an MIS import leaves them
        identity.add({"T2": Identity.of("Priya", "Shah", emails=["P.Shah@meadowbank.sch.uk"]),
                      "D1": Identity.of("Dana", "Kowalski", ref="sims:KER")})
    admin = Browser(service, "admin")
    rows = ("username,role,school,name,email,staff_code\n"
            "priya.shah,Staff,,,p.shah@meadowbank.sch.uk,\n"
            "ella.morgan,dsl,Meadowbank Academy,Ella Morgan,,\n"
            "tom.f,Headteacher,Meadowbank Academy,Tom Fairweather,,\n"
            "nobody,Staff,Meadowbank Academy,Nora Nobody,,\n")
    preview = admin.post("/admin/accounts/bulk", files={"file": ("staff.csv", rows.encode())})
    words = text(preview.text)
    assert "Preview: 4 account(s), 3 with a problem" in words
    assert "2 priya.shah Priya Shah Staff Meadowbank Academy None" in words, \
        "found by e-mail, at the one school she works at"
    assert "no current member of staff at Meadowbank Academy has the name Ella Morgan" in words
    assert "Tom Fairweather is not the headteacher at Meadowbank Academy" in words
    assert "has the name Nora Nobody" in words
    assert not re.search(r"\b[TDP]\d\b", words), "people are shown by name, never by id"
    assert "Make these" not in words, "nothing is made while a row has a problem"
    forced = admin.post("/admin/accounts/bulk", {"rows_csv": rows, "confirm": "yes"})
    assert forced.status_code == 422
    assert service.register.accounts.by_username("priya.shah") is None

    good = ("username,role,school,name,email,staff_code\n"
            "priya.shah,Staff,,Priya Shah,,\n"
            "dana.k,DSL,,,,KER\n")
    preview = admin.post("/admin/accounts/bulk", files={"file": ("staff.csv", good.encode())})
    assert "3 dana.k Dana Kowalski Designated safeguarding lead Meadowbank Academy" in \
        text(preview.text), "found by the staff code the MIS gave"
    assert "Make these 2 accounts" in text(preview.text)
    made = admin.post("/admin/accounts/bulk", {"rows_csv": html.unescape(
        field(preview.text, "rows_csv")), "confirm": "yes"})
    assert "2 account(s) made" in text(made.text)
    dana = service.register.accounts.by_username("dana.k")
    assert (dana.role, dana.person_id, dana.school_id) == ("dsl", "D1", "S1")
    assert len(service.register.audit.entries(action="account.create", limit=1000)) >= 2


def test_a_bulk_file_without_a_way_to_find_people_says_which_columns(service):
    admin = Browser(service, "admin")
    preview = admin.post("/admin/accounts/bulk", files={"file": (
        "staff.csv", b"username,person_id,role,school_id\nx,T2,Staff,S1\n")})
    assert "at least one of name, email, staff_code" in text(preview.text)


def test_trust_admins_set_the_profile_of_each_school(service):
    admin = Browser(service, "admin")
    assert "Ninestiles Academy Trust" in admin.get("/admin/schools").text
    assert admin.post("/admin/schools/S1/profile", {"profile": "mowbray"}).status_code == 303
    assert [s.profile for s in service.store.schools() if s.school_id == "S1"] == ["mowbray"]
    assert admin.post("/admin/schools/S1/profile", {"profile": "lenient"}).status_code == 422


def test_a_name_search_says_when_more_people_match_than_it_shows(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    builder = tests.api_world.school_with_leaders("ninestiles", "S1")
    for n in range(30):
        builder.pupil(f"Q{n:02}", "S1")
    builder.school("S2", "ninestiles")
    tests.api_world.add_leaders(builder, "S2", prefix="B").pupil("P2", "S2")
    builder.staff("T2", "S1").pupil("P1").family("M1", "parent", "P1")
    served = ServiceUnderTest(tmp_path, world=builder.build())
    try:
        teacher = Browser(served, "T1")
        many = text(teacher.get("/my/declare?name=FamilyQ").text)
        assert "More people match “FamilyQ” than are shown here. Type more of the name" in many
        few = text(teacher.get("/my/declare?name=FamilyQ0").text)
        assert "More people match" not in few and "Given FamilyQ09" in few
    finally:
        served.close()


@pytest.fixture
def busy(tmp_path, monkeypatch):
    """A school whose teacher T1 follows 120 pupils: 120 cases for its senior leader, one
    pupil with a name a spreadsheet would take for a formula."""
    import dataclasses

    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    builder = tests.api_world.school_with_leaders("ninestiles", "S1")
    for n in range(120):
        builder.pupil(f"Q{n:03}", "S1").connect("T1", f"Q{n:03}", connection_id=f"CQ{n:03}")
    builder.school("S2", "ninestiles")
    tests.api_world.add_leaders(builder, "S2", prefix="B").pupil("P2", "S2")
    builder.staff("T2", "S1").pupil("P1").family("M1", "parent", "P1")
    world = builder.build()
    world.people["Q007"] = dataclasses.replace(world.people["Q007"], given_name="=HYPERLINK(1)",
                                               family_name="Smith")
    served = ServiceUnderTest(tmp_path, world=world)
    yield served
    served.close()


def test_the_queue_pages_through_every_case_and_finds_a_name(busy):
    leader = Browser(busy, "L1")
    first = text(leader.get("/cases").text)
    assert "120 cases. Showing 1 to 50, page 1 of 3." in first
    last_page = leader.get("/cases?page=3").text
    assert "Showing 101 to 120, page 3 of 3." in text(last_page)
    assert "Previous page" in text(last_page) and "Next page" not in text(last_page)
    seen = set()
    for number in (1, 2, 3):
        seen |= set(re.findall(r'href="/cases/([^"/]+)"', leader.get(f"/cases?page={number}").text))
    assert len(seen) == 120, "every case is on one of the pages"
    found = text(leader.get("/cases?q=familyq011").text)
    assert "1 case." in found and "Given FamilyQ011" in found


def test_the_queue_downloads_as_a_spreadsheet_that_runs_no_formula(busy):
    leader = Browser(busy, "L1")
    response = leader.get("/cases.csv?q=Smith")
    assert response.headers["content-type"].startswith("text/csv")
    import csv as csv_module

    rows = list(csv_module.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Due by", "Overdue", "Finding", "Adult", "About"]
    [row] = rows[1:]
    assert row[2] == "Personal contact with a pupil" and row[4] == "'=HYPERLINK(1) Smith"
    everything = leader.get("/cases.csv").content.decode("utf-8-sig")
    assert len(everything.strip().splitlines()) == 121, "no cap"
    [export] = busy.register.audit.entries(action="cases.export", limit=10)[-1:]
    assert export.details["count"] == 120


def test_staff_withdraw_a_declaration_with_a_reason_and_a_connection(service):
    teacher = Browser(service, "T2")
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                     "direction": "mutual"})
    page = teacher.get("/my").text
    withdraw = re.search(r'action="(/my/declarations/[^"]+/withdraw)"', page).group(1)
    no_reason = teacher.post(withdraw, {"reason": ""})
    assert no_reason.status_code == 422 and "Why: fill this in" in text(no_reason.text)
    assert teacher.post(withdraw, {"reason": "We are no longer friends."}).status_code == 303
    mine = text(teacher.get("/my?notice=withdrawn").text)
    assert "Your declaration is withdrawn." in mine
    assert "Withdrawn" in region(teacher.get("/my").text, "declarations-heading")
    [declaration] = service.store.declarations_of("T2")
    assert declaration.status == "rejected"

    connection = re.search(r'action="(/my/connections/[^"]+/withdraw)"', page).group(1)
    assert teacher.post(connection).status_code == 303
    assert all("M1" not in (c.person_id, c.other_id) for c in service.store.connections_of("T2"))
    assert "Sarah Morgan" not in region(teacher.get("/my").text, "connections-heading")


def test_a_leader_assigns_and_reassigns_a_case_to_a_reviewer_it_is_routed_to(service):
    leader = Browser(service, "L1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    page = leader.get(f"/cases/{case_id}").text
    assert "Assigned to No one yet" in text(page)
    assert "Helen Achebe" in region(page, "routing-heading")
    assert leader.post(f"/cases/{case_id}/assignment", {"assignee_id": "H1",
                                                        "reason": "Helen knows the family"}
                       ).status_code == 303
    page = leader.get(f"/cases/{case_id}").text
    assert "Assigned to Helen Achebe" in text(page)
    assert "assigned. assigned to Helen Achebe: Helen knows the family" in \
        region(page, "history-heading")
    assert leader.post(f"/cases/{case_id}/assignment", {"assignee_id": "L1"}).status_code == 303
    assert service.register.cases.get(case_id).assignee_id == "L1"
    outsider = leader.post(f"/cases/{case_id}/assignment", {"assignee_id": "T2"})
    assert outsider.status_code == 422 and "not routed to" in text(outsider.text)


def test_accepting_a_case_accepts_its_pending_declaration_with_the_same_reason(service):
    teacher = Browser(service, "T2")
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                     "direction": "mutual"})
    leader = Browser(service, "L1")
    case_id = service.case_of("declaration-required", "T2", "M1")["finding_id"]
    leader.post(f"/cases/{case_id}/moves", {"to_state": "in_review", "reason": "looking"})
    assert leader.post(f"/cases/{case_id}/moves", {
        "to_state": "accepted", "reason": "Friends since school."}).status_code == 303
    [declaration] = service.store.declarations_of("T2")
    assert declaration.status == "accepted", "the declaration moved with the case"
    assert service.register.declaration_reasons([declaration.declaration_id]) == {
        declaration.declaration_id: "Friends since school."}
    history = region(leader.get(f"/cases/{case_id}").text, "history-heading")
    assert "moved to accepted. Friends since school." in history
    assert "Accepted 23 November 2026: Friends since school." in \
        region(teacher.get("/my").text, "declarations-heading")


def test_leaders_list_every_declaration_waiting_even_one_that_raised_no_finding(service):
    teacher = Browser(service, "T2")
    # A declaration about a pupil's parent with no connection: nothing fires.
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend",
                                      "details": "Neighbours for years."})
    assert all(c["rule"] != "declaration-required" for c in
               [c.finding for c in service.register.cases.find(adult_id="T2")])
    leader = Browser(service, "L1")
    assert "/declarations" in leader.get("/cases").text, "in the leaders' navigation"
    page = leader.get("/declarations").text
    words = text(page)
    assert "1 declaration waiting." in words
    assert "Priya Shah declared on 23 November 2026: family friend of Sarah Morgan" in words
    assert "No case is about either of them" in words
    action = re.search(r'action="(/declarations/[^"]+)"', page).group(1)
    refused = leader.post(action, {"decision": "accepted", "reason": ""})
    assert refused.status_code == 422 and "Reason: fill this in" in text(refused.text)
    assert leader.post(action, {"decision": "accepted", "reason": "Known to the school."}
                       ).status_code == 303
    assert "No declaration is waiting." in text(leader.get("/declarations").text)
    [declaration] = service.store.declarations_of("T2")
    assert declaration.status == "accepted"
    assert Browser(service, "T1").get("/declarations").status_code == 403


def test_a_declaration_without_its_own_case_links_the_cases_about_its_people(service):
    teacher = Browser(service, "T1")
    # Tom Fairweather's connection with Ella is a case; he declares a friendship with her
    # mother, which raises nothing of its own.
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    page = Browser(service, "L1").get("/declarations").text
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    words = text(page)
    assert "No case is about these two together, but cases are about one of them:" in words
    assert "Personal contact with a pupil: Tom Fairweather and Ella Morgan" in words
    assert "Personal contact with a pupil: Tom Fairweather and Jack Morgan" in words
    assert f'href="/cases/{case_id}"' in page
    assert "No case is about either of them" not in words


def test_an_undeclared_relationship_is_called_not_declared(service):
    # Without a declaration the same rule's finding says the relationship is not declared.
    teacher = Browser(service, "T2")
    teacher.post("/my/declarations", {"counterpart_id": "M1", "basis": "family_friend"})
    teacher.post("/my/connections", {"other_id": "M1", "channel": "facebook",
                                     "direction": "mutual"})
    case_id = service.case_of("declaration-required", "T2", "M1")["finding_id"]
    leader = Browser(service, "L1")
    assert "Relationship declared, awaiting a decision" in text(leader.get(f"/cases/{case_id}").text)
    [declaration] = service.store.declarations_of("T2")
    assert leader.post(f"/cases/{case_id}/declarations/{declaration.declaration_id}",
                       {"decision": "rejected", "reason": "no basis given"}).status_code == 303
    shown = text(leader.get(f"/cases/{case_id}").text)
    assert "Relationship not declared" in shown
    assert "Relationship declared, awaiting a decision" not in shown


def test_a_case_prints_without_forms_or_picture_and_the_print_is_audited(service):
    leader = Browser(service, "L1")
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    assert f"/cases/{case_id}/print" in leader.get(f"/cases/{case_id}").text
    printed = leader.get(f"/cases/{case_id}/print").text
    words = text(printed)
    assert "Printed on 23 November 2026 by Liam Brennan (Senior leader)" in words
    assert "Tom Fairweather is connected with Ella Morgan (Facebook)" in words
    assert "<form" not in printed.split("<main", 1)[1] and "<script" not in printed
    assert "ninestiles" in region(printed, "clauses-heading")
    [entry] = service.register.audit.entries(action="case.print")
    assert entry.details["object_id"] == case_id


def test_the_auditor_pages_back_and_forth_and_filters_the_trail(busy, monkeypatch):
    import api.pages.admin

    monkeypatch.setattr(api.pages.admin, "AUDIT_PAGE", 50)
    auditor = Browser(busy, "auditor")
    raised = auditor.get("/audit?action=case.raised").text
    assert "120 entries match; 50 shown here, newest first (page 1 of 3)" in text(raised)
    first = [int(n) for n in re.findall(r'<th scope="row">(\d+)</th>', raised)]
    assert first == sorted(first, reverse=True), "newest first"
    assert first[0] == max(e.seq for e in busy.register.audit.entries(action="case.raised",
                                                                       limit=1000))
    earlier = re.search(r'href="/audit\?([^"]+)" rel="next">Earlier entries', raised).group(1)
    second = auditor.get("/audit?" + html.unescape(earlier)).text
    assert "Later entries" in text(second)
    seqs = [int(n) for n in re.findall(r'<th scope="row">(\d+)</th>', second)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True) and seqs[0] < first[-1]
    later = re.search(r'href="/audit\?([^"]+)" rel="prev">Later entries', second).group(1)
    back = auditor.get("/audit?" + html.unescape(later)).text
    assert re.findall(r'<th scope="row">(\d+)</th>', back) == \
        re.findall(r'<th scope="row">(\d+)</th>', raised), "back to the first page"
    Browser(busy, "L1")  # signs in: an entry of theirs
    theirs = auditor.get("/audit?actor=" + busy.accounts["L1"].actor).text
    assert "1 entry match" in text(theirs)
    assert "Given FamilyL1 (Senior leader), l1-user Sign in" in text(theirs)


def test_the_auditor_reads_people_by_name_and_actions_in_words(service):
    from api.service import Actor

    service.register.record(Actor(service.accounts["D1"], "10.0.0.1"), "person.network.view",
                            "person", object_id="P1", subjects=["P1", "M1"])
    page = text(Browser(service, "auditor").get("/audit?action=person.network.view").text)
    assert "Person network view" in page
    assert "person Ella Morgan" in page and "subjects: Sarah Morgan, Ella Morgan" in page
    assert "P1" not in page and "person.network.view" not in page


def test_a_trust_admin_renames_a_school_and_changes_its_profile_audited(service):
    admin = Browser(service, "admin")
    page = admin.get("/admin/schools").text
    assert "(S1)" not in text(page), "schools by name, not id"
    saved = admin.post("/admin/schools/S1", {"name": "Meadowbank Church of England Academy",
                                             "profile": "mowbray"})
    assert saved.status_code == 303
    [school] = [s for s in service.store.schools() if s.school_id == "S1"]
    assert (school.name, school.profile) == ("Meadowbank Church of England Academy", "mowbray")
    [entry] = service.register.audit.entries(action="school.update")
    assert entry.details["changed"] == ["name", "profile"]
    assert entry.actor == service.accounts["admin"].actor
    empty = admin.post("/admin/schools/S1", {"name": "  ", "profile": "mowbray"})
    assert empty.status_code == 422 and "Name of the school: fill this in" in text(empty.text)
    assert Browser(service, "L1").post("/admin/schools/S1", {"name": "Mine"}).status_code == 403


def test_preferred_names_are_shown_beside_legal_names_and_found_by_search(service):
    with IdentityTable(service.register.data_dir) as identity:  # as an import keeps them
        identity.add_preferred_names({"P1": ("Ellie", ""), "T1": ("Tommy", "")})
    teacher = Browser(service, "T2")
    found = teacher.get("/my/declare", params={"name": "ellie"}).text
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', found)
    assert rows[0] == ("Ella (Ellie) Morgan", "pupil"), "found by the name she goes by"
    assert ("Sarah Morgan", "parent of Ella (Ellie) Morgan") in rows

    leader = Browser(service, "L1")
    case = service.case_of("pupil-contact", "T1", "P1")
    page = leader.get(f"/cases/{case['finding_id']}").text
    assert "Tom (Tommy) Fairweather is connected with Ella (Ellie) Morgan" in \
        region(page, "explanation-heading"), "legal name kept, preferred beside it"
    assert "Ella (Ellie) Morgan" in text(leader.get("/cases").text)
    assert "Ella (Ellie) Morgan" in text(leader.get("/network?person=T1&depth=1").text)


def test_a_trust_admin_undoes_the_last_import_after_seeing_what_it_takes_back(service, tmp_path):
    admin = Browser(service, "admin")
    assert "There is no import to undo" in text(admin.get("/admin/import").text)
    world = WorldBuilder().school("S3").staff("T7", "S3").pupil("P7", "S3").build()
    admin.post("/admin/import", files={"file": ("trust.zip", zipped(world, tmp_path / "a"))})
    shown = admin.get("/admin/import").text
    undo = region(shown, "undo-heading")
    assert "People 2 0" in undo and "Memberships 2 0" in undo, "what goes and what comes back"
    assert "People it added or changed: Given FamilyP7, Given FamilyT7" in undo
    assert not re.search(r"\b[0-9a-f]{12}\b", undo), "no import number shown"
    import_id = field(shown, "import_id")

    done = admin.post("/admin/import/undo", {"import_id": import_id})
    assert done.status_code == 303
    assert "The last import is undone" in text(admin.get(done.headers["location"]).text)
    assert service.store.person("T7") is None and service.store.person("P7") is None
    [entry] = service.register.audit.entries(action="import.undo")
    assert entry.actor == service.accounts["admin"].actor and entry.details["counts"]["people"] == 2
    again = admin.post("/admin/import/undo", {"import_id": import_id})
    assert again.status_code == 409 and "There is no import to undo" in text(again.text)


def test_an_import_changed_since_is_not_undone_from_the_page(service, tmp_path):
    admin = Browser(service, "admin")
    world = WorldBuilder().school("S3").staff("T7", "S3").pupil("P7", "S3").build()
    admin.post("/admin/import", files={"file": ("trust.zip", zipped(world, tmp_path / "a"))})
    import_id = field(admin.get("/admin/import").text, "import_id")
    [membership] = service.store.memberships_of("T7")
    ended = service.post("admin", "/api/people/T7/memberships/end", json={
        "school_id": "S3", "role": "staff", "start_date": membership.start_date.isoformat(),
        "end_date": "2026-11-20"})
    assert ended.status_code == 200
    undo = region(admin.get("/admin/import").text, "undo-heading")
    assert "It cannot be undone: 1 of the facts it wrote have changed since" in undo
    assert "Undo the import of" not in undo, "no button"
    refused = admin.post("/admin/import/undo", {"import_id": import_id})
    assert refused.status_code == 409
    assert "The import of trust.zip cannot be undone" in text(refused.text), "named by its file"
    assert service.store.person("T7") is not None
    assert not service.register.audit.entries(action="import.undo")
