"""The scenario suite: small worlds, each with the exact findings a careful senior leader
expects, positive and near-miss cases side by side. Each scenario's docstring names the
trap it sets. The same suite runs against every store (tests/test_scenarios.py).

A finding is summed up as "rule school adult counterpart", "-" for none, then
"account=ID" for an account and "advisory" when only the other person follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from graph.model import Finding, World
from tests.builder import WorldBuilder, add_leaders, d, school_with_leaders

AS_OF = d("2026-11-22")


@dataclass(frozen=True)
class Scenario:
    name: str
    trap: str
    build: Callable[[], World]
    as_of: dt.date
    expected: tuple[str, ...]
    routes: dict[str, tuple[list[str], list[tuple[str, str]]]] = field(default_factory=dict)
    explains: dict[str, str] = field(default_factory=dict)  # summary -> words its explanation says


SCENARIOS: list[Scenario] = []


def scenario(*expected: str, as_of: str | dt.date = AS_OF, routes=None, explains=None):
    def register(build):
        SCENARIOS.append(Scenario(
            build.__name__, (build.__doc__ or "").strip(), build,
            as_of if isinstance(as_of, dt.date) else d(as_of), tuple(sorted(expected)), routes or {},
            explains or {},
        ))
        return build
    return register


def summary(finding: Finding) -> str:
    text = f"{finding.rule} {finding.school_id} {finding.adult_id or '-'} {finding.counterpart_id or '-'}"
    if finding.account_id:
        text += f" account={finding.account_id}"
    if finding.advisory:
        text += " advisory"
    return text


def school(profile="ninestiles") -> WorldBuilder:
    """S1 with its leaders, teacher T1, pupil P1 (born 2015) and P1's mother M1."""
    return school_with_leaders(profile).pupil("P1").family("M1", "parent", "P1")


# -- pupil-contact ---------------------------------------------------------------------

@scenario("pupil-contact S1 T1 P1", routes={"pupil-contact S1 T1 P1": (["H1", "L1", "D1"], [])},
          explains={"pupil-contact S1 T1 P1": (
              "T1 is connected with P1 (facebook), a current pupil they have a staff/pupil "
              "relationship with at School S1, and no family or friend relationship gives a "
              "basis for it.")})
def teacher_follows_pupil():
    """The plain case: a teacher and a current pupil of their school, mutual, no basis.
    The DSL is notified because the finding is high and about a child."""
    return school().connect("T1", "P1").build()


@scenario()
def teacher_joined_after_pupil_left():
    """Trap: the pupil left before the teacher started, so they never overlapped: no
    staff/pupil relationship, and the pupil is now an adult ex-pupil anyway."""
    return (school_with_leaders().staff("T9", start="2024-09-01")
            .pupil("P9", start="2015-09-01", end="2022-07-20", born="2004-05-05")
            .connect("T9", "P9").build())


@scenario()
def teacher_who_left_is_not_bound():
    """Trap: the teacher's only membership ended before the evaluation date: the school's
    policy no longer binds them."""
    return (school_with_leaders().staff("T9", start="2019-09-01", end="2025-08-31")
            .pupil("P1").connect("T9", "P1").build())


@scenario("pupil-contact S1 T1 P1 advisory",
          explains={"pupil-contact S1 T1 P1 advisory": (
              "basis for it; only the other person follows, so the adult should block them "
              "and may report an approach.")})
def pupil_follows_teacher_only():
    """Trap: the pupil follows the teacher but not the other way round (the row is written
    from the pupil's side as outbound): still a finding, but advisory."""
    return school().connect("P1", "T1", direction="outbound").build()


@scenario("pupil-contact S1 T1 P1")
def one_mutual_among_inbound_is_not_advisory():
    """Trap: one inbound-only connection and one mutual one: the pair is not advisory."""
    return (school().connect("T1", "P1", direction="inbound")
            .connect("T1", "P1", direction="mutual", channel="snapchat").build())


@scenario()
def connection_first_seen_after_as_of():
    """Trap: a connection first seen after the evaluation date did not exist then."""
    return school().connect("T1", "P1", first_seen="2026-12-01").build()


@scenario("pupil-contact S1 T1 P1")
def connection_first_seen_on_as_of():
    """A connection first seen on the evaluation date exists that day."""
    return school().connect("T1", "P1", first_seen="2026-11-22").build()


@scenario("pupil-contact S1 T1 P1", explains={"pupil-contact S1 T1 P1": "(facebook, snapchat)"})
def connected_as_recorded_from_both_sides():
    """Trap: one connection recorded from the teacher's side and one from the pupil's are
    between the same two people: one finding lists both, and names both channels."""
    return (school().connect("T1", "P1", direction="outbound")
            .connect("P1", "T1", direction="outbound", channel="snapchat").build())


# -- family and friends ------------------------------------------------------------------

@scenario()
def aunt_through_records_ninestiles():
    """Trap: nobody typed "aunt": the teacher is recorded as the sibling of the pupil's
    mother, a family path of two links; under ninestiles a family link from the school's
    records is open and transparent already."""
    return school().family("T1", "sibling", "M1").connect("T1", "P1").build()


@scenario("declaration-required S1 T1 P1")
def aunt_through_records_mowbray():
    """The same aunt under mowbray, where a family link from records still has to be
    reported to the headteacher (6.5.4): permitted, but a declaration is required."""
    return school("mowbray").family("T1", "sibling", "M1").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1")
def relative_beyond_family_degree():
    """Trap: a path of four family links is longer than the profile's family_degree of 3."""
    return (school().family("T1", "sibling", "X1").family("X1", "spouse", "X2")
            .family("X2", "sibling", "M1").connect("T1", "P1").build())


@scenario("declaration-required S1 T1 P1")
def relative_through_declared_link():
    """Trap: the family path runs through a link the teacher declared, not the school's
    records, so it gives a basis but is not yet open and transparent."""
    return school().family("T1", "sibling", "M1", source="declared").connect("T1", "P1").build()


@scenario("declaration-required S1 T1 P1",
          explains={"declaration-required S1 T1 P1": (
              "T1 is connected with P1 (facebook) at School S1 through a relationship that is "
              "not yet declared and accepted by the headteacher or a senior leader of School S1.")})
def pending_family_friend_declaration():
    """A pending declaration of friendship with the pupil's mother makes the teacher a
    family friend of the pupil: a basis, but not yet accepted."""
    return school().declare("T1", "M1", "family_friend").connect("T1", "P1").build()


@scenario()
def accepted_family_friend_declaration():
    """The same friendship once a senior leader accepted it: open and transparent."""
    return school().declare("T1", "M1", "family_friend", "accepted", "H1").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1")
def rejected_declaration_gives_no_basis():
    """Trap: a rejected declaration gives no basis at all."""
    return school().declare("T1", "M1", "family_friend", "rejected", "H1").connect("T1", "P1").build()


@scenario()
def other_basis_accepted_ninestiles():
    """ninestiles 8.3.1: contact is allowed "where other appropriate relationships exist. As
    examples, a pupil who is also a family member or a family friend": the list is examples,
    so an accepted declaration of another basis makes the contact open and transparent."""
    return school().declare("T1", "P1", "other", "accepted", "H1").connect("T1", "P1").build()


