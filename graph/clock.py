"""The school's time. The register keeps its moments in UTC (the audit trail, the cases'
histories, the import log, the notifications); a person reads them in the school's own time
zone, Europe/London: 09:30 in July is 08:30 UTC.

>>> school_time("2026-07-01T08:30:00+00:00").strftime("%H:%M %Z")
'09:30 BST'
>>> school_time(1795000000.0).isoformat()
'2026-11-18T11:06:40+00:00'
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SCHOOL_TIME = ZoneInfo("Europe/London")


def school_time(moment: str | float | dt.datetime) -> dt.datetime:
    """A moment (ISO 8601 text, a Unix timestamp or a datetime; one without a zone is UTC)
    in the school's time zone."""
    if isinstance(moment, (int, float)):
        moment = dt.datetime.fromtimestamp(moment, dt.UTC)
    elif isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SCHOOL_TIME)
