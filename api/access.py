"""Who may see and change what: least privilege, one function per question. Each rule
is proven by a denied request in tests/test_api_access.py.

| role | sees | changes |
|---|---|---|
| staff | themselves; their own declarations, connections and approach reports; findings about themselves | their own declarations, connections, approach reports; reports a connection they have seen |
| senior_leader, headteacher | people, declarations, connections, approach reports and networks at their own school; the cases routed to them | accept or reject declarations at their school (not their own); move and assign the cases routed to them; report a connection |
| dsl | as a senior leader, without deciding declarations; also cases escalated to the DSL at their school | the cases they may see; report a connection |
| trust_admin | schools, profiles, people and memberships, accounts | imports, people and memberships, accounts, a school's profile |
| auditor | the audit trail | nothing |

A reviewer who is a party to a finding, or recused from it, is not routed it and so never
sees it.
"""

from __future__ import annotations

from fastapi import HTTPException, status

from api.auth import DECIDER_ROLES, REVIEWER_ROLES, SCHOOL_ROLES, Account, AccountRole
from graph.model import ApproachReport, Connection, Declaration
from graph.review import Case, EscalationTarget
from graph.store.base import Store


def deny(why: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, why)


def is_reviewer(account: Account) -> bool:
    return account.role in REVIEWER_ROLES


def at_school(store: Store, person_id: str, school_id: str | None) -> bool:
    """Whether `person_id` holds or held a membership at `school_id`."""
    return school_id is not None and any(
        m.school_id == school_id for m in store.memberships_of(person_id))


def check_sees_person(account: Account, store: Store, person_id: str) -> None:
    if account.role is AccountRole.TRUST_ADMIN:
        return
    if account.role is AccountRole.STAFF and person_id == account.person_id:
        return
    if is_reviewer(account) and at_school(store, person_id, account.school_id):
        return
    raise deny("you may not see this person")


def check_sees_network(account: Account, store: Store, person_id: str) -> None:
    if is_reviewer(account) and at_school(store, person_id, account.school_id):
        return
    raise deny("only the senior leaders and DSL of the person's school may see their network")


def check_lists_school(account: Account, school_id: str) -> None:
    if account.role is AccountRole.TRUST_ADMIN:
        return
    if is_reviewer(account) and school_id == account.school_id:
        return
    raise deny("you may only list people at your own school")


def check_is_adult_of_a_school(account: Account) -> None:
    """Declaring, reporting and withdrawing are done by a person of the register."""
    if account.role not in SCHOOL_ROLES or account.person_id is None:
        raise deny("only staff and leaders with a person in the register may do this")


def check_sees_declaration(account: Account, store: Store, declaration: Declaration) -> None:
    if account.person_id is not None and declaration.declarer_id == account.person_id \
            and account.role in SCHOOL_ROLES:
        return
    if is_reviewer(account) and at_school(store, declaration.declarer_id, account.school_id):
        return
    raise deny("you may not see this declaration")


def check_decides_declaration(account: Account, store: Store, declaration: Declaration) -> None:
    if account.role not in DECIDER_ROLES \
            or not at_school(store, declaration.declarer_id, account.school_id):
        raise deny("only a senior leader of the declarer's school may decide a declaration")
    if account.person_id in (declaration.declarer_id, declaration.counterpart_id):
        raise deny("you are a party to this declaration")


def check_sees_connection(account: Account, store: Store, connection: Connection) -> None:
    parties = (connection.person_id, connection.other_id)
    if account.role in SCHOOL_ROLES and account.person_id in parties:
        return
    if is_reviewer(account) and any(at_school(store, p, account.school_id) for p in parties):
        return
    raise deny("you may not see this connection")


def check_sees_approach(account: Account, store: Store, report: ApproachReport) -> None:
    if account.role in SCHOOL_ROLES and account.person_id == report.adult_id:
        return
    if is_reviewer(account) and any(at_school(store, p, account.school_id)
                                    for p in (report.adult_id, report.from_id)):
        return
    raise deny("you may not see this approach report")


def may_see_finding(account: Account, finding: dict, escalated_to_dsl: bool = False) -> bool:
    """Staff see findings about themselves; reviewers see the findings routed to them, and
    the DSL also those escalated to the DSL at their school (unless party or recused)."""
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


def may_see_case(account: Account, case: Case) -> bool:
    return may_see_finding(account, case.finding,
                           case.escalated_to is EscalationTarget.DSL)


def check_sees_case(account: Account, case: Case) -> None:
    if not may_see_case(account, case):
        raise deny("this case is not routed to you")


def check_acts_on_case(account: Account, case: Case) -> None:
    check_sees_case(account, case)
    if not is_reviewer(account):
        raise deny("only the reviewers a case is routed to may change it")
