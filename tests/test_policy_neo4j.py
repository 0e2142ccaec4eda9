"""A school's own policy (issue 28 item 2) on Neo4j exactly as on the embedded store: the
profile saved in the page is the one the store's rules then follow, in a fresh process too;
the preview (Python rules on the facts the store exports) says what then really happens, on
each store, and the cases follow; and every setting the page can change reaches the Cypher
rules, so that no setting is a silent difference between the stores."""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import html
import json
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import api.identity.accounts
import api.pages.policy
import tests.api_world
from api.pages.common import RULE_NAMES
from api.pages.policy import SETTINGS
from cypher.load import load, load_rule
from graph.facts import FactGraph
from graph.model import World
from graph.profiles import (
    RULE_IDS,
    SHIPPED,
    load_profile,
    profile_data,
    profile_file,
    save_own_profile,
)
from graph.review import add_school_days
from graph.rules import evaluate, findings_json
from graph.store.embedded import EmbeddedStore
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.builder import WorldBuilder
from tests.pages_world import NAMES, story_world
from tests.scenarios import SCENARIOS
from tests.strategies import worlds
from tests.test_neo4j_parity import AS_OF_DATES, store_json
from tests.test_pages import Browser, text
from tests.test_policy_page import form_of, preview_and_save

POLICY = "/admin/schools/S1/policy"
RELREG = shutil.which("relreg")

# Settings the service reads itself, in Python, on every store: not the rules' business.
READ_BY_THE_SERVICE = {"review_days"}

# For each setting the page can change, values unlike at least one shipped profile's, each
# of which changes the findings of some scenario of tests/scenarios.py.
EVERY_POSITION = ["headteacher", "senior_leader", "dsl", "chair_of_governors", "trust_ceo"]
VARIANTS = {
    "covered_roles": [["volunteer"], ["staff", "governor", "volunteer", "contractor", "visitor"]],
    "scope": ["school", "trust"],
    "family_degree": [1, 5],
    "ex_pupil_age_limit": ["none", 16, 25],
    "family_link_from_records_needs_declaration": [True, False],
    "parent_contact": ["prohibited", "prior-relationship-only", "approval"],
    "parent_contact_channels": ["all", ["facebook"], ["personal_phone", "whatsapp"]],
    "inbound_only_is_advisory": [True, False],
    "approach_window_days": [1, 365],
    "account_admin_authorisers": [["headteacher"], EVERY_POSITION],
    "declaration_approvers": [["chair_of_governors"], ["dsl", "senior_leader"], EVERY_POSITION],
    "pupil_contact_exemptions": [[], ["family_member"],
                                 ["family_member", "family_friend", "prior_friendship", "other"]],
    "parent_contact_exemptions": [[], ["family_member"], ["family_friend", "prior_friendship"]],
    "account_admins_required": [0, 1, 3],
}
SCENARIOS_PER_VARIANT = 2  # of those whose findings the variant changes, checked on Neo4j


# -- every setting reaches the Cypher rules ---------------------------------------------------

def _cypher_text() -> str:
    """Every query the Neo4j store evaluates findings with, fragments put in their place."""
    return "\n".join([load_rule(rule).body for rule in RULE_IDS] + [load("routing/route").body])


def test_every_key_of_the_profile_parameter_is_read_by_the_cypher_rules():
    from graph.store.neo4j import profile_parameter

    cypher = _cypher_text()
    for name in SHIPPED:
        parameter = profile_parameter(load_profile(name))
        for key in parameter:
            assert re.search(rf"\.{key}\b", cypher), f"no Cypher rule reads the profile's {key}"
        for rule in parameter["exemptions"]:
            assert re.search(rf"exemptions\['{rule}'\]|exemptions\[rule\]", cypher), rule


def test_the_cypher_rules_read_nothing_of_a_profile_that_the_parameter_does_not_give():
    """A key the Cypher reads that $profiles lacks is null there: a rule that silently
    reads nothing."""
    from graph.store.neo4j import profile_parameter

    code = re.sub(r"//[^\n]*", "", _cypher_text())  # comments name settings in words
    read = set(re.findall(r"(?<![\w.])profile\.(\w+)", code)) \
        | set(re.findall(r"\$profiles\[[^\]]+\]\.(\w+)", code))
    assert read and read <= set(profile_parameter(load_profile("ninestiles"))), read


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s not in READ_BY_THE_SERVICE])
def test_every_setting_the_page_changes_changes_what_the_cypher_rules_are_given(setting):
    """A setting the page offers that the $profiles parameter leaves out would change the
    findings on the embedded store only."""
    from graph.store.neo4j import profile_parameter

    changed = 0
    for name in SHIPPED:
        for value in VARIANTS[setting]:
            own = _variant(name, setting, value)
            if own is not None:
                changed += 1
                assert profile_parameter(load_profile(own)) \
                    != profile_parameter(load_profile(name)), (name, setting, value)
    assert changed, f"no variant of {setting} differs from a shipped profile"


