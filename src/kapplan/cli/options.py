"""Every option of the command line, declared once, and how flags name the library's fields.

A command's signature says ``lang: LangOption = None``; an option whose help
depends on the command takes it from a factory (``rules_option("...")``), so
the flag, its type and its checks are still written once. Importing this
module costs nothing heavy: the CLI builds it at start-up.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kapplan.model.choices import FileKind, Format, Language, Reader, View
from kapplan.model.limits import DEFAULT_LIMITS

if TYPE_CHECKING:
    from kapplan.model.settings import Flags

#: The help panel of the calendar options.
CALENDAR_PANEL = "Calendar (.ics) options"
#: The help panel of the limits.
LIMITS_PANEL = "Limits (refuse an absurd schedule before any work)"
#: The help panel of `kapplan init`'s answers.
ANSWERS_PANEL = "Answers (asked in a terminal unless given)"

#: The flag of each library field an error may name (`KapplanError.renamed`).
FLAGS = {
    "reminders": "--remind",
    "stamp": "--stamp",
    "calendar_name": "--calendar-name",
    "discreet": "--discreet",
    "client": "--client",
    "from": "--from",
    "to": "--to",
    "kind": "--kind",
}


class TextFormat(StrEnum):
    """Output formats of the commands that write for people or for scripts."""

    TERMINAL = "terminal"
    JSON = "json"


# -- shared by several commands --------------------------------------------------------

OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (atomically) instead of stdout.",
        dir_okay=False,
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Overwrite an existing output file (without it, only a calendar or handout "
        "kapplan wrote is replaced).",
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict", help="Exit with status 1 when the plan has warnings (it is still written)."
    ),
]


def text_format_option(help: str, *, show_default: bool = True) -> Any:
    """Return the ``--format`` option of a command that writes terminal text or JSON."""
    return typer.Option("--format", "-f", help=help, show_default=show_default, metavar="FORMAT")


def answer_option(metavar: str, help: str) -> Any:
    """Return an option of `kapplan init` that answers one of its questions."""
    return typer.Option(
        metavar=metavar, help=help, show_default=False, rich_help_panel=ANSWERS_PANEL
    )


def lang_option(help: str) -> Any:
    """Return the ``--lang`` option: a language of `Language`."""
    return typer.Option("--lang", help=help, show_default=False)


def rules_option(help: str) -> Any:
    """Return the ``--rules`` option: a rulebook file."""
    return typer.Option("--rules", help=help, dir_okay=False, show_default=False)


def remind_option(help: str) -> Any:
    """Return the ``--remind`` option: a reminder lead time, repeatable."""
    return typer.Option("--remind", help=help, metavar="LEAD", rich_help_panel=CALENDAR_PANEL)


def no_remind_option(help: str) -> Any:
    """Return the ``--no-remind`` option."""
    return typer.Option("--no-remind", help=help, rich_help_panel=CALENDAR_PANEL)


def discreet_option(help: str) -> Any:
    """Return the ``--discreet/--no-discreet`` option."""
    return typer.Option("--discreet/--no-discreet", help=help, rich_help_panel=CALENDAR_PANEL)


SessionsOnlyOption = Annotated[
    bool | None,
    typer.Option(
        "--sessions-only/--no-sessions-only",
        help="Only therapy sessions and doses in the calendar, no practices or advisories "
        "(default: the earlier export's choice, else the schedule's `sessions_only`, else the "
        "config file's, else off).",
        show_default=False,
        rich_help_panel=CALENDAR_PANEL,
    ),
]


# -- kapplan plan --------------------------------------------------------------------------

SchedulesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Schedule file (TOML), - for stdin, or several files and folders (every "
        ".toml in a folder) to plan a therapist's caseload together. With none, the "
        "schedule is read from stdin when it is not a terminal (kapplan plan < course.toml).",
        show_default=False,
        metavar="SCHEDULE...",
    ),
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="terminal (for people), json (for scripts), ics (a calendar), html (a "
        "printable handout) or vdir (a folder of one-event .ics files, for khal and "
        "vdirsyncer; needs -o FOLDER). Default: from -o: an existing folder or a path "
        "ending in / is vdir, else the suffix (.json, .ics, .html); else terminal.",
        show_default=False,
    ),
]
PlanOutputOption = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (atomically) instead of stdout; for --format vdir, into "
        "this folder (created if missing, not its parents).",
        metavar="PATH",
        show_default=False,
    ),
]
ViewOption = Annotated[
    View | None,
    typer.Option(
        "--view",
        help="The terminal view: agenda (week by week, every event; the default) or month "
        "(month grids, each day marked by phase).",
        show_default=False,
    ),
]
ReaderOption = Annotated[
    Reader | None,
    typer.Option(
        "--for",
        help="Whom the HTML handout is for: patient (what to do and when; the default) or "
        "therapist (also the plan's warnings: sessions placed outside their windows).",
        show_default=False,
    ),
]
TherapistOption = Annotated[
    Path | None,
    typer.Option(
        "--therapist",
        help="A therapist file ([therapist]: zone, days, hours, breaks, days off, busy "
        "times or calendar, session length, buffer, sessions a day): plan the schedules "
        "as this therapist's caseload.",
        dir_okay=False,
    ),
]
ClientOption = Annotated[
    str | None,
    typer.Option(
        "--client",
        help="One client of the caseload, by label (any case): that client's own plan, "
        "on their clock and in their language, with the times booked in the caseload.",
        metavar="LABEL",
        show_default=False,
    ),
]
#: The options that show part of a plan.
FILTER_PANEL = "Filters"
FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DAY",
        help="Show events from this day on (inclusive): YYYY-MM-DD, today, tomorrow, "
        "yesterday, or +N/-N days or weeks from today (+7d, -2w).",
        show_default=False,
        rich_help_panel=FILTER_PANEL,
    ),
]
ToOption = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="DAY",
        help="Show events up to this day (inclusive); the same forms as --from.",
        show_default=False,
        rich_help_panel=FILTER_PANEL,
    ),
]
KindFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        metavar="KIND",
        help="Show only sessions, doses or practices (several joined by commas, or the "
        "option repeated).",
        show_default=False,
        rich_help_panel=FILTER_PANEL,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Say nothing on stderr after writing -o (errors and warnings are still said).",
    ),
]
PreviousOption = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        "--cancel-from",
        help="An earlier export: bump SEQUENCE of changed events, cancel vanished ones "
        "(default: the -o file, when kapplan wrote it; for a vdir, kapplan's items in it).",
        dir_okay=False,
        rich_help_panel=CALENDAR_PANEL,
    ),
]
ReplanOption = Annotated[
    bool,
    typer.Option(
        "--replan",
        help="Place every session afresh (default: a session the earlier export booked "
        "stays where it is while it is still valid, so times told to clients hold).",
        rich_help_panel=CALENDAR_PANEL,
    ),
]
StampOption = Annotated[
    str | None,
    typer.Option(
        "--stamp",
        metavar="TIME",
        help="DTSTAMP: 'now' or an ISO 8601 time with offset (default: from the schedule, "
        "so an unchanged schedule gives an identical file).",
        rich_help_panel=CALENDAR_PANEL,
    ),
]
CalendarNameOption = Annotated[
    str | None,
    typer.Option(
        "--calendar-name",
        metavar="NAME",
        help="The calendar's name.",
        rich_help_panel=CALENDAR_PANEL,
    ),
]
MaxInfusionsOption = Annotated[
    int,
    typer.Option(
        "--max-infusions",
        min=1,
        help="Refuse a schedule with more doses than this (series expanded).",
        rich_help_panel=LIMITS_PANEL,
    ),
]
MaxEventsOption = Annotated[
    int,
    typer.Option(
        "--max-events",
        min=1,
        help="Refuse a client's plan of more events than this, before placing any (in a "
        "caseload, each client's plan on its own).",
        rich_help_panel=LIMITS_PANEL,
    ),
]
MaxYearsOption = Annotated[
    int,
    typer.Option(
        "--max-years",
        min=1,
        max=1000,
        help="Refuse a schedule whose doses (or a series' RRULE) span more years than this.",
        rich_help_panel=LIMITS_PANEL,
    ),
]
#: The limits' defaults, for the signatures.
MAX_INFUSIONS, MAX_EVENTS, MAX_YEARS = (
    DEFAULT_LIMITS.infusions,
    DEFAULT_LIMITS.events,
    DEFAULT_LIMITS.years,
)

# -- kapplan validate ----------------------------------------------------------------------

FilesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Schedule, therapist or rulebook files (TOML), folders (every .toml in them), "
        "or - for stdin; with none, stdin when it is not a terminal.",
        show_default=False,
        metavar="FILE...",
    ),
]
KindOption = Annotated[
    FileKind | None,
    typer.Option(
        "--kind",
        help="Check every file as a schedule, therapist or rulebook file (default: told "
        "from each file's tables).",
        show_default=False,
    ),
]


def calendar_flags(
    lang: Language | None,
    remind: list[str] | None = None,
    no_remind: bool = False,
    discreet: bool | None = None,
    sessions_only: bool | None = None,
) -> Flags:
    """Return the settings the command line gave, each lead time checked.

    Parameters:
        lang: ``--lang``.
        remind: ``--remind`` values.
        no_remind: ``--no-remind``.
        discreet: ``--discreet`` (True) or ``--no-discreet`` (False).
        sessions_only: ``--sessions-only`` (True) or ``--no-sessions-only`` (False).

    Returns:
        The flags, None where not given; ``--no-remind`` is no reminders.

    Raises:
        KapplanError: When ``--remind`` and ``--no-remind`` are both given.
        InvalidOption: At ``reminders``, for a lead time that cannot be read.
    """
    from kapplan.errors import InvalidOption, KapplanError
    from kapplan.model.reminders import parse_reminder
    from kapplan.model.settings import Flags

    if remind and no_remind:
        raise KapplanError("--remind and --no-remind contradict each other; expected one of them")
    for text in remind or ():
        try:
            parse_reminder(text)
        except ValueError as error:
            raise InvalidOption(str(error), field="reminders") from None
    return Flags(
        lang=lang.value if lang else None,
        reminders=() if no_remind else (tuple(remind) if remind else None),
        discreet=discreet,
        sessions_only=sessions_only,
    )


__all__ = [
    "ANSWERS_PANEL",
    "CALENDAR_PANEL",
    "FILTER_PANEL",
    "FLAGS",
    "LIMITS_PANEL",
    "FileKind",
    "Format",
    "Language",
    "TextFormat",
    "View",
    "calendar_flags",
]
