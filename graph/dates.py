"""How the register reads a calendar date it is given: `YYYY-MM-DD` and nothing else, from
every file, API body, page form and command-line option.

Python's own `date.fromisoformat` takes much more since 3.11 (`2026-W40-4`, `20261001`,
and `datetime.fromisoformat` takes `2026-10-01 12:00`), so it is not used on what people
and other systems send. Where an outside format documents another form, the form is read
here too, by its own function: the date and time of a CTF's header (xs:dateTime) and the
`DD/MM/YYYY` English MIS exports write (docs/imports.md).

>>> parse_date("2026-10-01")
datetime.date(2026, 10, 1)
>>> try:
...     parse_date("2026-W40-4")
... except DateError as error:
...     print(error)
'2026-W40-4' is not a date (YYYY-MM-DD)
"""

from __future__ import annotations

import datetime as dt
import re

ISO_DATE = "YYYY-MM-DD"
# [0-9], not \d: \d takes any script's digits ('２０２６' or '٢٠٢٦').
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
# xs:dateTime as a CTF header writes it: 2026-10-01T09:30:00, perhaps with a fraction of a
# second and a time zone.
_XS_DATE_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?")


class DateError(ValueError):
    """Text that is not a date in the form asked for; the message quotes it and gives the
    form. A ValueError, so that every reader that reports a bad value reports this one."""


class NoSuchDay(DateError):
    """Text in the form asked for that names no day (`2026-02-30`)."""


def _day(text: str, year: str, month: str, day: str, form: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise NoSuchDay(f"{text!r} is not a date that exists ({form})") from None


def parse_date(text: str) -> dt.date:
    """A calendar date written `YYYY-MM-DD`; DateError for anything else (a week date, an
    ordinal date, a date and time, `20261001`, a two-digit year, a day that does not exist).
    """
    match = _ISO.fullmatch(text)
    if match is None:
        raise DateError(f"{text!r} is not a date ({ISO_DATE})")
    return _day(text, *match.groups(), ISO_DATE)


def parse_day_month_year(text: str) -> dt.date:
    """`DD/MM/YYYY` (a day or month of one digit too, as a spreadsheet resaves them), the
    form English MIS exports write dates in. Never a two-digit year: `03/09/24` could be
    1924 or 2024."""
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        raise DateError(f"{text!r} is not a date (DD/MM/YYYY)")
    day, month, year = match.groups()
    return _day(text, year, month, day, "DD/MM/YYYY")


def parse_date_of_date_time(text: str) -> dt.date:
    """The day of an xs:dateTime (`2026-10-01T09:30:00`, perhaps with a fraction of a second
    and a zone), as a CTF's header gives the file's date; its time is not kept."""
    match = _XS_DATE_TIME.fullmatch(text)
    if match is None:
        raise DateError(f"{text!r} is not a date and time (YYYY-MM-DDThh:mm:ss)")
    hour, minute, second = (int(n) for n in match.group(2, 3, 4))
    if hour > 23 or minute > 59 or second > 59:
        raise DateError(f"{text!r} is not a time that exists (YYYY-MM-DDThh:mm:ss)")
    year, month, day = match.group(1).split("-")
    return _day(text, year, month, day, "YYYY-MM-DDThh:mm:ss")


def parse_mis_date(text: str) -> dt.date:
    """A date of an MIS export: `DD/MM/YYYY` as English MIS exports write dates, or
    `YYYY-MM-DD`. Every date column of every mapping is read in these two forms only.

    >>> parse_mis_date("03/09/2024"), parse_mis_date("2024-09-03")
    (datetime.date(2024, 9, 3), datetime.date(2024, 9, 3))
    """
    if "/" in text:
        return parse_day_month_year(text)
    try:
        return parse_date(text)
    except NoSuchDay:
        raise
    except DateError:
        raise DateError(f"{text!r} is not a date (DD/MM/YYYY or YYYY-MM-DD)") from None