@scenario("declaration-required S1 T1 P1",
          explains={"declaration-required S1 T1 P1": "not yet declared and accepted by the "
                                                     "headteacher or a senior leader of School S1"})
def other_basis_pending_ninestiles():
    """The same "other" relationship while it is pending: a basis, not yet open; the finding
    says whose acceptance it awaits."""
    return school().declare("T1", "P1", "other").connect("T1", "P1").build()


@scenario()
def other_basis_accepted_mowbray():
    """mowbray 6.5.4's relationships are "including" family and friends: any basis accepted by
    the headteacher makes the contact open and transparent."""
    return school("mowbray").declare("T1", "P1", "other", "accepted", "H1").connect("T1", "P1").build()


@scenario("declaration-required S1 T1 P1",
          explains={"declaration-required S1 T1 P1": "accepted by the headteacher of School S1"})
def other_basis_accepted_by_a_senior_leader_mowbray():
    """Trap: under mowbray only the headteacher's acceptance opens it (6.5.4)."""
    return school("mowbray").declare("T1", "P1", "other", "accepted", "L1").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1",
          explains={"pupil-contact S1 T1 P1": "no basis the policy accepts for it: D1 (other, "
                                              "accepted)."})
def other_basis_is_no_exception_millfields():
    """Trap: millfields names no relationship but family and friends (the register's reading):
    an accepted "other" declaration permits nothing, and the finding shows it to the reviewer."""
    return (school("millfields").declare("T1", "P1", "other", "accepted", "H1", declaration_id="D1")
            .connect("T1", "P1").build())


@scenario("parent-contact S1 T1 M1")
def other_basis_with_the_pupil_is_none_with_the_parent_mowbray():
    """Trap: an "other" relationship declared and accepted with the pupil is one with the pupil
    only, not with the pupil's mother."""
    return school("mowbray").declare("T1", "P1", "other", "accepted", "H1").connect("T1", "M1").build()


# -- great-chart: no declaration excuses contact with a pupil ----------------------------------

@scenario("pupil-contact S1 T1 P1",
          explains={"pupil-contact S1 T1 P1": "no basis the policy accepts for it: family, D1 "
                                              "(family_member, accepted)."})
def great_chart_family_member_accepted_is_still_a_finding():
    """great-chart: "Staff are not permitted to follow or engage with current or prior
    pupils/students of the school on any personal social media network account", with no
    family or friend exception: an accepted family declaration is shown but silences nothing."""
    return (school("great-chart").declare("T1", "P1", "family_member", "accepted", "H1",
                                          declaration_id="D1")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1",
          explains={"pupil-contact S1 T1 P1": "no basis the policy accepts for it: D1 "
                                              "(family_friend, pending)."})
def great_chart_pending_family_friend_is_still_a_finding():
    """great-chart staff: a pending friendship with the pupil's mother is shown to the
    reviewer; the contact is a finding all the same."""
    return (school("great-chart").declare("T1", "M1", "family_friend", declaration_id="D1")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1",
          explains={"pupil-contact S1 T1 P1": "no basis the policy accepts for it: family."})
def great_chart_aunt_through_records_is_still_a_finding():
    """great-chart staff: even family by the school's own records is no exception."""
    return school("great-chart").family("T1", "sibling", "M1").connect("T1", "P1").build()


@scenario("ex-pupil-contact S1 T1 X1",
          explains={"ex-pupil-contact S1 T1 X1": "no basis the policy accepts for it: D1 "
                                                 "(prior_friendship, accepted)."})
def great_chart_prior_pupil_friend_is_still_a_finding():
    """great-chart staff: "current or prior pupils", at any age, whatever is declared."""
    return (ex_pupil("great-chart", born="1990-01-01")
            .declare("T1", "X1", "prior_friendship", "accepted", "H1", declaration_id="D1").build())


@scenario()
def great_chart_parent_with_a_prior_friendship_declared():
    """great-chart parents: a prior relationship still permits contact with a parent; only the
    pupil rules have no exception."""
    return (school("great-chart").declare("T1", "M1", "prior_friendship", "accepted", "H1")
            .connect("T1", "M1").build())


@scenario("pupil-contact S1 T1 P1",
          explains={"pupil-contact S1 T1 P1": "relationship gives a basis for it."})
def rejected_declaration_is_not_shown():
    """Trap: a rejected declaration is no relationship: nothing to show the reviewer."""
    return (school("great-chart").declare("T1", "P1", "family_member", "rejected", "H1")
            .connect("T1", "P1").build())


@scenario("declaration-required S1 T1 P1")
def pending_family_member_declaration():
    """A teacher declares a pupil as a family member; pending, it is a basis."""
    return school().declare("T1", "P1", "family_member").connect("T1", "P1").build()


# -- ex-pupil-contact ----------------------------------------------------------------------

def ex_pupil(profile="ninestiles", born="2009-03-01"):
    return (school_with_leaders(profile).pupil("X1", start="2016-09-01", end="2025-07-20", born=born)
            .connect("T1", "X1"))


@scenario("ex-pupil-contact S1 T1 X1",
          explains={"ex-pupil-contact S1 T1 X1": (
              "T1 is connected with X1 (facebook), an ex-pupil of School S1 whom they taught and "
              "whom the policy still protects, and no family or friend relationship gives a "
              "basis for it.")})
def ex_pupil_aged_17():
    """An ex-pupil who is 17 on the evaluation date."""
    return ex_pupil().build()


@scenario(as_of="2027-03-01")
def ex_pupil_turned_18():
    """Trap: on their 18th birthday the ex-pupil is no longer covered by the 18 limit."""
    return ex_pupil().build()


@scenario("ex-pupil-contact S1 T1 X1", as_of="2027-03-01")
def ex_pupil_great_chart_has_no_age_limit():
    """Under great-chart every prior pupil counts, whatever their age."""
    return ex_pupil("great-chart").build()


@scenario()
def ex_pupil_millfields_has_no_ex_pupil_rule():
    """Trap: millfields speaks of pupils only; it has no ex-pupil clause."""
    return ex_pupil("millfields").build()


@scenario("ex-pupil-contact S1 T1 X1", as_of="2026-02-28")
def leap_day_birthday_before_1_march():
    """Trap: born 29 February 2008; in 2026 (a common year) the birthday falls on
    1 March, so on 28 February they are still 17."""
    return ex_pupil(born="2008-02-29").build()


@scenario(as_of="2026-03-01")
def leap_day_birthday_on_1_march():
    """Born 29 February 2008: 18 on 1 March 2026."""
    return ex_pupil(born="2008-02-29").build()


@scenario("ex-pupil-contact S1 T1 X1", as_of="2026-12-30")
def partial_birth_year_takes_latest_birthday():
    """Trap: a date of birth of only "2008" could be 31 December, so on 30 December 2026
    they may still be 17."""
    return ex_pupil(born="2008").build()


@scenario(as_of="2026-12-31")
def partial_birth_year_turned_18():
    """Born some time in 2008: certainly 18 by 31 December 2026."""
    return ex_pupil(born="2008").build()


@scenario("ex-pupil-contact S1 T1 X1", as_of="2026-06-29")
def partial_birth_month_takes_last_day():
    """Trap: "2008-06" takes 30 June as the birthday."""
    return ex_pupil(born="2008-06").build()


