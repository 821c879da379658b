"""The command line: parse options, load, call the engine, render, write.

No rule logic lives here. Errors a user can fix (`KapplanError`) are caught
once, in `KapplanGroup.invoke`, and printed as one line on stderr with exit
status 2. Renderers are imported inside the branch that uses them, so
``--format json`` and ``--format ics`` never import Rich.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from kapplan import __version__
from kapplan.errors import KapplanError

if TYPE_CHECKING:
    from kapplan.plan import Plan


class KapplanGroup(TyperGroup):
    """The command group; turns user errors into one stderr line and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command, reporting a `KapplanError` once."""
        try:
            return super().invoke(ctx)
        except KapplanError as error:
            sys.stderr.write(f"kapplan: error: {error}\n")
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=KapplanGroup,
    name="kapplan",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    """Output formats of `kapplan plan`."""

    TERMINAL = "terminal"
    JSON = "json"
    ICS = "ics"


class Language(StrEnum):
    """Languages of the plan's texts (message catalogues in kapplan/data/i18n)."""

    EN = "en"
    RU = "ru"


#: Formats inferred from the output file's suffix when --format is not given.
SUFFIX_FORMATS = {".json": Format.JSON, ".ics": Format.ICS, ".txt": Format.TERMINAL}


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"kapplan {__version__}\n")
        raise typer.Exit()


@app.callback(epilog="Example: kapplan plan examples/iv-six-infusions.toml")
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Plan the integration work around a ketamine treatment course."""


_ICS = "Calendar (.ics) options"


@app.command("plan")
def plan_command(
    schedules: Annotated[
        list[str],
        typer.Argument(
            help="Schedule file (TOML), - for stdin, or several files and folders (every "
            ".toml in a folder) to plan a therapist's caseload together.",
            metavar="SCHEDULE...",
        ),
    ],
    output_format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="terminal (for people), json (for scripts) or ics (a calendar). "
            "Default: from the -o suffix (.json, .ics), else terminal.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout.",
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite an existing output file kapplan did not write."),
    ] = False,
    therapist: Annotated[
        Path | None,
        typer.Option(
            "--therapist",
            help="A therapist file ([therapist]: zone, days, hours, breaks, days off, busy "
            "times or calendar, session length, buffer, sessions a day): plan the schedules "
            "as this therapist's caseload.",
            dir_okay=False,
        ),
    ] = None,
    lang: Annotated[
        Language | None,
        typer.Option(
            "--lang",
            help="Language of every text: en or ru (default: the schedule's `language`, else en).",
        ),
    ] = None,
    remind: Annotated[
        list[str] | None,
        typer.Option(
            "--remind",
            help="Reminder lead time before sessions and doses, e.g. 60m, 2h, 1d "
            "(repeatable; default 1d and 1h).",
            rich_help_panel=_ICS,
        ),
    ] = None,
    no_remind: Annotated[
        bool, typer.Option("--no-remind", help="No reminders.", rich_help_panel=_ICS)
    ] = False,
    discreet: Annotated[
        bool,
        typer.Option(
            "--discreet",
            help="Neutral titles and texts that do not reveal the treatment.",
            rich_help_panel=_ICS,
        ),
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            "--cancel-from",
            help="An earlier export: bump SEQUENCE of changed events, cancel vanished ones "
            "(default: the -o file, when kapplan wrote it).",
            dir_okay=False,
            rich_help_panel=_ICS,
        ),
    ] = None,
    stamp: Annotated[
        str | None,
        typer.Option(
            "--stamp",
            help="DTSTAMP: 'now' or an ISO 8601 time with offset (default: from the schedule, "
            "so an unchanged schedule gives an identical file).",
            rich_help_panel=_ICS,
        ),
    ] = None,
    calendar_name: Annotated[
        str | None,
        typer.Option("--calendar-name", help="The calendar's name.", rich_help_panel=_ICS),
    ] = None,
) -> None:
    """Print the Preparation–Experience–Integration calendar for a schedule.

    Examples:

      kapplan plan examples/iv-six-infusions.toml

      kapplan plan infusions.toml --format json | jq '.events[].title'

      kapplan plan infusions.toml -o plan.ics --discreet

      cat infusions.toml | kapplan plan -

      kapplan plan examples/caseload/ -o sessions.ics
    """
    chosen = output_format or SUFFIX_FORMATS.get(output.suffix.lower() if output else "")
    chosen = chosen or Format.TERMINAL
    ics_given = [
        name
        for name, given in (
            ("--remind", bool(remind)),
            ("--no-remind", no_remind),
            ("--discreet", discreet),
            ("--previous", previous is not None),
            ("--stamp", stamp is not None),
            ("--calendar-name", calendar_name is not None),
        )
        if given
    ]
    if ics_given and chosen is not Format.ICS:
        raise KapplanError(
            f"{ics_given[0]} applies to calendars; expected --format ics or -o FILE.ics"
        )
    if remind and no_remind:
        raise KapplanError("--remind and --no-remind contradict each other; expected one of them")

    from kapplan.engine import build_caseload
    from kapplan.load import (
        catalogues,
        default_rulebook,
        load_caseload,
        machine_timezone,
        schedule_paths,
    )

    paths = schedule_paths(schedules)
    inputs = [Path(p) for p in paths if p != "-"]
    clients = load_caseload(paths) if len(paths) > 1 or therapist else None
    if clients is not None and lang is not None:
        clients = [c.model_copy(update={"language": lang.value}) for c in clients]
    if clients is not None:
        # A caseload: one therapist, whose clock is their file's zone, else this machine's.
        hours = None
        therapist_zone = machine_timezone()
        if therapist is not None:
            from kapplan.load import load_therapist

            hours = load_therapist(str(therapist), clients)
            therapist_zone = hours.zone.key
            inputs.append(therapist)
        plans = build_caseload(clients, default_rulebook(), hours, texts=catalogues())
        _write_caseload(
            plans,
            therapist_zone,
            chosen,
            output,
            force=force,
            inputs=inputs,
            language=lang.value if lang else "en",
            ics={
                "remind": remind,
                "no_remind": no_remind,
                "discreet": discreet,
                "previous": previous,
                "stamp": stamp,
                "calendar_name": calendar_name,
            },
        )
        return
    from kapplan.engine import build_plan
    from kapplan.load import load_schedule

    schedule = load_schedule(paths[0])
    if lang is not None:
        schedule = schedule.model_copy(update={"language": lang.value})
    plan = build_plan(schedule, default_rulebook(), texts=catalogues())
    if chosen is Format.ICS:
        _write_ics(
            plan,
            output,
            force=force,
            inputs=inputs,
            remind=remind,
            no_remind=no_remind,
            discreet=discreet,
            previous=previous,
            stamp=stamp,
            calendar_name=calendar_name,
        )
        return
    if chosen is Format.JSON:
        from kapplan.render.json import render_json

        text = render_json(plan)
    else:
        from kapplan.render.terminal import render_terminal

        width, color = _layout(output)
        text = render_terminal(plan, width=width, color=color)
    _write_text(text, output, force=force, inputs=inputs)


def _write_caseload(
    plans: tuple[Plan, ...],
    timezone: str,
    chosen: Format,
    output: Path | None,
    *,
    force: bool,
    inputs: list[Path],
    language: str,
    ics: dict[str, Any],
) -> None:
    """Write a caseload: the agenda, the merged JSON, or the therapist's calendar."""
    if chosen is Format.ICS:
        from kapplan.caseload import therapist_calendar

        _write_ics(
            therapist_calendar(plans, timezone, language), output, force=force, inputs=inputs, **ics
        )
        return
    if chosen is Format.JSON:
        from kapplan.render.json import render_json

        text = render_json(plans, timezone=timezone)
    else:
        from kapplan.render.terminal import render_caseload

        width, color = _layout(output)
        text = render_caseload(
            plans, timezone=timezone, width=width, color=color, language=language
        )
    _write_text(text, output, force=force, inputs=inputs)


