"""Shared test set-up. The Neo4j server fixture lives in tests/neo4j_fixture.py.

RELREG_TEST_INSTANT=2028-02-29T09:30:00Z runs the whole session as if the clock stood at
that instant (and ticked on from it), so that CI can show the suite green at any hour on
any day: a leap day, the last minute of an academic year, the middle of a school day.
Processes the tests start (a served register, Neo4j) keep the real clock.
"""

import os
import tempfile
from pathlib import Path

import time_machine

pytest_plugins = ["tests.neo4j_fixture"]

_travel = None


def pytest_configure(config):
    global _travel
    # The key that seals sign-in secrets lives outside the data folder (graph/secret_key.py):
    # one for the session, never the tester's own ~/.config/relreg/secret.key.
    if not os.environ.get("RELREG_SECRET_KEY_FILE"):
        os.environ["RELREG_SECRET_KEY_FILE"] = str(
            Path(tempfile.mkdtemp(prefix="relreg-key-")) / "secret.key")
    instant = os.environ.get("RELREG_TEST_INSTANT")
    if instant:
        _travel = time_machine.travel(instant, tick=True)
        _travel.start()


def pytest_report_header(config):
    instant = os.environ.get("RELREG_TEST_INSTANT")
    return f"clock travelled to {instant} (RELREG_TEST_INSTANT)" if instant else None


def pytest_unconfigure(config):
    if _travel is not None:
        _travel.stop()