def test_the_settings_read_by_the_service_are_not_the_rules_business():
    """review_days dates a case (graph/review.py), whichever store holds the facts: it is
    read from the profile by the service, not given to the rules."""
    from graph.store.neo4j import profile_parameter

    assert set(SETTINGS) - set(VARIANTS) == READ_BY_THE_SERVICE
    for setting in READ_BY_THE_SERVICE:
        assert setting not in profile_parameter(load_profile("ninestiles"))


@cache
def _own_profiles() -> Path:
    """A folder for the profile files the tests make, for the session (hypothesis draws
    outside any one test's tmp_path)."""
    folder = Path(tempfile.mkdtemp(prefix="relreg-own-profiles-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _variant(profile: str, setting: str, value) -> str | None:
    """The path of a school's own profile file: `profile` with `setting` set to `value`
    (None where it already says that)."""
    return _variant_of(profile, setting, json.dumps(value))


@cache
def _variant_of(profile: str, setting: str, value: str) -> str | None:
    data = profile_data(load_profile(profile))
    if data[setting]["value"] == json.loads(value):
        return None
    data[setting]["value"] = json.loads(value)
    data["name"] = f"{data['name']}-own"
    return str(save_own_profile(_own_profiles(), "S", data))


def _findings_json(world: World, as_of: dt.date) -> str:
    """The findings of the Python rules, the reference, as `relreg detect` prints them."""
    return json.dumps(findings_json(evaluate(FactGraph(world), as_of), as_of), indent=1)


@cache
def _as_built(scenario_name: str) -> str:
    scenario = next(s for s in SCENARIOS if s.name == scenario_name)
    return _findings_json(scenario.build(), scenario.as_of)


def _changed_scenarios(setting: str, value) -> list[tuple[str, World, dt.date, str]]:
    """Scenarios whose findings change when every school's profile says `value` for
    `setting`: (name, world so changed, date, the reference's findings)."""
    found = []
    for scenario in SCENARIOS:
        world = scenario.build()
        own = {school_id: dataclasses.replace(school, profile=path)
               for school_id, school in world.schools.items()
               if (path := _variant(school.profile, setting, value)) is not None}
        if not own:
            continue
        world = dataclasses.replace(world, schools={**world.schools, **own})
        expected = _findings_json(world, scenario.as_of)
        if expected != _as_built(scenario.name):
            found.append((scenario.name, world, scenario.as_of, expected))
            if len(found) == SCENARIOS_PER_VARIANT:
                break
    return found


@pytest.mark.neo4j
@pytest.mark.parametrize("setting,value", [(s, v) for s, values in VARIANTS.items() for v in values],
                         ids=lambda x: json.dumps(x) if not isinstance(x, str) else x)
def test_a_changed_setting_gives_the_same_findings_on_neo4j(setting, value, neo4j_store):
    """Each setting changed as the page would change it, on scenarios whose findings it
    changes: the Cypher rules find what the Python rules find, byte for byte."""
    changed = _changed_scenarios(setting, value)
    assert changed, f"no scenario's findings change when {setting} is {value}: it tests nothing"
    for name, world, as_of, expected in changed:
        neo4j_store.replace_world(world)
        assert store_json(neo4j_store, as_of) == expected, (name, setting, value)


@st.composite
def own_profiles(draw, world: World) -> World:
    """`world` with each school following a profile of its own: its shipped one with some
    settings changed, as a trust admin may change any of them at once."""
    schools = {}
    for school_id, school in world.schools.items():
        data = profile_data(load_profile(school.profile))
        for setting, values in VARIANTS.items():
            if draw(st.booleans()):
                data[setting]["value"] = draw(st.sampled_from(values))
        path = save_own_profile(_own_profiles(), "S", data)
        schools[school_id] = dataclasses.replace(school, profile=str(path))
    return dataclasses.replace(world, schools=schools)


@pytest.mark.neo4j
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(max_people=20).flatmap(own_profiles), as_of=st.sampled_from(AS_OF_DATES))
def test_random_worlds_under_profiles_of_their_own_give_byte_identical_findings(neo4j_store,
                                                                               world, as_of):
    """Settings changed together, on random small worlds: what no scenario combines."""
    neo4j_store.replace_world(world)
    assert store_json(neo4j_store, as_of) == _findings_json(world, as_of)


# -- the policy page on each store -----------------------------------------------------------

@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def served(request, tmp_path, monkeypatch):
    """The story's two schools (tests/pages_world.py) served from each store, as
    tests/test_policy_page.py serves them from the embedded one, and the chair of
    governors following a pupil."""
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 9))
    store = request.getfixturevalue("neo4j_store") if request.param == "neo4j" \
        else EmbeddedStore(tmp_path / "data")
    world = story_world()
    # The chair of governors follows Jack: nothing under a policy that covers no governor.
    world.connections.update(WorldBuilder().connect("G1", "P3", connection_id="C4").build()
                             .connections)
    service = ServiceUnderTest(tmp_path, world=world, store=store)
    service.today = dt.date(2026, 11, 23)
    service.uri = request.getfixturevalue("neo4j_uri") if request.param == "neo4j" else None
    yield service
    service.http.close()
    service.register.close()
    if request.param == "embedded":
        store.close()


