"""Why a finding started or stopped firing between two evaluation dates, in the facts'
own terms: a membership that started or ended, a birthday that crossed the age limit."""

from __future__ import annotations

import datetime as dt

from graph.profiles import load_profile
from graph.store.base import Store


def what_happened(store: Store, finding: dict, since: dt.date | None, as_of: dt.date) -> str:
    """What happened to the finding's people after `since` and up to `as_of`; on a first
    run (no `since`) there is nothing to compare with."""
    if since is None:
        return "first evaluation"
    parties = [p for p in (finding["adult_id"], finding["counterpart_id"]) if p]
    school = next((s for s in store.schools() if s.school_id == finding["school_id"]), None)
    age_limit = load_profile(school.profile).ex_pupil_age_limit if school else None
    events: list[tuple[dt.date, str]] = []
    for person_id in parties:
        for m in store.memberships_of(person_id):
            if since < m.start_date <= as_of:
                events.append((m.start_date, f"{person_id} joined {m.school_id} as {m.role} on {m.start_date}"))
            # a membership ending on day E is still active on E: it counts from the day after
            if m.end_date is not None and since <= m.end_date < as_of:
                events.append((m.end_date, f"{person_id}'s {m.role} membership at {m.school_id} "
                                           f"ended on {m.end_date}"))
        person = store.person(person_id)
        if age_limit is not None and person is not None and person.date_of_birth is not None:
            birthday = person.date_of_birth.birthday_in(person.date_of_birth.year + age_limit)
            if since < birthday <= as_of:
                events.append((birthday, f"{person_id} turned {age_limit} on {birthday}"))
    if not events:
        return "the facts changed"
    return "; ".join(text for _, text in sorted(events))