@scenario("ex-pupil-contact S1 T1 X1", "data-quality S1 - X1")
def unknown_birth_date_counts_as_under_18():
    """Trap: no date of birth: the register never clears a connection because data is
    missing; it counts as under 18 and raises a data-quality finding."""
    return ex_pupil(born=None).build()


# -- parent-contact --------------------------------------------------------------------------

@scenario("parent-contact S1 T1 M1",
          explains={"parent-contact S1 T1 M1": (
              "T1 is connected with M1 (facebook), whose only relationship with them is as the "
              "parent of a pupil at School S1; only another relationship, declared and accepted "
              "by the headteacher or a senior leader of School S1, would permit it.")})
def teacher_and_parent_only():
    """A teacher and the parent of a current pupil, nothing else between them."""
    return school().connect("T1", "M1").build()


@scenario()
def parent_of_ex_pupil_only():
    """Trap: the mother's only child has left, so she is not the parent of a current pupil."""
    return (school_with_leaders().pupil("X1", start="2016-09-01", end="2024-07-20", born="2005-01-01")
            .family("M1", "parent", "X1").connect("T1", "M1").build())


@scenario()
def parent_who_is_a_colleague():
    """Trap: the parent also works at the school: not solely a staff/parent relationship."""
    return school().staff("M1").connect("T1", "M1").build()


@scenario("declaration-required S1 T1 M1")
def teacher_who_is_also_a_parent_ninestiles():
    """The complex relationship of 8.4.1: the teacher is a parent at the same school, so a
    declaration is required instead of a prohibition."""
    return school().pupil("P2").family("T1", "parent", "P2").connect("T1", "M1").build()


@scenario("parent-contact S1 T1 M1")
def teacher_who_is_also_a_parent_great_chart():
    """Trap: under great-chart only a prior relationship counts; being a parent at the same
    school is not one."""
    return school("great-chart").pupil("P2").family("T1", "parent", "P2").connect("T1", "M1").build()


@scenario()
def prior_friendship_with_parent_great_chart():
    """Under great-chart a declared prior friendship is the prior relationship asked for."""
    return school("great-chart").declare("T1", "M1", "prior_friendship").connect("T1", "M1").build()


@scenario("declaration-required S1 T1 M1")
def colleague_parent_aspire_needs_approval():
    """Trap: under aspire even a colleague who is a parent needs the principal's approval."""
    return school("aspire").staff("M1").connect("T1", "M1").build()


@scenario()
def approved_parent_contact_aspire():
    """Under aspire, a reason accepted by the headteacher clears the contact."""
    return school("aspire").declare("T1", "M1", "other", "accepted", "H1").connect("T1", "M1").build()


@scenario()
def millfields_parent_on_social_media():
    """Trap: millfields speaks of personal phone numbers and e-mail with parents only."""
    return school("millfields").connect("T1", "M1", channel="facebook").build()


@scenario("parent-contact S1 T1 M1")
def millfields_parent_on_personal_phone():
    """A millfields teacher with a parent's personal phone number."""
    return school("millfields").connect("T1", "M1", channel="personal_phone").build()


# -- covered roles and scope --------------------------------------------------------------

@scenario("pupil-contact S1 V1 P1")
def volunteer_ninestiles_covered():
    """ninestiles 11.2 binds "other members of staff who are not employees (volunteers)": a
    volunteer is covered."""
    return school().member("V1", "S1", "volunteer").connect("V1", "P1").build()


@scenario()
def contractor_ninestiles_not_covered():
    """Trap: ninestiles names volunteers, not contractors or visitors: a contractor is outside
    it."""
    return (school().member("K1", "S1", "contractor").member("K2", "S1", "visitor")
            .connect("K1", "P1").connect("K2", "P1").build())


@scenario("pupil-contact S1 V1 P1")
def volunteer_great_chart_not_covered():
    """Trap: great-chart binds its employees; a volunteer there is not bound, however long
    they helped (a staff member with the same pupil is)."""
    return (school("great-chart").member("V1", "S1", "volunteer").member("V1", "S1", "staff")
            .member("V2", "S1", "volunteer").connect("V1", "P1").connect("V2", "P1").build())


@scenario("pupil-contact S1 V1 P1")
def volunteer_millfields_covered():
    """Millfields binds volunteers too."""
    return school("millfields").member("V1", "S1", "volunteer").connect("V1", "P1").build()


@scenario("pupil-contact S1 T1 P2")
def mowbray_trust_scope():
    """Mowbray's 'school' means the wider trust: a teacher at S1 and a pupil at S2 of
    the same trust have a staff/pupil relationship."""
    builder = school_with_leaders("mowbray", trust="TR1").school("S2", "mowbray", "TR1")
    return add_leaders(builder, "S2", prefix="B").pupil("P2", "S2").connect("T1", "P2").build()


@scenario()
def ninestiles_school_scope():
    """Trap: the same two schools under ninestiles: different schools, no relationship."""
    builder = school_with_leaders("ninestiles", trust="TR1").school("S2", "ninestiles", "TR1")
    return add_leaders(builder, "S2", prefix="B").pupil("P2", "S2").connect("T1", "P2").build()


# -- routing ----------------------------------------------------------------------------------

@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["L1", "D1"], [("H1", "family of T1")])})
def headteacher_related_to_teacher_is_recused():
    """Trap: the headteacher is the teacher's sister: recused, the senior leader reviews."""
    return school().family("H1", "sibling", "T1").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1", "pupil-contact S1 H1 P1",
          routes={"pupil-contact S1 T1 P1": (["G1", "D1"], [("H1", "connected to P1"),
                                                         ("L1", "friend of T1")]),
                  "pupil-contact S1 H1 P1": (["L1", "D1"], [("H1", "party to the finding")])})
def all_leaders_recused_goes_to_chair():
    """Trap: every senior leader is recused (one connected to the pupil, one a declared
    friend of the teacher): the chair of governors reviews instead. The headteacher's own
    connection with the pupil is a finding of its own."""
    return (school().connect("H1", "P1", channel="instagram")
            .declare("L1", "T1", "prior_friendship").connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1", "pupil-contact S1 H1 P1",
          routes={"pupil-contact S1 T1 P1": (["CEO", "D1"], [("H1", "connected to P1"),
                                                          ("L1", "family of T1")])},
          explains={"pupil-contact S1 T1 P1": "basis for it. It goes to the trust's leaders (the "
                                              "school's senior leaders: all recused)."})
def chain_up_to_trust_ceo():
    """Trap: the school's leaders are all recused: the finding goes up to the trust's
    leaders (its chief executive) before the chair of governors, who is family of the
    pupil anyway. The headteacher's own connection with the pupil is a finding of its own."""
    builder = school_with_leaders(trust="TR1").pupil("P1").family("M1", "parent", "P1")
    add_leaders(builder.school("S2", "ninestiles", "TR1"), "S2", prefix="B")
    builder.staff("CEO", "S2", position="trust_ceo")
    return (builder.connect("H1", "P1", channel="instagram").family("L1", "spouse", "T1")
            .family("G1", "grandparent", "P1").connect("T1", "P1").build())


@scenario("parent-contact S1 T1 M1", routes={"parent-contact S1 T1 M1": (["H1", "L1"], [])})
def medium_finding_does_not_notify_dsl():
    """Trap: the DSL is told of high-severity findings about a child only."""
    return school().connect("T1", "M1").build()


