"""Service accounts, managed by trust admins: each admin sees and changes only the
accounts of their trust (api/access.py may_see_account); another trust's account is
answered as no such account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status

from api.access import account_problems, check_sees_account, may_see_account
from api.identity import UsernameTaken
from api.deps import ActorDep, RegisterDep, TrustAdmin
from api.errors import conflict
from api.routing import InOrderRoute
from api.schemas import AccountCreate, AccountPublic, AccountUpdate

router = APIRouter(route_class=InOrderRoute, prefix="/accounts", tags=["accounts"])

AccountId = Annotated[int, Path(ge=1, le=2**62)]


def _check_links(register, admin, role, person_id: str | None, school_id: str | None) -> None:
    """An account belongs to someone of the admin's trust whose current membership fits
    its role."""
    problems = account_problems(register.store, role, person_id, school_id, register.today(),
                                by=admin)
    if problems:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            [{"loc": ["body", field], "msg": message, "type": "value_error"}
                             for field, message in problems])


@router.get("", response_model=list[AccountPublic])
def list_accounts(register: RegisterDep, admin: TrustAdmin) -> list[AccountPublic]:
    with register.lock:
        return [AccountPublic.of(a, register.accounts.is_locked(a.username),
                                 register.account_misfit(a))
                for a in register.accounts.all()
                if may_see_account(admin, register.store, a, on=register.today())]


@router.post("", response_model=AccountPublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "The username is taken"}})
def create_account(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                   body: AccountCreate) -> AccountPublic:
    _check_links(register, admin, body.role, body.person_id, body.school_id)
    try:
        with register.writing():
            account = register.accounts.create(body.username, body.password, body.role,
                                               body.person_id, body.school_id)
            register.audit.record(actor=actor.name, action="account.create",
                                  object_kind="account", object_id=str(account.account_id),
                                  client=actor.client, role=str(body.role),
                                  subjects=[body.person_id] if body.person_id else [])
    except UsernameTaken:
        raise conflict("that username is taken") from None
    return AccountPublic.of(account)


@router.get("/{account_id}", response_model=AccountPublic)
def get_account(register: RegisterDep, admin: TrustAdmin, account_id: AccountId) -> AccountPublic:
    with register.lock:
        account = register.accounts.get(account_id)
        check_sees_account(admin, register.store, account, account_id, on=register.today())
        return AccountPublic.of(account, register.accounts.is_locked(account.username),
                                register.account_misfit(account))


@router.patch("/{account_id}", response_model=AccountPublic)
def update_account(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                   account_id: AccountId, body: AccountUpdate) -> AccountPublic:
    """Change an account's role or links, disable it, set a new password, or unlock it
    after too many failed sign-ins. Its sessions end when its role, password or access
    changes."""
    with register.lock:
        account = register.accounts.get(account_id)
        check_sees_account(admin, register.store, account, account_id, on=register.today())
        if body.role or body.person_id or body.school_id:  # disabling one that no longer
            # fits, or a new password, needs no check
            _check_links(register, admin, body.role or account.role,
                         body.person_id or account.person_id,
                         body.school_id or account.school_id)
        with register.writing():
            account = register.accounts.update(
                account_id, role=body.role, person_id=body.person_id, school_id=body.school_id,
                disabled=body.disabled, password=body.password)
            if body.unlock:
                register.accounts.unlock(account.username)
            register.audit.record(actor=actor.name, action="account.update",
                                  object_kind="account", object_id=str(account_id),
                                  client=actor.client,
                                  changed=sorted(body.model_dump(exclude_unset=True)))
        return AccountPublic.of(account, register.accounts.is_locked(account.username),
                                register.account_misfit(account))
