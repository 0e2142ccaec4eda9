"""What a school reads about the rules outside the findings: the profiles' sources, the
messages about dates of birth, and docs/rules.md kept in step with the profiles."""

import datetime as dt
from pathlib import Path

import pytest

from graph.model import BirthDate
from graph.profiles import PROFILE_DIR, SETTING_NAMES, SHIPPED, ProfileError, load_profile

DOCS = Path(__file__).parent.parent / "docs" / "rules.md"


@pytest.mark.parametrize("text", ["2012-13", "2012-02-30", "12/2012", "2012-2", "born 2012"])
def test_a_bad_date_of_birth_says_which_forms_are_accepted(text):
    with pytest.raises(ValueError) as error:
        BirthDate.parse(text)
    message = str(error.value)
    assert repr(text) in message
    for form in ("YYYY-MM-DD", "YYYY-MM (2012-02)", "YYYY (2012)"):
        assert form in message


@pytest.mark.parametrize("name", SHIPPED)
def test_every_value_has_a_clause_with_text_or_a_reason_for_the_default(name):
    profile = load_profile(name)
    for setting in SETTING_NAMES:
        source = profile.settings[setting]
        assert (source.clause is None) != (source.default is None), setting
        if source.clause is not None:
            assert profile.clause_texts[source.clause], setting
        else:
            assert len(source.default) > 20, f"{setting}: say why the register takes the value"


@pytest.mark.parametrize("name", SHIPPED)
def test_no_policy_states_a_review_window_or_an_approach_window(name):
    """No policy gives a number of school days or an approach window: they are defaults."""
    settings = load_profile(name).settings
    assert settings["review_days"].clause is None
    assert settings["approach_window_days"].clause is None


def test_the_named_approvers_are_the_policies_own():
    approvers = {name: [str(p) for p in load_profile(name).declaration_approvers] for name in SHIPPED}
    assert approvers["aspire"] == ["headteacher", "chair_of_governors"]  # "principal or chair"
    assert approvers["mowbray"] == ["headteacher"]  # "reported to the Headteacher"
    assert approvers["ninestiles"] == ["headteacher", "senior_leader"]  # "to senior leaders"
    assert load_profile("aspire").settings["declaration_approvers"].clause == "aspire c"


def test_advisory_is_off_where_the_policy_forbids_the_connection_whoever_made_it():
    assert not load_profile("millfields").inbound_only_is_advisory
    assert not load_profile("aspire").inbound_only_is_advisory
    assert load_profile("mowbray").inbound_only_is_advisory


def test_a_profile_value_without_a_source_is_refused(tmp_path):
    source = (PROFILE_DIR / "ninestiles.toml").read_text()
    broken = source.replace('[review_days]\nvalue = 5\ndefault = ', '[review_days]\nvalue = 5\nnote = ')
    assert broken != source
    path = tmp_path / "mine.toml"
    path.write_text(broken)
    with pytest.raises(ProfileError, match="review_days: give either the clause"):
        load_profile(str(path))


@pytest.mark.parametrize("name", SHIPPED)
def test_docs_show_every_profile_value_and_where_it_comes_from(name):
    docs = DOCS.read_text()
    profile = load_profile(name)
    for setting in SETTING_NAMES:
        source = profile.settings[setting]
        value = source.value
        value = (", ".join(value) or "none") if isinstance(value, list) else \
            str(value).lower() if isinstance(value, bool) else str(value)
        where = f"`{source.clause}`" if source.clause else f"register's default: {source.default}"
        assert f"| `{setting}` | {value} | {where} |" in docs.split(f"### {name}:")[1].split("###")[0]


@pytest.mark.parametrize("name", SHIPPED)
def test_a_data_quality_finding_cites_its_own_checks_source(name):
    """No policy says what happens when no one leads the school, or when a membership ends
    before it starts: those findings cite the register's default, with its reason. A missing
    date of birth cites the clause whose age limit needs it, and only where there is one."""
    from graph.facts import FactGraph
    from graph.rules import evaluate
    from tests.builder import WorldBuilder

    world = (WorldBuilder().school("S1", name).staff("T1", start="2018-09-01")
             .pupil("P9", born=None).member("T2", "S1", start="2020-09-01", end="2019-09-01")
             .build())
    found = {f.counterpart_id: f.clauses for f in evaluate(FactGraph(world), dt.date(2026, 11, 22))
             if f.rule == "data-quality"}
    assert found[None] == (
        "register's default: no policy says who reviews when no one leads the school; its "
        "findings must reach someone who can review them, so the register asks for its "
        "headteacher or senior leaders to be recorded",)
    assert found["T2"][0].startswith("register's default: no policy states it;")
    age_clause = {"ninestiles": "ninestiles 8.3", "mowbray": "mowbray 6.5.3"}.get(name)
    if age_clause:
        assert load_profile(name).ex_pupil_age_limit == 18
        assert found["P9"] == (age_clause,)
    else:
        assert found["P9"][0].startswith("register's default: the policy ")


