"""The schedule file, as validated data, and its expansion into doses.

The models only validate; they read no file and no clock. `Schedule.doses`
expands series, resolves local times in the schedule's zone and sorts, and
is pure too: the loader calls it once to report errors with their line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from itertools import islice, pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from kapplan.errors import ScheduleError
from kapplan.model.limits import (
    DEFAULT_LIMITS,
    FIRST_YEAR,
    LAST_YEAR,
    Limits,
    in_plannable_years,
    never_yields,
)
from kapplan.model.plan import Method

#: Accepted spellings of each method (lower-case), beyond the canonical names.
METHOD_ALIASES: dict[str, Method] = {
    "iv": Method.IV,
    "im": Method.IM,
    "esketamine": Method.ESKETAMINE,
    "spravato": Method.ESKETAMINE,
    "oral": Method.ORAL,
    "sublingual": Method.ORAL,
    "troche": Method.ORAL,
    "lozenge": Method.ORAL,
}

#: Default length of a dose block by method (DOMAIN.md, "the dose"): esketamine
#: includes the label's two hours of observation on site.
DEFAULT_DOSE_MINUTES: dict[Method, int] = {
    Method.IV: 60,
    Method.IM: 60,
    Method.ESKETAMINE: 120,
    Method.ORAL: 120,
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Cadence(StrEnum):
    """How often integration sessions follow doses during a course (DOMAIN.md, 001)."""

    EVERY_INFUSION = "every-infusion"
    """A session after every dose: the ideal and the default."""
    WEEKLY = "weekly"
    """One session a calendar week (Monday to Sunday): the documented minimum."""


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


def _datetime(value: object) -> object:
    """Accept TOML datetimes and strings python-dateutil parses; refuse bare dates/times.

    Fractions of a second are dropped: iCalendar times have whole seconds, and
    the JSON and the calendar must name the same instant.
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

        try:
            return dateparser.parse(value).replace(microsecond=0)
        except (ValueError, OverflowError) as error:
            raise ValueError(
                f"cannot read {value!r} as a date and time; expected e.g. 2026-12-01T10:00"
            ) from error
    raise ValueError(f"expected a date and time, got {type(value).__name__}")


MethodField = Annotated[Method, BeforeValidator(_method)]
DateTimeField = Annotated[datetime, BeforeValidator(_datetime)]

_STRICT = ConfigDict(frozen=True, extra="forbid", strict=False)


class InfusionEntry(BaseModel):
    """One `[[infusion]]` table: a single dose."""

    model_config = _STRICT

    at: DateTimeField = Field(
        description="When the dose starts: local (schedule zone) or with offset."
    )
    method: MethodField = Field(
        description="iv, im, esketamine or oral; spravato, sublingual, troche, lozenge accepted."
    )
    minutes: int | None = Field(
        default=None, ge=5, le=24 * 60, description="Length of the dose block; default by method."
    )


class SeriesEntry(BaseModel):
    """One `[[series]]` table: recurring doses expanded with an RFC 5545 RRULE."""

    model_config = _STRICT

    start: DateTimeField = Field(
        description="First dose; the recurrence keeps its wall-clock time."
    )
    rrule: str = Field(
        description="RRULE with COUNT or UNTIL, e.g. FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6."
    )
    method: MethodField = Field(
        description="iv, im, esketamine or oral; spravato, sublingual, troche, lozenge accepted."
    )
    minutes: int | None = Field(
        default=None, ge=5, le=24 * 60, description="Length of each dose block."
    )

    @field_validator("rrule")
    @classmethod
    def _bounded(cls, value: str) -> str:
        text = value.strip()
        if text.upper().startswith("RRULE:"):
            text = text[len("RRULE:") :]
        parts = {p.split("=", 1)[0].strip().upper() for p in text.split(";") if p.strip()}
        if "FREQ" not in parts:
            raise ValueError(
                f"{value!r} has no FREQ; expected e.g. FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6"
            )
        if not parts & {"COUNT", "UNTIL"}:
            raise ValueError(f"{value!r} is unbounded; expected a COUNT or UNTIL part")
        if "\n" in text or "\r" in text:
            # A second line could carry its own DTSTART, RDATE or EXDATE.
            raise ValueError(f"{value!r} has several lines; expected one RRULE line")
        return text


