"""The therapist file, as validated data: working time, days off, bookings, limits.

A caseload is planned against one therapist's calendar. `TherapistFile` is
the whole ``therapist.toml`` (one ``[therapist]`` table, so the same table can
later sit inside another file); `Therapist` validates it and offers the pure
views the engine needs. Nothing here reads a file or a clock: the loader reads
``busy_calendar`` (see `kapplan.formats.busy`) relative to the therapist file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kapplan.model.days_off import (
    MAX_DAYS_OFF_SPAN,
    MAX_DAYS_OFF_TOTAL,
    DaysOff,
    DaysOffList,
    HolidaysCode,
    dates_off,
)
from kapplan.model.derived import Derived
from kapplan.model.fields import DateTimeField, ZoneName
from kapplan.model.hours import (
    HourRange,
    TherapistHours,
    cut_breaks,
    parse_hours,
    parse_weekdays,
    weekday_numbers,
)
from kapplan.model.intervals import Interval, merge_intervals
from kapplan.model.zones import localize, zone_named

#: The longest single busy time, in minutes (a week); longer absences are days off.
MAX_BUSY_MINUTES = 7 * 24 * 60

_STRICT = ConfigDict(frozen=True, extra="forbid", strict=False)


def _weekdays(value: object) -> object:
    return parse_weekdays(value) if isinstance(value, list | tuple) else value


class BusyTime(BaseModel):
    """A time already booked: ``{start = …, end = …}`` or ``{start = …, minutes = …}``."""

    model_config = _STRICT

    start: DateTimeField = Field(
        description="When it starts: local (the therapist's zone) or with an offset."
    )
    end: DateTimeField | None = Field(
        default=None,
        description="When it ends (exclusive): local or with an offset; or give minutes.",
    )
    minutes: int | None = Field(
        default=None, ge=1, le=MAX_BUSY_MINUTES, description="How long it lasts; or give end."
    )

    @model_validator(mode="after")
    def _one_end(self) -> Self:
        if self.end is not None and self.minutes is not None:
            raise ValueError("gives both end and minutes; expected exactly one of them")
        if self.end is None and self.minutes is None:
            raise ValueError("gives neither end nor minutes; expected exactly one of them")
        # Naive and aware ends compare only once the therapist's zone is known
        # (see `Therapist._busy`); like with like can be checked here.
        if (
            self.end is not None
            and (self.start.tzinfo is None) == (self.end.tzinfo is None)
            and self.end <= self.start
        ):
            raise ValueError(
                f"ends at {self.end.isoformat()}, not after its start {self.start.isoformat()}; "
                "expected end after start"
            )
        return self

    def interval(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """Return the booked time as aware UTC instants.

        Parameters:
            zone: The therapist's zone, for naive (local) times.

        Returns:
            Start and end in UTC; a local time in a DST gap moves forward and
            one in a fold takes its first occurrence (`kapplan.model.zones.localize`).
        """
        start = _aware(self.start, zone)
        if self.end is not None:
            return start, _aware(self.end, zone)
        return start, start + timedelta(minutes=self.minutes or 0)


class RemoteBusy(BaseModel):
    """``busy = { caldav = "URL" }``: the busy time of a calendar on a CalDAV server."""

    model_config = _STRICT

    caldav: str = Field(
        max_length=2000,
        description="The calendar's URL (http or https); read only by `kapplan sync`.",
    )

    @field_validator("caldav")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(
                f"got {value[:80]!r}; expected the http(s) URL of a CalDAV calendar, such as "
                "https://cloud.example.org/remote.php/dav/calendars/me/work/"
            )
        return value


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = localize(moment, zone)
    return moment.astimezone(UTC)


class Therapist(Derived, BaseModel):
    """The ``[therapist]`` table: one therapist's working time, days off, bookings and limits."""

    model_config = _STRICT

    name: str = Field(
        default="", max_length=200, description="Who the calendar belongs to (optional label)."
    )
    timezone: ZoneName = Field(
        description="IANA zone, e.g. Europe/Berlin: days, hours, days off and local busy "
        "times are on this clock."
    )
    days: Annotated[tuple[str, ...], BeforeValidator(_weekdays)] = Field(
        default=("mon", "tue", "wed", "thu", "fri"),
        description="Working days, e.g. ['mon', 'tue', 'thu'].",
    )
    hours: str = Field(
        default="09:00-18:00",
        description="Working hours of each working day: HH:MM-HH:MM, several joined by commas.",
    )
    breaks: tuple[str, ...] = Field(
        default=(),
        description="Daily breaks inside the working hours, e.g. ['12:30-13:30'].",
    )
    days_off: DaysOffList = Field(
        default=(),
        description="Holidays and other days without sessions: dates, {from = …, to = …} "
        "(both included), '2026-12-24' or '2026-12-24..2027-01-02'.",
    )
    holidays: HolidaysCode | None = Field(
        default=None,
        description="A country's public holidays join the days off: an ISO 3166 code, "
        "e.g. 'PT' or 'US-NY'.",
    )
    busy: tuple[BusyTime, ...] = Field(
        default=(),
        description="Times already booked: {start = …, end = …} or {start = …, minutes = …}; "
        'times without an offset are in the therapist\'s zone. Or { caldav = "URL" }: the '
        "busy time of a CalDAV calendar, read by `kapplan sync` (the one command that "
        "connects).",
    )
    remote_busy: RemoteBusy | None = Field(
        default=None,
        exclude=True,
        description='Set from busy = { caldav = "URL" } (not a key of its own).',
    )
    busy_calendar: str | None = Field(
        default=None,
        min_length=1,
        description="An .ics export of the therapist's calendar whose events are busy time; "
        "a relative path is relative to the therapist file.",
    )
    session_minutes: int | None = Field(
        default=None,
        ge=50,
        le=90,
        description="Length of every session, 50–90; overrides each client's "
        "[plan] session_minutes.",
    )
    buffer_minutes: int = Field(
        default=10,
        ge=0,
        le=120,
        description="Free minutes kept between a session and anything else on the calendar.",
    )
    max_sessions_per_day: int = Field(
        default=6, ge=1, le=16, description="At most this many sessions on one working day."
    )
    discreet: StrictBool | None = Field(
        default=None,
        description="Neutral titles and texts in the caseload's .ics (--discreet); an "
        "earlier discreet export and the flags win over it.",
    )

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("breaks")
    @classmethod
    def _breaks(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        breaks = sorted((r for item in value for r in parse_hours(item)), key=lambda r: r.start)
        for before, after in pairwise(breaks):
            if after.start < before.end:
                raise ValueError(f"breaks {before} and {after} overlap; expected separate breaks")
        if "hours" not in info.data:
            return value  # the hours are wrong already, and reported
        hours = parse_hours(info.data["hours"])
        for pause in breaks:
            if not any(r.start <= pause.start and pause.end <= r.end for r in hours):
                shown = ", ".join(str(r) for r in hours)
                raise ValueError(
                    f"break {pause} is not inside the working hours {shown}; "
                    "expected each break within one range of hours"
                )
        if not cut_breaks(hours, breaks):
            raise ValueError("the breaks fill all working hours; expected some time to work")
        return value

    @model_validator(mode="before")
    @classmethod
    def _busy_on_a_server(cls, data: object) -> object:
        """Read ``busy = { caldav = "URL" }`` (a table, where times are a list)."""
        if not isinstance(data, dict) or not isinstance(data.get("busy"), dict):
            return data
        if "remote_busy" in data:
            raise ValueError("remote_busy is not a key of its own; expected busy = { caldav = … }")
        return {**{k: v for k, v in data.items() if k != "busy"}, "remote_busy": data["busy"]}

    @field_validator("busy")
    @classmethod
    def _busy(cls, value: tuple[BusyTime, ...], info: ValidationInfo) -> tuple[BusyTime, ...]:
        if "timezone" not in info.data:
            return value  # the zone is wrong already, and reported
        zone = zone_named(info.data["timezone"])
        for number, entry in enumerate(value, start=1):
            start, end = entry.interval(zone)
            if end <= start:
                raise ValueError(
                    f"entry {number} ends at {end.isoformat()}, not after its start "
                    f"{start.isoformat()} (in UTC); expected end after start"
                )
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        """Return the therapist's zone."""
        return zone_named(self.timezone)

    @cached_property
    def weekdays(self) -> frozenset[int]:
        """Return the working days as ``date.weekday()`` numbers."""
        return weekday_numbers(self.days)

    @cached_property
    def days_off_dates(self) -> frozenset[date]:
        """Return every day `days_off` names, ranges expanded (the therapist's local dates)."""
        return frozenset(day for entry in self.days_off for day in entry.dates())

    def dates_off(self, years: Iterable[int]) -> frozenset[date]:
        """Return every day off: `days_off` and the `holidays` of some years.

        Parameters:
            years: The years a plan can reach (`kapplan.model.days_off.plan_years`).

        Returns:
            The therapist's local dates with no session.
        """
        return dates_off(self.days_off, self.holidays, years)

    def working_ranges(self) -> tuple[HourRange, ...]:
        """Return the working hours of a working day with the breaks cut out.

        Returns:
            The ranges in order, none empty; e.g. ``09:00-18:00`` with a
            ``12:30-13:30`` break gives ``09:00-12:30`` and ``13:30-18:00``.
        """
        return cut_breaks(
            parse_hours(self.hours), [r for item in self.breaks for r in parse_hours(item)]
        )

    def is_day_off(self, day: date) -> bool:
        """Tell whether a date is one of the days off (not whether it is a working day).

        Parameters:
            day: A date on the therapist's clock.

        Returns:
            True when `days_off` names it, alone or inside a range.
        """
        return day in self.days_off_dates

    def working_time(
        self, years: Iterable[int], calendar: Iterable[Interval] = ()
    ) -> TherapistHours:
        """Return what the engine needs of this therapist.

        Parameters:
            years: The years the plan can reach, for the holidays
                (`kapplan.model.days_off.plan_years`).
            calendar: Busy time read from the therapist's ``busy_calendar``, if any.

        Returns:
            Working time, days off (holidays of `years` among them), every busy
            time, buffer and limits.
        """
        return TherapistHours(
            zone=self.zone,
            weekdays=self.weekdays,
            ranges=self.working_ranges(),
            days_off=self.dates_off(years),
            busy=(*self.busy_intervals(), *calendar),
            buffer=timedelta(minutes=self.buffer_minutes),
            max_per_day=self.max_sessions_per_day,
            session_minutes=self.session_minutes,
        )

    def busy_intervals(self) -> list[tuple[datetime, datetime]]:
        """Return the times in `busy` as sorted, merged, aware UTC intervals.

        Returns:
            Half-open ``(start, end)`` pairs in UTC, in time order; overlapping
            or touching entries are merged into one.
        """
        return merge_intervals(entry.interval(self.zone) for entry in self.busy)


class TherapistFile(BaseModel):
    """A whole ``therapist.toml``: its one ``[therapist]`` table."""

    model_config = _STRICT

    therapist: Therapist = Field(description="The therapist whose calendar a caseload fills.")


__all__ = [
    "MAX_BUSY_MINUTES",
    "MAX_DAYS_OFF_SPAN",
    "MAX_DAYS_OFF_TOTAL",
    "BusyTime",
    "DaysOff",
    "Therapist",
    "TherapistFile",
]
