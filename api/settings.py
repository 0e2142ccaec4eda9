"""The service's configuration: environment variables prefixed RELREG_ (pydantic-settings)."""

from __future__ import annotations

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
    # Browsers send a Secure cookie only over HTTPS (and to localhost).
    cookie_secure: bool = True

    max_evidence_bytes: int = 5 * 1024 * 1024
    max_import_bytes: int = 100 * 1024 * 1024
    max_import_unpacked_bytes: int = 1024 * 1024 * 1024
    network_max_people: int = 300
    worker_threads: int = 4  # threads that run requests (they take turns on one lock)