class PlanSettings(BaseModel):
    """The `[plan]` table: how much integration to plan."""

    model_config = _STRICT

    cadence: Cadence = Field(
        default=Cadence.EVERY_INFUSION, description="every-infusion (ideal) or weekly (minimum)."
    )
    session_minutes: int = Field(
        default=60, ge=50, le=90, description="Length of a therapy session in minutes, 50–90."
    )
    prep_sessions: int = Field(
        default=1, ge=1, le=3, description="Preparation sessions per course, 1–3."
    )
    course_gap_days: int = Field(
        default=14, ge=1, le=365, description="Doses further apart than this start a new course."
    )
    long_arc_months: int = Field(
        default=6, ge=2, le=12, description="How long the long arc runs after the last course."
    )


@dataclass(frozen=True, slots=True)
class HourRange:
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


class Availability(BaseModel):
    """The `[availability]` table: when sessions with a therapist may be placed."""

    model_config = _STRICT

    days: tuple[str, ...] = Field(
        default=("mon", "tue", "wed", "thu", "fri"), description="Weekdays, e.g. ['mon', 'wed']."
    )
    hours: str = Field(default="09:00-18:00", description="HH:MM-HH:MM, several joined by commas.")

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(d.strip().lower()[:3] for d in value)
        for given, day in zip(value, days, strict=True):
            if day not in WEEKDAYS:
                raise ValueError(
                    f"unknown day {given!r}; expected mon, tue, wed, thu, fri, sat or sun"
                )
        if not days:
            raise ValueError("no days given; expected at least one of mon … sun")
        return days

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @cached_property
    def weekdays(self) -> frozenset[int]:
        """Return the allowed days as ``date.weekday()`` numbers."""
        return frozenset(WEEKDAYS.index(d) for d in self.days)

    @cached_property
    def ranges(self) -> tuple[HourRange, ...]:
        """Return the allowed hours of each allowed day."""
        return parse_hours(self.hours)


def _language(value: object) -> object:
    from kapplan.i18n import LANGUAGES

    if isinstance(value, str) and value not in LANGUAGES:
        raise ValueError(f"unknown language {value!r}; expected one of {', '.join(LANGUAGES)}")
    return value


def _zone_name(value: object) -> object:
    if isinstance(value, str):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {value!r}; expected an IANA name such as Europe/Berlin"
            ) from None
    return value


