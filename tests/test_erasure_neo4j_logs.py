"""Erasure on Neo4j (docs/data-protection.md, "Erasure on Neo4j"): the Neo4j servers the
register ships keep only their newest transaction log, in small files, so that what an
erasure deleted leaves Neo4j's logs once a little more has been written and a checkpoint
has run. Checked in the files an operator starts Neo4j from (no Docker engine runs here;
tools/neo4j-local/start is run by every test marked `neo4j`, and Neo4j refuses to start on
a setting it does not know or a value it does not accept)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"db.tx_log.rotation.retention_policy": "false", "db.tx_log.rotation.size": "1M"}


def docker_variable(setting: str) -> str:
    """The Neo4j image's environment variable for `setting`: NEO4J_, `_` doubled, `.` as `_`."""
    return "NEO4J_" + setting.replace("_", "__").replace(".", "_")


def test_docker_compose_keeps_only_the_newest_transaction_log():
    environment = yaml.safe_load((ROOT / "docker-compose.yml").read_text())[
        "services"]["neo4j"]["environment"]
    assert docker_variable("db.tx_log.rotation.retention_policy") == \
        "NEO4J_db_tx__log_rotation_retention__policy"
    for setting, value in SETTINGS.items():
        assert str(environment[docker_variable(setting)]).lower() == value.lower()


def test_the_local_neo4j_keeps_only_the_newest_transaction_log():
    start = (ROOT / "tools" / "neo4j-local" / "start").read_text()
    config = start[start.index('cat >"$data/conf/neo4j.conf" <<EOF'):]
    config = config[:config.index("\nEOF\n")]
    for setting, value in SETTINGS.items():
        assert re.search(rf"^{re.escape(setting)}={re.escape(value)}$", config, re.MULTILINE)
