"""Who may see and change what: least privilege, one function per question. Each rule
is proven by a denied request in tests/test_api_access.py.

| role | sees | changes |
|---|---|---|
| staff | themselves; their own declarations, connections and approach reports; findings about themselves | their own declarations, connections, approach reports; reports a connection they have seen |
| senior_leader, headteacher | people, declarations, connections, approach reports and networks at their own school; the cases routed to them | accept (where the school's policy names their position) or reject declarations at their school (not their own); move and assign the cases routed to them; report a connection |
| dsl | as a senior leader, without deciding declarations; also cases escalated to the DSL at their school | the cases they may see; report a connection |
| trust_admin | their trust's schools, profiles, people and memberships, accounts; the cases at their trust's schools routed to the register's administrators (no one at the school or trust was free to review them) | imports of their trust's schools, people and memberships, their trust's accounts and schools' profiles; move those cases |
| auditor | the audit trail: tied to a school or person, the entries about their trust's people or by its accounts | nothing |

A reviewer who is a party to a finding, or recused from it, is not routed it and so never
sees it.

Underneath every row sits one rule of scope, `may_see_person`: an account reaches only the
people of the schools in its `reach` (a school role: its own school; a DSL whose school's
profile gives the policy the whole trust (scope "trust"): the trust's schools; a trust
admin: the schools of its trust). The reach is the day's (`on`, the service's clock): an
account tied to a person follows that person's current staff memberships. Naming, reading
or changing anyone else is answered as if they were not there. Accounts and schools follow the same reach (`may_see_account`,
`check_administers_school`): a trust admin's are their trust's. tests/test_scope_table.py
proves it for every route that takes a person, declaration, connection, approach report,
case, hold, account or school.
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, status

from api.identity import DECIDER_ROLES, REVIEWER_ROLES, SCHOOL_ROLES, Account, AccountRole
from api.errors import invalid, not_found
from graph.model import (PARENTAL_KINDS, ApproachReport, Connection, Declaration, Position, Role,
                         School, World)
from graph.profiles import Scope, load_profile
from graph.review import Case, CaseNotFound, EscalationTarget
from graph.routing import ADMINISTRATORS
from graph.rules import approval_needed
from graph.store.base import Store, world_among


# The roles of a trust rather than a school: tied to a school or a person, they reach the
# trust's schools; tied to neither, the whole register's.
TRUST_ROLES = (AccountRole.TRUST_ADMIN, AccountRole.AUDITOR)


def deny(why: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, why)


def is_reviewer(account: Account) -> bool:
    return account.role in REVIEWER_ROLES


def _trust_of(school: School) -> str:
    """A school outside any trust is a trust of its own."""
    return school.trust_id or f"school:{school.school_id}"


def reach(account: Account, store: Store, *, on: dt.date) -> frozenset[str]:
    """The schools whose people `account` may see on the day `on`: its own school; the
    whole trust only for trust roles (a trust admin or auditor: the trusts of its
    `account_schools`; a DSL where the school's profile reaches the trust); a trust admin
    or auditor tied to no school or person reaches the whole register."""
    schools = {s.school_id: s for s in store.schools()}
    if account.role in TRUST_ROLES:
        if account.school_id is None and account.person_id is None:
            return frozenset(schools)
        own = account_schools(store, account, on=on) & set(schools)
        trusts = {_trust_of(schools[s]) for s in own}
        return frozenset(s for s, school in schools.items() if _trust_of(school) in trusts)
    if account.role not in SCHOOL_ROLES or account.school_id not in schools:
        return frozenset()
    school = schools[account.school_id]
    if account.role is AccountRole.DSL and school.trust_id \
            and load_profile(school.profile).scope is Scope.TRUST:
        return frozenset(s for s, other in schools.items() if other.trust_id == school.trust_id)
    return frozenset({school.school_id})


def person_in(store: Store, person_id: str, schools: frozenset[str] | set[str]) -> bool:
    """Whether `person_id` holds or held a membership at one of `schools`, or is a parent
    or carer of a pupil or ex-pupil there (a parent has no membership of their own). Other
    family (a sibling at another trust's school, a grandparent) is not brought into reach
    by the pupil: they are their own school's, or no one's."""
    if not schools:
        return False
    if any(m.school_id in schools for m in store.memberships_of(person_id)):
        return True
    for link in store.network(person_id, 1, max_people=200).family_links:
        if link.person_id != person_id or link.kind not in PARENTAL_KINDS:
            continue
        if any(m.school_id in schools and m.role is Role.PUPIL
               for m in store.memberships_of(link.relative_id)):
            return True
    return False


def people_in(world: World, schools: frozenset[str] | set[str]) -> set[str]:
    """Everyone `person_in` `schools`, read from a whole world at once."""
    pupils = {m.person_id for m in world.memberships
              if m.school_id in schools and m.role is Role.PUPIL}
    return {m.person_id for m in world.memberships if m.school_id in schools} \
        | {link.person_id for link in world.family_links if link.relative_id in pupils} \
        | {link.relative_id for link in world.family_links if link.person_id in pupils}


def world_within_reach(account: Account, store: Store, world: World, *,
                       on: dt.date) -> World:
    """`world` without the people the account may not see: a link to someone beyond reach
    is not drawn or returned, and nothing says it was there."""
    reached = people_in(world, reach(account, store, on=on))
    seen = [p for p in world.people
            if p in reached or may_see_person(account, store, p, on=on)]
    return world_among(world, seen) if len(seen) < len(world.people) else world


def may_see_person(account: Account, store: Store, person_id: str | None, *,
                   on: dt.date) -> bool:
    """THE rule of scope: every read and write of a person's data asks it first."""
    if person_id is None:
        return False
    if account.person_id is not None and person_id == account.person_id:
        return True
    if person_in(store, person_id, reach(account, store, on=on)):
        return True
    # Someone of no school yet (just added, before their first membership) is no trust's:
    # a trust admin gives them their first membership.
    return account.role is AccountRole.TRUST_ADMIN \
        and not person_in(store, person_id, {s.school_id for s in store.schools()})


def in_reach(account: Account, store: Store, person_id: str, *, on: dt.date) -> bool:
    """Whether the person is there and the account may see them: what every answer that
    must not tell "not yours" from "not there" asks."""
    return store.person(person_id) is not None \
        and may_see_person(account, store, person_id, on=on)


def check_names_person(account: Account, store: Store, person_id: str, field: str, *,
                       on: dt.date) -> None:
    """A form that names a person: someone out of reach gets exactly the answer of
    someone who does not exist, so an id teaches nothing."""
    if not in_reach(account, store, person_id, on=on):
        raise invalid(field, f"no person {person_id}")


def check_sees_person(account: Account, store: Store, person_id: str, *, on: dt.date) -> None:
    """Someone out of reach is answered as not there; within it, staff see only
    themselves."""
    if not may_see_person(account, store, person_id, on=on):
        raise not_found("person", person_id)
    if account.role is AccountRole.STAFF and person_id != account.person_id:
        raise deny("you may not see this person")


def check_sees_network(account: Account, store: Store, person_id: str, *,
                       on: dt.date) -> None:
    """A reviewer sees the network of a member of a school they reach; a pupil's parent,
    though within reach, has no membership there, and their own network is not the
    school's to see."""
    reached = reach(account, store, on=on)
    if is_reviewer(account) and any(m.school_id in reached
                                    for m in store.memberships_of(person_id)):
        return
    raise deny("only the senior leaders and DSL of the person's school may see their network")


def check_lists_school(account: Account, store: Store, school_id: str, *,
                       on: dt.date) -> None:
    if (is_reviewer(account) or account.role is AccountRole.TRUST_ADMIN) \
            and school_id in reach(account, store, on=on):
        return
    raise deny("you may only list people at your own school")


def check_is_adult_of_a_school(account: Account) -> None:
    """Declaring, reporting and withdrawing are done by a person of the register."""
    if account.role not in SCHOOL_ROLES or account.person_id is None:
        raise deny("only staff and leaders with a person in the register may do this")


def check_sees_declaration(account: Account, store: Store, declaration: Declaration, *,
                           on: dt.date) -> None:
    if account.person_id is not None and declaration.declarer_id == account.person_id \
            and account.role in SCHOOL_ROLES:
        return
    if is_reviewer(account) \
            and may_see_person(account, store, declaration.declarer_id, on=on):
        return
    raise deny("you may not see this declaration")


def check_decides_declaration(account: Account, store: Store, declaration: Declaration, *,
                              on: dt.date) -> None:
    if account.role not in DECIDER_ROLES \
            or not may_see_person(account, store, declaration.declarer_id, on=on):
        raise deny("only a senior leader of the declarer's school may decide a declaration")
    if account.person_id in (declaration.declarer_id, declaration.counterpart_id):
        raise deny("you are a party to this declaration")


def check_accepts_declaration(account: Account, store: Store, on: dt.date) -> None:
    """Only the people the school's policy names may accept a declaration (aspire c: the
    principal or chair of governors): an acceptance by anyone else would not count."""
    school = next((s for s in store.schools() if s.school_id == account.school_id), None)
    if school is None:
        raise deny("only a senior leader of the declarer's school may decide a declaration")
    profile = load_profile(school.profile)
    held = {m.position for m in store.memberships_of(account.person_id or "")
            if m.school_id == school.school_id and m.active_on(on)}
    if not held & set(profile.declaration_approvers):
        raise deny(f"under {profile.title}'s policy only {approval_needed(profile)} may "
                   f"accept a declaration: ask them, or reject it with a reason")


def check_sees_connection(account: Account, store: Store, connection: Connection, *,
                          on: dt.date) -> None:
    parties = (connection.person_id, connection.other_id)
    if account.role in SCHOOL_ROLES and account.person_id in parties:
        return
    if is_reviewer(account) and any(may_see_person(account, store, p, on=on)
                                    for p in parties):
        return
    raise deny("you may not see this connection")


def check_sees_approach(account: Account, store: Store, report: ApproachReport, *,
                        on: dt.date) -> None:
    if account.role in SCHOOL_ROLES and account.person_id == report.adult_id:
        return
    if is_reviewer(account) and any(may_see_person(account, store, p, on=on)
                                    for p in (report.adult_id, report.from_id)):
        return
    raise deny("you may not see this approach report")


def may_see_finding(account: Account, store: Store, finding: dict,
                    escalated_to_dsl: bool = False, *, on: dt.date) -> bool:
    """Staff see findings about themselves; reviewers see the findings routed to them, and
    the DSL also those escalated to the DSL at their school (unless party or recused);
    trust admins see the findings at their trust's schools that no one at the school or
    trust was free to review, which go to the register's administrators."""
    if routed_to_administrators(account, store, finding, on=on):
        return True
    if account.person_id is None:
        return False
    if account.role is AccountRole.STAFF:
        return finding["adult_id"] == account.person_id
    if not is_reviewer(account):
        return False
    if account.person_id in finding["route_to"]:
        return True
    return (escalated_to_dsl and account.role is AccountRole.DSL
            and finding["school_id"] == account.school_id
            and account.person_id not in (finding["adult_id"], finding["counterpart_id"])
            and account.person_id not in {r["person_id"] for r in finding["recused"]})


def may_see_case(account: Account, store: Store, case: Case, *, on: dt.date) -> bool:
    return may_see_finding(account, store, case.finding,
                           case.escalated_to is EscalationTarget.DSL, on=on)


def check_sees_case(account: Account, store: Store, case: Case, *, on: dt.date) -> None:
    """A case the account may not see is answered as one that does not exist: case ids
    follow from the rule, school and people (graph/rules.py), so a different answer would
    tell anyone whether a case stands between two people."""
    if not may_see_case(account, store, case, on=on):
        raise CaseNotFound(case.finding_id)


def routed_to_administrators(account: Account, store: Store, finding: dict, *,
                             on: dt.date) -> bool:
    """A trust admin and a finding at a school of their trust that went to the register's
    administrators, unless the admin is one of its parties or someone it passed over."""
    if account.role is not AccountRole.TRUST_ADMIN or ADMINISTRATORS not in finding["route_to"]:
        return False
    if finding["school_id"] not in reach(account, store, on=on):
        return False
    passed_over = {finding["adult_id"], finding["counterpart_id"],
                   *(r["person_id"] for r in finding["recused"])} - {None}
    return account.person_id not in passed_over


def check_acts_on_case(account: Account, store: Store, case: Case, *, on: dt.date) -> None:
    check_sees_case(account, store, case, on=on)
    if not (is_reviewer(account)
            or routed_to_administrators(account, store, case.finding, on=on)):
        raise deny("only the reviewers a case is routed to may change it")


# -- who may hold an account of each role ---------------------------------------------------

# The position a membership must hold for each leader's role (a headteacher leads too).
ROLE_POSITIONS = {
    AccountRole.SENIOR_LEADER: {Position.SENIOR_LEADER, Position.HEADTEACHER},
    AccountRole.HEADTEACHER: {Position.HEADTEACHER},
    AccountRole.DSL: {Position.DSL},
}
ROLE_WORDS = {
    AccountRole.STAFF: "a staff account", AccountRole.SENIOR_LEADER: "a senior leader's account",
    AccountRole.HEADTEACHER: "a headteacher's account",
    AccountRole.DSL: "a designated safeguarding lead's account",
    AccountRole.TRUST_ADMIN: "a trust admin's account", AccountRole.AUDITOR: "an auditor's account",
}
POSITION_WORDS = {Position.SENIOR_LEADER: "senior leader", Position.HEADTEACHER: "headteacher",
                  Position.DSL: "designated safeguarding lead"}


def account_problems(store: Store, role: AccountRole, person_id: str | None,
                     school_id: str | None, today: dt.date,
                     by: Account | None = None) -> list[tuple[str, str]]:
    """(field, sentence) for each reason `person_id` may not hold an account of `role` at
    `school_id` today; none if they may. Staff and leaders' roles need current staff of
    that school (in the position, for leaders); a trust admin or auditor tied to a person
    needs current staff of a school; pupils and parents never hold an account. With `by`
    (the trust admin asking), the people and schools beyond their reach are answered as if
    they were not there; and they may not make an account of no school or person, which
    would be the whole register's."""
    schools = {s.school_id: s for s in store.schools()}
    if by is not None:
        reached = reach(by, store, on=today)
        schools = {k: s for k, s in schools.items() if k in reached}
    words = ROLE_WORDS[role]
    if role in SCHOOL_ROLES:
        if person_id is None:
            return [("person_id", f"{words} belongs to a member of staff: choose the person")]
        if school_id is None:
            return [("school_id", f"{words} belongs to one school: choose it")]
    if school_id is not None and school_id not in schools:
        return [("school_id", f"there is no school {school_id} in the register: choose one "
                              "from the list")]
    if by is not None and not administers_register(by) and school_id is None \
            and person_id is None:  # it would be the whole register's, beyond their trust
        return [("school_id", f"{words} made by a trust's admin belongs to a school of the "
                              "trust: choose it")]
    if person_id is None:
        return []
    person = store.person(person_id)
    if person is None or (by is not None
                          and not may_see_person(by, store, person_id, on=today)):
        return [("person_id", f"there is no person {person_id} in the register: find the "
                              "person by name")]
    current = [m for m in store.memberships_of(person_id) if m.active_on(today)]
    staff = [m for m in current if m.role is Role.STAFF]
    name = person.name
    if role in SCHOOL_ROLES:
        school = schools[school_id].name
        here = [m for m in staff if m.school_id == school_id]
        if not here:
            return [("person_id", f"{name} is not a current member of staff at {school}, so "
                                  f"cannot hold {words} there")]
        wanted = ROLE_POSITIONS.get(role)
        if wanted and not any(m.position in wanted for m in here):
            position = " or ".join(sorted(POSITION_WORDS[p] for p in wanted))
            return [("role", f"{name} is not the {position} at {school} in the register, so "
                             f"cannot hold {words}: change their position in the school's "
                             "records first, or choose another role")]
        return []
    if not staff:
        return [("person_id", f"{name} is not a current member of staff at any school of "
                              f"the trust, so cannot hold {words}")]
    if by is not None and school_id is None and any(m.school_id not in schools for m in staff):
        # Tied to the person alone, the account would reach every trust they are staff of.
        return [("school_id", f"{words} for {name} made by a trust's admin belongs to a "
                              "school of the trust: choose it")]
    return []


# -- safeguarding holds ---------------------------------------------------------------------

def check_places_hold(account: Account, store: Store, person_id: str, *, on: dt.date) -> None:
    """Only a DSL places a hold, on someone in reach; anyone else in the register is
    answered as if they were not there."""
    if account.role is not AccountRole.DSL:
        raise deny("only the designated safeguarding lead places a hold")
    if not may_see_person(account, store, person_id, on=on):
        raise not_found("person", person_id)
    if account.person_id == person_id:
        raise deny("no one decides about themself: another DSL places a hold on you")


def keeps_hold(account: Account, store: Store, hold, *, on: dt.date) -> bool:
    """A hold belongs to the school whose DSL placed it: only that school's DSL, or a DSL
    whose school's profile reaches the whole trust, sees its reason and may lift it. A
    hold placed from the command line (no school) is kept by the DSLs who reach the
    person. A trust admin sees that someone is held, never why, and cannot lift it; no one
    keeps a hold on themself."""
    if account.role is not AccountRole.DSL or account.person_id == hold.person_id:
        return False
    if hold.school_id is None:
        return may_see_person(account, store, hold.person_id, on=on)
    return hold.school_id in reach(account, store, on=on)


# -- accounts and schools: a trust admin administers only their trust's ------------------

def administers_register(account: Account) -> bool:
    """A trust admin tied to no school or person administers the whole register."""
    return account.role is AccountRole.TRUST_ADMIN and account.school_id is None \
        and account.person_id is None


def account_schools(store: Store, subject: Account, *, on: dt.date) -> frozenset[str]:
    """The schools an account belongs to on the day `on`: its school; without one (a trust
    admin or auditor tied to a person), the schools where its person is staff that day,
    never where they were staff once; none for an account tied to neither (it is the whole
    register's). A PERSON stays in a school after leaving (`person_in`: the school still
    holds their records); an ACCOUNT follows its person's current memberships."""
    if subject.school_id is not None:
        return frozenset({subject.school_id})
    if subject.person_id is not None:
        return frozenset(m.school_id for m in store.memberships_of(subject.person_id)
                         if m.role is Role.STAFF and m.active_on(on))
    return frozenset()


def may_see_account(by: Account, store: Store, subject: Account, *, on: dt.date) -> bool:
    """A trust admin sees and changes the accounts of their trust's schools; an account
    of no school (the whole register's) only an admin of the whole register does."""
    if by.role is not AccountRole.TRUST_ADMIN:
        return False
    if administers_register(by):
        return True
    return bool(account_schools(store, subject, on=on) & reach(by, store, on=on))


def check_sees_account(by: Account, store: Store, subject: Account | None,
                       account_id: int | str, *, on: dt.date) -> None:
    """Another trust's account is answered as no such account."""
    if subject is None or not may_see_account(by, store, subject, on=on):
        raise not_found("account", str(account_id))


def check_administers_school(by: Account, store: Store, school_id: str, *,
                             on: dt.date) -> None:
    """A trust admin changes only their trust's schools; another trust's school is
    answered as no such school."""
    if by.role is not AccountRole.TRUST_ADMIN or school_id not in reach(by, store, on=on):
        raise not_found("school", school_id)


# -- imports: a trust admin's touch only their trust's schools -----------------------------

def import_beyond_reach(by: Account, store: Store, existing: World, incoming: World,
                        school_id: str | None = None, file: str = "-", *,
                        on: dt.date) -> list[str]:
    """Why a trust admin may not import `incoming` (FILE:LINE: column: what is wrong), or
    nothing: every school it names (a school, a membership's, a school account's) must be
    of their trust, and every person it changes or links already stored must be within
    reach or join one of the trust's schools in this file (a pupil transferring in). A
    school or person beyond is answered in the words of one that is not there. `school_id`:
    the school a CTF or MIS export is for, named even where nothing there changes. The whole
    register's admin (and the command line) imports anything."""
    if administers_register(by):
        return []
    reached = reach(by, store, on=on)
    named = set(incoming.schools) | {m.school_id for m in incoming.memberships} \
        | {a.school_id for a in incoming.school_accounts.values()} | {school_id} - {None}
    problems = [f"{file}:1: -: there is no school {named_id!r} in the register"
                for named_id in sorted(named - reached)]
    within = people_in(existing, reached)
    of_a_school = {m.person_id for m in existing.memberships}
    joining = {m.person_id for m in incoming.memberships if m.school_id in reached}
    touched = set(incoming.people) | {m.person_id for m in incoming.memberships}
    touched |= {p for f in incoming.family_links for p in (f.person_id, f.relative_id)}
    touched |= {p for c in incoming.connections.values() for p in (c.person_id, c.other_id)}
    touched |= {p for d in incoming.declarations.values()
                for p in (d.declarer_id, d.counterpart_id)}
    touched |= {p for a in incoming.approaches.values() for p in (a.adult_id, a.from_id)}
    beyond = {p for p in touched if p in existing.people and p in of_a_school
              and p not in within | joining}
    problems += [f"{file}:1: -: there is no person {person_id!r} in the register"
                 for person_id in sorted(beyond)]
    return problems


# -- the audit trail: an auditor of a trust reads the trust's part -----------------------

def audit_reach(auditor: Account, store: Store, accounts, *,
                on: dt.date) -> tuple[set[str], set[str]] | None:
    """(the people, the actors) of the audit entries `auditor` may read: entries about
    someone within their reach, or made by an account of their trust (or by themselves).
    None for an auditor tied to no school or person: the whole trail is theirs."""
    if auditor.school_id is None and auditor.person_id is None:
        return None
    reached = reach(auditor, store, on=on)
    people = people_in(store.export_world(), reached)
    actors = {a.actor for a in accounts if account_schools(store, a, on=on) & reached}
    return people, actors | {auditor.actor}
