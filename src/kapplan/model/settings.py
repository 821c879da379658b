"""Settings and where each comes from: kapplan's defaults, the config file, a schedule, a flag.

Each setting is decided in layers, later ones winning: the built-in default,
the user's config file, the schedule file, then a command-line flag (see
`resolve`). The calendar's privacy settings (``discreet``, ``sessions_only``)
have one more layer between the files and the flag: the earlier export a
calendar is written over remembers them (`Settings.remembering`). The config
file itself is found and read by `kapplan.edge.config`; this module is its
values and the decision. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Generic, TypeVar

from msgspec import Struct
from msgspec.structs import replace
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from kapplan.model.fields import LanguageCode, ZoneName
from kapplan.model.reminders import DEFAULT_REMINDER_TEXTS, parse_reminder
from kapplan.model.schedule import Availability, Schedule, ScheduleDefaults

#: The source of a value nobody set.
DEFAULT = "default"
#: The language when nobody sets one.
DEFAULT_LANGUAGE = "en"

_T = TypeVar("_T")
_V = TypeVar("_V", covariant=True)


def _calendar_url(value: str | None) -> str | None:
    """Refuse a calendar URL that is not http(s), or that carries a password."""
    if value is None:
        return value
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest.split("/")[0]:
        raise ValueError(
            f"got {value[:80]!r}; expected the http(s) URL of a CalDAV calendar, such as "
            "https://cloud.example.org/remote.php/dav/calendars/me/kapplan/"
        )
    if ":" in rest.split("/")[0].rpartition("@")[0]:
        raise ValueError(
            "the URL carries a password; expected it in KAPPLAN_CALDAV_PASSWORD, a .netrc "
            "entry or the keyring, never in a file"
        )
    return value


def _reminders(value: object) -> object:
    """Refuse a lone string: reminders are a list (``[]`` for none)."""
    if isinstance(value, str):
        raise ValueError(f'got {value!r}; expected a list such as ["1d", "1h"], or [] for none')
    return value


def _lead_time(value: object) -> object:
    """Check one lead time as ``--remind`` would."""
    if isinstance(value, str):
        parse_reminder(value)
    return value


LeadTime = Annotated[str, BeforeValidator(_lead_time)]


class UserConfig(BaseModel):
    """The config file: every key optional; a key left out leaves the default.

    Its validator is built when a config file is first read (`defer_build`): without
    one, `empty` gives every default.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, defer_build=True)

    @classmethod
    def empty(cls) -> UserConfig:
        """Return the config of no file: every key left out (equal to ``UserConfig()``,
        without building the validator a run with no config file never uses)."""
        return cls.model_construct()

    language: LanguageCode | None = Field(
        default=None,
        description="Language of plans (en or ru) when the schedule names none.",
    )
    timezone: ZoneName | None = Field(
        default=None,
        description="IANA zone for schedules that name none, and a caseload's clock "
        "without --therapist (default: this machine's).",
    )
    availability: Availability | None = Field(
        default=None,
        description="When sessions may be placed, for schedules without [availability].",
    )
    reminders: Annotated[tuple[LeadTime, ...] | None, BeforeValidator(_reminders)] = Field(
        default=None,
        description='Reminder lead times in .ics output, e.g. ["1d", "1h"]; [] for none.',
    )
    discreet: StrictBool | None = Field(
        default=None, description="Neutral titles and texts in .ics output."
    )
    sessions_only: StrictBool | None = Field(
        default=None,
        description="Only therapy sessions and doses in .ics output (no practices or advisories).",
    )
    caldav_url: Annotated[str | None, AfterValidator(_calendar_url)] = Field(
        default=None,
        max_length=2000,
        description="The CalDAV calendar `kapplan sync` writes to when no --to is given.",
    )


class Configuration(Struct, frozen=True):
    """The user's config file as found: where it is, whether it exists, its values."""

    path: str
    """Where it is (or would be)."""
    exists: bool
    values: UserConfig

    @property
    def source(self) -> str:
        """Return the name values from this file are credited to: its path."""
        return self.path


