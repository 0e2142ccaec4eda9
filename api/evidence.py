"""The retained communication attached to approach reports: files checked by what they
are (not what they claim to be), limited in size, kept in the data directory under their
SHA-256, described in the service database."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

# What a school keeps of a message: a screenshot, a PDF print or exported text.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
ALLOWED_TYPES = ("image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS evidence (
    evidence_id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_by_report ON evidence (report_id);
"""


class EvidenceRejected(ValueError):
    pass


@dataclass(frozen=True)
class Evidence:
    evidence_id: str
    report_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: str


def sniff_media_type(content: bytes) -> str | None:
    """The type the content really is, if it is one we keep; None otherwise.

    >>> sniff_media_type(b"%PDF-1.7 ...")
    'application/pdf'
    >>> sniff_media_type(b"MZ\\x90\\x00") is None
    True
    """
    for signature, media_type in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text and "\x00" not in text:
        return "text/plain"
    return None


class EvidenceBox:
    def __init__(self, db: sqlite3.Connection, folder: Path):
        self.db = db
        self.folder = folder
        db.executescript(_SCHEMA)

    def add(self, report_id: str, file_name: str, content: bytes, uploaded_by: str) -> Evidence:
        media_type = sniff_media_type(content)
        if media_type is None:
            raise EvidenceRejected(
                f"not a kind of file kept as evidence ({', '.join(ALLOWED_TYPES)})")
        digest = hashlib.sha256(content).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / digest
        if not path.exists():
            partial = path.with_suffix(".partial")
            with open(partial, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(path)
        evidence = Evidence(f"E-{uuid.uuid4().hex[:12]}", report_id,
                            Path(file_name).name[:200] or "evidence", media_type, len(content),
                            digest, uploaded_by,
                            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        self.db.execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (evidence.evidence_id, evidence.report_id, evidence.file_name,
                         evidence.media_type, evidence.size, evidence.sha256,
                         evidence.uploaded_by, evidence.uploaded_at))
        return evidence

    def of_report(self, report_id: str) -> list[Evidence]:
        return [Evidence(*row) for row in self.db.execute(
            "SELECT * FROM evidence WHERE report_id = ? ORDER BY rowid",  # as uploaded
            (report_id,))]

    def get(self, evidence_id: str) -> Evidence | None:
        row = self.db.execute("SELECT * FROM evidence WHERE evidence_id = ?",
                              (evidence_id,)).fetchone()
        return Evidence(*row) if row else None

    def content(self, evidence: Evidence) -> bytes:
        return (self.folder / evidence.sha256).read_bytes()

    def forget_report(self, report_id: str) -> set[str]:
        """Delete the report's evidence records (the caller holds the transaction); return
        the digests of their files, for `drop_unused` once it has committed."""
        digests = {e.sha256 for e in self.of_report(report_id)}
        self.db.execute("DELETE FROM evidence WHERE report_id = ?", (report_id,))
        return digests

    def drop_unused(self, digests: set[str]) -> None:
        """Delete the files (named by their content's digest) that no evidence record uses
        any more, and any upload a crash left half written. A file the same content makes
        for another report stays with it."""
        for digest in digests:
            if self.db.execute("SELECT 1 FROM evidence WHERE sha256 = ?",
                               (digest,)).fetchone() is None:
                (self.folder / digest).unlink(missing_ok=True)
        if self.folder.is_dir():
            for partial in self.folder.glob("*.partial"):
                partial.unlink(missing_ok=True)
