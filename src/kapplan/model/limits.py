"""Limits that protect the machine: an absurd schedule is refused before work starts.

A schedule that would make an absurd plan (thousands of doses, an RRULE
that runs for centuries, a plan of hundreds of thousands of events) is
refused with one line naming the limit and the `kapplan plan` option that
raises it, before the series is expanded or a single session is placed.
The limits are data: the CLI builds a `Limits` from its options and passes
it down to the loader and the engine. Pure: nothing here reads a file or
the clock.

| limit | default | option |
|---|---|---|
| doses in one schedule (single doses and series doses) | 1000 | ``--max-infusions`` |
| events in one client's plan (counted before placing) | 20000 | ``--max-events`` |
| years from a schedule's first dose to its last (and an RRULE's reach) | 10 | ``--max-years`` |
| size of a schedule, rulebook or therapist file | 10 MiB | fixed |
| size of an earlier export (the ``-o`` file, ``--previous``) | 64 MiB | fixed |
| depth of a dotted TOML key (``a.b.c``) | 32 | fixed |
| dates of doses | years 2 to 9998 | fixed |
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    # Only for types: the CLI imports this module at start-up, which must stay cheap.
    from dateutil import rrule as rrulemod

#: Schedule, rulebook and therapist files larger than this are refused unread.
MAX_FILE_BYTES = 10 * 1024 * 1024

#: An earlier export (the ``-o`` file a run replaces, or ``--previous``) larger than this
#: is refused unread. It is kapplan's own output, which grows with a caseload: a
#: therapist's calendar of 1,000 clients is about 10 MiB, and must be read back when
#: it is exported again; 64 MiB holds several thousand clients' and is read in bounded
#: memory (about nine times its size).
MAX_EXPORT_BYTES = 64 * 1024 * 1024

#: Keys may be dotted at most this deep (``a.b.c``): Python's TOML reader takes
#: time quadratic in the depth, minutes for a 200 kB key.
MAX_KEY_DEPTH = 32

#: Doses must lie in these years: a plan reaches weeks before its first dose and
#: months after its last, and Python's dates end at years 1 and 9999.
FIRST_YEAR, LAST_YEAR = 2, 9998

#: How far a plan reaches around its doses with kapplan's rules: from a week before
#: the first dose (preparation, up to four weeks earlier when its window is full) to
#: the end of the long arc after the last (at most 12 months, its window and four
#: weeks late). A therapist's busy calendar is read, and public holidays are
#: resolved, over this span (`plan_reach`).
PLAN_REACH_BEFORE, PLAN_REACH_AFTER = timedelta(days=60), timedelta(days=31 * 14)


class Limits(Struct, frozen=True):
    """How large a schedule and its plan may be."""

    infusions: int = 1000
    """At most this many doses in one schedule, series expanded (``--max-infusions``)."""
    events: int = 20_000
    """At most this many events in one plan (each client's, in a caseload), counted
    before placing (``--max-events``)."""
    years: int = 10
    """At most this many years from a schedule's first dose to its last (``--max-years``)."""

    def reach(self, start: datetime) -> datetime:
        """Return the latest time a dose may have in a schedule whose first dose is `start`.

        Parameters:
            start: The first dose (naive or aware).

        Returns:
            `start` plus `years` years, or the last moment of year 9999 when
            that is sooner.
        """
        year = start.year + self.years
        if year > 9999:
            return start.replace(year=9999, month=12, day=31, hour=23, minute=59, second=59)
        try:
            return start.replace(year=year)
        except ValueError:
            return start.replace(year=year, day=28)  # a leap day, in a common year


#: The limits `kapplan plan` uses unless its options say otherwise.
DEFAULT_LIMITS = Limits()


def plan_reach(first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """Return the span of time a plan of doses from `first` to `last` can place events in.

    Parameters:
        first: The first dose's start.
        last: The last dose's start.

    Returns:
        `PLAN_REACH_BEFORE` before `first` to `PLAN_REACH_AFTER` after `last`,
        each cut at the first or last moment a date can have.
    """
    return _shifted(first, -PLAN_REACH_BEFORE), _shifted(last, PLAN_REACH_AFTER)


def _shifted(moment: datetime, by: timedelta) -> datetime:
    try:
        return moment + by
    except OverflowError:
        edge = datetime.max if by > timedelta() else datetime.min
        return edge.replace(tzinfo=moment.tzinfo)


def in_plannable_years(moment: datetime) -> bool:
    """Tell whether a dose time lies in the years kapplan plans (see `FIRST_YEAR`).

    Parameters:
        moment: A dose time as written (naive or aware).

    Returns:
        True when its year is from `FIRST_YEAR` to `LAST_YEAR`.
    """
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def never_yields(rule: rrulemod.rrule, start: datetime) -> bool:
    """Tell whether a rule can never match, such as February 30th, at bounded cost.

    dateutil looks for a match up to year 9999, which takes seconds. The
    Gregorian calendar repeats every 400 years, so a copy of the rule started
    a multiple of 400 years later, in the last 400 years dateutil allows,
    matches there if it ever matches at all.

    Parameters:
        rule: The recurrence.
        start: Its first instance (DTSTART).

    Returns:
        True when no instance can ever occur.
    """
    return not _weekly_or_daily_on_weekdays(rule) and _never_matches(rule, start)


def _never_matches(rule: rrulemod.rrule, start: datetime) -> bool:
    """Tell whether a rule can never match (see `never_yields`), from where a copy of it
    matches in the last 400 years dateutil allows."""
    shift = max(0, -(-(9600 - start.year) // 400)) * 400
    positions: tuple[int, ...] = tuple(getattr(rule, "_bysetpos", None) or ())
    if positions and getattr(rule, "_freq", 0) > _DAILY:
        # A sub-daily rule's BYSETPOS picks from one hour's, minute's or second's
        # instances; when it picks none, dateutil would step through every second
        # to year 9999. When it can pick one, the rule matches where it does without it.
        if all(abs(p) > _period_size(rule) for p in positions):
            return True
        rule = rule.replace(bysetpos=None)
    probe = rule.replace(dtstart=start.replace(year=start.year + shift), count=None, until=None)
    return next(iter(probe), None) is None


#: dateutil's FREQ constants (YEARLY = 0 ... SECONDLY = 6), without importing it.
_WEEKLY, _DAILY, _HOURLY, _MINUTELY = 2, 3, 4, 5


def _weekly_or_daily_on_weekdays(rule: rrulemod.rrule) -> bool:
    """Tell whether a rule is weekly or daily and picks days by weekday alone (a weekly
    rule always has some): it matches within a week or two of any start, so it needs no
    look at the calendar's last 400 years (most dose series are so)."""
    return (
        getattr(rule, "_freq", None) in (_WEEKLY, _DAILY)
        and getattr(rule, "_bymonth", None) is None
        and not getattr(rule, "_bymonthday", None)
        and not getattr(rule, "_bynmonthday", None)
        and not getattr(rule, "_byyearday", None)
        and not getattr(rule, "_byweekno", None)
        and not getattr(rule, "_bysetpos", None)
        and getattr(rule, "_byeaster", None) is None
        and not getattr(rule, "_bynweekday", None)
    )


def _period_size(rule: rrulemod.rrule) -> int:
    """Return how many instances one period of a sub-daily rule holds, before BYSETPOS."""
    seconds = len(getattr(rule, "_bysecond", None) or (0,))
    freq = getattr(rule, "_freq", 0)
    if freq == _HOURLY:
        return len(getattr(rule, "_byminute", None) or (0,)) * seconds
    return seconds if freq == _MINUTELY else 1


def recurrence_steps(rule: rrulemod.rrule, stop: datetime) -> int:
    """Return how many periods (FREQ times INTERVAL) a rule spans from its start to `stop`.

    dateutil walks a rule period by period, matched or not: a secondly rule that
    matches once a day steps through every second (or minute) of it. This is an
    upper bound on that work, known before any step.

    Parameters:
        rule: The recurrence, with its DTSTART.
        stop: The latest instance wanted, comparable with the rule's start.

    Returns:
        The number of periods, 0 when `stop` comes before the start.
    """
    start: datetime = getattr(rule, "_dtstart")  # noqa: B009 (private in dateutil's stubs)
    interval: int = getattr(rule, "_interval", 1) or 1
    freq: int = getattr(rule, "_freq", _DAILY)
    span = (stop - start).total_seconds()
    return max(0, int(span // (_PERIOD_SECONDS[freq] * interval)) + 1)


#: The shortest length of each FREQ's period, in seconds (YEARLY ... SECONDLY).
_PERIOD_SECONDS = (365 * 86400, 28 * 86400, 7 * 86400, 86400, 3600, 60, 1)


__all__ = [
    "DEFAULT_LIMITS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_EXPORT_BYTES",
    "MAX_FILE_BYTES",
    "MAX_KEY_DEPTH",
    "PLAN_REACH_AFTER",
    "PLAN_REACH_BEFORE",
    "Limits",
    "in_plannable_years",
    "never_yields",
    "plan_reach",
    "recurrence_steps",
]
