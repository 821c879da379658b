"""Field types shared by the files kapplan reads: dates and times, methods, zones, languages.

Each is an ``Annotated`` type whose validator reads what people write in TOML
(a TOML datetime or a free-form date, a method's other names, an IANA zone)
and refuses the rest with one sentence saying what was expected. Pure.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Annotated, Any, Final

from pydantic import BeforeValidator

from kapplan.model.choices import Language
from kapplan.model.plan import Method
from kapplan.model.zones import check_zone_name

#: Language codes kapplan ships, each with a message catalogue in ``data/i18n/``.
LANGUAGES: Final = tuple(language.value for language in Language)

#: Accepted spellings of each method (lower-case), beyond the canonical names.
METHOD_ALIASES: Final[dict[str, Method]] = {
    "iv": Method.IV,
    "im": Method.IM,
    "esketamine": Method.ESKETAMINE,
    "spravato": Method.ESKETAMINE,
    "oral": Method.ORAL,
    "sublingual": Method.ORAL,
    "troche": Method.ORAL,
    "lozenge": Method.ORAL,
}


def _method(value: object) -> object:
    if isinstance(value, str):
        found = METHOD_ALIASES.get(value.strip().lower())
        if found is None:
            raise ValueError(
                f"unknown method {value!r}; expected one of iv, im, esketamine, oral "
                "(or spravato, sublingual, troche, lozenge)"
            )
        return found
    return value


def read_datetime(value: object) -> object:
    """Accept TOML datetimes and strings python-dateutil parses; refuse bare dates and times.

    An all-numeric date in an order other than ISO's (``12/01/2027``,
    ``01.12.2027``, ``12-01-2027``) is refused, even when only one reading is a
    date: people write day-first and month-first alike (`numeric_date_problem`).

    Fractions of a second are dropped: iCalendar times have whole seconds, and
    the JSON and the calendar must name the same instant.

    Parameters:
        value: The field's input.

    Returns:
        A datetime (naive or aware, as written).

    Raises:
        ValueError: For a date without a time, a time without a date, or text
            that is not a date and time.
    """
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, date):
        raise ValueError(f"{value.isoformat()} is a date without a time; expected a date and time")
    if isinstance(value, time):
        raise ValueError(f"{value.isoformat()} is a time without a date; expected a date and time")
    if isinstance(value, str):
        # Imported here: most schedules use TOML datetimes, and start-up matters.
        from dateutil import parser as dateparser

        problem = numeric_date_problem(value, lambda iso: _iso_form(iso, dateparser))
        if problem is not None:
            raise ValueError(problem)
        return _read_datetime_text(value, dateparser).replace(microsecond=0)
    raise ValueError(f"expected a date and time, got {type(value).__name__}")


#: Two defaults that differ in every part a dose time must state: dateutil takes a
#: part the text leaves out from its default (otherwise: from today's clock).
_DEFAULTS = (datetime(2001, 1, 1, 0, 0), datetime(2002, 2, 2, 1, 1))


def _read_datetime_text(value: str, dateparser: Any) -> datetime:
    """Read a date and time written as text, refusing what dateutil would read wrongly.

    dateutil fills parts the text leaves out from today's date and ignores a zone
    name it does not know ("10am PST" is read as 10:00 in the schedule's zone). So
    a date, an hour, and no zone but a numeric offset (or Z, UTC) are required.
    """
    zones: list[str] = []

    def zone(name: str | None, offset: int | None) -> tzinfo | None:
        if name and name.upper() not in ("Z", "UTC", "GMT"):
            zones.append(name)
            return None
        if name is None and offset is None:
            return None  # a local time: dateutil asks about every time when given a callable
        if offset is not None and not -24 * 3600 < offset < 24 * 3600:
            raise ValueError(f"the offset is {offset // 3600} hours")
        return UTC if not offset else timezone(timedelta(seconds=offset))

    try:
        found = [dateparser.parse(value, default=d, tzinfos=zone) for d in _DEFAULTS]
    except (ValueError, OverflowError) as error:
        raise ValueError(
            f"cannot read {value!r} as a date and time; expected e.g. 2026-12-01T10:00"
        ) from error
    first: datetime
    second: datetime
    first, second = found
    wall = first.replace(tzinfo=None).isoformat(timespec="minutes")
    if zones:
        raise ValueError(
            f"cannot tell which zone {zones[0]!r} is in {value!r}; expected the schedule's "
            f"local time ({wall}) or the time with its UTC offset ({wall}±HH:MM)"
        )
    if first.date() != second.date() or first.hour != second.hour:
        raise ValueError(
            f"{value!r} lacks a full date or an hour (the rest would be taken from today); "
            "expected a date and time such as 2026-12-01T10:00"
        )
    return first


#: An all-numeric date that does not start with the year: day and month in either order,
#: the same separator twice, then a year of two or four digits; the rest (a time) follows.
_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(.*)", re.DOTALL)

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def numeric_date_problem(text: str, iso_form: Any = None) -> str | None:
    """Say why an all-numeric date that is not in ISO order is refused, or None for other text.

    ``12/01/2027`` is 12 January in most of the world and 1 December in the
    United States: both readings are named, each with the ISO form that says it.
    When only one reading is a date (``25/12/2027``) it is named as the one, and
    still refused: the next date of the same file may be the ambiguous kind.

    Parameters:
        text: What was written, e.g. ``12/01/2027 14:00``.
        iso_form: Turns an ISO date followed by the rest of the text (its time) into
            the form to write, e.g. ``2027-01-12T14:00``; by default the date and the
            rest as written.

    Returns:
        One sentence, or None when the text is not such a date.
    """
    found = _NUMERIC_DATE.fullmatch(text)
    if found is None:
        return None
    first, second, year_text, rest = int(found[1]), int(found[3]), found[4], found[5]
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    readings: list[tuple[str, str]] = []
    for day, month, order in ((first, second, "day first"), (second, first, "month first")):
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        iso = when.isoformat() + rest
        form = iso_form(iso) if iso_form is not None else iso.strip()
        named = f"{when.day} {_MONTHS[when.month - 1]} {when.year}"
        if all(form != seen for _, seen in readings):
            readings.append((f"{named} ({order})", form))
    shown = text.strip()
    if not readings:
        return (
            f"cannot read {shown!r} as a date in either order (day first or month first); "
            "expected an ISO date such as 2027-01-14T09:30"
        )
    if len(readings) == 1:
        ((named, form),) = readings
        if first == second:
            return f"{shown!r} is not in ISO order (year first); expected {form}"
        return (
            f"{shown!r} can only be {named}, but all-numeric dates are read in ISO order "
            f"(year first) only; expected {form}"
        )
    (one, one_form), (other, other_form) = readings
    return (
        f"{shown!r} is ambiguous: {one} or {other}; expected the ISO form, "
        f"{one_form} or {other_form}"
    )


def _iso_form(iso: str, dateparser: Any) -> str:
    """Return an ISO date and the rest of a text (its time) as one ISO date and time."""
    try:
        moment = _read_datetime_text(iso, dateparser)
    except ValueError:
        return iso.strip()
    return moment.isoformat(timespec="seconds" if moment.second else "minutes")


def _language(value: object) -> object:
    if isinstance(value, str) and value not in LANGUAGES:
        raise ValueError(f"unknown language {value!r}; expected one of {', '.join(LANGUAGES)}")
    return value


#: A dose method, under any of its names (`METHOD_ALIASES`), in any case.
MethodField = Annotated[Method, BeforeValidator(_method)]
#: A date and time: local (no offset) or with an offset (see `read_datetime`).
DateTimeField = Annotated[datetime, BeforeValidator(read_datetime)]
#: An IANA zone name (see `kapplan.model.zones`).
ZoneName = Annotated[str, BeforeValidator(check_zone_name)]
#: A language code from `LANGUAGES`.
LanguageCode = Annotated[str, BeforeValidator(_language)]

__all__ = [
    "LANGUAGES",
    "METHOD_ALIASES",
    "DateTimeField",
    "LanguageCode",
    "MethodField",
    "ZoneName",
    "numeric_date_problem",
    "read_datetime",
]
