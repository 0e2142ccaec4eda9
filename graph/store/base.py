"""What every store does, whatever holds the facts: the embedded default or Neo4j.

The scenario suite runs against each implementation and expects the same findings."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable

from graph.model import Connection, Finding, World

Progress = Callable[[int], None]


class StoreError(Exception):
    pass


class Store(abc.ABC):
    @abc.abstractmethod
    def import_world(self, world: World, progress: Progress | None = None) -> None:
        """Add or replace every fact of `world`, all or nothing."""

    @abc.abstractmethod
    def replace_world(self, world: World, progress: Progress | None = None) -> None:
        """Make the store hold exactly `world`, all or nothing."""

    @abc.abstractmethod
    def export_world(self) -> World:
        """Every fact the store holds."""

    @abc.abstractmethod
    def is_empty(self) -> bool: ...

    @abc.abstractmethod
    def findings(self, as_of: dt.date) -> list[Finding]:
        """Every finding as of `as_of`, in the order of EXCHANGE.md."""

    @abc.abstractmethod
    def upsert(self, world: World) -> None:
        """Add or replace the facts of a small world durably (a declaration decided, a
        connection reported, a membership ended); findings follow on the next read."""

    @abc.abstractmethod
    def remove_connection(self, connection_id: str) -> None:
        """Forget a connection (withdrawn by the adult who declared it, or a mistake)."""

    @abc.abstractmethod
    def add_connection(self, connection: Connection, as_of: dt.date) -> list[Finding]:
        """Record one connection durably and return the findings, as of `as_of`, about
        either of its two people."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
