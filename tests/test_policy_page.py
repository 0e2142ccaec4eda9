"""A school's own policy (api/pages/policy.py): a trust admin changes a profile's settings,
previews which findings would appear, disappear or change severity on today's facts (in
names, nothing saved), and saves it as the school's profile only after a preview of the same
settings and with a reason; audited; another trust's admin is answered as for no school."""

from __future__ import annotations

import datetime as dt
import tomllib
from html.parser import HTMLParser

import pytest

import api.identity.accounts
import tests.api_world
from api.identity import AccountRole
from api.pages.policy import SETTINGS
from graph.profiles import SHIPPED, load_profile, profile_data, profile_file, save_own_profile
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.pages_world import story_world
from tests.test_pages import Browser, region, text

POLICY = "/admin/schools/S1/policy"


@pytest.fixture
def service(tmp_path, monkeypatch):
    """The story's two schools; Riverside Primary (S2) is a trust of its own, whose admin
    administers it and nothing else."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 9))
    served = ServiceUnderTest(tmp_path, world=story_world())
    served.today = dt.date(2026, 11, 23)
    served.register.accounts.create("riverside-admin-user", PASSWORD, AccountRole.TRUST_ADMIN,
                                    None, "S2")
    yield served
    served.close()


class _Form(HTMLParser):
    """What a browser would send for the page's policy form, as it stands."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("method") == "post" and a.get("action", "").endswith("/policy")
        if not self._in_form or "name" not in a:
            return
        if tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self.fields.append((a["name"], a.get("value", "on")))
        elif tag == "input":
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea is not None:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "form":
            self._in_form = False


def form_of(page: str, **changes) -> dict[str, list[str]]:
    parser = _Form()
    parser.feed(page)
    form: dict[str, list[str]] = {}
    for name, value in parser.fields:
        form.setdefault(name, []).append(value.lstrip("\n") if name.startswith("wording")
                                         or name == "reason" else value)
    form.pop("csrf_token", None)
    for name, value in changes.items():
        name = name.replace("__", "-")
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value if isinstance(value, list) else [value]
    return form


def preview_and_save(admin, setting: str, value, clause: str, wording: str):
    """Change one setting of S1's policy on its page, preview it and save it, as a trust
    admin does: (the preview's page, the save's answer)."""
    page = admin.get(POLICY).text
    previewed = admin.post(POLICY, {**form_of(page, **{
        f"value__{setting}": value, f"clause__{setting}": clause,
        f"wording__{setting}": wording}), "action": "preview"})
    saved = admin.post(POLICY, {**form_of(previewed.text), "action": "save",
                                "reason": "the governors adopted it"})
    return previewed, saved


def policy_form(profile_name: str) -> dict:
    """The policy form for a shipped profile, unchanged, as a browser would send it to
    preview its effect (for callers without the page: tests/test_scope_table.py)."""
    data = profile_data(load_profile(profile_name))
    form: dict = {"start": profile_name, "title": data["title"], "action": "preview"}
    for name, (kind, _, _) in SETTINGS.items():
        value, clause = data[name]["value"], data[name].get("clause")
        if value in ("all", "none"):
            form[f"every-{name}"] = "yes"
        elif kind == "yesno":
            form[f"value-{name}"] = "yes" if value else "no"
        else:
            form[f"value-{name}"] = value if isinstance(value, list) else str(value)
        form[f"clause-{name}"] = clause or ""
        form[f"wording-{name}"] = data["clauses"].get(clause, "")
    return form


def preview(admin: Browser, page: str, **changes):
    return admin.post(POLICY, {**form_of(page, **changes), "action": "preview"})


def school_profile(service) -> str:
    [school] = [s for s in service.store.schools() if s.school_id == "S1"]
    return school.profile