# -- approach-reported -----------------------------------------------------------------------

@scenario("approach-reported S1 T1 P1", routes={"approach-reported S1 T1 P1": (["H1", "L1"], [])},
          explains={"approach-reported S1 T1 P1":
                    "T1 reported 1 approach(es) from P1 that no one has reviewed yet."})
def open_approach_report():
    """An approach the teacher rejected and reported, not yet reviewed."""
    return school().approach("T1", "P1").build()


@scenario()
def reviewed_approach_report():
    """Trap: once reviewed, the report raises nothing."""
    return school().approach("T1", "P1", status="reviewed", reviewed_by="L1").build()


@scenario("approach-reported S1 T1 P1")
def approach_reviewed_after_as_of():
    """Trap: the report was reviewed, but only after the evaluation date: on that date it
    still waited for review."""
    return school().approach("T1", "P1", status="reviewed", reviewed="2026-11-23").build()


@scenario()
def approach_reviewed_on_as_of():
    """A report reviewed on the evaluation date is reviewed that day."""
    return school().approach("T1", "P1", status="reviewed", reviewed="2026-11-22").build()


@scenario("approach-reported S1 T1 P1")
def approach_marked_reviewed_with_no_date():
    """Trap: a report marked reviewed with no date of review cannot be read as reviewed on
    any date: missing data never clears a finding."""
    return school().approach("T1", "P1", status="reviewed", reviewed=None).build()


@scenario("approach-reported S1 T1 P1",
          routes={"approach-reported S1 T1 P1": (["H1", "L1", "D1"], [])},
          explains={"approach-reported S1 T1 P1": (
              "T1 reported 1 approach(es) from P1 that no one has reviewed yet; P1 made 3 "
              "approaches in 30 days, so the DSL is told.")})
def three_approaches_in_window_tell_the_dsl():
    """Three approaches from the same pupil within the 30-day window raise it to the DSL."""
    return (school().approach("T1", "P1", "2026-11-01").approach("T1", "P1", "2026-11-10", "reviewed")
            .approach("T1", "P1", "2026-11-20", "reviewed").build())


@scenario("approach-reported S1 T1 P1", routes={"approach-reported S1 T1 P1": (["H1", "L1"], [])})
def three_approaches_outside_window():
    """Trap: three approaches, but the first fell outside the 30-day window."""
    return (school().approach("T1", "P1", "2026-10-01").approach("T1", "P1", "2026-11-10", "reviewed")
            .approach("T1", "P1", "2026-11-20", "reviewed").build())


@scenario()
def approaches_not_in_aspire():
    """Trap: aspire has no clause on reporting approaches."""
    return school("aspire").approach("T1", "P1").build()


@scenario()
def approach_to_uncovered_contractor_ninestiles():
    """Trap: ninestiles binds staff and volunteers only, so a contractor's report raises no
    finding there."""
    return school().member("K1", "S1", "contractor").approach("K1", "P1").build()


@scenario("approach-reported S1 V1 P1")
def approach_to_a_volunteer_ninestiles():
    """ninestiles 11.2: a volunteer is bound, so the approach they report is a finding."""
    return school().member("V1", "S1", "volunteer").approach("V1", "P1").build()


@scenario("approach-reported S1 T9 X9")
def approach_from_an_ex_pupil_the_adult_never_taught():
    """ninestiles 8.3.2 speaks of "approaches" from "pupils or ex-pupils", not only those the
    adult taught: an ex-pupil who left before the teacher came still counts."""
    return (school_with_leaders().staff("T9", start="2024-09-01")
            .pupil("X9", start="2012-09-01", end="2019-07-20", born="2001-05-05")
            .approach("T9", "X9").build())


@scenario()
def approach_from_a_parent_raises_nothing():
    """Trap: a parent's approach is kept in the record but is no approach from a pupil: no
    finding, three of them tell no DSL."""
    return (school().approach("T1", "M1", "2026-11-01").approach("T1", "M1", "2026-11-10")
            .approach("T1", "M1", "2026-11-20").build())


@scenario()
def approach_from_someone_with_no_membership_raises_nothing():
    """Trap: a stranger who holds no membership anywhere is no pupil or ex-pupil."""
    return school().person("Z1").approach("T1", "Z1").build()


@scenario()
def approach_from_a_pupil_of_another_school_ninestiles():
    """Trap: under ninestiles the approach counts from a pupil of a school where the adult is
    bound; a pupil of another school of the trust is not one."""
    builder = school_with_leaders("ninestiles", trust="TR1").school("S2", "ninestiles", "TR1")
    return add_leaders(builder, "S2", prefix="B").pupil("P2", "S2").approach("T1", "P2").build()


@scenario("approach-reported S1 T1 P2")
def approach_from_a_pupil_of_another_school_mowbray():
    """mowbray 1: "school" is any of the trust's establishments, so a pupil of another school
    of the trust counts (6.5.5)."""
    builder = school_with_leaders("mowbray", trust="TR1").school("S2", "mowbray", "TR1")
    return add_leaders(builder, "S2", prefix="B").pupil("P2", "S2").approach("T1", "P2").build()


@scenario()
def approach_from_a_pupil_who_has_not_started_yet():
    """Trap: someone whose pupil membership starts after the evaluation date is no pupil yet."""
    return school().pupil("P9", start="2027-01-04").approach("T1", "P9").build()


@scenario("approach-reported S1 T1 P1", routes={"approach-reported S1 T1 P1": (["H1", "L1"], [])})
def a_parents_approaches_do_not_count_toward_the_dsl():
    """Trap: one approach from the pupil and two from the pupil's mother: the mother's are no
    pupil's, so the pupil made one, and the DSL is not told."""
    return (school().approach("T1", "P1", "2026-11-01").approach("T1", "M1", "2026-11-10")
            .approach("T1", "M1", "2026-11-20").build())


@scenario("data-quality S1 - X1")
def unknown_birth_date_ex_pupil_who_is_family():
    """Trap: an ex-pupil with no date of birth counts as under 18, but being family is
    still a basis (records: transparent under ninestiles): only the data-quality finding."""
    return ex_pupil(born=None).family("T1", "sibling", "X1").build()


# -- school-account-oversight ------------------------------------------------------------------

@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): it has 1 authorised administrator(s) on its staff, "
              "fewer than two.")})
def account_with_one_administrator():
    """Mowbray 5.2.4: two authorised personnel oversee each school account."""
    return school("mowbray").account("A1").admin("A1", "T1", "H1").build()


@scenario()
def account_with_two_authorised_by_head():
    """Two administrators, both authorised by the headteacher."""
    return school("mowbray").account("A1").admin("A1", "T1", "H1").admin("A1", "L1", "H1").build()


@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): D1 was authorised by L1, who was not the headteacher.")})
def account_admin_authorised_by_senior_leader_mowbray():
    """Trap: under mowbray only the headteacher grants authorised-personnel status (6.2.1)."""
    return school("mowbray").account("A1").admin("A1", "T1", "H1").admin("A1", "D1", "L1").build()


