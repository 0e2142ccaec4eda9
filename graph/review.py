"""Findings as cases that senior leaders review (docs/rules.md, "Routing and review").

A case is the review state of one finding, keyed by the finding's id, with its whole
history: who moved it, when and why. The facts never record review decisions; cases do.

    open -> in_review -> accepted | action_required | escalated | dismissed -> closed
    closed -> open                      reopened when new evidence arrives
    any state but closed -> resolved    by the register, when the rule no longer fires
    resolved -> open                    by the register, when it fires again

A case is due `review_days` school days (weekends and England and Wales bank holidays
excluded) after it was raised; a reopened case is raised anew.

The case book lives in the service database; its methods never begin or commit a
transaction: the caller owns it, so that a case change and its audit entry are one write.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

import holidays

from graph.model import Finding, Severity


class CaseState(enum.StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"  # transparent and permitted, perhaps with conditions
    ACTION_REQUIRED = "action_required"  # what, by when
    ESCALATED = "escalated"  # to the DSL or the LADO
    DISMISSED = "dismissed"
    CLOSED = "closed"
    RESOLVED = "resolved"  # the rule no longer fires: set by the register only


DECISIONS = frozenset({CaseState.ACCEPTED, CaseState.ACTION_REQUIRED, CaseState.ESCALATED,
                       CaseState.DISMISSED})
# Still waiting for a reviewer's decision: these can be overdue.
AWAITING_DECISION = frozenset({CaseState.OPEN, CaseState.IN_REVIEW})

# The moves a reviewer may make. The register itself also resolves and reopens.
REVIEWER_MOVES: dict[CaseState, frozenset[CaseState]] = {
    CaseState.OPEN: frozenset({CaseState.IN_REVIEW}),
    CaseState.IN_REVIEW: DECISIONS,
    **{decision: frozenset({CaseState.CLOSED}) for decision in DECISIONS},
    CaseState.CLOSED: frozenset({CaseState.OPEN}),
    CaseState.RESOLVED: frozenset(),
}


class EscalationTarget(enum.StrEnum):
    DSL = "dsl"
    LADO = "lado"


class CaseError(Exception):
    pass


class CaseNotFound(CaseError):
    pass


class MoveNotAllowed(CaseError):
    """The move is not allowed from the case's current state."""

    def __init__(self, current: CaseState, wanted: CaseState):
        self.current, self.wanted = current, wanted
        words = lambda state: str(state).replace("_", " ")  # noqa: E731
        allowed = ", ".join(sorted(map(words, REVIEWER_MOVES[current]))) or "none"
        super().__init__(f"a case that is {words(current)} cannot move to {words(wanted)} "
                         f"(it can move to: {allowed}); reload the case to see where it is now")


