"""docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs here)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_pins_neo4j_526_with_a_healthcheck_and_a_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert any(volume.endswith(":/data") for volume in neo4j["volumes"])


def test_the_register_waits_for_a_healthy_neo4j_and_uses_it():
    register = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["register"]
    assert register["build"] == "."
    assert register["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert register["environment"]["RELREG_STORE"] == "bolt://neo4j:7687"


def test_the_image_holds_every_package_the_register_installs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    for top in {p.split(".")[0] for p in packages}:
        assert f"COPY {top} {top}" in dockerfile, top
    assert 'CMD ["relreg", "serve"' in dockerfile