@scenario()
def account_admin_authorised_by_senior_leader_great_chart():
    """Under great-chart the School Leadership Team approves, so a senior leader may."""
    return school("great-chart").account("A1").admin("A1", "T1", "H1").admin("A1", "D1", "L1").build()


@scenario()
def ninestiles_sets_no_number_of_administrators():
    """Trap: ninestiles 5.1 asks for a leader's permission, not for two administrators: one,
    authorised by the headteacher, is no finding."""
    return school().account("A1").admin("A1", "T1", "H1").build()


@scenario()
def ninestiles_administrator_authorised_by_a_senior_leader():
    """ninestiles 5.1: "explicit permission ... by a school leader": a senior leader is one."""
    return school().account("A1").admin("A1", "T1", "L1").build()


@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): T1 was authorised by D1, who was not the headteacher or "
              "a senior leader.")})
def ninestiles_administrator_authorised_by_someone_who_is_no_leader():
    """ninestiles 5.1: "Staff must be given explicit permission to use social media on behalf
    of their school by a school leader": the DSL who holds no leader's position is not one."""
    return school().account("A1").admin("A1", "T1", "D1").admin("A1", "L1", "H1").build()


@scenario("school-account-oversight S1 - - account=A1")
def ninestiles_administrator_authorised_by_a_leader_of_another_school():
    """Trap: the leader who gave permission leads another school, not this one."""
    builder = school().school("S2", "ninestiles")
    return add_leaders(builder, "S2", prefix="B").account("A1").admin("A1", "T1", "BH1").build()


@scenario("school-account-oversight S1 - - account=A1")
def ninestiles_administrator_authorised_before_the_leader_was_one():
    """Trap: the person who gave permission became a senior leader only after the day."""
    return (school().staff("L9", position="senior_leader", start="2025-09-01").account("A1")
            .admin("A1", "T1", "L9", on="2025-01-01").build())


@scenario()
def mowbray_administrator_on_the_staff_of_another_school_of_the_trust():
    """mowbray 1: "'school' means any of our educational establishments and the wider Trust":
    an employee of another school of the trust, authorised by the headteacher, is authorised
    personnel for this school's account."""
    builder = school_with_leaders("mowbray", trust="TR1").school("S2", "mowbray", "TR1")
    return (add_leaders(builder, "S2", prefix="B").account("A1")
            .admin("A1", "T1", "H1").admin("A1", "BT1", "H1").build())


@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1":
                    "BT1 is not on the school's staff now, so does not count."})
def great_chart_administrator_on_the_staff_of_another_school():
    """Trap: great-chart reads "school" as itself: an employee of another school of the same
    trust is not on its staff."""
    builder = school_with_leaders("great-chart", trust="TR1").school("S2", "great-chart", "TR1")
    return (add_leaders(builder, "S2", prefix="B").account("A1")
            .admin("A1", "T1", "H1").admin("A1", "BT1", "H1").build())


# -- data-quality -----------------------------------------------------------------------------

@scenario("data-quality S1 - T9",
          explains={"data-quality S1 - T9":
                    "T9's staff membership ends on 2023-07-01, before it starts on 2024-09-01."})
def membership_ends_before_it_starts():
    """A well-formed but contradictory membership is accepted and raised as data quality."""
    return school_with_leaders().staff("T9", start="2024-09-01", end="2023-07-01").build()


@scenario("data-quality S1 - P9",
          explains={"data-quality S1 - P9": (
              "P9, a pupil or ex-pupil, has no date of birth, so they count as under 18 until "
              "it is recorded.")})
def pupil_without_birth_date():
    """A pupil with no date of birth is a data-quality finding even with no connection."""
    return school_with_leaders().pupil("P9", born=None).build()


# -- everything as of the evaluation date ------------------------------------------------------

@scenario("pupil-contact S1 T1 P1")
def declaration_made_after_as_of():
    """Trap: the teacher declared the friendship with the pupil's mother after the evaluation
    date: on that date no declaration existed, so there was no basis."""
    return (school().declare("T1", "M1", "family_friend", declared_on="2026-12-01")
            .connect("T1", "P1").build())


@scenario("declaration-required S1 T1 P1")
def declaration_accepted_after_as_of_was_pending():
    """Trap: the friendship was accepted after the evaluation date: on that date it was still
    pending, a basis but not yet open and transparent."""
    return (school().declare("T1", "M1", "family_friend", "accepted", "H1", decided_on="2026-12-01")
            .connect("T1", "P1").build())


