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


def test_the_image_installs_the_built_wheel_with_every_package_in_it():
    """The image runs what pip users get: a wheel built from the source (so the wheel's
    package data decides what is there, as tests/test_wheel.py checks), not the source
    folder installed as it lies."""
    import fnmatch
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip wheel" in dockerfile and "/wheels/*.whl" in dockerfile
    assert "pip install --no-cache-dir ." not in dockerfile
    assert 'CMD ["relreg", "serve"' in dockerfile
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line and not line.startswith("#")]

    def sent(name: str) -> bool:  # Docker's rule: the last pattern that matches decides
        decided = True
        for pattern in patterns:
            if fnmatch.fnmatch(name, pattern.removeprefix("!")):
                decided = pattern.startswith("!")
        return decided

    tops = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]["include"]
    for needed in [*{name.split(".")[0] for name in tops}, "pyproject.toml", "README.md"]:
        assert sent(needed), needed
    assert not sent(".venv") and not sent("bench"), "only what the wheel is made of"
