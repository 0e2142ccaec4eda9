"""Imports of an exchange folder, sent as a zip: all or nothing, answering every problem
as FILE:LINE: column: what is wrong."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, UploadFile, status

from api.deps import ActorDep, RegisterDep, TrustAdmin
from api.errors import invalid
from api.schemas import ImportResult
from graph.intake.exchange import ExchangeError, read_folder
from graph.profiles import SHIPPED

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("", response_model=ImportResult,
             responses={413: {"description": "The zip is larger than the service accepts"},
                        422: {"description": "The folder was rejected whole; `detail` lists "
                                             "every problem as FILE:LINE: column: what is wrong"}})
def import_folder(register: RegisterDep, _admin: TrustAdmin, actor: ActorDep,
                  file: Annotated[UploadFile, File(description="a zip of the exchange CSV files "
                                                               "(and any profile files they name)")]
                  ) -> ImportResult:
    """Add or replace every fact of an exchange folder, all or nothing."""
    settings = register.settings
    content = file.file.read(settings.max_import_bytes + 1)
    if len(content) > settings.max_import_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"file: larger than {settings.max_import_bytes} bytes")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        _unpack(content, folder, settings.max_import_unpacked_bytes)
        try:
            world = read_folder(folder)
        except ExchangeError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [
                {"loc": ["body", "file"], "msg": problem, "type": "exchange"}
                for problem in error.problems]) from None
        for school in world.schools.values():
            if school.profile not in SHIPPED:  # a profile file from the zip: keep a copy
                world.schools[school.school_id] = _keep_profile(register, school)
        register.change_facts(actor, "import", "import", import_world=world,
                              counts=world.counts(), cause="an exchange folder was imported")
    return ImportResult(imported=world.counts())


def _unpack(content: bytes, folder: Path, max_unpacked: int) -> None:
    """The zip's files, flat, into `folder`: only plain names, no more than `max_unpacked`
    bytes in all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise invalid("file", "not a zip file") from None
    if sum(m.file_size for m in members) > max_unpacked:
        raise invalid("file", f"unpacks to more than {max_unpacked} bytes")
    names = set()
    for member in members:
        name = PurePosixPath(member.filename).name
        if name.startswith(".") or "__MACOSX" in member.filename:
            continue
        if name in names:
            raise invalid("file", f"{name} appears twice in the zip")
        names.add(name)
        try:
            (folder / name).write_bytes(archive.read(member))
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError):
            raise invalid("file", f"{name} cannot be read from the zip") from None


def _keep_profile(register, school):
    source = Path(school.profile)
    content = source.read_bytes()
    kept = register.data_dir / "profiles" / f"{hashlib.sha256(content).hexdigest()[:16]}.toml"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(content)
    return dataclasses.replace(school, profile=str(kept))