class Sourced(Struct, Generic[_V], frozen=True):
    """A setting's value and where it came from."""

    value: _V
    source: str
    """``default``, the config file's path, the schedule file's name, or a flag."""


class Flags(Struct, frozen=True):
    """The configurable settings as given on the command line; None where not given."""

    lang: str | None = None
    reminders: tuple[str, ...] | None = None
    """``--remind`` values, or () for ``--no-remind``."""
    discreet: bool | None = None
    """True for ``--discreet``, False for ``--no-discreet``."""
    sessions_only: bool | None = None
    """True for ``--sessions-only``, False for ``--no-sessions-only``."""


class CalendarLayer(Struct, frozen=True):
    """What one file says of the calendar's privacy: a schedule, a therapist file, an
    earlier export. None where it says nothing."""

    source: str
    """The file's name."""
    discreet: bool | None = None
    sessions_only: bool | None = None


#: The sources of the privacy settings that a flag gave.
_FLAG_SOURCES = frozenset(("--discreet", "--no-discreet", "--sessions-only", "--no-sessions-only"))


class ScheduleLayer(Struct, frozen=True):
    """A schedule as one layer of settings: the model and which top-level keys its file set."""

    schedule: Schedule
    source: str
    keys: frozenset[str]


class Settings(Struct, frozen=True):
    """Every configurable setting, decided, with its source."""

    language: Sourced[str]
    timezone: Sourced[str]
    days: Sourced[tuple[str, ...]]
    hours: Sourced[str]
    days_off: Sourced[tuple[str, ...]]
    """Each entry as written back: ``2026-12-24`` or ``2026-12-24..2027-01-02``."""
    holidays: Sourced[str | None]
    reminders: Sourced[tuple[str, ...]]
    discreet: Sourced[bool]
    sessions_only: Sourced[bool] = Sourced(False, DEFAULT)
    caldav_url: Sourced[str | None] = Sourced(None, DEFAULT)
    """The calendar `kapplan sync` writes to without ``--to``."""

    def reminder_leads(self) -> tuple[timedelta, ...]:
        """Return the reminder lead times in force (each was checked where it was given)."""
        return tuple(parse_reminder(text) for text in self.reminders.value)

    def rows(self) -> list[tuple[str, Sourced[object]]]:
        """Return the settings in display order, named as in the config file."""
        return [
            ("language", self.language),
            ("timezone", self.timezone),
            ("availability.days", self.days),
            ("availability.hours", self.hours),
            ("availability.days_off", self.days_off),
            ("availability.holidays", self.holidays),
            ("reminders", self.reminders),
            ("discreet", self.discreet),
            ("sessions_only", self.sessions_only),
            ("caldav_url", self.caldav_url),
        ]

    def remembering(self, earlier: CalendarLayer) -> Settings:
        """Return the settings with what an earlier export remembers laid over the files'.

        A calendar written discreet (or with sessions only) stays so unless a
        flag says otherwise: an earlier export only ever makes the new one more
        private, so a ``discreet = true`` added to a file since still counts.

        Parameters:
            earlier: What the earlier export was written with.

        Returns:
            The settings; a setting a flag gave is kept.
        """
        kept = Sourced(True, earlier.source)
        discreet, sessions_only = self.discreet, self.sessions_only
        if earlier.discreet and discreet.source not in _FLAG_SOURCES:
            discreet = kept
        if earlier.sessions_only and sessions_only.source not in _FLAG_SOURCES:
            sessions_only = kept
        return replace(self, discreet=discreet, sessions_only=sessions_only)


def _first(*layers: tuple[_T | None, str]) -> Sourced[_T]:
    """Return the first layer that holds a value (layers given from strongest to weakest)."""
    for value, source in layers:
        if value is not None:
            return Sourced(value, source)
    raise ValueError("no layer holds a value; the last one must be the default")


