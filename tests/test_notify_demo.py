"""`relreg serve --demo` then `relreg notify`: the demo's accounts have addresses at
example.org, and the whole path ends at a real SMTP server."""

from __future__ import annotations

import re

from click.testing import CliRunner

from api.cli import main
from graph.store.embedded import EmbeddedStore
from tests.mail_world import assert_content_free, mail_server  # noqa: F401
from tests.test_api_serve import demo_server  # noqa: F401


def test_serve_demo_then_notify_writes_to_the_demo_accounts(demo_server, mail_server,
                                                           monkeypatch):
    base, printed, data = demo_server
    assert "demo-senior-leader" in printed
    for name, value in {"RELREG_SMTP_HOST": "127.0.0.1",
                        "RELREG_SMTP_PORT": str(mail_server.port),
                        "RELREG_SMTP_SECURITY": "none",
                        "RELREG_SMTP_FROM": "register@example.org"}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["notify", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert re.search(r"sent (\d+), 0 not sent", result.output)
    to = {m.to[0]: m for m in mail_server.arrived}
    assert "demo-senior-leader@example.org" in to
    assert "routed to you for review" in to["demo-senior-leader@example.org"].body
    assert "Your yearly confirmation is due." in to["demo-staff@example.org"].body
    assert all(address.endswith("@example.org") for address in to)
    with EmbeddedStore(data) as store:
        world = store.export_world()
    for message in mail_server.arrived:
        assert_content_free(message, world)
    again = CliRunner().invoke(main, ["notify", "--data", str(data)])
    assert "wrote 0 new message(s)" in again.output