def _write_text(text: str, output: Path | None, *, force: bool, inputs: list[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from kapplan.output import write_output

    write_output(output, text, force=force, inputs=inputs)


def _write_ics(
    plan: Plan,
    output: Path | None,
    *,
    force: bool,
    inputs: list[Path],
    remind: list[str] | None,
    no_remind: bool,
    discreet: bool,
    previous: Path | None,
    stamp: str | None,
    calendar_name: str | None,
) -> None:
    from datetime import UTC, datetime

    from kapplan.render.ics import (
        DEFAULT_REMINDERS,
        OWNED_MARKER,
        IcsOptions,
        PreviousCalendar,
        UnreadableCalendar,
        parse_previous,
        parse_reminder,
        parse_stamp,
        render_ics,
    )

    earlier: PreviousCalendar | None = None
    if previous is not None:
        try:
            data = previous.read_bytes()
        except OSError as error:
            raise UnreadableCalendar(
                f"cannot read: {error.strerror or error}; expected an earlier kapplan export",
                source=str(previous),
            ) from None
        earlier = parse_previous(data, str(previous))
    elif output is not None:
        from kapplan.output import read_own_output

        own = read_own_output(output, OWNED_MARKER)
        if own is not None:
            earlier = parse_previous(own, str(output))
    if no_remind:
        reminders: tuple[timedelta, ...] = ()
    elif remind:
        reminders = tuple(parse_reminder(text) for text in remind)
    else:
        reminders = DEFAULT_REMINDERS
    options = IcsOptions(
        reminders=reminders,
        discreet=discreet,
        # The clock is read here, in the shell, and only when asked for.
        stamp=parse_stamp(stamp, datetime.now(UTC)) if stamp is not None else None,
        previous=earlier,
        calendar_name=calendar_name,
    )
    text = render_ics(plan, options)
    if output is None:
        # Bytes, so the CRLF line ends RFC 5545 requires survive any platform.
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
        return
    from kapplan.output import write_output

    write_output(output, text, force=force, owned_marker=OWNED_MARKER, inputs=inputs)


def _layout(output: Path | None) -> tuple[int, bool]:
    """Return the width and whether to colour: colour only on a terminal, without NO_COLOR."""
    to_terminal = output is None and sys.stdout.isatty()
    return _width(to_terminal), to_terminal and "NO_COLOR" not in os.environ


def _width(to_terminal: bool) -> int:
    if to_terminal:
        return max(60, min(os.get_terminal_size(sys.stdout.fileno()).columns, 140))
    columns = os.environ.get("COLUMNS", "")
    return max(60, min(int(columns), 140)) if columns.isdigit() else 100


def main() -> None:
    """Run kapplan as a program: exit quietly on a closed pipe or Ctrl-C."""
    # Pydantic plugins (observability tools) would see every schedule, which is
    # health data, and finding them scans every installed package's metadata at
    # start-up. kapplan runs without them unless PYDANTIC_DISABLE_PLUGINS is set.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.stderr.write("kapplan: interrupted\n")
        sys.exit(130)