@scenario("declaration-required S1 T1 P1")
def declaration_rejected_after_as_of_was_pending():
    """Trap: a declaration rejected after the evaluation date was pending on it, so it still
    gave a basis that day."""
    return (school().declare("T1", "P1", "family_member", "rejected", "H1", decided_on="2026-12-01")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1")
def family_member_declaration_rejected_before_as_of():
    """Trap: once rejected, a declaration of family gives no family path at all."""
    return school().declare("T1", "P1", "family_member", "rejected", "H1").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1")
def family_member_declaration_made_after_as_of():
    """Trap: a declaration of family made after the evaluation date draws no family path on it."""
    return (school().declare("T1", "M1", "family_member", declared_on="2026-12-01")
            .connect("T1", "P1").build())


@scenario("approach-reported S1 T1 P1", routes={"approach-reported S1 T1 P1": (["H1", "L1"], [])})
def approach_reported_after_as_of_does_not_count():
    """Trap: three approaches fell in the window, but one was reported only after the
    evaluation date: on that date two were known, so the DSL is not told."""
    return (school().approach("T1", "P1", "2026-11-01").approach("T1", "P1", "2026-11-10", "reviewed")
            .approach("T1", "P1", "2026-11-20", "reviewed", reported="2026-11-25").build())


@scenario("school-account-oversight S1 - - account=A1")
def account_admin_authorised_after_as_of():
    """Trap: the second administrator was authorised after the evaluation date: on that date
    the account had one (mowbray 5.2.4)."""
    return (school("mowbray").account("A1").admin("A1", "T1", "H1")
            .admin("A1", "L1", "H1", on="2026-12-01").build())


# -- "have, or have had" --------------------------------------------------------------------

@scenario("ex-pupil-contact S1 T9 X9")
def rehired_teacher_bound_by_past_relationship():
    """ninestiles 8.3 "have, or have had": the teacher taught the child in an earlier spell at
    the school, left, and was rehired after the child left; that past staff/pupil
    relationship still binds them while the ex-pupil is under 18."""
    return (school_with_leaders().staff("T9", start="2016-09-01", end="2019-07-20")
            .staff("T9", start="2024-09-01")
            .pupil("X9", start="2017-09-01", end="2023-07-20", born="2010-05-05")
            .connect("T9", "X9").build())


@scenario("pupil-contact S1 T9 P1")
def rehired_teacher_and_pupil_they_taught_before():
    """The same rehired teacher and a current pupil they taught in the earlier spell: a
    staff/pupil relationship they have had."""
    return (school_with_leaders().staff("T9", start="2016-09-01", end="2019-07-20")
            .staff("T9", start="2026-09-01").pupil("P1", start="2018-09-01")
            .connect("T9", "P1").build())


@scenario("ex-pupil-contact S2 T9 X9")
def mowbray_ex_pupil_taught_at_another_school_of_the_trust():
    """mowbray 1 and 6.5.3: 'school' is the wider trust. The teacher taught the child at S1,
    moved to S2 of the same trust and is still covered there, so stays bound to the
    ex-pupil; the finding arises where the teacher now works."""
    builder = school_with_leaders("mowbray", trust="TR1").school("S2", "mowbray", "TR1")
    return (add_leaders(builder, "S2", prefix="B")
            .staff("T9", "S1", start="2016-09-01", end="2022-08-31").staff("T9", "S2", start="2022-09-01")
            .pupil("X9", "S1", start="2016-09-01", end="2024-07-20", born="2010-05-05")
            .connect("T9", "X9").build())


@scenario()
def ninestiles_ex_pupil_taught_at_another_school_of_the_trust():
    """Trap: the same move under ninestiles, whose relationship is with the pupils of the
    teacher's own school: nothing binds the teacher at S2 to an ex-pupil of S1."""
    builder = school_with_leaders("ninestiles", trust="TR1").school("S2", "ninestiles", "TR1")
    return (add_leaders(builder, "S2", prefix="B")
            .staff("T9", "S1", start="2016-09-01", end="2022-08-31").staff("T9", "S2", start="2022-09-01")
            .pupil("X9", "S1", start="2016-09-01", end="2024-07-20", born="2010-05-05")
            .connect("T9", "X9").build())


# -- "and nothing else" ---------------------------------------------------------------------

@scenario("ex-pupil-contact S1 T1 X1")
def parent_who_is_also_the_teachers_ex_pupil():
    """ninestiles 8.4 "solely": a 17-year-old ex-pupil the teacher taught is now the parent of
    a current pupil. The ex-pupil finding speaks; there is no second, parent finding."""
    return (ex_pupil().pupil("P2", start="2026-09-01", born="2022-01-01")
            .family("X1", "parent", "P2").build())


@scenario("declaration-required S1 T1 X1")
def parent_who_is_the_teachers_ex_pupil_and_family():
    """Trap: that ex-pupil parent is also the teacher's niece by a declared link: the pupil side
    asks for a declaration, once, and no parent finding is added."""
    return (ex_pupil().pupil("P2", start="2026-09-01", born="2022-01-01")
            .family("X1", "parent", "P2").family("T1", "sibling", "Z1")
            .family("Z1", "parent", "X1", source="declared").build())


@scenario("parent-contact S1 T1 X1")
def parent_who_is_an_adult_ex_pupil():
    """Near miss: an ex-pupil aged 25 whom no ex-pupil rule protects any more is, for this
    teacher, the parent of a current pupil and nothing the rules protect: parent-contact."""
    return (school_with_leaders().pupil("X1", start="2008-09-01", end="2019-07-20", born="2001-03-01")
            .pupil("P2").family("X1", "parent", "P2").connect("T1", "X1").build())


# -- approval by the person the policy names -------------------------------------------------

@scenario("declaration-required S1 T1 M1",
          explains={"declaration-required S1 T1 M1": "the headteacher or the chair of governors"})
def aspire_parent_contact_accepted_by_a_senior_leader():
    """aspire c: the reason must be "established by the principal or chair of governors". A
    senior leader's acceptance does not lift it; the finding says who may."""
    return school("aspire").declare("T1", "M1", "other", "accepted", "L1").connect("T1", "M1").build()


@scenario()
def aspire_parent_contact_accepted_by_the_chair():
    """aspire c: the chair of governors may establish the reason."""
    return school("aspire").declare("T1", "M1", "other", "accepted", "G1").connect("T1", "M1").build()


@scenario("declaration-required S1 T1 M1")
def aspire_acceptance_by_someone_not_yet_headteacher():
    """Trap: the person who accepted became headteacher only after the day they decided it;
    on the decision date they held no position aspire c names."""
    return (school("aspire").staff("H9", position="headteacher", start="2026-09-01")
            .declare("T1", "M1", "other", "accepted", "H9").connect("T1", "M1").build())


@scenario("declaration-required S1 T1 P1",
          explains={"declaration-required S1 T1 P1": "accepted by the headteacher of"})
def mowbray_family_friend_accepted_by_a_senior_leader():
    """mowbray 6.5.4: the relationship must be reported to the Headteacher; a senior leader's
    acceptance leaves it still to be declared to the headteacher."""
    return (school("mowbray").declare("T1", "M1", "family_friend", "accepted", "L1")
            .connect("T1", "P1").build())


@scenario()
def ninestiles_family_friend_accepted_by_a_senior_leader():
    """ninestiles 8.3.1: relationships are reported to senior leaders, so a senior leader's
    acceptance makes it open and transparent."""
    return school().declare("T1", "M1", "family_friend", "accepted", "L1").connect("T1", "P1").build()


# -- authorised personnel are current employees ----------------------------------------------

@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): it has 1 authorised administrator(s) on its staff, fewer "
              "than two; T9 is not on the school's staff now, so does not count.")})
def account_admin_who_has_left():
    """mowbray 5.2.4 and the policy's definition: authorised personnel are employees. One of
    the two administrators has left the school, so only one counts."""
    return (school("mowbray").staff("T9", start="2019-09-01", end="2026-07-31").account("A1")
            .admin("A1", "T1", "H1").admin("A1", "T9", "H1").build())


@scenario("school-account-oversight S1 - - account=A1")
def account_admin_who_is_a_volunteer():
    """Trap: a volunteer is no employee, however authorised."""
    return (school("mowbray").member("V1", "S1", "volunteer").account("A1")
            .admin("A1", "T1", "H1").admin("A1", "V1", "H1").build())


@scenario()
def account_with_two_employees_and_a_volunteer():
    """Two employees oversee the account; a third, a volunteer, does not take that away."""
    return (school("mowbray").member("V1", "S1", "volunteer").account("A1")
            .admin("A1", "T1", "H1").admin("A1", "L1", "H1").admin("A1", "V1", "H1").build())


# -- recusal through the graph, never routed to nobody ----------------------------------------

@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["H1", "D1"], [("L1", "friend of the family of P1")])})
def reviewer_who_is_a_friend_of_the_pupils_mother():
    """Trap: the senior leader declared a friendship with the pupil's mother (pending): a
    friend of a party's family is recused too."""
    return school().declare("L1", "M1", "family_friend").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["H1", "L1", "D1"], [])})
def reviewer_friendship_declared_after_as_of():
    """Trap: the senior leader's friendship with the mother was declared after the evaluation
    date: on it they were free to review."""
    return (school().declare("L1", "M1", "family_friend", declared_on="2026-12-01")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1", "data-quality S1 - -",
          routes={"pupil-contact S1 T1 P1": (["G1", "D1"], [])},
          explains={"pupil-contact S1 T1 P1": "It goes to the chair of governors (the school's "
                                              "senior leaders: none in post; the trust's "
                                              "leaders: none in post).",
                    "data-quality S1 - -": (
                        "No one holds the headteacher's or a senior leader's position at School "
                        "S1 on this date, so its findings go up the chain until one is "
                        "recorded. It goes to the chair of governors")})
def school_with_no_leaders():
    """A school where no one holds the headteacher's or a senior leader's position: the
    finding goes to the chair of governors, saying why, and the gap is a data-quality
    finding of its own."""
    return (WorldBuilder().school("S1", "ninestiles").staff("D1", position="dsl", start="2014-09-01")
            .member("G1", "S1", "governor", position="chair_of_governors", start="2015-09-01")
            .staff("T1", start="2018-09-01").pupil("P1").family("M1", "parent", "P1")
            .connect("T1", "P1").build())