def test_a_preview_of_fewer_covered_roles_names_the_findings_that_would_disappear(service):
    admin = Browser(service, "admin")
    page = admin.get(POLICY).text
    assert "Who the policy covers" in text(page) and "ninestiles 11.2" in text(page), \
        "each setting with the clause it rests on today"
    audit_before = len(service.register.audit.entries(limit=1000))
    shown = preview(admin, page, value__covered_roles=["volunteer"],
                    clause__covered_roles="Our policy 1.2",
                    wording__covered_roles="This policy applies to our volunteers only.")
    assert shown.status_code == 200, text(shown.text)
    effect = region(shown.text, "effect-heading")
    assert "0 findings would appear, 2 would disappear and 0 would change severity" in effect
    assert "Meadowbank Academy has 2 findings today; under these settings it would have 0" \
        in effect
    rows = region(shown.text, "effect-pupil-contact")
    assert "Disappear Tom Fairweather Ella Morgan" in rows
    assert "Disappear Tom Fairweather Jack Morgan" in rows
    assert "T1" not in rows.split() and "F-" not in rows, "names, never ids"
    assert "Who the policy covers: Staff, Volunteers → Volunteers (clause Our policy 1.2)" \
        in text(shown.text)
    # Nothing is saved by a preview: the profile, the cases and the files stay as they were.
    assert school_profile(service) == "ninestiles"
    assert not (service.register.data_dir / "profiles").exists()
    assert {c.finding["rule"] for c in service.register.cases.find(school_id="S1")} \
        == {"pupil-contact"}
    [seen] = service.register.audit.entries(action="school.policy.preview")
    assert (seen.details["disappear"], seen.details["appear"]) == (2, 0)
    assert len(service.register.audit.entries(limit=1000)) == audit_before + 1


def test_changing_great_charts_exemptions_shows_what_would_appear_disappear_and_change(service):
    assert Browser(service, "T1").post("/my/declarations", {
        "counterpart_id": "P1", "basis": "family_friend"}).status_code == 303
    admin = Browser(service, "admin")
    page = admin.get(POLICY, params={"start": "great-chart"}).text
    as_shipped = preview(admin, page)
    assert as_shipped.status_code == 200, text(as_shipped.text)
    # Great Chart permits no contact with a pupil: Tom's declared friendship with Ella no
    # longer makes it a relationship to declare (low) but personal contact with a pupil.
    changed = region(as_shipped.text, "effect-declaration-required")
    assert "Change severity Tom Fairweather Ella Morgan Low (Relationship without an accepted " \
           "declaration) High (Personal contact with a pupil)" in changed
    assert "Change severity Tom Fairweather Jack Morgan Low, advisory (Relationship without an " \
           "accepted declaration) High, advisory (Personal contact with a pupil)" in changed, \
        "a friend of Ella's family: Jack's unreturned follow too"
    exempt = preview(admin, as_shipped.text,
                     value__pupil_contact_exemptions=["family_member", "family_friend"],
                     wording__pupil_contact_exemptions="Staff are not permitted to follow "
                     "pupils, unless they are family or family friends declared to the head.")
    assert exempt.status_code == 200, text(exempt.text)
    effect = region(exempt.text, "effect-heading")
    assert "0 findings would appear, 2 would disappear and 0 would change severity" in effect
    gone = region(exempt.text, "effect-declaration-required")
    assert "Disappear Tom Fairweather Ella Morgan" in gone
    assert "Disappear Tom Fairweather Jack Morgan" in gone
    assert "Relationships that permit contact with a pupil or ex-pupil: Family member, Family " \
           "friend, Friendship from before, Other → Family member, Family friend (clause " \
           "great-chart staff)" in text(exempt.text), "what changes from the school's profile"


def test_a_finding_that_stops_being_advisory_changes_severity(service):
    admin = Browser(service, "admin")
    page = admin.get(POLICY).text
    shown = preview(admin, page, value__inbound_only_is_advisory="no")
    rows = region(shown.text, "effect-pupil-contact")
    assert "Change severity Tom Fairweather Jack Morgan High, advisory High" in rows


