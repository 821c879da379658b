"""The schedule file, as validated data: doses, plan settings and availability.

The models only validate; they read no file and no clock. What the doses are
(series expanded, local times resolved) is `kapplan.model.doses`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from msgspec import Struct
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from kapplan.errors import ScheduleError
from kapplan.model.days_off import DaysOffList, HolidaysCode, dates_off
from kapplan.model.derived import Derived
from kapplan.model.fields import DateTimeField, LanguageCode, MethodField, ZoneName
from kapplan.model.hours import HourRange, parse_hours, parse_weekdays, weekday_numbers
from kapplan.model.limits import DEFAULT_LIMITS, Limits
from kapplan.model.zones import zone_named

if TYPE_CHECKING:
    from kapplan.model.doses import Dose, LocalTimeNote


class Cadence(StrEnum):
    """How often integration sessions follow doses during a course (DOMAIN.md, 001)."""

    EVERY_INFUSION = "every-infusion"
    """A session after every dose: the ideal and the default."""
    WEEKLY = "weekly"
    """One session a calendar week (Monday to Sunday): the documented minimum."""


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
        default=14,
        ge=1,
        le=365,
        description="Calendar days between dose starts beyond which a new course starts.",
    )
    long_arc_months: int = Field(
        default=6, ge=2, le=12, description="How long the long arc runs after the last course."
    )


class Availability(Derived, BaseModel):
    """The `[availability]` table: when sessions with a therapist may be placed."""

    model_config = _STRICT

    days: tuple[str, ...] = Field(
        default=("mon", "tue", "wed", "thu", "fri"), description="Weekdays, e.g. ['mon', 'wed']."
    )
    hours: str = Field(default="09:00-18:00", description="HH:MM-HH:MM, several joined by commas.")
    days_off: DaysOffList = Field(
        default=(),
        description="No sessions on these dates (practices go on), e.g. "
        "[2026-12-24, '2026-12-28..2027-01-01'].",
    )
    holidays: HolidaysCode | None = Field(
        default=None,
        description="No sessions on a country's public holidays: an ISO 3166 code, "
        "e.g. 'DE' or 'US-NY'.",
    )

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return parse_weekdays(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @cached_property
    def weekdays(self) -> frozenset[int]:
        """Return the allowed days as ``date.weekday()`` numbers."""
        return weekday_numbers(self.days)

    @cached_property
    def ranges(self) -> tuple[HourRange, ...]:
        """Return the allowed hours of each allowed day."""
        return parse_hours(self.hours)

    def dates_off(self, years: Iterable[int]) -> frozenset[date]:
        """Return the days without therapy sessions: `days_off` and the `holidays` of some years.

        Parameters:
            years: The years the plan can reach (`kapplan.model.days_off.plan_years`).

        Returns:
            Local dates in the schedule's zone.
        """
        return dates_off(self.days_off, self.holidays, years)


class Schedule(Derived, BaseModel):
    """A whole schedule file: doses, how much to plan, and when sessions may be."""

    model_config = _STRICT

    timezone: ZoneName = Field(
        default="UTC",
        description="IANA zone; local times in the file are in this zone. The loader uses "
        "the machine's zone when the file names none (UTC if it cannot tell).",
    )
    client: str = Field(default="", max_length=200, description="Who the plan is for (optional).")
    language: LanguageCode = Field(
        default="en", description="Language of the plan's texts: en or ru."
    )
    rules: str | None = Field(
        default=None,
        min_length=1,
        description="Your own rulebook (`kapplan rules --dump`), relative to this file; "
        "`--rules` overrides it.",
    )
    discreet: StrictBool | None = Field(
        default=None,
        description="Neutral titles and texts in .ics output (--discreet); an earlier "
        "discreet export and the flags win over it.",
    )
    sessions_only: StrictBool | None = Field(
        default=None,
        description="Only therapy sessions and doses in .ics output (--sessions-only); "
        "an earlier export of sessions only and the flags win over it.",
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
        return zone_named(self.timezone)

    def doses(self, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Dose], list[LocalTimeNote]]:
        """Expand series, resolve local times, sort, and check the doses (see
        `kapplan.model.doses.expand_doses`).

        Parameters:
            limits: How many doses, over how many years, the schedule may have.

        Returns:
            The doses in time order, and the local times a DST change moved.

        Raises:
            ScheduleError: With a field path, the first problem of the doses.
        """
        from kapplan.model.doses import expand_doses

        found = expand_doses(self, limits).checked()
        return list(found.doses), list(found.notes)

    def dose_problems(self, limits: Limits = DEFAULT_LIMITS) -> list[ScheduleError]:
        """Return every problem `doses` would raise the first of, in the same order.

        Parameters:
            limits: As for `doses`.

        Returns:
            The problems (see `kapplan.model.doses.expand_doses`).
        """
        from kapplan.model.doses import expand_doses

        return list(expand_doses(self, limits).problems)


class ScheduleDefaults(Struct, frozen=True):
    """What a schedule gets for the settings its file leaves out, and what a flag imposes.

    The user's config file and this machine decide them (`kapplan.edge.config`);
    the loader applies them before the doses are read, since local times are
    read in the zone.
    """

    timezone: str = "UTC"
    """The zone of a schedule that names none: the config file's, else this machine's."""
    language: str | None = None
    """The language of a schedule that names none (the config file's); None leaves ``en``."""
    availability: Availability | None = None
    """The ``[availability]`` of a schedule without one (the config file's)."""
    lang: str | None = None
    """A language imposed on every schedule, over its own (``--lang``)."""

    def apply(self, schedule: Schedule) -> Schedule:
        """Return the schedule with every setting decided.

        Parameters:
            schedule: The schedule as its file gives it.

        Returns:
            The schedule: its own zone, else `timezone`; `lang`, else its own
            language, else `language`, else ``en``; its own availability, else
            `availability`.
        """
        given = schedule.model_fields_set
        update: dict[str, object] = {}
        if "timezone" not in given:
            update["timezone"] = self.timezone
        language = self.lang or (schedule.language if "language" in given else None)
        update["language"] = language or self.language or "en"
        if "availability" not in given and self.availability is not None:
            update["availability"] = self.availability
        return schedule.model_copy(update=update)


#: A schedule's own settings, else kapplan's: zone UTC, English, weekdays 09:00-18:00.
NO_DEFAULTS = ScheduleDefaults()

__all__ = [
    "NO_DEFAULTS",
    "Availability",
    "Cadence",
    "InfusionEntry",
    "PlanSettings",
    "Schedule",
    "ScheduleDefaults",
    "SeriesEntry",
]
