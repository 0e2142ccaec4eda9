"""The API's side of sign-in links: a trust admin lists which identity at the trust's
provider signs in to which account, and revokes one (audited; the account's sessions end).
The pages do the same on /admin/sign-in (api/identity/admin_pages.py). A trust admin sees
and revokes only the links to their trust's accounts; another's is answered as no link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel

from api.access import may_see_account
from api.deps import ActorDep, RegisterDep, TrustAdmin
from api.errors import COMMON_RESPONSES, not_found
from api.identity import oidc
from api.routing import InOrderRoute

router = APIRouter(route_class=InOrderRoute, prefix="/api/identity-links", tags=["accounts"],
                   responses=COMMON_RESPONSES)

LinkId = Annotated[int, Path(ge=1, le=2**62)]


class IdentityLinkPublic(BaseModel):
    link_id: int
    account_id: int
    username: str
    issuer: str
    subject: str


@router.get("", response_model=list[IdentityLinkPublic])
def list_identity_links(register: RegisterDep, admin: TrustAdmin) -> list[IdentityLinkPublic]:
    """Every link from an identity at the trust's sign-in provider to an account of the
    admin's trust."""
    with register.lock:
        seen = {a.account_id for a in register.accounts.all()
                if may_see_account(admin, register.unlocked_store, a, on=register.today())}
    return [IdentityLinkPublic(**vars(link)) for link in oidc.links_of(register)
            if link.account_id in seen]


def seen_link(register, admin, link_id: int) -> oidc.IdentityLink | None:
    """The link, if it leads to an account `admin` may see; None for no link, or a link
    to another trust's account."""
    link = oidc.link_of(register, link_id)
    with register.lock:
        account = register.accounts.get(link.account_id) if link else None
        if account is None or not may_see_account(admin, register.unlocked_store, account,
                                                  on=register.today()):
            return None
    return link


@router.delete("/{link_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_identity_link(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                         link_id: LinkId) -> Response:
    """End a link: that identity no longer signs in (not even by its e-mail address) and
    the account's sessions end. The page at /admin/sign-in previews it first."""
    if seen_link(register, admin, link_id) is None \
            or oidc.revoke_link(register, actor, link_id) is None:
        raise not_found("identity link", str(link_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
