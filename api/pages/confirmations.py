"""The yearly confirmation: once a year each adult confirms that they have nothing further
to declare, or says what has changed. Kept in the service database beside the cases (the
facts of the register do not hold it); each one given is audited."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from api.service import Actor, Register

_SCHEMA = """
CREATE TABLE IF NOT EXISTS yearly_confirmations (
    confirmation_id INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    given_on TEXT NOT NULL,
    nothing_further INTEGER NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS yearly_confirmations_by_person
    ON yearly_confirmations (person_id, confirmation_id);
"""


@dataclass(frozen=True)
class Confirmation:
    given_on: dt.date
    nothing_further: bool
    changes: str

    def due_on(self) -> dt.date:
        """A year after it was given (29 February gives way to 28 February)."""
        try:
            return self.given_on.replace(year=self.given_on.year + 1)
        except ValueError:
            return self.given_on.replace(year=self.given_on.year + 1, day=28)


class YearlyConfirmations:
    @staticmethod
    def create_table(db: sqlite3.Connection) -> None:
        db.executescript(_SCHEMA)

    @staticmethod
    def latest(register: Register, person_id: str) -> Confirmation | None:
        with register.lock:
            row = register.db.execute(
                "SELECT given_on, nothing_further, changes FROM yearly_confirmations "
                "WHERE person_id = ? ORDER BY confirmation_id DESC LIMIT 1",
                (person_id,)).fetchone()
        if row is None:
            return None
        return Confirmation(dt.date.fromisoformat(row[0]), bool(row[1]), row[2])

    @staticmethod
    def give(register: Register, actor: Actor, person_id: str, nothing_further: bool,
             changes: str) -> Confirmation:
        confirmation = Confirmation(register.today(), nothing_further, changes)
        with register.writing():
            register.db.execute(
                "INSERT INTO yearly_confirmations (person_id, given_on, nothing_further, "
                "changes) VALUES (?, ?, ?, ?)",
                (person_id, confirmation.given_on.isoformat(), int(nothing_further), changes))
            register.audit.record(actor=actor.name, action="confirmation.give",
                                  object_kind="confirmation", subjects=[person_id],
                                  client=actor.client, nothing_further=nothing_further)
        return confirmation