@scenario("parent-contact S1 T1 M1", "data-quality S1 - -",
          routes={"parent-contact S1 T1 M1": (["D1"], [("G1", "family of M1")])},
          explains={"parent-contact S1 T1 M1": "It goes to the designated safeguarding lead"})
def last_resort_is_the_dsl():
    """Trap: no leaders, no trust, and the chair is the parent's sister: the finding still goes
    to someone, the school's DSL, rather than to no one."""
    return (WorldBuilder().school("S1", "ninestiles").staff("D1", position="dsl", start="2014-09-01")
            .member("G1", "S1", "governor", position="chair_of_governors", start="2015-09-01")
            .staff("T1", start="2018-09-01").pupil("P1").family("M1", "parent", "P1")
            .family("G1", "sibling", "M1").connect("T1", "M1").build())


# -- direction, per profile --------------------------------------------------------------

@scenario("pupil-contact S1 T1 P1")
def millfields_pupil_follows_teacher_is_not_advisory():
    """millfields "never friend a pupil": whoever made the connection, it is forbidden, so a
    connection only the pupil made is not advisory there."""
    return school("millfields").connect("P1", "T1", direction="outbound").build()


@scenario("pupil-contact S1 T1 P1")
def aspire_pupil_follows_teacher_is_not_advisory():
    """aspire c: the same connection only the pupil made is not advisory under aspire."""
    return school("aspire").connect("P1", "T1", direction="outbound").build()


@scenario("pupil-contact S1 T1 P1 advisory")
def great_chart_pupil_follows_teacher_is_advisory():
    """great-chart staff may not follow or engage with pupils; a pupil following a teacher who
    does not follow back is advisory: the teacher should block them."""
    return school("great-chart").connect("P1", "T1", direction="outbound").build()


# -- more traps: each finding is its own, routing corner cases, boundaries ------------------------

@scenario("pupil-contact S1 T1 P1", "pupil-contact S1 T1 P2", "pupil-contact S1 L1 P1")
def one_finding_per_pair():
    """Trap: one teacher with two pupils, and two adults with one pupil: a finding for each
    pair, none folded into another."""
    return (school().pupil("P2").connect("T1", "P1").connect("T1", "P2", channel="instagram")
            .connect("L1", "P1", channel="tiktok").build())


@scenario("school-account-oversight S1 - - account=A1", "school-account-oversight S1 - - account=A2")
def one_finding_per_account():
    """Two accounts each with one administrator: a finding for each."""
    return (school("mowbray").account("A1").account("A2").admin("A1", "T1", "H1")
            .admin("A2", "L1", "H1").build())


@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): T1 was authorised by no one recorded, who was not the "
              "headteacher.")})
def account_admin_authorised_by_no_one_recorded():
    """Trap: who authorised an administrator is not recorded: that is no authorisation."""
    return school("mowbray").account("A1").admin("A1", "T1", None).admin("A1", "L1", "H1").build()


@scenario()
def account_admin_authorised_on_as_of_or_undated():
    """An administrator authorised on the evaluation date counts that day; one whose date is
    not recorded is judged by who holds the headteacher's post on the evaluation date."""
    return (school("mowbray").account("A1").admin("A1", "T1", "H1", on="2026-11-22")
            .admin("A1", "L1", "H1", on=None).build())


@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["H1", "L1", "D1"], [])})
def reviewer_family_declared_after_as_of():
    """Trap: the senior leader declared the teacher as family only after the evaluation date:
    on that date they were free to review."""
    return (school().declare("L1", "T1", "family_member", declared_on="2026-12-01")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["H1", "D1"], [("L1", "friend of T1")])})
def reviewer_named_as_friend_by_the_party():
    """The teacher declared the senior leader as a prior friend: the leader is recused as the
    teacher's friend, whoever made the declaration."""
    return school().declare("T1", "L1", "prior_friendship").connect("T1", "P1").build()


@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["H1", "L1", "D1"], [])})
def reviewer_whose_friendship_was_rejected():
    """Trap: a rejected friendship is no friendship: the senior leader reviews."""
    return (school().declare("L1", "T1", "family_friend", "rejected", "H1")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["H1", "L1", "D1", "Z2"], [])})
def headteacher_who_is_also_a_dsl():
    """Trap: the headteacher is also one of two DSLs: listed once, and the other DSL is still
    told."""
    return (school().staff("H1", position="dsl", start="2016-09-01")
            .staff("Z2", position="dsl", start="2016-09-01").connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1", "data-quality S1 - -",
          routes={"pupil-contact S1 T1 P1": (["register administrators"], []),
                  "data-quality S1 - -": (["register administrators"], [])},
          explains={"pupil-contact S1 T1 P1": (
              "It goes to the register's administrators (the school's senior leaders: none in "
              "post; the trust's leaders: none in post; the chair of governors: none in post; "
              "the designated safeguarding lead: none in post).")})
def school_with_no_one_in_post():
    """A school whose records name no leader, chair or DSL at all: the finding is never routed
    to no one: it goes to the register's administrators, who can record who holds the
    school's positions, saying why; the gap is a data-quality finding routed to them too."""
    return (WorldBuilder().school("S1", "ninestiles").staff("T1", start="2018-09-01")
            .pupil("P1").connect("T1", "P1").build())


@scenario("pupil-contact S1 T1 P1",
          routes={"pupil-contact S1 T1 P1": (["register administrators"],
                                             [("H1", "family of T1"), ("D1", "friend of T1")])},
          explains={"pupil-contact S1 T1 P1": (
              "It goes to the register's administrators (the school's senior leaders: all "
              "recused; the trust's leaders: none in post; the chair of governors: none in "
              "post; the designated safeguarding lead: all recused).")})
def everyone_in_post_recused():
    """Trap: the only leader is the teacher's husband and the only DSL the teacher's declared
    friend, with no trust and no chair: everyone in post is recused, so the finding goes to
    the register's administrators rather than to no one (and, the school having a leader,
    there is no data-quality finding)."""
    return (WorldBuilder().school("S1", "ninestiles")
            .staff("H1", position="headteacher", start="2010-09-01")
            .staff("D1", position="dsl", start="2014-09-01").staff("T1", start="2018-09-01")
            .pupil("P1").family("H1", "spouse", "T1").declare("T1", "D1", "prior_friendship")
            .connect("T1", "P1").build())


@scenario("parent-contact S1 T1 M1")
def other_relationship_with_the_parents_child_is_none_with_the_parent():
    """Trap: an "other" relationship the teacher declared with the pupil gives no relationship
    with the pupil's mother."""
    return school().declare("T1", "P1", "other").connect("T1", "M1").build()


@scenario("parent-contact S1 T1 M1")
def parent_who_governs_another_school():
    """Trap: the parent is a governor of another school, not of this one: nothing makes them
    known to this school."""
    builder = school().school("S2", "ninestiles")
    return (add_leaders(builder, "S2", prefix="B").member("M1", "S2", "governor")
            .connect("T1", "M1").build())