def test_a_data_quality_check_without_a_source_is_refused(tmp_path):
    source = (PROFILE_DIR / "ninestiles.toml").read_text()
    broken = source.replace('membership_dates = { default = ', 'membership_dates = { note = ')
    assert broken != source
    path = tmp_path / "mine.toml"
    path.write_text(broken)
    with pytest.raises(ProfileError, match="membership_dates: give either the clause"):
        load_profile(str(path))


def test_a_profile_file_of_the_earlier_shape_still_loads(tmp_path):
    """A school's own profile written before data-quality checks were cited one by one keeps
    working: every check cites what the school's file cites for the rule."""
    import re

    source = (PROFILE_DIR / "ninestiles.toml").read_text()
    earlier = re.sub(r"\[rules\.data-quality\]\n(.*\n)*?\n", "", source).replace(
        "[rules]\n", '[rules]\ndata-quality = ["ninestiles 8.3"]\n')
    assert "date_of_birth" not in earlier
    path = tmp_path / "earlier.toml"
    path.write_text(earlier)
    profile = load_profile(str(path))
    assert profile.citation("data-quality", "no_leaders") == ("ninestiles 8.3",)


def test_a_finding_cites_the_default_behind_a_value_its_explanation_rests_on():
    """Millfields names no one to accept a declaration, so a finding that says who may
    accept one cites that register's default; three approaches that tell the DSL cite the
    window no policy sets; one approach, which tells no one, does not."""
    from graph.facts import FactGraph
    from graph.rules import evaluate
    from tests.scenarios import school

    def clauses(world, rule):
        [finding] = [f for f in evaluate(FactGraph(world), dt.date(2026, 11, 22))
                     if f.rule == rule]
        return finding.clauses

    millfields = load_profile("millfields")
    declared = school("millfields").declare("T1", "M1", "family_friend").connect("T1", "P1").build()
    assert clauses(declared, "declaration-required") == (
        *millfields.clauses("declaration-required"),
        millfields.settings["declaration_approvers"].source)
    assert millfields.settings["declaration_approvers"].clause is None

    ninestiles = load_profile("ninestiles")
    once = school().approach("T1", "P1").build()
    assert clauses(once, "approach-reported") == ("ninestiles 8.3.2",)
    thrice = (school().approach("T1", "P1", "2026-11-01").approach("T1", "P1", "2026-11-10")
              .approach("T1", "P1", "2026-11-20").build())
    assert clauses(thrice, "approach-reported") == (
        "ninestiles 8.3.2", ninestiles.settings["approach_window_days"].source)
    assert ninestiles.settings["approach_window_days"].source.startswith("register's default: ")


def test_a_finding_keeps_the_id_earlier_releases_gave_it():
    """Reviews and their decisions are kept by finding id, so the same rule, school and
    parties must keep giving the ids they have (finding_id's formula is unchanged since the
    first commit, 8201ac4)."""
    from graph.facts import FactGraph
    from graph.rules import evaluate
    from tests.scenarios import AS_OF, school

    world = school().connect("T1", "P1").pupil("P9", born=None).school("S2").build()
    ids = {(f.rule, f.school_id, f.counterpart_id): f.id
           for f in evaluate(FactGraph(world), AS_OF)}
    assert ids == {("pupil-contact", "S1", "P1"): "F-18f6c59dcea51ef3",
                   ("data-quality", "S1", "P9"): "F-628ea8b700f43284",
                   ("data-quality", "S2", None): "F-1268273944a6f235"}  # S2 has no leaders


