"""A real Neo4j 5.26 for the tests marked `neo4j`, found or started once per session:

1. the server at NEO4J_URI, if set (credentials, if any, in RELREG_NEO4J_USER and
   RELREG_NEO4J_PASSWORD);
2. else a testcontainers container of the pinned image, if a Docker engine answers;
3. else a server started by tools/neo4j-local/start in a temporary folder, on the port in
   RELREG_NEO4J_PORT or a free one, and stopped at the end of the session.

If none can be had the tests are skipped with the reason, or, under CI=true, fail with it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from graph.model import World

IMAGE = "neo4j:5.26-community"
NEO4J_LOCAL = Path(__file__).resolve().parent.parent / "tools" / "neo4j-local"


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory):
    """A bolt URI of a Neo4j 5.26 server whose database the tests may empty at will."""
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"]
        return
    reasons = []
    if _docker_answers(reasons):
        yield from _container(reasons)
        return
    data_dir = tmp_path_factory.mktemp("neo4j")
    uri = _start_local(data_dir, reasons)
    if uri is None:
        _unavailable(reasons)
    try:
        yield uri
    finally:
        subprocess.run([str(NEO4J_LOCAL / "stop"), str(data_dir)], capture_output=True, timeout=120)


@pytest.fixture
def neo4j_store(neo4j_uri):
    """A Neo4jStore on an emptied database."""
    from graph.store.neo4j import Neo4jStore

    with Neo4jStore(neo4j_uri) as store:
        store.replace_world(World())
        yield store


def _docker_answers(reasons: list[str]) -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception as error:  # no client library, no socket, no daemon: all the same here
        reasons.append(f"no Docker engine answers ({type(error).__name__}: {error})")
        return False


def _container(reasons: list[str]):
    try:
        from testcontainers.community.neo4j import Neo4jContainer
    except ImportError:  # testcontainers before the community/ package
        from testcontainers.neo4j import Neo4jContainer

    container = Neo4jContainer(IMAGE)
    try:
        container.start()
    except Exception as error:
        reasons.append(f"testcontainers could not start {IMAGE}: {error}")
        _unavailable(reasons)
    saved = {key: os.environ.get(key) for key in ("RELREG_NEO4J_USER", "RELREG_NEO4J_PASSWORD")}
    # The store (and any `relreg` the tests run) reads the container's credentials from here.
    os.environ["RELREG_NEO4J_USER"] = container.username
    os.environ["RELREG_NEO4J_PASSWORD"] = container.password
    try:
        yield container.get_connection_url()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        container.stop()


def _start_local(data_dir: Path, reasons: list[str]) -> str | None:
    java = Path(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") \
        else shutil.which("java")
    if not java or not Path(java).exists():
        reasons.append("tools/neo4j-local/start needs Java 17: install it with `apt-get install "
                       "openjdk-17-jre-headless` (or set JAVA_HOME), or set NEO4J_URI to a "
                       "running Neo4j 5.26")
        return None
    homes = [Path(os.environ["RELREG_NEO4J_HOME"])] if os.environ.get("RELREG_NEO4J_HOME") \
        else list(Path.home().glob(".cache/relreg/neo4j-*"))
    if not shutil.which("mvn") and not any((home / "lib").is_dir() for home in homes):
        reasons.append("tools/neo4j-local/start needs Maven to fetch Neo4j once: install it "
                       "with `apt-get install maven`, or set NEO4J_URI to a running Neo4j 5.26")
        return None
    port = int(os.environ.get("RELREG_NEO4J_PORT") or _free_port())
    try:
        started = subprocess.run([str(NEO4J_LOCAL / "start"), str(port), str(data_dir)],
                                 capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        reasons.append(f"tools/neo4j-local/start failed: {error}")
        return None
    if started.returncode != 0:
        tail = "\n".join(started.stderr.strip().splitlines()[-15:])
        reasons.append(f"tools/neo4j-local/start exited with {started.returncode}:\n{tail}")
        return None
    return f"bolt://127.0.0.1:{port}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unavailable(reasons: list[str]):
    message = "no Neo4j for the tests: " + "; ".join(reasons)
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