@scenario("parent-contact S1 T1 M1")
def aspire_parent_contact_without_a_reason():
    """aspire c: contact with a child's family with no reason established at all."""
    return school("aspire").connect("T1", "M1").build()


@scenario()
def teacher_whose_sister_is_a_parent():
    """A teacher and their sister, a parent at the school, by the school's own records: family,
    and open and transparent under ninestiles."""
    return school().family("T1", "sibling", "M1").connect("T1", "M1").build()


@scenario("pupil-contact S1 T1 P1 advisory")
def pupil_follows_teacher_seen_from_the_teachers_side():
    """Trap: the same one-way connection written from the teacher's side (inbound): still
    only the pupil follows, so advisory."""
    return school().connect("T1", "P1", direction="inbound").build()


@scenario()
def staff_without_birth_date():
    """Trap: the register needs a date of birth for pupils only; a teacher without one is no
    data-quality finding."""
    return school_with_leaders().staff("T9", born=None).build()


@scenario("data-quality S1 - P9")
def pupil_starting_on_as_of_without_birth_date():
    """A pupil who joins on the evaluation date without a date of birth is raised that day."""
    return school_with_leaders().pupil("P9", start="2026-11-22", born=None).build()


@scenario("data-quality S2 - P9")
def pupil_who_moved_school_without_birth_date():
    """A pupil without a date of birth who moved from S1 to S2 is raised once, at the school
    of their latest membership."""
    builder = school_with_leaders().school("S2", "ninestiles")
    return (add_leaders(builder, "S2", prefix="B")
            .pupil("P9", "S1", start="2016-09-01", end="2022-07-20", born=None)
            .pupil("P9", "S2", start="2022-09-01", born=None).build())


@scenario()
def one_day_membership():
    """Trap: a membership that starts and ends on the same day is no contradiction, also
    when a connection of theirs (here with a colleague) makes a store look at them again."""
    return (school_with_leaders().staff("T9", start="2024-09-01", end="2024-09-01")
            .connect("T9", "L1").build())


@scenario("data-quality S1 - P9", "data-quality S1 - P9")
def pupil_with_two_gaps_in_their_data():
    """Trap: a pupil with no date of birth whose earlier membership ends before it starts has
    two data-quality findings at the same school, one for each gap; neither hides the other."""
    return (school_with_leaders()
            .pupil("P9", start="2019-09-01", end="2019-07-20", born=None)
            .pupil("P9", start="2020-09-01", born=None).build())


@scenario()
def approach_reported_by_someone_who_holds_no_membership():
    """Trap: someone on no school's staff reports an approach: no school's profile covers
    them, so no school has a finding."""
    return school().person("V1").approach("V1", "P1").build()


@scenario("approach-reported S1 T1 P1")
def approach_reported_on_as_of():
    """An approach that happened and was reported on the evaluation date counts that day."""
    return school().approach("T1", "P1", "2026-11-22").build()


@scenario("approach-reported S1 T1 P1", routes={"approach-reported S1 T1 P1": (["H1", "L1"], [])})
def approach_on_the_day_the_window_opens():
    """Trap: the window is the 30 days ending on the evaluation date; an approach 30 days
    before it falls just outside."""
    return (school().approach("T1", "P1", "2026-10-23").approach("T1", "P1", "2026-11-10", "reviewed")
            .approach("T1", "P1", "2026-11-20", "reviewed").build())


@scenario("approach-reported S1 T1 P1",
          routes={"approach-reported S1 T1 P1": (["H1", "L1", "D1"], [])})
def third_approach_made_and_reported_on_as_of():
    """The third approach, made and reported on the evaluation date, brings in the DSL."""
    return (school().approach("T1", "P1", "2026-11-01").approach("T1", "P1", "2026-11-10", "reviewed")
            .approach("T1", "P1", "2026-11-22", "reviewed").build())


# -- no one decides about themselves ----------------------------------------------------------

@scenario("declaration-required S1 L1 P1",
          explains={"declaration-required S1 L1 P1": "not yet declared and accepted by"})
def declaration_accepted_by_its_own_declarer():
    """Issue 24 item 1: a senior leader who declared a friendship with a pupil's mother and
    accepted it themself has decided about themself: it stays pending, so a declaration is
    still required."""
    return (school().declare("L1", "M1", "family_friend", "accepted", "L1")
            .connect("L1", "P1").build())


@scenario("declaration-required S1 T1 P1")
def declaration_accepted_by_the_person_it_names():
    """Trap: the headteacher is the pupil's parent and accepted the teacher's declaration of
    friendship with themself: a party to it cannot accept it; it stays pending."""
    return (school().family("H1", "parent", "P1").declare("T1", "H1", "family_friend", "accepted", "H1")
            .connect("T1", "P1").build())


@scenario("declaration-required S1 T1 P1")
def declaration_rejected_by_the_person_it_names():
    """Trap: the pupil's mother, the headteacher, rejected the teacher's declaration of
    friendship with herself: a party cannot decide it, so it stays pending, a basis awaiting
    someone else's decision."""
    return (school().family("H1", "parent", "P1").declare("T1", "H1", "family_friend", "rejected", "H1")
            .connect("T1", "P1").build())


@scenario("pupil-contact S1 L1 P1")
def declaration_withdrawn_by_its_declarer():
    """The declarer's own rejection is their withdrawal of it, which takes effect: it only
    takes a basis away, so the contact is a finding again."""
    return (school().declare("L1", "M1", "family_friend", "rejected", "L1")
            .connect("L1", "P1").build())


@scenario()
def declaration_accepted_by_another_leader():
    """The same declaration accepted by the headteacher, who is no party to it: open."""
    return (school().declare("L1", "M1", "family_friend", "accepted", "H1")
            .connect("L1", "P1").build())


@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): H1 authorised themself, and no one decides about "
              "themself; T1 was authorised by L1, who was not the headteacher.")})
def headteacher_who_authorised_themself():
    """Issue 24 item 1: the headteacher may authorise personnel (mowbray 6.2.1), but not
    themself: a party cannot decide about themself. (The other administrator's permission,
    from a senior leader, is no headteacher's either: both are said.)"""
    return school("mowbray").account("A1").admin("A1", "H1", "H1").admin("A1", "T1", "L1").build()


@scenario("school-account-oversight S1 - - account=A1",
          explains={"school-account-oversight S1 - - account=A1": (
              "School account @A1 (x): V1 was authorised by D1, who was not the headteacher or "
              "a senior leader.")})
def ninestiles_volunteer_administrator_without_a_leaders_permission():
    """ninestiles 5.1 asks for a school leader's permission and sets no number of
    administrators, so whether the volunteer is on the staff is not what the finding says."""
    return school().member("V1", "S1", "volunteer").account("A1").admin("A1", "V1", "D1").build()


@scenario("approach-reported S1 T1 P9")
def approach_from_a_pupil_who_starts_on_as_of():
    """A pupil whose membership starts on the evaluation date is a pupil that day."""
    return (school().pupil("P9", start="2026-11-22")
            .approach("T1", "P9", "2026-11-22").build())


@scenario("school-account-oversight S1 - - account=A1")
def ninestiles_senior_leader_who_gave_themself_permission():
    """ninestiles 5.1: a senior leader giving themself permission is no permission."""
    return school().account("A1").admin("A1", "L1", "L1").build()
