"""The closed sets a user picks from on the command line: formats, views, languages, file kinds.

Kept apart and light (no dataclass, no pydantic), so the command line can
offer them at start-up without loading what uses them.
"""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """A language kapplan writes plans in; each has a message catalogue in ``data/i18n/``."""

    EN = "en"
    RU = "ru"


class FileKind(StrEnum):
    """What a file holds, and so which model checks it (``kapplan validate --kind``)."""

    SCHEDULE = "schedule"
    """A client's doses, plan settings and availability."""
    THERAPIST = "therapist"
    """A therapist file: one ``[therapist]`` table."""
    RULEBOOK = "rulebook"
    """A rulebook: ``version``, ``[methods]`` and ``[[rule]]`` tables."""


class Format(StrEnum):
    """What plans are rendered as (`kapplan.api.render`)."""

    TERMINAL = "terminal"
    """Text for people (see `View`)."""
    JSON = "json"
    """One JSON document, for scripts."""
    ICS = "ics"
    """An iCalendar file, to import into a calendar app."""
    HTML = "html"
    """A printable handout (one schedule only)."""
    VDIR = "vdir"
    """A folder of one-event .ics files (vdirsyncer's vdir), for khal and vdirsyncer."""


class View(StrEnum):
    """How `Format.TERMINAL` shows a plan."""

    AGENDA = "agenda"
    """Week by week, every event (a caseload: the therapist's agenda)."""
    MONTH = "month"
    """Month grids, each day marked by phase (one schedule only)."""


class Reader(StrEnum):
    """Whom an HTML handout (`Format.HTML`) is for."""

    PATIENT = "patient"
    """The patient: what to do and when; placement problems are left to the therapist,
    and the handout says the therapist will confirm the sessions' times."""
    THERAPIST = "therapist"
    """The therapist: the patient's handout plus the plan's warnings."""


#: The formats that are calendars: the calendar options apply, an earlier export is the ledger.
CALENDAR_FORMATS = frozenset((Format.ICS, Format.VDIR))

#: Formats told from an output file's suffix.
SUFFIX_FORMATS = {
    ".json": Format.JSON,
    ".ics": Format.ICS,
    ".txt": Format.TERMINAL,
    ".html": Format.HTML,
    ".htm": Format.HTML,
}


__all__ = ["CALENDAR_FORMATS", "SUFFIX_FORMATS", "FileKind", "Format", "Language", "View"]
