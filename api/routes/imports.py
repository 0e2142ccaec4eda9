"""Imports of an exchange folder, sent as a zip: previewed (`?preview=true`) or imported all
or nothing, answering every problem as FILE:LINE: column: what is wrong. The zip is
received and unpacked a chunk at a time, with its sizes counted as they come out."""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Query, UploadFile, status

from api.access import import_beyond_reach
from api.deps import ActorDep, RegisterDep, TrustAdmin
from api.errors import invalid
from api.routing import InOrderRoute
from api.schemas import ImportResult
from graph.intake.exchange import ExchangeError, read_folder
from graph.intake.identity import IdentityTable
from graph.intake.importing import (
    ImportReport,
    describe,
    findings_it_would_open,
    findings_now,
    keep_own_profiles,
    only_changed,
    replaced,
)
from graph.intake.zips import MAX_RATIO, MemberDamaged, ZipBomb, inflate

router = APIRouter(route_class=InOrderRoute, prefix="/imports", tags=["imports"])


_CHUNK = 1024 * 1024


@router.post("", response_model=ImportResult,
             responses={413: {"description": "The zip is larger than the service accepts"},
                        422: {"description": "The folder was rejected whole; `detail` lists "
                                             "every problem as FILE:LINE: column: what is wrong"}})
def import_folder(register: RegisterDep, admin: TrustAdmin, actor: ActorDep,
                  file: Annotated[UploadFile, File(description="a zip of the exchange CSV files "
                                                               "(and any profile files they name)")],
                  preview: Annotated[bool, Query(description="show what would change, and "
                                                             "change nothing")] = False,
                  ) -> ImportResult:
    """Add or replace every fact of an exchange folder, all or nothing; with `preview`,
    list every change it would make instead."""
    settings = register.settings
    with tempfile.TemporaryDirectory() as temp:
        packed = Path(temp) / "upload.zip"
        _receive(file.file, packed, settings.max_import_bytes)
        return import_zip(register, admin, actor, packed, preview=preview)


def import_zip(register, admin, actor, packed: Path, *, preview: bool = False,
               opening: list[str] | None = None,
               name: str = "a zip from the admin page") -> ImportResult:
    """The exchange folder in the zip at `packed`, previewed or imported (and audited): a
    folder naming a school or person beyond `admin`'s trust is refused whole. `opening`,
    in a preview: filled with the findings the import would open. `name`: the zip as its
    admin knows it, for the import log."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        _unpack(packed, folder, register.settings.max_import_unpacked_bytes)
        try:
            world = read_folder(folder)
        except ExchangeError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
                {"loc": ["body", "file"], "msg": problem, "type": "exchange"}
                for problem in error.problems]) from None
        report = ImportReport("the zip", "folder")
        existing = register.store.export_world()
        if problems := import_beyond_reach(admin, register.store, existing, world,
                                           on=register.today()):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
                {"loc": ["body", "file"], "msg": problem, "type": "exchange"}
                for problem in problems])
        changed = only_changed(existing, world)
        describe(existing, changed, report)
        if preview:
            if opening is not None:
                today = register.today()
                opening.extend(f.id for f in findings_it_would_open(
                    existing, changed, today, findings_now(register.store, today)))
            return ImportResult(imported=world.counts(), changes=report.details,
                                counts=dict(report.changes), previewed=True)
        keep_own_profiles(world, register.data_dir)  # profile files from the zip: a copy each
        changed = only_changed(existing, world)
        register.change_facts(actor, "import", "import", import_world=world,
                              counts=world.counts(), changes=dict(report.changes),
                              cause="an exchange folder was imported",
                              # the import is logged after its facts: the queue's key
                              # for it is one of its own
                              opened_by_import=(uuid.uuid4().hex, "folder"))
        if report.changed:  # so that `relreg undo-import` can take it back
            with IdentityTable(register.data_dir) as identity:
                identity.log_import(None, "folder", name,
                                    dict(report.changes), removed=replaced(existing, changed),
                                    added=changed)
    return ImportResult(imported=world.counts(), changes=report.details,
                        counts=dict(report.changes))


def _receive(upload, target: Path, max_bytes: int) -> None:
    """The upload, copied to `target` a chunk at a time, refused past `max_bytes`."""
    size = 0
    with open(target, "wb") as out:
        while chunk := upload.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                                    f"file: larger than {max_bytes} bytes")
            out.write(chunk)


def _unpack(packed: Path, folder: Path, max_unpacked: int) -> None:
    """The zip's files, flat, into `folder`: only plain names, no more than `max_unpacked`
    bytes in all, none a zip bomb (graph/intake/zips.py). Each file goes to disk a chunk
    at a time."""
    try:
        archive = zipfile.ZipFile(packed)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise invalid("file", "not a zip file") from None
    with archive:
        if sum(m.file_size for m in members) > max_unpacked:
            raise invalid("file", f"unpacks to more than {max_unpacked} bytes")
        names = set()
        total = 0

        def counted(size: int) -> None:
            nonlocal total
            total += size
            if total > max_unpacked:
                raise invalid("file", f"unpacks to more than {max_unpacked} bytes")

        for member in members:
            name = PurePosixPath(member.filename).name
            if name.startswith(".") or "__MACOSX" in member.filename:
                continue
            if name in names:
                raise invalid("file", f"{name} appears twice in the zip")
            names.add(name)
            try:
                with open(folder / name, "wb") as out:
                    inflate(archive, member, out, counted=counted)
            except ZipBomb:
                raise invalid("file", f"{name} unpacks to more than {MAX_RATIO} times its "
                                      "packed size: refused as a zip bomb") from None
            except MemberDamaged:
                raise invalid("file", f"{name} cannot be read from the zip") from None
