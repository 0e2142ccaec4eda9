"""The API's side of sign-in links: a trust admin lists which identity at the trust's
provider signs in to which account, and revokes one (audited; the account's sessions end).
The pages do the same on /admin/sign-in (api/identity/admin_pages.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel

from api.deps import ActorDep, RegisterDep, TrustAdmin
from api.errors import COMMON_RESPONSES, not_found
from api.identity import oidc

router = APIRouter(prefix="/api/identity-links", tags=["accounts"], responses=COMMON_RESPONSES)

LinkId = Annotated[int, Path(ge=1, le=2**62)]


class IdentityLinkPublic(BaseModel):
    link_id: int
    account_id: int
    username: str
    issuer: str
    subject: str


@router.get("", response_model=list[IdentityLinkPublic])
def list_identity_links(register: RegisterDep, _admin: TrustAdmin) -> list[IdentityLinkPublic]:
    """Every link from an identity at the trust's sign-in provider to an account."""
    return [IdentityLinkPublic(**vars(link)) for link in oidc.links_of(register)]


@router.delete("/{link_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_identity_link(register: RegisterDep, _admin: TrustAdmin, actor: ActorDep,
                         link_id: LinkId) -> Response:
    """End a link: that identity no longer signs in (not even by its e-mail address) and
    the account's sessions end. The page at /admin/sign-in previews it first."""
    if oidc.revoke_link(register, actor, link_id) is None:
        raise not_found("identity link", str(link_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
