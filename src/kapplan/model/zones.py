"""Time zones: the one place a zone name is read, and wall-clock times are resolved.

Every IANA name kapplan meets (a schedule's ``timezone``, a therapist's, the
config file's, the machine's, a JSON export's) is read by `zone_named` or
`known_zone`, so a name that is not a zone (``Europe/Londn``, or ``Europe``,
which names a folder of zones) is refused the same way everywhere. Pure: the
zone database is data that ships with Python or the system.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

#: What `ZoneInfo` raises for a name that is not a zone: unknown, malformed
#: (``../x``: ValueError), or a folder of zones (``Europe``: IsADirectoryError).
_NOT_A_ZONE = (ZoneInfoNotFoundError, ValueError, OSError)

#: How a DST change met a wall-clock time: clocks went forward over it, or back over it.
WallClockShift = Literal["gap", "fold"]


def known_zone(name: str) -> ZoneInfo | None:
    """Return the zone an IANA name names, or None when it names none.

    Parameters:
        name: A name such as ``Europe/Berlin``.

    Returns:
        The zone, or None for an unknown or malformed name or a folder of zones.
    """
    if not _ZONE_NAME.fullmatch(name):
        # zoneinfo looks a name up as a package path: a run of dots recurses without end.
        return None
    try:
        return ZoneInfo(name)
    except _NOT_A_ZONE:
        return None


#: The shape of an IANA zone name: a few parts of letters, digits, ``_``, ``-`` and ``+``.
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]{1,64}(?:/[A-Za-z0-9_+-]{1,64}){0,3}")


def zone_named(name: str) -> ZoneInfo:
    """Return the zone an IANA name names.

    Parameters:
        name: A name such as ``Europe/Berlin``.

    Returns:
        The zone.

    Raises:
        ValueError: One sentence for a person, when the name is not a zone.
    """
    zone = known_zone(name) if isinstance(name, str) else None
    if zone is None:
        close = close_zones(name) if isinstance(name, str) else []
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise ValueError(
            f"unknown time zone {name!r}{hint}; expected an IANA name such as Europe/Berlin"
        )
    return zone


@cache
def _zone_names() -> tuple[str, ...]:
    """Return every IANA zone name this machine knows, sorted (read once: it scans the files)."""
    return tuple(sorted(available_timezones()))


def _city_key(text: str) -> str:
    """Return a city as zone names spell it, for comparing: ``new york`` -> ``new_york``."""
    return "_".join(text.replace("_", " ").split()).casefold()


def close_zones(name: str, n: int = 3) -> list[str]:
    """Return the IANA names closest to a misspelt one, most alike first.

    Parameters:
        name: What was written, e.g. ``Europe/Londn``.
        n: At most this many.

    Returns:
        Up to `n` names (none when nothing is alike); a name that differs only in case,
        or a city that is the last part of a zone's name, comes first.
    """
    names = _zone_names()
    exact = [z for z in names if z.casefold() == name.casefold()]
    cities = zones_of_city(name)
    folded = {z.casefold(): z for z in names}
    # Only the near-certain: a looser cutoff offers Europe/Rome for Europe.
    near = difflib.get_close_matches(name.casefold(), list(folded), n=n, cutoff=0.85)
    alike = [folded[z] for z in near]
    return list(dict.fromkeys([*exact, *cities, *alike]))[:n]


def zones_of_city(city: str) -> list[str]:
    """Return the zones whose name ends in a city, in any case, with spaces or underscores.

    Parameters:
        city: E.g. ``London``, ``new york`` or ``lisbon``.

    Returns:
        The zone names, shortest first (``America/Buenos_Aires`` before
        ``America/Argentina/Buenos_Aires``, which name one zone); empty for none.
    """
    key = _city_key(city)
    if not key or "/" in key:
        return []
    found = [z for z in _zone_names() if "/" in z and _city_key(z.rsplit("/", 1)[1]) == key]
    return sorted(found, key=lambda z: (len(z), z))


def check_zone_name(value: object) -> object:
    """Refuse a string that names no zone (a pydantic before-validator).

    Parameters:
        value: The field's input.

    Returns:
        The value unchanged; a non-string is left to the field's type check.

    Raises:
        ValueError: For a string that is not a zone (see `zone_named`).
    """
    if isinstance(value, str):
        zone_named(value)
    return value


def resolve_wall(wall: datetime, zone: ZoneInfo) -> tuple[datetime, WallClockShift | None]:
    """Attach a zone to a wall-clock time, saying whether a DST gap or fold was met.

    A time in a gap (clocks go forward) moves forward by the gap's size, as
    RFC 5545 §3.3.5 asks; a time in a fold (clocks go back) takes its first
    occurrence.

    Parameters:
        wall: A naive local datetime.
        zone: The zone it is in.

    Returns:
        The aware datetime, and ``"gap"``, ``"fold"`` or None.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == wall.replace(tzinfo=zone, fold=1).utcoffset():
        return first, None
    moved = first.astimezone(UTC).astimezone(zone)
    if moved.replace(tzinfo=None) != wall:
        # In a gap, fold=0 carries the offset from before the change, so the
        # round trip lands the gap's length later.
        return moved, "gap"
    return first, "fold"


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """Attach a zone to a wall-clock time, resolving DST gaps and folds (see `resolve_wall`).

    Parameters:
        wall: A naive local datetime.
        zone: The zone it is in.

    Returns:
        The aware datetime.
    """
    return resolve_wall(wall, zone)[0]


def offset_text(moment: datetime) -> str:
    """Return an aware time's UTC offset as ``+02:00``.

    Parameters:
        moment: An aware datetime.

    Returns:
        The offset, sign, hours and minutes.
    """
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


_UNTIL_UTC = re.compile(r"(UNTIL=)(\d{8}T\d{6})Z", re.IGNORECASE)


def wall_until(rule: str, zone: ZoneInfo) -> str:
    """Rewrite an RRULE's UTC ``UNTIL`` in the zone's wall-clock time.

    RFC 5545 §3.3.10 asks for UNTIL in UTC when DTSTART has a zone, while a
    recurrence runs in wall-clock time (a weekly 10:00 stays at 10:00 across
    DST), and dateutil refuses a UTC UNTIL with a naive start: compare them on
    the wall clock.

    Parameters:
        rule: The RRULE text.
        zone: The zone the recurrence runs in.

    Returns:
        The text, its UTC UNTIL (if any) written as that zone's wall-clock time.
    """

    def local(match: re.Match[str]) -> str:
        moment = datetime.strptime(match.group(2), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return match.group(1) + moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")

    return _UNTIL_UTC.sub(local, rule)


__all__ = [
    "WallClockShift",
    "check_zone_name",
    "close_zones",
    "known_zone",
    "localize",
    "offset_text",
    "resolve_wall",
    "wall_until",
    "zone_named",
    "zones_of_city",
]