def test_saving_needs_a_preview_of_the_same_settings_and_a_reason_and_is_audited(service):
    admin = Browser(service, "admin")
    page = admin.get(POLICY).text
    assert "Save as the school's profile" not in text(page), "no saving before a preview"
    change = dict(value__covered_roles=["volunteer"], clause__covered_roles="Our policy 1.2",
                  wording__covered_roles="This policy applies to our volunteers only.")
    unpreviewed = admin.post(POLICY, {**form_of(page, **change), "action": "save",
                                      "reason": "the governors adopted it"})
    assert unpreviewed.status_code == 422
    assert "These settings are not the ones you previewed" in text(unpreviewed.text)
    shown = preview(admin, page, **change)
    other = admin.post(POLICY, {**form_of(shown.text, value__covered_roles=["volunteer", "governor"]),
                                "action": "save", "reason": "the governors adopted it"})
    assert other.status_code == 422 and "preview the effect of these settings" in text(other.text)
    no_reason = admin.post(POLICY, {**form_of(shown.text), "action": "save"})
    assert no_reason.status_code == 422
    assert "Why the school's policy changes: fill this in" in text(no_reason.text)
    assert school_profile(service) == "ninestiles", "nothing saved yet"

    saved = admin.post(POLICY, {**form_of(shown.text), "action": "save",
                                "reason": "the governors adopted it on 20 November"})
    assert saved.status_code == 303, text(saved.text)
    recorded = school_profile(service)
    assert recorded.startswith("own:"), "named within the data folder, wherever that is"
    path = profile_file(recorded, service.register.data_dir)
    assert path.parent == service.register.data_dir / "profiles"
    own = load_profile(recorded)
    assert own.covered_roles == {"volunteer"} and own.settings["covered_roles"].clause \
        == "Our policy 1.2"
    assert own.clause_texts["Our policy 1.2"] == "This policy applies to our volunteers only."
    assert tomllib.loads(path.read_text())["review_days"]["value"] == 5, "the rest as it was"
    [entry] = service.register.audit.entries(action="school.policy.own")
    assert entry.actor == service.accounts["admin"].actor
    assert entry.details["reason"] == "the governors adopted it on 20 November"
    assert {"setting": "covered_roles", "from": ["staff", "volunteer"], "to": ["volunteer"],
            "clause": "Our policy 1.2"} in entry.details["changed"]
    # The service re-evaluated: Tom's cases are resolved, as the preview said.
    open_rules = {c.finding["rule"] for c in service.register.cases.find(school_id="S1")
                  if c.state != "resolved"}
    assert "pupil-contact" not in open_rules
    again = admin.get(POLICY).text
    assert "The school's profile today (its own policy)" in text(again)
    assert "Today: Volunteers (Our policy 1.2)" in text(again)


def test_a_changed_setting_names_its_clause_and_problems_are_shown_beside_it(service):
    admin = Browser(service, "admin")
    page = admin.get(POLICY).text
    refused = preview(admin, page, value__approach_window_days="60", clause__approach_window_days="",
                      value__family_degree="0")
    assert refused.status_code == 422
    words = text(refused.text)
    assert "Days within which three approaches tell the DSL: name the clause of your policy " \
           "that says this, with its wording" in words
    assert "How many family links still count as family: give a whole number from 1 to 999" \
        in words
    assert "effect-heading" not in refused.text


def test_another_trusts_admin_gets_the_answer_for_a_school_that_does_not_exist(service):
    outsider = Browser(service, "riverside-admin")
    page = Browser(service, "admin").get(POLICY).text
    for url in (POLICY, "/admin/schools/NOSUCH/policy"):
        assert outsider.get(url).status_code == 404
    theirs = outsider.post(POLICY, {**form_of(page), "action": "preview"})
    nobody = outsider.post("/admin/schools/NOSUCH/policy", {**form_of(page), "action": "preview"})
    assert theirs.status_code == nobody.status_code == 404
    assert text(theirs.text).replace("S1", "NOSUCH") == text(nobody.text)
    assert outsider.get("/admin/schools/S2/policy").status_code == 200, "their own school"
    mine = outsider.post("/admin/schools/S2/policy", policy_form("ninestiles"))
    assert "0 findings would appear, 0 would disappear" in region(mine.text, "effect-heading")
    assert Browser(service, "L1").get(POLICY).status_code == 403, "trust admins only"


def test_every_shipped_profile_saved_as_a_schools_own_reads_back_the_same(tmp_path):
    for name in SHIPPED:
        path = save_own_profile(tmp_path, "S1", profile_data(load_profile(name)))
        assert path.parent == (tmp_path / "profiles").resolve()
        assert load_profile(str(path)) == load_profile(name), name
        again = save_own_profile(tmp_path, "S1", profile_data(load_profile(name)))
        assert again == path, "named by its content: the same settings, the same file"
