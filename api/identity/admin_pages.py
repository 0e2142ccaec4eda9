"""Trust admins' pages for signing in and notifications: the trust's identity provider,
local passwords on or off, the roles that need a one-time code, first sign-ins waiting for
approval, each account's e-mail address, and messages the mail server did not take.
A trust admin sees and changes only their trust's accounts and the links to them; another
trust's account is answered as no such account. The sign-in settings (provider, local
passwords, one-time codes) are the whole register's: every trust admin reads them, since
they rule how their trust's staff sign in, and only the whole register's admin (a trust
admin tied to no school or person) changes them. First sign-ins waiting for approval are
no trust's yet: every trust admin sees them, and approving one ties it only to their own
trust's staff."""

from __future__ import annotations

import dataclasses
import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request, status
from pydantic import ValidationError

from api.access import administers_register, check_sees_account, deny, may_see_account
from api.identity import local_sign_in, oidc
from api.identity.routes import seen_link
from api.identity import AccountRole
from api.deps import ActorDep, CurrentSession, RegisterDep, TrustAdmin
from api.notify.notifier import KIND_NAMES, Notifier
from api.notify import (BadAddress, Contacts, MailError, Mailer, mail_problems, mail_settings,
                          normal_address)
from api.pages.bulk_accounts import find_staff_member
from api.pages.common import NOTICES, ROLE_NAMES, messages_of, page, see_other, uk_time
from api.routes.accounts import create_account
from api.routes.schools import list_schools
from api.routing import InOrderRoute
from api.schemas import AccountCreate

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

NOTICES.update({
    "provider": "The sign-in provider is saved and answered correctly.",
    "provider-removed": "The sign-in provider is removed: people sign in with passwords.",
    "policy": "The sign-in rules are saved.",
    "approved": "The sign-in is approved: the account is made and linked.",
    "refused": "The sign-in is refused.",
    "email": "The e-mail address is saved.",
    "link-revoked": "The link is ended: that identity no longer signs in, and the account's "
                    "sessions have ended.",
    "second-factor-removed": "The account's one-time code is removed: it sets up a new one "
                             "at its next sign-in if its role needs one.",
    "retry": "The message will be tried again within a minute.",
    "test-sent": "A test message was sent to your e-mail address.",
})

RequestId = Annotated[int, Path(ge=1, le=2**62)]


def _when(timestamp: float | None) -> str:
    return uk_time(timestamp)


def _sign_in_page(request, register, session, *, errors=None, values=None, status_code=200):
    with register.lock:
        policy = oidc.load_policy(register)
        contacts = Contacts(register.db).all()
        totp = local_sign_in.Totp(register)
        admin = session.account
        seen = [a for a in register.accounts.all()
                if may_see_account(admin, register.unlocked_store, a, on=register.today())]
        accounts = [(a, contacts.get(a.account_id), totp.enrolled(a.account_id)) for a in seen]
    seen_ids = {a.account_id for a in seen}
    return page(request, "admin_sign_in.html", {
        "title": "Sign-in and notifications", "policy": policy, "accounts": accounts,
        "may_change_settings": administers_register(admin),
        # A waiting first sign-in holds only an e-mail address: no trust's yet, so only the
        # whole register's admin sees and settles them.
        "requests": oidc.requests_of(register) if administers_register(admin) else [],
        "links": [link for link in oidc.links_of(register) if link.account_id in seen_ids],
        "when": _when,
        "roles": {str(r): ROLE_NAMES[r] for r in AccountRole},
        "schools": {s.school_id: s.name for s in list_schools(register, session.account)},
        "redirect_uri": register.settings.public_url.rstrip("/") + "/sign-in/oidc/callback",
        "errors": errors or [], "values": values or {},
    }, session=session, status_code=status_code)


@router.get("/admin/sign-in")
def sign_in_settings(request: Request, register: RegisterDep, session: CurrentSession,
                     _admin: TrustAdmin):
    return _sign_in_page(request, register, session)


def _check_changes_settings(admin) -> None:
    """The sign-in settings rule every trust's sign-in: only the whole register's admin
    changes them."""
    if not administers_register(admin):
        raise deny("only the register's administrator (a trust admin tied to no school) "
                   "changes the sign-in settings, which every trust shares")


def _change_policy(register, actor, policy: oidc.SignInPolicy, what: str) -> None:
    with register.writing():
        oidc.save_policy(register, policy)
        register.audit.record(actor=actor.name, action="sign_in_settings.change",
                              object_kind="trust", client=actor.client, changed=what,
                              issuer=policy.issuer, domains=list(policy.allowed_domains),
                              local_passwords=policy.local_passwords,
                              totp_roles=list(policy.totp_roles))