def resolve(
    configuration: Configuration,
    flags: Flags,
    *,
    machine_zone: str,
    layer: ScheduleLayer | None = None,
    files: Sequence[CalendarLayer] = (),
) -> Settings:
    """Decide every setting: flag, else schedule, else config file, else default.

    Parameters:
        configuration: The user's config file.
        flags: What the command line gave.
        machine_zone: This machine's zone, the last resort for ``timezone``.
        layer: The schedule, when there is one.
        files: What the run's schedules and therapist file say of the calendar's
            privacy (`layer` counts as one too); where they disagree, the more
            private value wins.

    Returns:
        Each setting's value and source.
    """
    user, here = configuration.values, configuration.source
    schedule = layer.schedule if layer else None
    keys = layer.keys if layer else frozenset()
    there = layer.source if layer else ""
    own = schedule is not None and "availability" in keys
    available = schedule.availability if schedule is not None and own else user.availability
    where = there if own else here
    fields = available.model_fields_set if available is not None else set()
    defaults = Availability()
    if schedule is not None:
        files = (*files, CalendarLayer(there, schedule.discreet, schedule.sessions_only))
    return Settings(
        language=_first(
            (flags.lang, "--lang"),
            (schedule.language if schedule and "language" in keys else None, there),
            (user.language, here),
            (DEFAULT_LANGUAGE, DEFAULT),
        ),
        timezone=_first(
            (schedule.timezone if schedule and "timezone" in keys else None, there),
            (user.timezone, here),
            (machine_zone, DEFAULT),
        ),
        days=_first(
            (available.days if available and "days" in fields else None, where),
            (defaults.days, DEFAULT),
        ),
        hours=_first(
            (available.hours if available and "hours" in fields else None, where),
            (defaults.hours, DEFAULT),
        ),
        days_off=_first(
            (
                tuple(str(entry) for entry in available.days_off)
                if available and "days_off" in fields
                else None,
                where,
            ),
            ((), DEFAULT),
        ),
        holidays=(
            Sourced(available.holidays, where)
            if available and available.holidays is not None
            else Sourced(None, DEFAULT)
        ),
        reminders=_first(
            (flags.reminders, "--no-remind" if flags.reminders == () else "--remind"),
            (user.reminders, here),
            (DEFAULT_REMINDER_TEXTS, DEFAULT),
        ),
        discreet=_first(
            (flags.discreet, "--discreet" if flags.discreet else "--no-discreet"),
            _private(files, "discreet"),
            (user.discreet, here),
            (False, DEFAULT),
        ),
        sessions_only=_first(
            (
                flags.sessions_only,
                "--sessions-only" if flags.sessions_only else "--no-sessions-only",
            ),
            _private(files, "sessions_only"),
            (user.sessions_only, here),
            (False, DEFAULT),
        ),
        caldav_url=Sourced(user.caldav_url, here)
        if user.caldav_url is not None
        else Sourced(None, DEFAULT),
    )


def _private(files: Sequence[CalendarLayer], name: str) -> tuple[bool | None, str]:
    """Return the files' word on a privacy setting: True if any says so, else False if any."""
    said = [(getattr(layer, name), layer.source) for layer in files]
    for wanted in (True, False):
        for value, source in said:
            if value is wanted:
                return value, source
    return None, ""


def schedule_defaults(
    configuration: Configuration, flags: Flags, *, machine_zone: str
) -> ScheduleDefaults:
    """Return what a schedule gets for the settings its file leaves out (see `resolve`).

    Parameters:
        configuration: The user's config file.
        flags: What the command line gave (``--lang`` is imposed on every schedule).
        machine_zone: This machine's zone, for a schedule and config that name none.

    Returns:
        The zone `resolve` decides for a schedule that names none (the config
        file's, else `machine_zone`), the config file's language and
        availability, and the ``--lang`` flag.
    """
    user = configuration.values
    settings = resolve(configuration, flags, machine_zone=machine_zone)
    return ScheduleDefaults(
        timezone=settings.timezone.value,
        language=user.language,
        availability=user.availability,
        lang=flags.lang,
    )


__all__ = [
    "DEFAULT",
    "DEFAULT_LANGUAGE",
    "CalendarLayer",
    "Configuration",
    "Flags",
    "ScheduleLayer",
    "Settings",
    "Sourced",
    "UserConfig",
    "resolve",
    "schedule_defaults",
]
