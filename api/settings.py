"""The service's configuration: environment variables prefixed RELREG_ (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELREG_")

    # Sign-in: after `sign_in_slow_after` failures in a row each attempt must wait, twice as
    # long each time from `sign_in_delay_seconds`; after `sign_in_lock_after` the username is
    # locked for `sign_in_lock_minutes` (or until a trust admin unlocks it).
    sign_in_slow_after: int = 3
    sign_in_delay_seconds: float = 1.0
    sign_in_lock_after: int = 10
    sign_in_lock_minutes: int = 15
    session_hours: float = 8  # a page session (cookie)
    token_hours: float = 12  # an API client's bearer token
    # Proxies (addresses or networks, comma-separated; "*" for any) whose X-Forwarded-Proto
    # and X-Forwarded-For are believed: cookies are Secure when they say HTTPS.
    trusted_proxies: str = "127.0.0.1"
    # Refuse a sign-in over plain HTTP from another machine, with a page that says why.
    require_https: bool = False

    # Request bodies are capped before they are read (api/guards.py): imports and evidence
    # have their own caps below; every other request this one.
    max_body_bytes: int = 1024 * 1024
    # Writes per account: a burst, refilled at a steady rate.
    write_burst: int = 120
    writes_per_minute: int = 600
    max_evidence_bytes: int = 5 * 1024 * 1024
    max_import_bytes: int = 100 * 1024 * 1024
    max_import_unpacked_bytes: int = 1024 * 1024 * 1024
    # A member of staff's own social media download, checked in memory (/my/download-check).
    max_download_bytes: int = 200 * 1024 * 1024
    # How long a file previewed on the import page is kept for its import (api/previews.py).
    import_preview_hours: float = 24
    network_max_people: int = 300
    worker_threads: int = 4  # threads that run requests (they take turns on one lock)

    # Where people reach the service, as their browsers see it (behind the HTTPS proxy):
    # the links in e-mails and the address a sign-in provider sends people back to.
    public_url: str = "http://127.0.0.1:8000"

    # Mail (docs/sign-in-and-notifications.md). Unset host: nothing is sent.
    smtp_host: str | None = None
    smtp_port: int | None = None  # default: 25 (none), 587 (starttls), 465 (tls)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_timeout_seconds: float = 20
    # Notifications: the daily digest goes at or after this hour (the server's local time);
    # immediate ones within `notify_every_seconds`; a failed send is tried again with
    # growing waits, `notify_attempts` times in all, then shown to trust admins as failed.
    notify_digest_hour: int = Field(default=7, ge=0, le=23)
    notify_every_seconds: float = 60
    notify_attempts: int = 5
