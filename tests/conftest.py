"""Shared test set-up. The Neo4j server fixture lives in tests/neo4j_fixture.py."""

pytest_plugins = ["tests.neo4j_fixture"]