@router.post("/admin/sign-in/provider")
def save_provider(request: Request, register: RegisterDep, session: CurrentSession,
                  admin: TrustAdmin, actor: ActorDep,
                  provider_name: Annotated[str, Form(max_length=60)] = "",
                  issuer: Annotated[str, Form(max_length=500)] = "",
                  client_id: Annotated[str, Form(max_length=500)] = "",
                  client_secret: Annotated[str, Form(max_length=2000)] = "",
                  domains: Annotated[str, Form(max_length=2000)] = ""):
    _check_changes_settings(admin)
    with register.lock:
        current = oidc.load_policy(register)
    issuer, client_id = issuer.strip(), client_id.strip()
    secret = client_secret.strip() or (current.client_secret if issuer == current.issuer else "")
    wanted = sorted({d.lower().lstrip("@") for d in re.split(r"[\s,;]+", domains) if d})
    values = {"provider_name": provider_name, "issuer": issuer, "client_id": client_id,
              "domains": " ".join(wanted)}
    problems = oidc.check_provider(issuer, client_id, secret, wanted)
    if not problems:
        try:
            oidc.discover(issuer)
        except oidc.ProviderError as error:
            problems = [str(error)]
    if problems:
        return _sign_in_page(request, register, session, errors=problems, values=values,
                             status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    _change_policy(register, actor, dataclasses.replace(
        current, provider_name=provider_name.strip(), issuer=issuer, client_id=client_id,
        client_secret=secret, allowed_domains=tuple(wanted)), "provider")
    return see_other("/admin/sign-in", "provider")


@router.post("/admin/sign-in/provider/remove")
def remove_provider(register: RegisterDep, admin: TrustAdmin, actor: ActorDep):
    _check_changes_settings(admin)
    with register.lock:
        current = oidc.load_policy(register)
    _change_policy(register, actor, oidc.SignInPolicy(
        local_passwords=True, totp_roles=current.totp_roles), "provider removed")
    return see_other("/admin/sign-in", "provider-removed")


@router.post("/admin/sign-in/policy")
async def save_rules(request: Request, register: RegisterDep, session: CurrentSession,
                     admin: TrustAdmin, actor: ActorDep):
    _check_changes_settings(admin)
    form = await request.form()
    local_passwords = form.get("local_passwords") != "off"
    totp_roles = tuple(sorted(str(AccountRole(r)) for r in form.getlist("totp_roles")
                              if r in set(AccountRole)))
    with register.lock:
        current = oidc.load_policy(register)
    if not local_passwords and not current.provider_on:
        return _sign_in_page(request, register, session, errors=[
            "Set up the sign-in provider before turning local passwords off, or nobody but "
            "trust admins could sign in."], status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    _change_policy(register, actor, dataclasses.replace(
        current, local_passwords=local_passwords, totp_roles=totp_roles), "rules")
    return see_other("/admin/sign-in", "policy")


@router.post("/admin/sign-in/requests/{request_id}")
def settle(request: Request, register: RegisterDep, session: CurrentSession,
           admin: TrustAdmin, actor: ActorDep, request_id: RequestId,
           decision: Annotated[str, Form(max_length=10)] = "",
           role: Annotated[str, Form(max_length=40)] = "",
           name: Annotated[str, Form(max_length=200)] = "",
           school_id: Annotated[str, Form(max_length=64)] = ""):
    waiting = oidc.request_of(register, request_id)
    if waiting is None or waiting.status != "waiting" or not administers_register(admin):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "that sign-in is no longer waiting")
    if decision == "refuse":
        oidc.settle_request(register, actor, request_id, None)
        return see_other("/admin/sign-in", "refused")
    try:  # before any account is made: a bad address would leave one without its link
        normal_address(waiting.email)
    except BadAddress as error:
        return _sign_in_page(request, register, session,
                             errors=[f"This sign-in's e-mail address cannot be used: {error}. "
                                     f"Refuse it."],
                             status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    username = re.sub(r"[^A-Za-z0-9_.@-]", "-", waiting.email)[:64]
    person_id = None
    needs_person = role not in (AccountRole.TRUST_ADMIN, AccountRole.AUDITOR) or name.strip()
    if role in set(AccountRole) and needs_person:  # found by name, or by the e-mail address
        found, problems = find_staff_member(register, AccountRole(role), school_id or None,
                                            name.strip(), waiting.email, by=admin)
        if problems:
            return _sign_in_page(request, register, session, errors=problems,
                                 status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
        person_id, school_id = found.person_id, found.school_id or school_id
    try:
        body = AccountCreate(username=username, password=secrets.token_urlsafe(32),
                             role=role, person_id=person_id, school_id=school_id or None)
        made = create_account(register, admin, actor, body)
    except (ValidationError, HTTPException) as error:
        return _sign_in_page(request, register, session,
                             errors=messages_of(error, {"role": "Role", "person_id": "Person",
                                                        "school_id": "School",
                                                        "username": "Username"}),
                             status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    with register.lock:
        account = register.accounts.get(made.account_id)
    oidc.settle_request(register, actor, request_id, account)
    return see_other("/admin/sign-in", "approved")


@router.post("/admin/sign-in/emails")
def set_email(request: Request, register: RegisterDep, session: CurrentSession,
              admin: TrustAdmin, actor: ActorDep,
              username: Annotated[str, Form(max_length=100)] = "",
              email: Annotated[str, Form(max_length=254)] = ""):
    with register.lock:
        account = register.accounts.by_username(username.strip())
        if account and not may_see_account(admin, register.unlocked_store, account,
                                           on=register.today()):
            account = None  # another trust's: answered as no such account
    problem = None if account else f"There is no account {username.strip()!r}."
    if account:
        try:
            with register.writing():
                Contacts(register.db).set_email(account.account_id, email.strip() or None)
                register.audit.record(actor=actor.name, action="account.email",
                                      object_kind="account", object_id=str(account.account_id),
                                      client=actor.client, removed=not email.strip())
        except BadAddress as error:
            problem = f"E-mail address: {error}."
    if problem:
        return _sign_in_page(request, register, session, errors=[problem],
                             values={"username": username, "email": email},
                             status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/admin/sign-in", "email")


@router.get("/admin/sign-in/links/{link_id}")
def link_preview(request: Request, register: RegisterDep, session: CurrentSession,
                 admin: TrustAdmin, link_id: RequestId):
    """What revoking the link ends, before it is done."""
    link = _link_seen_by(register, admin, link_id)
    return page(request, "admin_sign_in_link.html", {
        "title": "End a sign-in link", "link": link}, session=session)


@router.post("/admin/sign-in/links/{link_id}/revoke")
def revoke_link(register: RegisterDep, admin: TrustAdmin, actor: ActorDep, link_id: RequestId):
    _link_seen_by(register, admin, link_id)
    if oidc.revoke_link(register, actor, link_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "there is no such link")
    return see_other("/admin/sign-in", "link-revoked")


def _link_seen_by(register, admin, link_id: int) -> oidc.IdentityLink:
    """A link to another trust's account is answered as no such link."""
    link = seen_link(register, admin, link_id)
    if link is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "there is no such link")
    return link


@router.post("/admin/sign-in/second-factor/{account_id}/remove")
def remove_second_factor(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                         account_id: RequestId):
    with register.lock:
        check_sees_account(admin, register.unlocked_store, register.accounts.get(account_id),
                           account_id, on=register.today())
    local_sign_in.remove_second_factor(register, actor, account_id)
    return see_other("/admin/sign-in", "second-factor-removed")


# -- notifications -----------------------------------------------------------------------

@router.get("/admin/notifications")
def notification_troubles(request: Request, register: RegisterDep, session: CurrentSession,
                          admin: TrustAdmin, error: str | None = None):
    with register.lock:
        usernames = {a.account_id: a.username for a in register.accounts.all()
                     if may_see_account(admin, register.unlocked_store, a, on=register.today())}
    troubles = Notifier(register).troubles(to_accounts=usernames)  # theirs, then the latest
    settings = mail_settings(register)  # the environment's, then the Mail page's
    return page(request, "admin_notifications.html", {
        "title": "Notifications not sent", "troubles": troubles, "usernames": usernames,
        "kind_names": {**KIND_NAMES, "password_reset": "Password reset link"}, "when": _when,
        "mail_problems": mail_problems(settings), "settings": settings,
        "errors": [error] if error else []}, session=session)


@router.post("/admin/notifications/{message_id}/retry")
def retry(register: RegisterDep, admin: TrustAdmin, actor: ActorDep, message_id: RequestId):
    """A message to another trust's account is answered as one that is not there."""
    with register.lock:
        to = register.db.execute("SELECT account_id FROM outbox WHERE message_id = ?",
                                 (message_id,)).fetchone()
        account = register.accounts.get(to[0]) if to else None
        seen = account is not None and may_see_account(admin, register.unlocked_store, account,
                                                       on=register.today())
    if seen and Notifier(register).retry(message_id):
        register.record(actor, "notification.retry", "notification", object_id=str(message_id))
    return see_other("/admin/notifications", "retry")


@router.post("/admin/notifications/test")
def send_test(request: Request, register: RegisterDep, session: CurrentSession,
              _admin: TrustAdmin, actor: ActorDep):
    with register.lock:
        contact = Contacts(register.db).get(session.account.account_id)
    if contact is None:
        return notification_troubles(request, register, session, _admin,
                                     "Give your own account an e-mail address first (on the "
                                     "sign-in settings page).")
    try:
        Mailer(register=register).send(
            contact.email, "Relationship register: a test message",
            "Hello,\n\nThis is a test message from the relationship register: its mail "
            "settings work.\n", register.accounts.clock())
    except MailError as error:
        register.record(actor, "notification.test", "notification", outcome="failed",
                        error=str(error))
        return notification_troubles(request, register, session, _admin, str(error))
    register.record(actor, "notification.test", "notification")
    return see_other("/admin/notifications", "test-sent")