class Schedule(BaseModel):
    """A whole schedule file: doses, how much to plan, and when sessions may be."""

    model_config = _STRICT

    timezone: Annotated[str, BeforeValidator(_zone_name)] = Field(
        default="UTC",
        description="IANA zone; local times in the file are in this zone. The loader uses "
        "the machine's zone when the file names none (UTC if it cannot tell).",
    )
    client: str = Field(default="", max_length=200, description="Who the plan is for (optional).")
    language: Annotated[str, BeforeValidator(_language)] = Field(
        default="en", description="Language of the plan's texts: en or ru."
    )
    rules: str | None = Field(
        default=None,
        min_length=1,
        description="Your own rulebook (`kapplan rules --dump`), relative to this file; "
        "`--rules` overrides it.",
    )
    infusion: tuple[InfusionEntry, ...] = Field(default=(), description="Single doses.")
    series: tuple[SeriesEntry, ...] = Field(default=(), description="Recurring doses.")
    plan: PlanSettings = Field(default_factory=PlanSettings, description="How much to plan.")
    availability: Availability = Field(
        default_factory=Availability, description="When therapy sessions may be placed."
    )

    @cached_property
    def zone(self) -> ZoneInfo:
        """Return the schedule's zone."""
        return ZoneInfo(self.timezone)

    def doses(self, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Dose], list[str]]:
        """Expand series, resolve local times, sort, and check the doses.

        Parameters:
            limits: How many doses, over how many years, the schedule may have;
                checked before a series is expanded (see `kapplan.model.limits`).

        Returns:
            The doses in time order, and notes on local times that had to be
            resolved (a DST gap or fold), one sentence each.

        Raises:
            ScheduleError: With a field path, for an empty schedule, a series
                that yields nothing or too much, two doses at one instant, a
                dose outside years 2-9998, or a schedule beyond `limits` (the
                first of `dose_problems`).
        """
        doses, notes, problems = self._checked_doses(limits)
        if problems:
            # The problems are kept for the next call (see `_expanded`): drop the
            # traceback of an earlier raise.
            raise problems[0].with_traceback(None)
        return doses, notes

    def dose_problems(self, limits: Limits = DEFAULT_LIMITS) -> list[ScheduleError]:
        """Return every problem `doses` would raise the first of, in the same order.

        Parameters:
            limits: As for `doses`.

        Returns:
            One error per series that cannot be expanded, per dose outside the
            years kapplan plans and per dose that starts at the same instant as
            the one before it; an empty schedule is one error, unless a series
            that failed accounts for it. A schedule beyond `limits` is one
            error: nothing else is looked at.
        """
        return self._checked_doses(limits)[2]

    def _checked_doses(self, limits: Limits) -> tuple[list[Dose], list[str], list[ScheduleError]]:
        # Loading, the therapist's file and the engine each ask: expand once. Fresh
        # lists each time, so no caller can change what another is given.
        doses, notes, problems = _expanded(self, limits)
        return list(doses), list(notes), list(problems)

    def _expand_doses(self, limits: Limits) -> tuple[list[Dose], list[str], list[ScheduleError]]:
        try:
            refuse_dose_count(len(self.infusion), limits)
        except ScheduleError as problem:
            return [], [], [problem]
        notes: list[str] = []
        problems: list[ScheduleError] = []
        raw: list[tuple[datetime, Method, int, str]] = []
        for i, entry in enumerate(self.infusion, start=1):
            where = f"infusion[{i}].at"
            try:
                _refuse_year(entry.at, where)
            except ScheduleError as problem:
                problems.append(problem)
                continue
            at = self._resolve(entry.at, where, notes, (where, None))
            raw.append(
                (at, entry.method, entry.minutes or DEFAULT_DOSE_MINUTES[entry.method], where)
            )
        for i, series in enumerate(self.series, start=1):
            try:
                _refuse_year(series.start, f"series[{i}].start")
                budget = limits.infusions - len(raw)
                expanded = self._expand(series, f"series[{i}]", limits, budget)
            except ScheduleError as problem:
                problems.append(problem)
                continue
            for n, local in enumerate(expanded, start=1):
                where = f"series[{i}] dose {n}"
                at = self._resolve(local, where, notes, (f"series[{i}]", n))
                raw.append(
                    (
                        at,
                        series.method,
                        series.minutes or DEFAULT_DOSE_MINUTES[series.method],
                        where,
                    )
                )
        if not raw and not problems:
            problems.append(
                ScheduleError(
                    "the schedule has no doses; "
                    "expected at least one [[infusion]] or [[series]] table"
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
        doses = [
            Dose(
                start=at,
                end=(at.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.zone),
                method=method,
                origin=where,
            )
            for at, method, minutes, where in raw
        ]
        return doses, notes, problems

    def _expand(
        self, series: SeriesEntry, where: str, limits: Limits, budget: int
    ) -> list[datetime]:
        """Expand a series within the limits: COUNT and UNTIL are checked before
        expanding, and the expansion never looks past `Limits.years` from the start."""
        start = series.start
        field = f"{where}.rrule"
        # Recur in wall-clock time so a weekly 10:00 dose stays at 10:00 across DST.
        if start.tzinfo is not None:
            start = start.astimezone(self.zone).replace(tzinfo=None)
        reach = limits.reach(start)
        from dateutil import rrule as rrulemod  # only schedules with a series need it

        try:
            text = _UNTIL_UTC.sub(lambda m: _local_until(m, self.zone), series.rrule)
            rule = rrulemod.rrulestr(text, dtstart=start, ignoretz=False)
            if not isinstance(rule, rrulemod.rrule):
                raise ValueError("it is not a single rule")
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

    def _resolve(
        self, at: datetime, where: str, notes: list[str], origin: tuple[str, int | None]
    ) -> datetime:
        if at.tzinfo is not None:
            return at.astimezone(self.zone)
        resolved, kind = resolve_wall(at, self.zone)
        if kind is not None:
            note = _local_time_text(kind, at, resolved, self.zone)
            notes.append(
                LocalTimeNote(
                    f"{where}: {note}",
                    kind=kind,
                    field=origin[0],
                    dose=origin[1],
                    wall=at,
                    resolved=resolved,
                    zone=self.zone.key,
                )
            )
        return resolved


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


_UNTIL_UTC = re.compile(r"(UNTIL=)(\d{8}T\d{6})Z", re.IGNORECASE)


def _local_until(match: re.Match[str], zone: ZoneInfo) -> str:
    """Rewrite a UTC UNTIL in the zone's wall-clock time, as the recurrence runs in it.

    RFC 5545 §3.3.10 asks for UNTIL in UTC when DTSTART has a zone, as a
    schedule's start does; dateutil refuses UTC UNTIL with a naive start.
    """
    moment = datetime.strptime(match.group(2), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return match.group(1) + moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


class LocalTimeNote(str):
    """A note that a local time had to be resolved (a DST gap or fold).

    It reads as its English sentence; its parts let a renderer say it in
    another language.
    """

    kind: Literal["gap", "fold"]
    field: str
    """The field it came from: ``infusion[2].at``, or ``series[1]`` with `dose`."""
    dose: int | None
    """For a series, which of its doses (1-based)."""
    wall: datetime
    resolved: datetime
    zone: str

    def __new__(
        cls,
        text: str,
        *,
        kind: Literal["gap", "fold"],
        field: str,
        dose: int | None,
        wall: datetime,
        resolved: datetime,
        zone: str,
    ) -> LocalTimeNote:
        """Make the note from its English text and its parts."""
        note = super().__new__(cls, text)
        note.kind, note.field, note.dose = kind, field, dose
        note.wall, note.resolved, note.zone = wall, resolved, zone
        return note

    @property
    def offset(self) -> str:
        """Return the resolved time's UTC offset, like ``+02:00``."""
        return _offset(self.resolved)


_Expanded = tuple[tuple["Dose", ...], tuple[str, ...], tuple[ScheduleError, ...]]
#: Doses already expanded, by everything they are made of (see `_expanded`).
_EXPANDED: dict[tuple[object, ...], _Expanded] = {}
#: At most this many schedules' doses are kept (a caseload's clients, and more).
_EXPANDED_MAX = 1 << 14


def _expanded(schedule: Schedule, limits: Limits) -> _Expanded:
    """Return a schedule's doses, notes and problems (`Schedule._expand_doses`), expanded
    once for every schedule with the same zone, doses and series (all are frozen): the
    loader, the therapist's file and the engine each ask for them, some of a copy that
    differs in other fields (language, session length)."""
    key = (schedule.zone, schedule.infusion, schedule.series, limits)
    found = _EXPANDED.get(key)
    if found is None:
        if len(_EXPANDED) >= _EXPANDED_MAX:
            _EXPANDED.clear()
        doses, notes, problems = schedule._expand_doses(limits)
        found = _EXPANDED[key] = (tuple(doses), tuple(notes), tuple(problems))
    return found


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose after expansion: aware start and end, and where it came from."""

    start: datetime
    end: datetime
    method: Method
    origin: str
    """Field path it came from, e.g. ``infusion[2].at`` or ``series[1] dose 3``."""


def localize(wall: datetime, zone: ZoneInfo) -> tuple[datetime, str | None]:
    """Attach a zone to a wall-clock time, resolving DST gaps and folds.

    A time in a gap (clocks go forward) moves forward by the gap's size; a
    time in a fold (clocks go back) takes its first occurrence. Either way a
    note says so.

    Parameters:
        wall: A naive local datetime.
        zone: The zone it is in.

    Returns:
        The aware datetime, and a note when it had to be resolved.
    """
    resolved, kind = resolve_wall(wall, zone)
    return resolved, None if kind is None else _local_time_text(kind, wall, resolved, zone)


def resolve_wall(wall: datetime, zone: ZoneInfo) -> tuple[datetime, Literal["gap", "fold"] | None]:
    """Attach a zone to a wall-clock time, saying whether a DST gap or fold was met.

    Parameters:
        wall: A naive local datetime.
        zone: The zone it is in.

    Returns:
        The aware datetime (moved forward by a gap, the first of a fold), and
        ``"gap"``, ``"fold"`` or None.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == wall.replace(tzinfo=zone, fold=1).utcoffset():
        return first, None
    moved = first.astimezone(UTC).astimezone(zone)
    if moved.replace(tzinfo=None) != wall:
        # In a gap, fold=0 carries the offset from before the change, so the
        # round trip lands the gap's length later (as RFC 5545 §3.3.5 asks).
        return moved, "gap"
    return first, "fold"


def _local_time_text(
    kind: Literal["gap", "fold"], wall: datetime, resolved: datetime, zone: ZoneInfo
) -> str:
    if kind == "gap":
        return (
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.key} (clocks go forward); "
            f"using {resolved:%H:%M}"
        )
    return (
        f"{wall:%Y-%m-%d %H:%M} happens twice in {zone.key} (clocks go back); "
        f"using the first, UTC{_offset(resolved)}"
    )


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


__all__ = [
    "DEFAULT_DOSE_MINUTES",
    "METHOD_ALIASES",
    "Availability",
    "Cadence",
    "Dose",
    "HourRange",
    "InfusionEntry",
    "PlanSettings",
    "Schedule",
    "SeriesEntry",
    "localize",
    "parse_hours",
]