def _person(person_id: str | None) -> str:
    return " ".join(NAMES[person_id]) if person_id else ""


def _weight(severity: str, advisory: bool) -> str:
    words = severity.capitalize()
    return f"{words}, advisory" if advisory else words


def _described(finding) -> tuple[str, str, str, str]:
    """A finding as the preview's table names it: rule, adult, with whom, severity."""
    return (finding.rule, _person(finding.adult_id) or "the school", _person(finding.counterpart_id),
            _weight(finding.severity, finding.advisory))


_RULE_IDS_BY_NAME = {name: rule for rule, name in RULE_NAMES.items()}


def _effect(page: str) -> tuple[dict[str, int], list[tuple]]:
    """The preview's counts, and its rows as (kind, finding today, finding after), each
    finding as _described names it (None where there is none)."""
    counts = re.search(r"(\d+) findings? would appear, (\d+) would disappear and (\d+) would "
                       r"change severity\. .* has (\d+) findings? today; under these settings "
                       r"it would have (\d+)\.", text(page))
    assert counts, "the page shows the effect of the settings"
    effect = dict(zip(("appear", "disappear", "change", "before", "after"),
                      map(int, counts.groups())))
    section = page[page.index('id="effect"'):page.index("</section>", page.index('id="effect"'))]
    rows = []
    for rule, group in re.findall(r'<h3 id="effect-([a-z-]+)">(.*?)(?=<h3|$)', section, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", group.partition("<tbody>")[2], re.S):
            kind, adult, other, before, after = (
                " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())
                for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S))

            def finding(weight: str):
                if weight == "—":
                    return None
                weight, _, named = weight.partition(" (")
                return (_RULE_IDS_BY_NAME[named[:-1]] if named else rule, adult, other, weight)

            rows.append((kind, finding(before), finding(after)))
    return effect, rows


def _findings_at_s1(served) -> list:
    return [f for f in served.store.findings(served.today) if f.school_id == "S1"]


# Policies a trust admin makes in turn, each from the page as the last left it: the start
# (a shipped profile, or the school's own) and what they change in the form.
STEPS = [
    ("great-chart", {}),  # Tom's declared family friendship with Ella counts for nothing
    ("", dict(value__inbound_only_is_advisory="no",
              clause__inbound_only_is_advisory="Our policy 2.1",
              wording__inbound_only_is_advisory="Being followed by a pupil is as serious as "
                                                "following one.")),
    ("", dict(value__pupil_contact_exemptions=["family_member", "family_friend"],
              value__parent_contact="approval",
              value__covered_roles=["staff", "governor", "volunteer"])),  # Grace and Jack
]


