"""Field types shared by the files kapplan reads: dates and times, methods, zones, languages.

Each is an ``Annotated`` type whose validator reads what people write in TOML
(a TOML datetime or a free-form date, a method's other names, an IANA zone)
and refuses the rest with one sentence saying what was expected. Pure.
"""

from __future__ import annotations

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
    "read_datetime",
]
