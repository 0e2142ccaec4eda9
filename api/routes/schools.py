"""Schools, the policy profile each follows, and the shipped profiles. A trust admin
lists and changes only their trust's schools; another trust's school is answered as no
such school."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path

from api.access import check_administers_school, reach
from api.identity import AccountRole
from api.deps import ActorDep, RegisterDep, RegisterUser, TrustAdmin
from api.errors import not_found
from api.routing import InOrderRoute
from api.schemas import (
    ID_PATTERN,
    ProfilePublic,
    SchoolProfileUpdate,
    SchoolPublic,
    SchoolUpdate,
    SettingPublic,
)
from graph.model import School, World
from graph.profiles import SHIPPED, load_profile

router = APIRouter(route_class=InOrderRoute, tags=["schools and profiles"])


def _public(school: School) -> SchoolPublic:
    return SchoolPublic(school_id=school.school_id, name=school.name, trust_id=school.trust_id,
                        profile=school.profile)


@router.get("/schools", response_model=list[SchoolPublic])
def list_schools(register: RegisterDep, account: RegisterUser) -> list[SchoolPublic]:
    schools = register.store.schools()
    if account.role is AccountRole.TRUST_ADMIN:  # the schools they administer
        reached = reach(account, register.store, on=register.today())
        schools = [s for s in schools if s.school_id in reached]
    return [_public(s) for s in schools]


@router.put("/schools/{school_id}/profile", response_model=SchoolPublic)
def set_school_profile(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                       school_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
                       body: SchoolProfileUpdate) -> SchoolPublic:
    """Make a school follow one of the shipped policy profiles; every finding there is
    re-evaluated under it."""
    with register.lock:
        check_administers_school(admin, register.store, school_id, on=register.today())
        found = [s for s in register.store.schools() if s.school_id == school_id]
        school = dataclasses.replace(found[0], profile=body.profile)
        register.change_facts(actor, "school.profile.set", "school", object_id=school_id,
                              profile=body.profile, upsert=World(schools={school_id: school}),
                              cause=f"{school_id} now follows the {body.profile} profile")
    return _public(school)


@router.patch("/schools/{school_id}", response_model=SchoolPublic)
def update_school(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                  school_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
                  body: SchoolUpdate) -> SchoolPublic:
    """Change a school's name or the policy profile it follows (every finding there is
    re-evaluated); audited with what changed."""
    changes = body.model_dump(exclude_none=True)
    with register.lock:
        check_administers_school(admin, register.store, school_id, on=register.today())
        found = [s for s in register.store.schools() if s.school_id == school_id]
        school = dataclasses.replace(found[0], **changes)
        if school != found[0]:
            register.change_facts(
                actor, "school.update", "school", object_id=school_id,
                changed=sorted(k for k, v in changes.items() if getattr(found[0], k) != v),
                **{f"new_{k}": v for k, v in changes.items()},
                upsert=World(schools={school_id: school}),
                cause=f"{school_id}'s details changed by a trust admin")
    return _public(school)


@router.get("/profiles", response_model=list[ProfilePublic])
def list_profiles(_account: RegisterUser) -> list[ProfilePublic]:
    return [_profile(name) for name in SHIPPED]


@router.get("/profiles/{name}", response_model=ProfilePublic)
def get_profile(_account: RegisterUser,
                name: Annotated[str, Path(max_length=64)]) -> ProfilePublic:
    if name not in SHIPPED:
        raise not_found("profile", name)
    return _profile(name)


def _profile(name: str) -> ProfilePublic:
    profile = load_profile(name)
    return ProfilePublic(
        name=profile.name, title=profile.title,
        settings={key: SettingPublic(value=s.value, clause=s.clause, default=s.default)
                  for key, s in profile.settings.items()},
        rules={rule: list(clauses) for rule, clauses in profile.rule_clauses.items()},
        clause_texts=profile.clause_texts)
