"""Clock hours and weekdays: when in a week something may happen, and a therapist's time.

A schedule's ``[availability]``, a therapist's working time and a practice
rule's ``hours`` are written the same way: weekday names (``mon`` … ``sun``)
and ranges of clock time (``09:00-12:00, 13:00-18:00``). `TherapistHours` is
what the engine knows of a therapist (the therapist file itself is
`kapplan.model.therapist`). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from msgspec import Struct

from kapplan.model.intervals import Interval

#: Weekday names in ``date.weekday()`` order.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HourRange(Struct, frozen=True):
    """A range of local clock time within one day, in minutes after midnight, end exclusive."""

    start: int
    end: int

    def __str__(self) -> str:
        return (
            f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"
        )


_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> tuple[HourRange, ...]:
    """Parse ``"09:00-12:00, 13:00-18:00"`` into ordered, non-overlapping ranges.

    Parameters:
        text: One or more ``HH:MM-HH:MM`` ranges separated by commas; ``24:00`` ends a day.

    Returns:
        The ranges, sorted.

    Raises:
        ValueError: When a range is malformed, empty or overlaps another.
    """
    ranges: list[HourRange] = []
    for part in text.split(","):
        match = _HOURS.match(part)
        if not match:
            raise ValueError(
                f"cannot read {part.strip()!r}; expected HH:MM-HH:MM, e.g. 09:00-18:00"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"{part.strip()!r} is not a time of day; expected HH:MM-HH:MM")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise ValueError(f"{part.strip()!r} ends before it starts; expected start < end")
        ranges.append(HourRange(start, end))
    ranges.sort(key=lambda r: r.start)
    for before, after in pairwise(ranges):
        if after.start < before.end:
            raise ValueError(f"{before} and {after} overlap")
    return tuple(ranges)


def parse_weekdays(given: Iterable[object]) -> tuple[str, ...]:
    """Read weekday names, in any case and spelled out or not (``Monday``, ``mon``).

    Parameters:
        given: The names as written.

    Returns:
        The three-letter names, in the order given.

    Raises:
        ValueError: For a name that is not a weekday, or no names at all.
    """
    days = []
    for name in given:
        day = name.strip().lower()[:3] if isinstance(name, str) else None
        if day not in WEEKDAYS:
            raise ValueError(f"unknown day {name!r}; expected mon, tue, wed, thu, fri, sat or sun")
        days.append(day)
    if not days:
        raise ValueError("no days given; expected at least one of mon … sun")
    return tuple(days)


def weekday_numbers(days: Iterable[str]) -> frozenset[int]:
    """Return three-letter weekday names as ``date.weekday()`` numbers.

    Parameters:
        days: Names from `WEEKDAYS`.

    Returns:
        Their numbers, Monday being 0.
    """
    return frozenset(WEEKDAYS.index(d) for d in days)


def cut_breaks(hours: Iterable[HourRange], breaks: Iterable[HourRange]) -> tuple[HourRange, ...]:
    """Remove breaks from ranges of hours, dropping what becomes empty.

    Parameters:
        hours: The ranges, in order.
        breaks: The breaks to cut out.

    Returns:
        What is left, in order; e.g. ``09:00-18:00`` less ``12:30-13:30`` is
        ``09:00-12:30`` and ``13:30-18:00``.
    """
    pieces = list(hours)
    for pause in breaks:
        kept: list[HourRange] = []
        for piece in pieces:
            if pause.end <= piece.start or piece.end <= pause.start:
                kept.append(piece)
                continue
            if piece.start < pause.start:
                kept.append(HourRange(piece.start, pause.start))
            if pause.end < piece.end:
                kept.append(HourRange(pause.end, piece.end))
        pieces = kept
    return tuple(pieces)


class TherapistHours(Struct, frozen=True):
    """What the engine needs to know of a therapist: when they work and what is booked."""

    zone: ZoneInfo
    """The therapist's zone: working days, hours and days off are on this clock."""
    weekdays: frozenset[int]
    """Working days as `date.weekday()` numbers."""
    ranges: tuple[HourRange, ...]
    """Working hours of each working day, breaks already cut out."""
    days_off: frozenset[date] = frozenset()
    """Holidays and other dates with no sessions (therapist's local dates)."""
    busy: tuple[Interval, ...] = ()
    """Times already booked (aware), e.g. read from the therapist's calendar."""
    buffer: timedelta = timedelta()
    """Free time kept between a session and anything else on the therapist's calendar."""
    max_per_day: int | None = None
    """At most this many sessions on one of the therapist's local days."""
    session_minutes: int | None = None
    """Length of every session, overriding each client's `[plan] session_minutes`."""


__all__ = [
    "WEEKDAYS",
    "HourRange",
    "cut_breaks",
    "parse_hours",
    "parse_weekdays",
    "weekday_numbers",
]