def test_a_finding_its_own_leaders_review_says_nothing_of_the_chain():
    """Only a finding that went up the chain says why; one the school's own senior leaders
    review does not."""
    from graph.facts import FactGraph
    from graph.rules import evaluate
    from tests.scenarios import AS_OF, school

    [finding] = evaluate(FactGraph(school().connect("T1", "P1").build()), AS_OF)
    assert finding.route_to == ("H1", "L1", "D1")
    assert "It goes to" not in finding.explanation
    both_leaders_connected = school().connect("T1", "P1").connect("H1", "T1").connect("L1", "T1")
    [finding] = evaluate(FactGraph(both_leaders_connected.build()), AS_OF)
    assert finding.route_to == ("G1", "D1")
    assert finding.explanation.endswith(
        "It goes to the chair of governors (the school's senior leaders: all recused; "
        "the trust's leaders: none in post).")


def test_each_profile_says_which_relationships_exempt_which_rule_with_its_clause():
    """Issue 24: which declarations exempt which rules is a setting of each profile, with its
    clause, not one exemption written into the rules."""
    great_chart = load_profile("great-chart")
    assert great_chart.exemptions["pupil-contact"] == great_chart.exemptions["ex-pupil-contact"] \
        == frozenset()
    assert great_chart.settings["pupil_contact_exemptions"].clause == "great-chart staff"
    assert "Staff are not permitted to follow or engage with current or prior pupils/students " \
           "of the school on any personal social media network account" \
           in great_chart.clause_texts["great-chart staff"]
    for name, clause, words in (
            ("ninestiles", "ninestiles 8.3.1", "As examples, a pupil who is also a family member "
                                               "or a family friend"),
            ("mowbray", "mowbray 6.5.4", "including a student who is also a family member or a "
                                         "family friend")):
        profile = load_profile(name)
        assert {str(b) for b in profile.exemptions["pupil-contact"]} == {
            "family_member", "family_friend", "prior_friendship", "other"}
        assert profile.settings["pupil_contact_exemptions"].clause == clause
        assert words in profile.clause_texts[clause]
    assert "other" not in {str(b) for b in load_profile("millfields").exemptions["pupil-contact"]}


def test_covered_roles_follow_each_scope_clause():
    """ninestiles 11.2 binds "other members of staff who are not employees (volunteers)"."""
    covered = {name: sorted(str(r) for r in load_profile(name).covered_roles) for name in SHIPPED}
    assert covered == {"ninestiles": ["staff", "volunteer"],
                       "millfields": ["contractor", "governor", "staff", "volunteer"],
                       "aspire": ["staff"], "great-chart": ["staff"],
                       "mowbray": ["contractor", "governor", "staff", "visitor", "volunteer"]}
    ninestiles = load_profile("ninestiles")
    assert ninestiles.settings["covered_roles"].clause == "ninestiles 11.2"
    assert "other members of staff who are not employees (volunteers)" in \
        ninestiles.clause_texts["ninestiles 11.2"]


def test_ninestiles_asks_a_school_leaders_permission_for_each_account_administrator():
    """ninestiles 5.1: "Staff must be given explicit permission to use social media on behalf
    of their school by a school leader"; it sets no number of administrators."""
    ninestiles = load_profile("ninestiles")
    assert ninestiles.clauses("school-account-oversight") == ("ninestiles 5.1",)
    assert sorted(map(str, ninestiles.account_admin_authorisers)) == ["headteacher", "senior_leader"]
    assert ninestiles.account_admins_required == 0
    assert ninestiles.settings["account_admins_required"].clause is None
    assert "explicit permission to use social media on behalf of their school by a school " \
           "leader" in ninestiles.clause_texts["ninestiles 5.1"]
    assert "has no such rule" not in DOCS.read_text()
    assert {load_profile(n).account_admins_required for n in ("great-chart", "mowbray")} == {2}


def test_a_profile_file_without_the_newer_settings_keeps_its_earlier_reading(tmp_path):
    import re

    source = (PROFILE_DIR / "mowbray.toml").read_text()
    earlier = re.sub(r"\[(pupil_contact_exemptions|parent_contact_exemptions|"
                     r"account_admins_required)\]\n(.*\n)*?\n", "", source)
    assert "pupil_contact_exemptions" not in earlier
    path = tmp_path / "earlier.toml"
    path.write_text(earlier)
    profile = load_profile(str(path))
    assert {str(b) for b in profile.exemptions["pupil-contact"]} == {
        "family_member", "family_friend", "prior_friendship"}
    assert profile.account_admins_required == 2
    assert profile.settings["account_admins_required"].clause is None
