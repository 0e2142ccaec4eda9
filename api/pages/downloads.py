"""A member of staff checks their own social media download against their school, in
private, and declares what they find in one step.

The upload is read in memory (the multipart parser keeps a large one in an anonymous
temporary file that no one can open and that goes when the request ends); nothing of it
is stored, logged or sent, and the results are shown to the member of staff alone, never
kept: a match they dismiss is forgotten. The audit trail records only that a check was
made, by whom, of which platform and how many entries it read. What they then choose goes
through the normal paths: a declaration is made as on the Declare page, with today's
date; a connection they removed withdraws the one they had declared, if any, and is
recorded in the audit trail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from api.deps import ActorDep, CurrentSession, RegisterDep, SchoolAccount
from api.pages.common import BASIS_NAMES, messages_of, page
from api.pages.people import nameable
from api.routes.connections import withdraw_connection
from api.routes.declarations import make_declaration
from api.routing import InOrderRoute
from api.schemas import DeclarationCreate
from graph.download_check import SUGGESTIONS, CheckError, check_download, platform_names, school_emails
from graph.intake.downloads import ACCEPTED, PLATFORM_NAMES, DownloadError, read_download
from graph.model import ConnectionSource

router = APIRouter(route_class=InOrderRoute, include_in_schema=False)

# What the member of staff may choose for a match; "" (leave it) and dismissing record nothing.
CHOICES = {
    "family_member": "Declare: family member",
    "family_friend": "Declare: family friend",
    "prior_friendship": "Declare: a friendship from before",
    "removed": "I have removed the connection",
}


def megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def too_large(limit: int) -> str:
    """What the page says, the form refuses and the service answers of a file over `limit`
    (the setting max_download_bytes)."""
    return (f"The file is larger than {megabytes(limit)}. Ask the platform for your "
            f"connections (friends and followers) only, without photos and videos.")


def _form_page(request, register, session, *, problems=None, platform="", status_code=200):
    limit = register.settings.max_download_bytes
    return page(request, "download_check.html", {
        "title": "Check a download", "problems": problems or [], "platform": platform,
        "platforms": PLATFORM_NAMES, "accepted": ACCEPTED, "limit": limit,
        "limit_text": megabytes(limit), "too_large": too_large(limit),
    }, session=session, status_code=status_code)


@router.get("/my/download-check")
def download_form(request: Request, register: RegisterDep, session: CurrentSession,
                  _account: SchoolAccount):
    return _form_page(request, register, session)


@router.post("/my/download-check")
def check(request: Request, register: RegisterDep, session: CurrentSession,
          account: SchoolAccount, actor: ActorDep,
          download: Annotated[UploadFile | None, File()] = None,
          platform: Annotated[str, Form(max_length=20)] = ""):
    me = account.person_id
    if download is None or not download.filename:
        return _form_page(request, register, session, platform=platform, status_code=422,
                          problems=["Choose the file you downloaded from the platform."])
    limit = register.settings.max_download_bytes
    data = download.file.read(limit + 1)
    if len(data) > limit:
        return _form_page(request, register, session, platform=platform, status_code=413,
                          problems=[too_large(limit)])
    try:
        read = read_download(data, file_name=download.filename, platform=platform or None)
        with register.lock:
            result = check_download(register.store, me, read, register.today(),
                                    emails=school_emails(register.data_dir))
    except (DownloadError, CheckError) as error:
        return _form_page(request, register, session, platform=platform, status_code=422,
                          problems=[str(error)])
    register.record(actor, "download.check", "download", subjects=[me],
                    platforms=list(read.platforms), entries_read=result.entries_read)
    return page(request, "download_results.html", {
        "title": "What your download shows", "result": result,
        "platforms_text": platform_names(result.platforms), "choices": CHOICES,
        "suggestions": SUGGESTIONS,
    }, session=session)


@router.post("/my/download-check/choices")
async def record_choices(request: Request, register: RegisterDep, session: CurrentSession,
                         account: SchoolAccount, actor: ActorDep):
    form = await request.form()
    chosen = []
    for key, value in form.multi_items():
        if key.startswith("choice-") and isinstance(value, str) and value:
            person_id = key.removeprefix("choice-")[:64]
            channels = str(form.get(f"channels-{person_id}", ""))[:200]
            chosen.append((person_id, value, [c for c in channels.split(",") if c]))
    outcomes = await run_in_threadpool(_carry_out, register, account, actor, chosen)
    return page(request, "download_done.html", {
        "title": "Your choices are recorded", "outcomes": outcomes,
    }, session=session)


def _carry_out(register, account, actor, chosen) -> list[tuple[str, str, bool]]:
    """Each choice through the normal path: (whom, what happened, whether it worked)."""
    outcomes = []
    for person_id, choice, channels in chosen:
        person = nameable(register, account, person_id)
        if person is None or choice not in CHOICES:
            outcomes.append(("Someone not at your school", "not recorded", False))
            continue
        name = register.names().person(person_id)
        if choice == "removed":
            outcomes.append((name, _removed(register, account, actor, person_id, channels), True))
            continue
        on = platform_names(channels) or "social media"
        try:
            make_declaration(register, account, actor, DeclarationCreate(
                counterpart_id=person_id, basis=choice,
                details=f"Declared after checking my {on} download."))
        except (ValidationError, HTTPException) as error:
            outcomes.append((name, "not declared: " + "; ".join(messages_of(error)), False))
            continue
        outcomes.append((name, f"declared as {BASIS_NAMES[choice].lower()}; a senior leader "
                               f"will review it", True))
    return outcomes


def _removed(register, account, actor, person_id: str, channels: list[str]) -> str:
    me = account.person_id
    mine = [c for c in register.store.connections_of(me)
            if c.source is ConnectionSource.DECLARED and c.person_id == me
            and person_id in (c.person_id, c.other_id) and (not channels or c.channel in channels)]
    for connection in mine:
        withdraw_connection(register, account, actor, connection.connection_id)
    if not mine:
        register.record(actor, "connection.removed", "connection", subjects=[me, person_id],
                        channels=channels)
    return "recorded that you removed the connection" + (
        " and withdrew the connection you had declared" if mine else "")