def test_a_saved_policy_does_what_its_preview_said_on_every_store(served):
    """Preview, save, and the store's own rules (Cypher on Neo4j) then find exactly the
    preview's "after": what would appear has appeared, what would disappear is gone, what
    would change severity has; the cases follow."""
    staff = Browser(served, "T1")
    assert staff.post("/my/declarations", {"counterpart_id": "P1",
                                           "basis": "family_friend"}).status_code == 303
    assert Browser(served, "T2").post("/my/connections", {
        "other_id": "M1", "channel": "facebook", "direction": "mutual"}).status_code in (200, 303)
    admin = Browser(served, "admin")
    kinds_seen = Counter()
    for number, (start, changes) in enumerate(STEPS):
        page = admin.get(POLICY, params={"start": start} if start else {}).text
        previewed = admin.post(POLICY, {**form_of(page, **changes), "action": "preview"})
        assert previewed.status_code == 200, text(previewed.text)
        effect, rows = _effect(previewed.text)
        before = Counter(_described(f) for f in _findings_at_s1(served))
        assert sum(before.values()) == effect["before"], "the preview starts from today's findings"
        assert [sum(1 for kind, *_ in rows if kind == words) for words in
                ("Appear", "Disappear", "Change severity")] == \
            [effect["appear"], effect["disappear"], effect["change"]]
        assert rows, f"step {number} changes some finding: it tests something"
        expected = before.copy()
        for kind, today, after in rows:
            kinds_seen[kind] += 1
            if today is not None:
                assert expected[today] > 0, f"{today} is a finding today"
                expected[today] -= 1
            if after is not None:
                expected[after] += 1
        expected = +expected

        saved = admin.post(POLICY, {**form_of(previewed.text), "action": "save",
                                    "reason": f"the governors adopted it (step {number})"})
        assert saved.status_code == 303, text(saved.text)
        after = _findings_at_s1(served)
        assert Counter(_described(f) for f in after) == expected
        assert len(after) == effect["after"]
        waiting = {c.finding_id: c.finding["severity"] for c in served.register.cases.find(
            school_id="S1") if c.state != "resolved"}
        assert waiting == {f.id: f.severity for f in after}, "the cases follow the findings"
    assert set(kinds_seen) == {"Appear", "Disappear", "Change severity"}, kinds_seen
    saves = served.register.audit.entries(action="school.policy.own")
    assert sorted(entry.details["reason"] for entry in saves) == \
        [f"the governors adopted it (step {number})" for number in range(len(STEPS))]


def test_the_saved_profile_is_the_schools_in_the_store_and_in_a_fresh_process(served):
    """The School node (or row) names the saved file, the store's rules follow it, and so
    does a store opened afresh: another Neo4jStore in this process and `relreg detect` in
    a process of its own."""
    admin = Browser(served, "admin")
    previewed, saved = preview_and_save(admin, "covered_roles", ["volunteer"], "Our policy 1.2",
                                        "This policy applies to our volunteers only.")
    assert "2 would disappear" in text(previewed.text)
    assert saved.status_code == 303
    [school] = [s for s in served.store.schools() if s.school_id == "S1"]
    assert school.profile.startswith("own:"), "named within the data folder, wherever that is"
    assert profile_file(school.profile, served.register.data_dir).parent \
        == served.register.data_dir / "profiles"
    assert load_profile(school.profile).covered_roles == {"volunteer"}
    assert _findings_at_s1(served) == [], "Tom is staff: the policy no longer covers him"
    as_served = json.dumps(findings_json(served.store.findings(served.today), served.today))
    if served.uri is None:
        return
    from graph.store.neo4j import Neo4jStore

    with Neo4jStore(served.uri) as fresh:
        assert [s.profile for s in fresh.schools() if s.school_id == "S1"] == [school.profile]
        assert json.dumps(findings_json(fresh.findings(served.today), served.today)) == as_served
    detected = subprocess.run(
        [RELREG, "detect", "--store", served.uri, "--data", str(served.register.data_dir),
         "--as-of", served.today.isoformat(), "--format", "json"],
        capture_output=True, text=True, check=True)
    assert json.loads(detected.stdout) == json.loads(as_served)


def test_a_changed_review_time_dates_the_next_case_on_every_store(served):
    """review_days is read by the service, not by the rules: a case raised after the
    policy is saved is due that many school days later, whichever store holds the facts."""
    admin = Browser(served, "admin")
    previewed, saved = preview_and_save(admin, "review_days", "12", "Our policy 9.1",
                                        "A concern is reviewed within twelve school days.")
    assert "0 findings would appear, 0 would disappear" in text(previewed.text)
    assert saved.status_code == 303
    assert Browser(served, "T2").post("/my/connections", {
        "other_id": "P1", "channel": "instagram", "direction": "mutual"}).status_code in (200, 303)
    [case] = [c for c in served.register.cases.find(school_id="S1", adult_id="T2")
              if c.finding["rule"] == "pupil-contact"]
    assert case.due_on == add_school_days(served.today, 12)
    assert served.register.review_days_at("S1") == 12


def test_the_time_a_preview_reports_counts_reading_the_facts_from_the_store(served, monkeypatch):
    """From Neo4j, reading a trust's facts takes longer than the rules do (4 s for 20,000
    people, against a tenth of a second for the two evaluations): the page's time says how
    long the trust admin waited, not the rules' share of it."""
    clock = [100.0]
    monkeypatch.setattr(api.pages.policy, "perf_counter", lambda: clock[0])
    export = served.store.export_world

    def slow_export():
        clock[0] += 4.0
        return export()

    monkeypatch.setattr(served.store, "export_world", slow_export)
    admin = Browser(served, "admin")
    previewed = admin.post(POLICY, {**form_of(admin.get(POLICY).text), "action": "preview"})
    assert "Worked out on today's facts in 4.0 seconds" in text(previewed.text)
