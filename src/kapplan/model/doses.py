"""A schedule's doses: series expanded, local times resolved, sorted and checked. Pure.

This is what a schedule means, so the loader checks it (to report a problem
at its line) and the engine plans from it; with the doses come the client's
days off, holidays resolved for the years the doses' plan can reach.
`expand_doses` returns every dose and every problem at once; nothing here
reads a file or the clock, and nothing is kept between calls: a caller that
needs the doses twice keeps the `DoseExpansion` it was given.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice, pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from msgspec import Struct

from kapplan.errors import ScheduleError
from kapplan.model.days_off import plan_years
from kapplan.model.limits import (
    DEFAULT_LIMITS,
    FIRST_YEAR,
    LAST_YEAR,
    Limits,
    in_plannable_years,
    never_yields,
)
from kapplan.model.plan import Method, PlanWarning, WarningCode, WarningParam
from kapplan.model.zones import WallClockShift, offset_text, resolve_wall, wall_until

if TYPE_CHECKING:
    from kapplan.model.schedule import Schedule, SeriesEntry

#: Default length of a dose block by method (DOMAIN.md, "the dose"): esketamine
#: includes the label's two hours of observation on site.
DEFAULT_DOSE_MINUTES: dict[Method, int] = {
    Method.IV: 60,
    Method.IM: 60,
    Method.ESKETAMINE: 120,
    Method.ORAL: 120,
}


class Dose(Struct, frozen=True):
    """A dose after expansion: aware start and end, and where it came from."""

    start: datetime
    """When it starts (aware, in the schedule's zone)."""
    end: datetime
    """When the dose block ends."""
    method: Method
    """How it is given."""
    origin: str
    """Field path it came from, e.g. ``infusion[2].at`` or ``series[1] dose 3``."""


class LocalTimeNote(Struct, frozen=True):
    """A local time that a DST change made ambiguous or impossible, and how it was read."""

    shift: WallClockShift
    """``gap`` (clocks went forward over it) or ``fold`` (it happened twice)."""
    field: str
    """The field it came from: ``infusion[2].at``, or ``series[1]`` with `dose`."""
    dose: int | None
    """For a series, which of its doses (1-based)."""
    wall: datetime
    """The wall-clock time as written (naive)."""
    resolved: datetime
    """The time used (aware): moved forward out of a gap, or the first of a fold."""
    zone: str
    """The IANA zone the time is in."""

    @property
    def origin(self) -> str:
        """Return the field path as `Dose.origin` names it (``series[1] dose 3``)."""
        return self.field if self.dose is None else f"{self.field} dose {self.dose}"

    def warning(self, client: str = "") -> PlanWarning:
        """Return this note as a plan's warning (`WarningCode.DST_GAP` or `DST_FOLD`).

        Parameters:
            client: The label of the client whose plan it is.

        Returns:
            The warning, its params the note's parts.
        """
        params: dict[str, WarningParam] = {"field": self.field}
        if self.dose is not None:
            params["dose"] = self.dose
        params.update(wall=self.wall, zone=self.zone)
        if self.shift == "gap":
            params["moved"] = self.resolved
            code = WarningCode.DST_GAP
        else:
            params["offset"] = offset_text(self.resolved)
            code = WarningCode.DST_FOLD
        return PlanWarning(code=code, params=MappingProxyType(params), client=client)


class DoseExpansion(Struct, frozen=True):
    """Everything a schedule's doses are: the doses, the notes on local times, the problems."""

    doses: tuple[Dose, ...]
    """The doses in time order (empty when there are problems)."""
    notes: tuple[LocalTimeNote, ...]
    """Local times a DST change moved, in the order met."""
    problems: tuple[ScheduleError, ...]
    """Every problem (with a field path), in the order met; none for a plannable schedule."""
    days_off: frozenset[date] = frozenset()
    """The client's days without therapy sessions (local dates): ``[availability]
    days_off``, and its ``holidays`` in the years the doses' plan can reach
    (`kapplan.model.days_off.plan_years`); empty when there are problems."""

    def checked(self) -> DoseExpansion:
        """Return this expansion when it has no problem.

        Returns:
            Itself.

        Raises:
            ScheduleError: The first problem.
        """
        if self.problems:
            raise self.problems[0]
        return self


def expand_doses(schedule: Schedule, limits: Limits = DEFAULT_LIMITS) -> DoseExpansion:
    """Expand series, resolve local times in the schedule's zone, sort, and check the doses.

    Parameters:
        schedule: The validated schedule (its zone already decided).
        limits: How many doses, over how many years, the schedule may have;
            checked before a series is expanded (see `kapplan.model.limits`).

    Returns:
        The doses, notes and problems. Problems: one per series that cannot be
        expanded, per dose outside the years kapplan plans and per dose that
        starts at the same instant as the one before it; an empty schedule is
        one problem, unless a series that failed accounts for it. A schedule
        beyond `limits` is one problem: nothing else is looked at.
    """
    try:
        refuse_dose_count(len(schedule.infusion), limits)
    except ScheduleError as problem:
        return DoseExpansion((), (), (problem,))
    zone = schedule.zone
    notes: list[LocalTimeNote] = []
    problems: list[ScheduleError] = []
    raw: list[tuple[datetime, Method, int, str]] = []
    for i, entry in enumerate(schedule.infusion, start=1):
        where = f"infusion[{i}].at"
        try:
            _refuse_year(entry.at, where)
        except ScheduleError as problem:
            problems.append(problem)
            continue
        at = _resolve(entry.at, zone, notes, where, None)
        raw.append((at, entry.method, entry.minutes or DEFAULT_DOSE_MINUTES[entry.method], where))
    for i, series in enumerate(schedule.series, start=1):
        try:
            _refuse_year(series.start, f"series[{i}].start")
            budget = limits.infusions - len(raw)
            expanded = _expand(series, zone, f"series[{i}]", limits, budget)
        except ScheduleError as problem:
            problems.append(problem)
            continue
        minutes = series.minutes or DEFAULT_DOSE_MINUTES[series.method]
        for n, local in enumerate(expanded, start=1):
            at = _resolve(local, zone, notes, f"series[{i}]", n)
            raw.append((at, series.method, minutes, f"series[{i}] dose {n}"))
    if not raw and not problems:
        problems.append(
            ScheduleError(
                "the schedule has no doses; expected at least one [[infusion]] or [[series]] table"
            )
        )
    # Compare instants in UTC: aware datetimes sharing a tzinfo compare by wall
    # clock and ignore `fold`, so 01:30 EDT and 01:30 EST would look equal.
    raw.sort(key=lambda r: r[0].astimezone(UTC))
    if raw and raw[-1][0].astimezone(UTC) > limits.reach(raw[0][0].astimezone(UTC)):
        first, last = raw[0], raw[-1]
        problems.append(
            ScheduleError(
                f"{last[0].isoformat()} is more than {limits.years} years after the first "
                f"dose ({first[3]}, {first[0].isoformat()}); expected a schedule of at most "
                f"{limits.years} years, or a higher --max-years",
                field=last[3],
            )
        )
    for before, after in pairwise(raw):
        if before[0].astimezone(UTC) == after[0].astimezone(UTC):
            problems.append(
                ScheduleError(
                    f"starts at the same instant as {before[3]} ({after[0].isoformat()}); "
                    "expected every dose at a distinct time",
                    field=after[3],
                )
            )
    if problems:
        return DoseExpansion((), tuple(notes), tuple(problems))
    doses = tuple(
        Dose(
            start=at,
            end=(at.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone),
            method=method,
            origin=where,
        )
        for at, method, minutes, where in raw
    )
    years = plan_years(dose.start for dose in doses)
    return DoseExpansion(doses, tuple(notes), (), schedule.availability.dates_off(years))


def refuse_dose_count(count: int, limits: Limits, field: str | None = None) -> None:
    """Refuse a schedule with more doses than `limits` allow.

    Parameters:
        count: How many doses the schedule has (or would have).
        limits: The limits.
        field: The field to name; default: the first ``[[infusion]]`` beyond the limit.

    Raises:
        ScheduleError: When `count` is more than `Limits.infusions`.
    """
    if count > limits.infusions:
        raise ScheduleError(
            f"the schedule has more than {limits.infusions} doses, the limit; expected a "
            "shorter schedule, or a higher --max-infusions",
            field=field or f"infusion[{limits.infusions + 1}]",
        )


def _refuse_year(at: datetime, where: str) -> None:
    if not in_plannable_years(at):
        raise ScheduleError(
            f"{at.isoformat()} is outside the years kapplan plans; expected a date from "
            f"year {FIRST_YEAR} to {LAST_YEAR}",
            field=where,
        )


def _expand(
    series: SeriesEntry, zone: ZoneInfo, where: str, limits: Limits, budget: int
) -> list[datetime]:
    """Expand a series within the limits: COUNT and UNTIL are checked before
    expanding, and the expansion never looks past `Limits.years` from the start."""
    start = series.start
    field = f"{where}.rrule"
    # Recur in wall-clock time so a weekly 10:00 dose stays at 10:00 across DST.
    if start.tzinfo is not None:
        start = start.astimezone(zone).replace(tzinfo=None)
    reach = limits.reach(start)
    from dateutil import rrule as rrulemod  # only schedules with a series need it

    try:
        rule = rrulemod.rrulestr(wall_until(series.rrule, zone), dtstart=start, ignoretz=False)
        if not isinstance(rule, rrulemod.rrule):
            raise ValueError("it is not a single rule")
        freq: int = getattr(rule, "_freq", rrulemod.DAILY)
        if freq > rrulemod.DAILY:
            # Doses are days apart (DOMAIN.md, "the dose"); a sub-daily rule would make
            # dateutil step through every hour, minute or second it spans.
            raise ScheduleError(
                f"FREQ={_FREQ_NAMES[freq]} recurs within a day; expected FREQ=DAILY, "
                "WEEKLY, MONTHLY or YEARLY (doses are days apart)",
                field=field,
            )
        count: int | None = getattr(rule, "_count", None)
        until: datetime | None = getattr(rule, "_until", None)
        if count is not None and count > budget:
            raise ScheduleError(
                f"COUNT={count} is more doses than the limit of {limits.infusions} "
                "allows; expected a smaller COUNT, or a higher --max-infusions",
                field=field,
            )
        if until is not None and until > reach:
            raise ScheduleError(
                f"UNTIL {until:%Y-%m-%d} is more than {limits.years} years after the "
                f"start; expected an earlier UNTIL, or a higher --max-years",
                field=field,
            )
        impossible = never_yields(rule, start)
        # dateutil checks UNTIL only against matches; `never_yields` keeps an
        # impossible rule from being searched up to year 9999.
        capped = rule.replace(until=min(until or reach, reach), count=None)
        want = count if count is not None else budget + 1
        dates = [] if impossible else list(islice(iter(capped), want))
    except (ValueError, TypeError, OverflowError) as error:
        detail = str(error).rstrip(".") or "invalid"
        raise ScheduleError(
            f"cannot use {series.rrule!r}: {detail}; expected an RFC 5545 RRULE "
            "such as FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6",
            field=field,
        ) from None
    if count is not None and until is None and not impossible and len(dates) < count:
        raise ScheduleError(
            f"COUNT={count} reaches more than {limits.years} years past the start "
            f"({series.start.isoformat()}); expected a smaller COUNT, or a higher --max-years",
            field=field,
        )
    if not dates:
        raise ScheduleError(
            f"{series.rrule!r} yields no dose from {series.start.isoformat()}; "
            "expected at least one",
            field=field,
        )
    if len(dates) > budget:
        refuse_dose_count(limits.infusions + 1, limits, field)
    return [d.replace(tzinfo=None) if d.tzinfo is not None else d for d in dates]


#: dateutil's FREQ constants (YEARLY = 0 ... SECONDLY = 6) by name.
_FREQ_NAMES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")


def _resolve(
    at: datetime, zone: ZoneInfo, notes: list[LocalTimeNote], field: str, dose: int | None
) -> datetime:
    if at.tzinfo is not None:
        return at.astimezone(zone)
    resolved, shift = resolve_wall(at, zone)
    if shift is not None:
        notes.append(LocalTimeNote(shift, field, dose, at, resolved, zone.key))
    return resolved


__all__ = [
    "DEFAULT_DOSE_MINUTES",
    "Dose",
    "DoseExpansion",
    "LocalTimeNote",
    "expand_doses",
    "refuse_dose_count",
]
