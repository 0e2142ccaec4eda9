"""What the service does by itself while no one uses it, and what it logs when that fails:
import previews go once they are older than the setting, and a failure is logged by its
type and where, never by its message, which may hold a child's name."""

import io
import logging
import threading

from api import previews
from tests.api_world import service  # noqa: F401 (a fixture)


def _copy(upload, path, _max_bytes):
    path.write_bytes(upload.read())


def _until(done, tries=500) -> bool:
    pause = threading.Event()
    for _ in range(tries):
        if done():
            return True
        pause.wait(0.01)
    return done()


def test_an_idle_service_drops_an_import_preview_once_it_is_older_than_the_setting(service):
    register = service.register
    kept = previews.keep(register, io.BytesIO(b"upn,given,family\n"), ".csv", _copy)
    service.now += register.settings.import_preview_hours * 3600 - 1
    stop = register.run_daily(check_every_seconds=0.01)
    try:
        assert not _until(lambda: not kept.exists(), tries=30), "not yet past the setting"
        service.now += 2
        assert _until(lambda: not kept.exists()), "the daily loop dropped it"
    finally:
        stop.set()


NAME = "Ada Quill"


def test_a_failed_refresh_or_daily_run_logs_no_personal_data(service, caplog, monkeypatch):
    register = service.register

    def fails(*_args, **_kwargs):
        raise RuntimeError(f"no findings for {NAME} (P1)")

    monkeypatch.setattr(register.unlocked_store, "findings_at_hand", fails)
    monkeypatch.setattr(register, "keep_current", fails)
    caplog.set_level(logging.INFO)
    register.start_refresh().join(timeout=30)
    stop = register.run_daily(check_every_seconds=0.01)
    try:
        assert _until(lambda: "daily re-evaluation failed" in caplog.text)
    finally:
        stop.set()
    assert "the refresh at start failed" in caplog.text
    assert "RuntimeError" in caplog.text and "fails" in caplog.text, "the type and where"
    assert NAME not in caplog.text and "P1" not in caplog.text


def test_a_failed_look_up_of_signed_in_sessions_is_not_logged_as_a_failed_refresh(
        service, caplog, monkeypatch):
    """The findings are in line: an operator reading the log is told what failed."""
    register = service.register

    def fails():
        raise RuntimeError(f"no session for {NAME} (P1)")

    monkeypatch.setattr(register.accounts, "know_live_sessions", fails)
    caplog.set_level(logging.INFO)
    register.start_refresh().join(timeout=30)
    assert "looking up the signed-in sessions at start failed: RuntimeError" in caplog.text
    assert "the refresh at start failed" not in caplog.text
    assert register.findings_label().state == "current"
    assert NAME not in caplog.text and "P1" not in caplog.text