class MissingDetail(CaseError):
    """A move needs a detail that was not given (`field` names it)."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(message)


# -- due dates ----------------------------------------------------------------------

@cache
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # The `holidays` package computes these from rules it ships: no network needed.
    # England and Wales share their bank holidays; ENG is that calendar.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def know_bank_holidays(today: dt.date) -> None:
    """Work out this year's and next year's bank holidays now, not when a deadline first
    needs them (the calendar's code loads then, in about 60 ms)."""
    for year in (today.year, today.year + 1):
        _bank_holidays(year)


def is_school_day(day: dt.date) -> bool:
    """A weekday that is not a bank holiday in England and Wales.

    >>> is_school_day(dt.date(2026, 12, 28))  # Boxing Day (substitute day)
    False
    """
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_school_days(start: dt.date, days: int) -> dt.date:
    """The date `days` school days after `start`.

    >>> add_school_days(dt.date(2026, 12, 23), 3)  # Christmas, Boxing Day, the weekend
    dt.date(2026, 12, 30)
    """
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_school_day(day):
            counted += 1
    return day


# -- cases --------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseEvent:
    at: str  # UTC, ISO 8601
    actor: str  # an account id, or "register" for what the register did itself
    kind: str  # raised, moved, assigned, evidence, resolved, reopened
    from_state: CaseState | None
    to_state: CaseState | None
    reason: str


@dataclass
class Case:
    finding_id: str
    state: CaseState
    finding: dict  # the finding as last evaluated, in the findings JSON of docs/exchange.md
    fires: bool  # whether the rule still fires
    raised_on: dt.date
    due_on: dt.date
    assignee_id: str | None = None
    escalated_to: EscalationTarget | None = None
    action: str | None = None
    action_due: dt.date | None = None
    conditions: str | None = None
    history: list[CaseEvent] = field(default_factory=list)

    @property
    def school_id(self) -> str:
        return self.finding["school_id"]

    def overdue(self, today: dt.date) -> bool:
        return self.state in AWAITING_DECISION and self.due_on < today

    def parties(self) -> set[str]:
        return {p for p in (self.finding["adult_id"], self.finding["counterpart_id"]) if p}

    def recused(self) -> set[str]:
        return {r["person_id"] for r in self.finding["recused"]}


def _finding_text(finding: Finding) -> str:
    return json.dumps(finding.to_json(), sort_keys=True)


def _evidence(finding_json: dict) -> tuple:
    """What a reviewer decided on: a change to it is new evidence. Routing is not."""
    return (tuple(finding_json["connection_ids"]), finding_json["advisory"],
            finding_json["explanation"])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


REGISTER = "register"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    finding_id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    adult_id TEXT,
    counterpart_id TEXT,
    state TEXT NOT NULL,
    fires INTEGER NOT NULL,
    finding TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    assignee_id TEXT,
    escalated_to TEXT,
    action TEXT,
    action_due TEXT,
    conditions TEXT
);
CREATE INDEX IF NOT EXISTS cases_by_school ON cases (school_id, state);
CREATE INDEX IF NOT EXISTS cases_by_adult ON cases (adult_id);
CREATE TABLE IF NOT EXISTS case_events (
    event_id INTEGER PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES cases (finding_id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_events_by_case ON case_events (finding_id, event_id);
-- Which import opened (or reopened) a case, for the queue's "by import" view. Created
-- where missing, so an existing database gains it; cases opened before have no row.
CREATE TABLE IF NOT EXISTS case_imports (
    finding_id TEXT PRIMARY KEY REFERENCES cases (finding_id),
    import_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_imports_by_import ON case_imports (import_id);
-- The one change history allows: an erasure blanks a reason that named the erased person.
DROP TRIGGER IF EXISTS case_events_are_never_changed;
CREATE TRIGGER case_events_are_never_changed BEFORE UPDATE ON case_events
WHEN NOT (NEW.reason = 'erased' AND NEW.event_id = OLD.event_id
          AND NEW.finding_id = OLD.finding_id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
          AND NEW.kind = OLD.kind AND NEW.from_state IS OLD.from_state
          AND NEW.to_state IS OLD.to_state)
BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_events_are_never_deleted BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END;
"""


@dataclass(frozen=True)
class CaseChange:
    """One thing that happened to a case, for the audit trail."""

    finding_id: str
    kind: str
    from_state: CaseState | None
    to_state: CaseState | None
    reason: str
    subjects: tuple[str, ...]


class CaseBook:
    """The cases, in the service database."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.executescript(_SCHEMA)
        self.reload()

    def reload(self) -> None:
        """Read again which findings fire, as last seen: what the next sync compares with.
        (After a rolled-back transaction, memory may be ahead of the database.)"""
        self._live_text: dict[str, str] = {
            finding_id: text for finding_id, text in
            self.db.execute("SELECT finding_id, finding FROM cases WHERE fires = 1")
        }
        self._live_object: dict[str, Finding] = {}  # skips re-serialising an unchanged finding
        # The store's mark (Store.findings_since) of the findings last synced with; a new
        # reading of the database starts again from every finding.
        self.findings_mark: object = None

    def live_findings(self) -> list[Finding]:
        """The findings that fired when the cases were last brought in line."""
        return [Finding.from_json(json.loads(text)) for text in self._live_text.values()]

    # -- keeping cases current -----------------------------------------------------

    def sync(self, findings: Iterable[Finding], today: dt.date, cause: str,
             review_days: Callable[[str], int],
             touched: set[str] | None = None) -> list[CaseChange]:
        """Bring the cases in line with the findings that fire today: raise a case for a
        new finding, record new evidence (reopening a decided or closed case), and resolve
        the case of a finding that no longer fires, giving `cause` as the reason.
        `findings` are all that fire, or, given `touched` (the ids of every finding that
        may have changed since the last sync), those of them that fire: the cases of the
        others stay as they are."""
        changes: list[CaseChange] = []
        seen = set()
        for finding in findings:
            seen.add(finding.id)
            if self._live_object.get(finding.id) is finding:
                continue
            text = _finding_text(finding)
            known = self._live_text.get(finding.id)
            self._live_object[finding.id] = finding
            if known == text:
                continue
            changes.extend(self._seen_firing(finding, text, known, today, cause, review_days))
            self._live_text[finding.id] = text
        candidates = self._live_text if touched is None else \
            sorted(i for i in touched if i in self._live_text)
        for finding_id in [i for i in candidates if i not in seen]:
            changes.extend(self._stopped_firing(finding_id, cause))
            del self._live_text[finding_id]
            self._live_object.pop(finding_id, None)
        return changes

    def _seen_firing(self, finding: Finding, text: str, known: str | None, today: dt.date,
                     cause: str, review_days: Callable[[str], int]) -> list[CaseChange]:
        subjects = tuple(p for p in (finding.adult_id, finding.counterpart_id) if p)
        row = self.db.execute("SELECT state FROM cases WHERE finding_id = ?",
                              (finding.id,)).fetchone()
        due = add_school_days(today, review_days(finding.school_id))
        if row is None:
            self.db.execute(
                "INSERT INTO cases (finding_id, school_id, rule, severity, adult_id, "
                "counterpart_id, state, fires, finding, raised_on, due_on) "
                "VALUES (?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?)",
                (finding.id, finding.school_id, finding.rule, str(finding.severity),
                 finding.adult_id, finding.counterpart_id, text, today.isoformat(),
                 due.isoformat()))
            reason = f"raised on {today.isoformat()}: {cause}"
            self._event(finding.id, REGISTER, "raised", None, CaseState.OPEN, reason)
            return [CaseChange(finding.id, "raised", None, CaseState.OPEN, reason, subjects)]
        state = CaseState(row[0])
        self.db.execute("UPDATE cases SET finding = ?, fires = 1, severity = ? "
                        "WHERE finding_id = ?", (text, str(finding.severity), finding.id))
        new_evidence = known is None or _evidence(json.loads(known)) != _evidence(finding.to_json())
        if not new_evidence:
            return []  # routing or wording moved on; the case shows the finding as it is now
        if state in AWAITING_DECISION:
            reason = f"new evidence: {cause}"
            self._event(finding.id, REGISTER, "evidence", state, state, reason)
            return [CaseChange(finding.id, "evidence", state, state, reason, subjects)]
        reason = (f"fires again: {cause}" if state is CaseState.RESOLVED
                  else f"reopened on new evidence: {cause}")
        self._reopen(finding.id, today, due)
        self._event(finding.id, REGISTER, "reopened", state, CaseState.OPEN, reason)
        return [CaseChange(finding.id, "reopened", state, CaseState.OPEN, reason, subjects)]

    def _stopped_firing(self, finding_id: str, cause: str) -> list[CaseChange]:
        row = self.db.execute("SELECT state, adult_id, counterpart_id FROM cases "
                              "WHERE finding_id = ?", (finding_id,)).fetchone()
        self.db.execute("UPDATE cases SET fires = 0 WHERE finding_id = ?", (finding_id,))
        state = CaseState(row[0])
        if state in (CaseState.CLOSED, CaseState.RESOLVED):
            return []
        reason = f"the rule no longer fires: {cause}"
        self.db.execute("UPDATE cases SET state = 'resolved' WHERE finding_id = ?", (finding_id,))
        self._event(finding_id, REGISTER, "resolved", state, CaseState.RESOLVED, reason)
        subjects = tuple(p for p in row[1:] if p)
        return [CaseChange(finding_id, "resolved", state, CaseState.RESOLVED, reason, subjects)]

    def _reopen(self, finding_id: str, today: dt.date, due: dt.date) -> None:
        self.db.execute(
            "UPDATE cases SET state = 'open', raised_on = ?, due_on = ?, escalated_to = NULL, "
            "action = NULL, action_due = NULL, conditions = NULL WHERE finding_id = ?",
            (today.isoformat(), due.isoformat(), finding_id))

    # -- what reviewers do ----------------------------------------------------------

    def move(self, finding_id: str, to_state: CaseState, actor: str, reason: str, *,
             today: dt.date, review_days: int, action: str | None = None,
             action_due: dt.date | None = None, escalated_to: EscalationTarget | None = None,
             conditions: str | None = None) -> CaseChange:
        """A reviewer moves a case, giving a reason; the details a decision needs are
        checked here (action_required: what and by when; escalated: to whom)."""
        case = self.get(finding_id)
        if to_state not in REVIEWER_MOVES[case.state]:
            raise MoveNotAllowed(case.state, to_state)
        if not reason.strip():
            raise MissingDetail("reason", "every move needs a reason")
        if to_state is CaseState.ACTION_REQUIRED:
            if not (action or "").strip():
                raise MissingDetail("action", "requiring action needs the action to take: say what it is")
            if action_due is None:
                raise MissingDetail("action_due", "requiring action needs the date it is due by: give the date")
        if to_state is CaseState.ESCALATED and escalated_to is None:
            raise MissingDetail("escalated_to", "escalating needs who it goes to: choose the DSL or the LADO")
        if to_state is CaseState.OPEN:
            self._reopen(finding_id, today, add_school_days(today, review_days))
        else:
            self.db.execute(
                "UPDATE cases SET state = ?, escalated_to = coalesce(?, escalated_to), "
                "action = coalesce(?, action), action_due = coalesce(?, action_due), "
                "conditions = coalesce(?, conditions) WHERE finding_id = ?",
                (str(to_state), escalated_to and str(escalated_to), action,
                 action_due and action_due.isoformat(), conditions, finding_id))
        kind = "reopened" if to_state is CaseState.OPEN else "moved"
        self._event(finding_id, actor, kind, case.state, to_state, reason)
        return CaseChange(finding_id, kind, case.state, to_state, reason,
                          tuple(sorted(case.parties())))

    def assign(self, finding_id: str, assignee_id: str, actor: str, reason: str) -> CaseChange:
        case = self.get(finding_id)
        self.db.execute("UPDATE cases SET assignee_id = ? WHERE finding_id = ?",
                        (assignee_id, finding_id))
        text = f"assigned to {assignee_id}" + (f": {reason}" if reason.strip() else "")
        self._event(finding_id, actor, "assigned", case.state, case.state, text)
        return CaseChange(finding_id, "assigned", case.state, case.state, text,
                          tuple(sorted(case.parties())))

    def _event(self, finding_id: str, actor: str, kind: str, from_state: CaseState | None,
               to_state: CaseState | None, reason: str) -> None:
        self.db.execute(
            "INSERT INTO case_events (finding_id, at, actor, kind, from_state, to_state, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (finding_id, _now(), actor, kind, from_state and str(from_state),
             to_state and str(to_state), reason))

    # -- reading ----------------------------------------------------------------------

    _COLUMNS = ("finding_id, state, finding, fires, raised_on, due_on, assignee_id, "
                "escalated_to, action, action_due, conditions")

    def get(self, finding_id: str, with_history: bool = False) -> Case:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM cases WHERE finding_id = ?",
                              (finding_id,)).fetchone()
        if row is None:
            raise CaseNotFound(finding_id)
        case = _case(row)
        if with_history:
            case.history = [
                CaseEvent(at, actor, kind, from_state and CaseState(from_state),
                          to_state and CaseState(to_state), reason)
                for at, actor, kind, from_state, to_state, reason in self.db.execute(
                    "SELECT at, actor, kind, from_state, to_state, reason FROM case_events "
                    "WHERE finding_id = ? ORDER BY event_id", (finding_id,))
            ]
        return case

    def find(self, *, school_id: str | None = None, rule: str | None = None,
             severity: str | None = None, state: str | None = None,
             adult_id: str | None = None) -> list[Case]:
        """Cases matching every filter given, unsorted."""
        return list(cases_of(self.find_rows(school_id=school_id, rule=rule,
                                            severity=severity, state=state,
                                            adult_id=adult_id)))

    # The queue's order: overdue first, then by due date, severity (Severity.rank) and
    # finding id.
    _QUEUE_ORDER = (
        " ORDER BY NOT (state IN ({}) AND due_on < ?), due_on, CASE severity {} END, finding_id"
    ).format(", ".join(f"'{s.value}'" for s in sorted(AWAITING_DECISION)),
             " ".join(f"WHEN '{s.value}' THEN {s.rank}" for s in Severity))

    def find_rows(self, *, school_id: str | None = None, rule: str | None = None,
                  severity: str | None = None, state: str | None = None,
                  adult_id: str | None = None, queue_on: dt.date | None = None,
                  db: sqlite3.Connection | None = None) -> list[tuple]:
        """The rows of `find`, not yet made cases, in the queue's order on `queue_on` if
        given, read on `db` (default: the book's own): a reader takes these and makes the
        cases (`cases_of`) as many as it shows, so that writes do not wait while thousands
        of findings are parsed."""
        where, params = [], []
        for column, value in (("school_id", school_id), ("rule", rule), ("severity", severity),
                              ("state", state), ("adult_id", adult_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        sql = f"SELECT {self._COLUMNS} FROM cases"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if queue_on is not None:
            sql += self._QUEUE_ORDER
            params.append(queue_on.isoformat())
        return (db or self.db).execute(sql, params).fetchall()

    # -- which import opened a case ----------------------------------------------------

    def note_opened_by_import(self, finding_ids: Iterable[str], import_id: str,
                              kind: str) -> None:
        """Record that the import `import_id` (of `kind`: ctf, mis, folder) opened these
        cases; a later import that reopens one takes it over."""
        at = _now()
        self.db.executemany(
            "INSERT OR REPLACE INTO case_imports (finding_id, import_id, kind, opened_at) "
            "VALUES (?, ?, ?, ?)", [(f, import_id, kind, at) for f in finding_ids])

    def opened_by_imports(self) -> dict[str, tuple[str, str, str]]:
        """finding id -> (import id, kind, opened at) for every case an import opened."""
        return {finding_id: (import_id, kind, at) for finding_id, import_id, kind, at in
                self.db.execute("SELECT finding_id, import_id, kind, opened_at FROM case_imports")}

    # -- erasure (api/privacy.py) -------------------------------------------------------

    def of_party(self, person_id: str) -> list[str]:
        """The findings of every case where `person_id` is the adult or the counterpart."""
        return [finding_id for (finding_id,) in self.db.execute(
            "SELECT finding_id FROM cases WHERE ? IN (adult_id, counterpart_id) "
            "ORDER BY finding_id", (person_id,))]

    def erase_party(self, person_id: str, actor: str, names: Iterable[str] = ()) -> list[CaseChange]:
        """Close, with the reason "erased", every case where `person_id` is a party, and
        take them out of it: the case keeps its rule, school and the shape of its history,
        but no longer names them, holds the finding's wording or the reviewers' reasons.
        A reason in any other case that holds one of `names` (the person's names) is
        blanked too. The caller holds a transaction."""
        changes = []
        _shared_finding.cache_clear()  # no copy of the person's findings stays in memory
        for name in {n for n in names if n.strip()}:
            self.db.execute("UPDATE case_events SET reason = 'erased' "
                            "WHERE instr(reason, ?) > 0", (name,))
        for finding_id in self.of_party(person_id):
            self.db.execute("UPDATE case_events SET reason = 'erased' WHERE finding_id = ?",
                            (finding_id,))
            case = self.get(finding_id)
            finding = _without_person(case.finding, person_id)
            finding["explanation"] = "a party to this case was erased from the register"
            self.db.execute(
                "UPDATE cases SET state = 'closed', fires = 0, finding = ?, "
                "adult_id = nullif(adult_id, ?), counterpart_id = nullif(counterpart_id, ?), "
                "assignee_id = nullif(assignee_id, ?) WHERE finding_id = ?",
                (json.dumps(finding, sort_keys=True), person_id, person_id, person_id,
                 finding_id))
            self._event(finding_id, actor, "erased", case.state, CaseState.CLOSED, "erased")
            self._live_text.pop(finding_id, None)
            self._live_object.pop(finding_id, None)
            changes.append(CaseChange(finding_id, "erased", case.state, CaseState.CLOSED,
                                      "erased", ()))
        return changes


def _without_person(value, person_id: str):
    """`value` (a finding's JSON) with every mention of `person_id` made None."""
    if isinstance(value, dict):
        return {k: _without_person(v, person_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_person(v, person_id) for v in value if v != person_id]
    return None if value == person_id else value


def cases_of(rows: Iterable[tuple]) -> Iterator[Case]:
    """The cases of `find_rows`, each made as it is reached. Their findings are shared with
    other lists of cases (read them, never change them): the queue is read twice a second by
    each leader, and parsing every open case's finding again each time made each read, and
    every write waiting behind it for the interpreter, cost more the more cases were open."""
    return (_case(row, _shared_finding) for row in rows)


@lru_cache(maxsize=10_000)
def _shared_finding(text: str) -> dict:
    return json.loads(text)


def _case(row, parse: Callable[[str], dict] = json.loads) -> Case:
    (finding_id, state, finding, fires, raised_on, due_on, assignee_id, escalated_to, action,
     action_due, conditions) = row
    return Case(
        finding_id=finding_id, state=CaseState(state), finding=parse(finding),
        fires=bool(fires), raised_on=dt.date.fromisoformat(raised_on),
        due_on=dt.date.fromisoformat(due_on), assignee_id=assignee_id,
        escalated_to=escalated_to and EscalationTarget(escalated_to), action=action,
        action_due=action_due and dt.date.fromisoformat(action_due), conditions=conditions,
    )
