"""The command line: parse options, load, call the engine, render, write.

No rule logic lives here. Errors a user can fix (`KapplanError`) are caught
once, in `KapplanGroup.invoke`, and printed as one line on stderr with exit
status 2. Renderers are imported inside the branch that uses them, so
``--format json`` and ``--format ics`` never import Rich.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from kapplan import __version__
from kapplan.errors import KapplanError
from kapplan.model.limits import DEFAULT_LIMITS, Limits
from kapplan.model.report import FileKind

if TYPE_CHECKING:
    from kapplan.edge.config import Flags
    from kapplan.edge.starter import Question
    from kapplan.model.plan import Plan


class KapplanGroup(TyperGroup):
    """The command group; turns user errors into one stderr line and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command, reporting a `KapplanError`, Ctrl-C or a closed pipe once."""
        try:
            return super().invoke(ctx)
        except KapplanError as error:
            sys.stderr.write(f"kapplan: error: {error}\n")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            _say_interrupted()
            raise typer.Exit(130) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(0) from None


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
    HTML = "html"


class View(StrEnum):
    """Terminal views of `kapplan plan`."""

    AGENDA = "agenda"
    MONTH = "month"


class Language(StrEnum):
    """Languages of the plan's texts (message catalogues in kapplan/data/i18n)."""

    EN = "en"
    RU = "ru"


class ReportFormat(StrEnum):
    """Output formats of `kapplan validate`."""

    TERMINAL = "terminal"
    JSON = "json"


#: Formats inferred from the output file's suffix when --format is not given.
SUFFIX_FORMATS = {
    ".json": Format.JSON,
    ".ics": Format.ICS,
    ".txt": Format.TERMINAL,
    ".html": Format.HTML,
    ".htm": Format.HTML,
}


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
_LIMITS = "Limits (refuse an absurd schedule before any work)"


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
            help="terminal (for people), json (for scripts), ics (a calendar) or html (a "
            "printable handout). Default: from the -o suffix (.json, .ics, .html), else terminal.",
            show_default=False,
        ),
    ] = None,
    view: Annotated[
        View | None,
        typer.Option(
            "--view",
            help="The terminal view: agenda (week by week, every event; the default) or month "
            "(month grids, each day marked by phase).",
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
            help="Language of every text: en or ru (default: the schedule's `language`, "
            "else the config file's, else en).",
        ),
    ] = None,
    rulebook: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="Your own rulebook (write one with `kapplan rules --dump`) for every schedule, "
            "over any schedule's own `rules`.",
            dir_okay=False,
        ),
    ] = None,
    remind: Annotated[
        list[str] | None,
        typer.Option(
            "--remind",
            help="Reminder lead time before sessions and doses, e.g. 60m, 2h, 1d "
            "(repeatable; default: the config file's `reminders`, else 1d and 1h).",
            rich_help_panel=_ICS,
        ),
    ] = None,
    no_remind: Annotated[
        bool, typer.Option("--no-remind", help="No reminders.", rich_help_panel=_ICS)
    ] = False,
    discreet: Annotated[
        bool | None,
        typer.Option(
            "--discreet/--no-discreet",
            help="Neutral titles and texts that do not reveal the treatment "
            "(default: the config file's `discreet`, else off).",
            rich_help_panel=_ICS,
        ),
    ] = None,
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit with status 1 when the plan has warnings (it is still written)."
        ),
    ] = False,
    max_infusions: Annotated[
        int,
        typer.Option(
            "--max-infusions",
            min=1,
            help="Refuse a schedule with more doses than this (series expanded).",
            rich_help_panel=_LIMITS,
        ),
    ] = DEFAULT_LIMITS.infusions,
    max_events: Annotated[
        int,
        typer.Option(
            "--max-events",
            min=1,
            help="Refuse a plan (or caseload) of more events than this, before placing any.",
            rich_help_panel=_LIMITS,
        ),
    ] = DEFAULT_LIMITS.events,
    max_years: Annotated[
        int,
        typer.Option(
            "--max-years",
            min=1,
            max=1000,
            help="Refuse a schedule whose doses (or a series' RRULE) span more years than this.",
            rich_help_panel=_LIMITS,
        ),
    ] = DEFAULT_LIMITS.years,
) -> None:
    """Print the Preparation–Experience–Integration calendar for a schedule.

    Examples:

      kapplan plan examples/iv-six-infusions.toml

      kapplan plan infusions.toml --format json | jq '.events[].title'

      kapplan plan infusions.toml -o plan.ics --discreet

      kapplan plan infusions.toml --view month

      kapplan plan infusions.toml -o handout.html

      cat infusions.toml | kapplan plan -

      kapplan plan examples/caseload/ -o sessions.ics

      kapplan plan infusions.toml --rules my-protocol.toml

      kapplan plan infusions.toml --strict -o plan.ics || echo "check the warnings"

      kapplan plan maintenance.toml --max-infusions 2000 --max-years 20
    """
    chosen = output_format or SUFFIX_FORMATS.get(output.suffix.lower() if output else "")
    chosen = chosen or Format.TERMINAL
    ics_given = [
        name
        for name, given in (
            ("--remind", bool(remind)),
            ("--no-remind", no_remind),
            ("--discreet", discreet is True),
            ("--no-discreet", discreet is False),
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
    if view is not None and chosen is not Format.TERMINAL:
        raise KapplanError("--view applies to the terminal format; expected --format terminal")

    from kapplan.edge.config import apply_config, load_config, resolve
    from kapplan.edge.load import (
        catalogues,
        load_caseload,
        machine_timezone,
        rulebooks_for,
        schedule_paths,
    )
    from kapplan.engine.planner import build_caseload

    # Config reminders and discreet are not flags: they just go unused outside .ics.
    configuration = load_config()
    flags = _flags(lang, remind, no_remind, discreet)
    settings = resolve(configuration, flags, machine_zone=machine_timezone())
    remind, no_remind = list(settings.reminders.value), not settings.reminders.value
    discreet = settings.discreet.value
    zone = configuration.values.timezone
    limits = Limits(infusions=max_infusions, events=max_events, years=max_years)
    paths = schedule_paths(schedules)
    inputs = [Path(p) for p in paths if p != "-"]
    chosen_rules = str(rulebook) if rulebook is not None else None
    clients = (
        load_caseload(paths, default_timezone=zone, limits=limits)
        if len(paths) > 1 or therapist
        else None
    )
    if clients is not None and (chosen is Format.HTML or view is View.MONTH):
        what = "--format html" if chosen is Format.HTML else "--view month"
        raise KapplanError(
            f"{what} shows one client's plan, not a caseload; expected a single schedule"
        )
    if clients is not None:
        clients = [apply_config(c, configuration, flags.lang) for c in clients]
        # A caseload: one therapist, whose clock is their file's zone, else the config's,
        # else this machine's.
        hours = None
        therapist_zone = settings.timezone.value
        if therapist is not None:
            from kapplan.edge.load import load_therapist

            hours = load_therapist(str(therapist), clients, limits)
            therapist_zone = hours.zone.key
            inputs.append(therapist)
        books = rulebooks_for(paths, clients, chosen_rules)
        inputs += _rulebook_inputs(chosen_rules, clients)
        # The therapist's calendar shows no practices: unless --strict counts their
        # warnings, they need not be placed (sessions never depend on them).
        practices = strict or chosen is not Format.ICS
        if not practices:
            from kapplan.engine.caseload import calendar_shows_practices

            practices = calendar_shows_practices(books)
        plans = build_caseload(
            clients, books, hours, texts=catalogues(), limits=limits, practices=practices
        )
        _write_caseload(
            plans,
            therapist_zone,
            chosen,
            output,
            force=force,
            inputs=inputs,
            language=settings.language.value,
            ics={
                "remind": remind,
                "no_remind": no_remind,
                "discreet": discreet,
                "previous": previous,
                "stamp": stamp,
                "calendar_name": calendar_name,
            },
        )
        _finish(plans, strict=strict)
        return
    from kapplan.edge.load import load_schedule
    from kapplan.engine.planner import build_plan

    schedule = apply_config(
        load_schedule(paths[0], default_timezone=zone, limits=limits), configuration, flags.lang
    )
    book = rulebooks_for(paths, [schedule], chosen_rules)[0]
    inputs += _rulebook_inputs(chosen_rules, [schedule])
    try:
        plan = build_plan(schedule, book, texts=catalogues(), limits=limits)
    except KapplanError as problem:
        # The engine knows no file names; a single schedule's problem is in its file.
        raise problem.located(source="<stdin>" if paths[0] == "-" else paths[0]) from None
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
    elif chosen is Format.HTML:
        from kapplan.views.html import OWNED_MARKER, render_html

        _write_text(render_html(plan), output, force=force, inputs=inputs, owned=OWNED_MARKER)
    else:
        if chosen is Format.JSON:
            from kapplan.formats.json import render_json

            text = render_json(plan)
        elif view is View.MONTH:
            from kapplan.views.month import render_month

            width, color = _layout(output)
            text = render_month(plan, width=width, color=color)
        else:
            from kapplan.views.agenda import render_terminal

            width, color = _layout(output)
            text = render_terminal(plan, width=width, color=color)
        _write_text(text, output, force=force, inputs=inputs)
    _finish((plan,), strict=strict)


def _finish(plans: tuple[Plan, ...], *, strict: bool) -> None:
    """With ``--strict``, exit 1 after writing when any plan has warnings."""
    warnings = sum(len(plan.warnings) for plan in plans)
    if strict and warnings:
        sys.stderr.write(f"kapplan: {warnings} warning(s) in the plan (--strict)\n")
        raise typer.Exit(1)


_ANSWERS = "Answers (asked in a terminal unless given)"


@app.command("init")
def init_command(
    path: Annotated[
        str,
        typer.Argument(help="The schedule file to write, or - for stdout.", metavar="PATH"),
    ] = "schedule.toml",
    preset: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="custom (default: your method, count and interval), iv-six (six IV "
            "infusions, two or three a week), esketamine (the Spravato label: twice weekly "
            "in weeks 1-4, weekly in weeks 5-8, then every 1 or 2 weeks) or oral (an "
            "at-home course, evening doses twice a week).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE",
            help="IANA zone of the dates (default: this machine's).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            metavar="METHOD",
            help="iv, im, esketamine or oral (custom; a preset fixes its own; default iv).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="First dose: YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (default: the first Monday "
            "at least a week away, 10:00; oral 19:00).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    count: Annotated[
        str | None,
        typer.Option(
            metavar="N",
            help="How many doses, 1-60 (default: custom and iv-six 6, oral 8).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    maintenance: Annotated[
        str | None,
        typer.Option(
            metavar="N",
            help="Esketamine: maintenance doses after week 8, 0-52 (default 4).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            metavar="INTERVAL",
            help="How often: 3d (every 3 days), 2w (every 2 weeks), 2/week (two a week), "
            "daily, weekly (default 2/week; esketamine maintenance: weekly or 2w, default 2w).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    client: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Who the plan is for (optional).",
            show_default=False,
            rich_help_panel=_ANSWERS,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask for answers not given as flags (default: when stdin and stdout are "
            "a terminal).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a commented starter schedule to edit, check and plan.

    In a terminal it asks a few questions (Enter takes the default shown);
    otherwise the flags and defaults give the answers. The file lists every
    dose as a dated [[infusion]], so change a date by editing it.

    Examples:

      kapplan init

      kapplan init course.toml --preset iv-six --start 2026-12-07 --every 3/week

      kapplan init spravato.toml --preset esketamine --timezone America/New_York

      kapplan init - --method oral --count 8 --every 2/week --no-interactive
    """
    from datetime import date

    from kapplan.edge import starter as starter
    from kapplan.edge.load import machine_timezone

    target = None if path == "-" else Path(path)
    if target is not None and not force and target.exists() and not target.is_dir():
        # Checked before any question, so nobody answers them for nothing.
        raise KapplanError("exists; use --force to overwrite it", source=path)
    ask = sys.stdin.isatty() and sys.stdout.isatty() if interactive is None else interactive
    given = {
        "--timezone": timezone,
        "--method": method,
        "--start": start,
        "--count": count,
        "--maintenance": maintenance,
        "--every": every,
        "--client": client,
    }
    chosen: starter.Preset = (
        starter.parse_preset(preset)
        if preset is not None
        else _answer(starter.PRESET_QUESTION, ask)
    )
    # The clock and the machine's zone are read here, in the shell, for the defaults.
    questions = starter.questions(chosen, zone=machine_timezone(), today=date.today())
    used = {question.flag for question in questions}
    for flag, value in given.items():
        if value is not None and flag not in used:
            raise starter.not_applicable(flag, chosen)
    # Every flag is checked before anything is asked, so nobody answers in vain.
    values = {q.key: q.parse(text) for q in questions if (text := given[q.flag]) is not None}
    for question in questions:
        if question.key not in values:
            values[question.key] = _answer(question, ask and question.ask)
    answers = starter.Answers(preset=chosen, **values)
    text = starter.starter_toml(answers)
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from kapplan.edge.atomic import write_output

    write_output(target, text, force=force)
    sys.stderr.write(starter.next_steps(path, answers))


def _answer(question: Question, ask: bool) -> Any:
    """Return a reply to an `init` question, asked until it reads, or else its default."""
    from kapplan.edge.starter import BadAnswer

    if not ask:
        return question.parse(question.default)
    if question.explain:
        sys.stderr.write(question.explain)
    while True:
        reply = typer.prompt(question.prompt, default=question.default, err=True)
        try:
            return question.parse(reply)
        except BadAnswer as error:
            sys.stderr.write(f"  {error.message}\n")


class SettingsFormat(StrEnum):
    """Output formats of `kapplan config`."""

    TERMINAL = "terminal"
    JSON = "json"


@app.command("config")
def config_command(
    schedule: Annotated[
        str | None,
        typer.Argument(
            help="A schedule file (or - for stdin): show its effect too.",
            metavar="SCHEDULE",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        SettingsFormat,
        typer.Option("--format", "-f", help="terminal (a table) or json."),
    ] = SettingsFormat.TERMINAL,
    path: Annotated[
        bool,
        typer.Option("--path", help="Print only the config file's path (found or not)."),
    ] = False,
    init: Annotated[
        bool,
        typer.Option(
            "--init", help="Write a commented starter config file there (never over one)."
        ),
    ] = False,
    lang: Annotated[
        Language | None, typer.Option("--lang", help="Show the effect of --lang.")
    ] = None,
    remind: Annotated[
        list[str] | None, typer.Option("--remind", help="Show the effect of --remind.")
    ] = None,
    no_remind: Annotated[
        bool, typer.Option("--no-remind", help="Show the effect of --no-remind.")
    ] = False,
    discreet: Annotated[
        bool | None,
        typer.Option("--discreet/--no-discreet", help="Show the effect of --discreet."),
    ] = None,
) -> None:
    """Show each setting's value and where it comes from: default, config file, schedule, flag.

    The config file is $KAPPLAN_CONFIG, else kapplan/config.toml in the platform's config
    folder (Linux: $XDG_CONFIG_HOME or ~/.config; macOS: ~/Library/Application Support;
    Windows: %APPDATA%).

    Examples:

      kapplan config

      kapplan config infusions.toml --lang ru

      kapplan config --format json | jq '.settings[] | select(.source != "default")'

      kapplan config --init && "$EDITOR" "$(kapplan config --path)"
    """
    from kapplan.edge.config import (
        config_path,
        load_config,
        load_layer,
        render_settings,
        resolve,
        settings_json,
        write_starter,
    )

    if path or init:
        where = config_path()
        if init:
            write_starter(where)
            sys.stderr.write(f"kapplan: wrote {where}\n")
        else:
            sys.stdout.write(f"{where}\n")
        return
    if remind and no_remind:
        raise KapplanError("--remind and --no-remind contradict each other; expected one of them")
    from kapplan.edge.load import machine_timezone

    configuration = load_config()
    if remind:
        # The same check as the plan command, so a bad lead time is reported here too.
        from kapplan.formats.ics import parse_reminder

        for text in remind:
            parse_reminder(text)
    flags = _flags(lang, remind, no_remind, discreet)
    layer = load_layer(schedule, configuration) if schedule is not None else None
    settings = resolve(configuration, flags, machine_zone=machine_timezone(), layer=layer)
    name = layer.source if layer else None
    if output_format is SettingsFormat.JSON:
        sys.stdout.write(settings_json(settings, configuration, name))
    else:
        sys.stdout.write(render_settings(settings, configuration, name))


class DiffFormat(StrEnum):
    """Output formats of `kapplan diff`."""

    TERMINAL = "terminal"
    JSON = "json"


@app.command("diff")
def diff_command(
    old: Annotated[
        str,
        typer.Argument(
            help="What the calendar holds now: the earlier schedule (TOML), or the .ics or "
            "JSON kapplan exported from it; - for stdin.",
            metavar="OLD",
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="The changed schedule (TOML), or a later .ics or JSON export; - for stdin.",
            metavar="NEW",
        ),
    ],
    output_format: Annotated[
        DiffFormat,
        typer.Option("--format", "-f", help="terminal (for people) or json (for scripts)."),
    ] = DiffFormat.TERMINAL,
    lang: Annotated[
        Language | None,
        typer.Option(
            "--lang",
            help="Language of the plans and labels: en or ru (default: the schedules' own).",
        ),
    ] = None,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit with status 1 when anything differs."),
    ] = False,
    rulebook: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="Plan both schedules with this rulebook, as `kapplan plan --rules` does "
            "(default: each schedule's own `rules`, else kapplan's).",
            dir_okay=False,
        ),
    ] = None,
    remind: Annotated[
        list[str] | None,
        typer.Option(
            "--remind",
            help="Reminder lead times of the calendar export, as for kapplan plan.",
            rich_help_panel=_ICS,
        ),
    ] = None,
    no_remind: Annotated[
        bool,
        typer.Option("--no-remind", help="The export has no reminders.", rich_help_panel=_ICS),
    ] = False,
    discreet: Annotated[
        bool | None,
        typer.Option(
            "--discreet/--no-discreet",
            help="The export is written with --discreet (default: the config file's).",
            rich_help_panel=_ICS,
        ),
    ] = None,
) -> None:
    """Show which planned events move, appear, disappear or change, by uid.

    The uids are the ones the .ics export carries, so the diff is what importing
    the new calendar over the old one does: moved and changed events are updated
    in place, added ones appear and removed ones are cancelled. Give the calendar
    options you export with (--discreet, --remind, --no-remind): they change what
    a calendar compares. Times are in the new schedule's zone.

    Examples:

      kapplan diff plan.ics infusions.toml

      kapplan diff old.toml new.toml --format json | jq -r '.moved[].uid'

      kapplan diff plan.ics infusions.toml --discreet

      kapplan diff plan.json infusions.toml --exit-code || echo changed
    """
    if remind and no_remind:
        raise KapplanError("--remind and --no-remind contradict each other; expected one of them")
    if old == new == "-":
        raise KapplanError("stdin (-) is named twice; expected it once at most")
    from zoneinfo import ZoneInfo

    from kapplan.diff import Source, compare_sides, plan_from_json, session_kinds, source_of
    from kapplan.edge.config import apply_config, load_config, resolve
    from kapplan.edge.load import (
        catalogues,
        default_rulebook,
        machine_timezone,
        read_text,
        rulebooks_for,
        schedule_from_text,
        with_rules_path,
    )
    from kapplan.engine.planner import build_plan
    from kapplan.formats.ics import IcsOptions, PreviousCalendar, parse_previous
    from kapplan.model.plan import Plan

    # The user's config applies as it does to `kapplan plan`, so the plans compared
    # are the ones `plan` would export.
    configuration = load_config()
    flags = _flags(lang, remind, no_remind, discreet)
    settings = resolve(configuration, flags, machine_zone=machine_timezone())
    inputs = []
    for path in (old, new):
        name, text = read_text(path, what="a schedule (.toml), or a kapplan .ics or JSON export")
        inputs.append((name, text, source_of(path, text)))
    schedules = {
        n: with_rules_path(
            apply_config(
                schedule_from_text(text, name, default_timezone=configuration.values.timezone),
                configuration,
                flags.lang,
            ),
            path,
            text,
            name,
        )
        for n, (path, (name, text, kind)) in enumerate(zip((old, new), inputs, strict=True))
        if kind is Source.SCHEDULE
    }
    chosen_rules = str(rulebook) if rulebook is not None else None
    books = {
        n: rulebooks_for([(old, new)[n]], [schedule], chosen_rules)[0]
        for n, schedule in schedules.items()
    }
    # Labels, and a JSON export's calendar lines, speak the new schedule's language.
    language = (
        lang.value
        if lang
        else next(
            (schedules[n].language for n in (1, 0) if n in schedules), settings.language.value
        )
    )
    rulebook_kinds = session_kinds(default_rulebook())
    sides: list[Plan | PreviousCalendar] = []
    for n, (name, text, kind) in enumerate(inputs):
        if kind is Source.SCHEDULE:
            sides.append(build_plan(schedules[n], books[n], texts=catalogues()))
        elif kind is Source.JSON:
            sides.append(
                plan_from_json(text, name, language=language, session_kinds=rulebook_kinds)
            )
        else:
            sides.append(parse_previous(text, name))
    timezone = next((s.timezone for s in reversed(sides) if isinstance(s, Plan)), None)
    timezone = timezone or settings.timezone.value
    reminders = list(settings.reminders.value)
    options = IcsOptions(
        reminders=_reminders(reminders, not reminders), discreet=settings.discreet.value
    )
    result = compare_sides(sides[0], sides[1], options, ZoneInfo(timezone))
    if output_format is DiffFormat.JSON:
        from kapplan.views.diff import render_diff_json

        text = render_diff_json(result, timezone)
    else:
        from kapplan.views.diff import render_diff_terminal

        text = render_diff_terminal(
            result,
            timezone=timezone,
            old=inputs[0][0],
            new=inputs[1][0],
            language=language,
            color=_layout(None)[1],
        )
    _write_text(text, None, force=False, inputs=[])
    if exit_code and not result.identical:
        raise typer.Exit(1)


class RulesFormat(StrEnum):
    """Output formats of `kapplan rules`."""

    TERMINAL = "terminal"
    JSON = "json"


@app.command("rules")
def rules_command(
    schedule: Annotated[
        str | None,
        typer.Argument(
            help="A schedule file (or - for stdin): show the rules it is planned with "
            "(its own `rules` file, unless --rules is given).",
            metavar="SCHEDULE",
        ),
    ] = None,
    rulebook: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="A rulebook file: show the rules in force with it laid over kapplan's defaults.",
            dir_okay=False,
        ),
    ] = None,
    output_format: Annotated[
        RulesFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="terminal (a table) or json. Default: json for an -o FILE.json, else terminal.",
            show_default=False,
        ),
    ] = None,
    dump: Annotated[
        bool,
        typer.Option(
            "--dump",
            help="Write the whole rulebook in force as TOML to edit into your own protocol.",
        ),
    ] = False,
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
        bool, typer.Option("--force", help="Overwrite an existing output file.")
    ] = False,
) -> None:
    """Show the rules in force: kapplan's defaults, or your own protocol laid over them.

    A table of the enabled rules (kind, phase, anchor, window, duration, repeat,
    source; * marks a rule your file changed, + one it added), then the rules
    switched off. --dump writes the whole rulebook as a TOML file you edit: a
    rule you keep needs only its id and the keys you change, `enabled = false`
    switches one off. Plan with it: `kapplan plan s.toml --rules FILE`, or
    `rules = "FILE"` in the schedule.

    Examples:

      kapplan rules

      kapplan rules --dump > my-protocol.toml

      kapplan rules --rules my-protocol.toml

      kapplan rules infusions.toml --format json
    """
    if dump and output_format is not None:
        raise KapplanError("--dump writes TOML; expected no --format with it")
    from kapplan.edge.load import default_rulebook, load_rulebook

    defaults = default_rulebook()
    chosen = str(rulebook) if rulebook is not None else None
    inputs = [rulebook] if rulebook is not None else []
    if schedule is not None:
        from kapplan.edge.load import load_schedule, rulebooks_for

        planned = load_schedule(schedule)
        book = rulebooks_for([schedule], [planned], chosen)[0]
        source = chosen or planned.rules
        inputs += [Path(p) for p in (schedule, planned.rules) if p and p != "-"]
    else:
        book = load_rulebook(chosen, defaults=defaults) if chosen else defaults
        source = chosen
    if dump:
        from kapplan.edge.rulebook_file import dump_rulebook

        text = dump_rulebook(book, name=output.name if output else "my-protocol.toml")
    elif output_format is RulesFormat.JSON or (
        output_format is None and output is not None and output.suffix.lower() == ".json"
    ):
        from kapplan.views.rules import render_rules_json

        text = render_rules_json(book, defaults, source=source)
    else:
        from kapplan.views.rules import render_rules_terminal

        width, color = _layout(output)
        text = render_rules_terminal(book, defaults, source=source, width=width, color=color)
    _write_text(text, output, force=force, inputs=inputs)


@app.command("schema")
def schema_command(
    rulebook: Annotated[
        bool,
        typer.Option("--rulebook", help="The schema of a rulebook file instead of a schedule."),
    ] = False,
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
        bool, typer.Option("--force", help="Overwrite an existing output file.")
    ] = False,
) -> None:
    """Print the JSON Schema of the schedule file (or, with --rulebook, of a rulebook).

    Editors with a TOML language server (Taplo, VS Code's Even Better TOML)
    complete and check a file against it: put `#:schema ./kapplan.schema.json`
    on its first line, or map files to the schema in a .taplo.toml.

    Examples:

      kapplan schema -o kapplan.schema.json

      kapplan schema --rulebook -o kapplan-rulebook.schema.json
    """
    from kapplan.formats.schema import rulebook_schema, schedule_schema, schema_json

    text = schema_json(rulebook_schema() if rulebook else schedule_schema())
    _write_text(text, output, force=force, inputs=[])


def _rulebook_inputs(chosen: str | None, schedules: list[Any]) -> list[Path]:
    """Return the rulebook files a plan reads, so no output is written over one."""
    named = [chosen] if chosen is not None else [s.rules for s in schedules]
    return [Path(p) for p in dict.fromkeys(named) if p and p != "-"]


@app.command("validate")
def validate_command(
    files: Annotated[
        list[str],
        typer.Argument(
            help="Schedule, therapist or rulebook files (TOML), folders (every .toml in them), "
            "or - for stdin.",
            metavar="FILE...",
        ),
    ],
    output_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="terminal (one line per problem, as editors read them) or json (for editors "
            "and CI).",
        ),
    ] = ReportFormat.TERMINAL,
    kind: Annotated[
        FileKind | None,
        typer.Option(
            "--kind",
            help="Check every file as a schedule, therapist or rulebook file (default: told "
            "from each file's tables).",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail (exit 1) on warnings when there is no error."),
    ] = False,
) -> None:
    """Check files and report every problem in every file at once.

    A schedule passes exactly when `kapplan plan` would succeed with it; what
    the plan would warn about is reported as a warning. Problems go to stdout,
    one line each (file:line: field: message), then a summary. Exit status: 0
    when every file is valid, 2 when any has an error, 1 under --strict when
    there are warnings but no error.

    Examples:

      kapplan validate examples/iv-six-infusions.toml

      kapplan validate examples/ examples/therapist/lisbon.toml

      kapplan validate schedules/ --format json | jq '.ok'

      cat infusions.toml | kapplan validate - --strict
    """
    from datetime import UTC, datetime

    from kapplan.edge.config import load_config
    from kapplan.validation import render_json, render_text, validate_files

    # The clock is read here, in the shell, and only used for a therapist's busy
    # calendar when no schedule is checked with it.
    reports = validate_files(files, kind=kind, now=datetime.now(UTC), configuration=load_config())
    render = render_json if output_format is ReportFormat.JSON else render_text
    _write_text(render(reports, strict=strict), None, force=False, inputs=[])
    if any(report.errors for report in reports):
        raise typer.Exit(2)
    if strict and any(report.warnings for report in reports):
        raise typer.Exit(1)


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
        from kapplan.engine.caseload import therapist_calendar

        _write_ics(
            therapist_calendar(plans, timezone, language), output, force=force, inputs=inputs, **ics
        )
        return
    if chosen is Format.JSON:
        from kapplan.formats.json import render_json

        text = render_json(plans, timezone=timezone)
    else:
        from kapplan.views.agenda import render_caseload

        width, color = _layout(output)
        text = render_caseload(
            plans, timezone=timezone, width=width, color=color, language=language
        )
    _write_text(text, output, force=force, inputs=inputs)


def _write_text(
    text: str, output: Path | None, *, force: bool, inputs: list[Path], owned: bytes | None = None
) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from kapplan.edge.atomic import write_output

    write_output(output, text, force=force, owned_marker=owned, inputs=inputs)


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

    from kapplan.formats.ics import (
        OWNED_MARKER,
        IcsOptions,
        PreviousCalendar,
        UnreadableCalendar,
        parse_previous,
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
        from kapplan.edge.atomic import read_own_output

        own = read_own_output(output, OWNED_MARKER)
        if own is not None:
            earlier = parse_previous(own, str(output))
    options = IcsOptions(
        reminders=_reminders(remind, no_remind),
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
    from kapplan.edge.atomic import write_output

    write_output(output, text, force=force, owned_marker=OWNED_MARKER, inputs=inputs)


def _flags(
    lang: Language | None, remind: list[str] | None, no_remind: bool, discreet: bool | None
) -> Flags:
    """Return the configurable settings the command line gave (None where not given)."""
    from kapplan.edge.config import Flags

    return Flags(
        lang=lang.value if lang else None,
        reminders=() if no_remind else (tuple(remind) if remind else None),
        discreet=discreet,
    )


def _reminders(remind: list[str] | None, no_remind: bool) -> tuple[timedelta, ...]:
    """Return the reminder lead times --remind and --no-remind ask for (default 1d, 1h)."""
    from kapplan.formats.ics import DEFAULT_REMINDERS, parse_reminder

    if no_remind:
        return ()
    if remind:
        return tuple(parse_reminder(text) for text in remind)
    return DEFAULT_REMINDERS


def _layout(output: Path | None) -> tuple[int, bool]:
    """Return the width and whether to colour: colour only on a terminal, without NO_COLOR."""
    to_terminal = output is None and sys.stdout.isatty()
    return _width(to_terminal), to_terminal and "NO_COLOR" not in os.environ


def _width(to_terminal: bool) -> int:
    if to_terminal:
        return max(60, min(os.get_terminal_size(sys.stdout.fileno()).columns, 140))
    columns = os.environ.get("COLUMNS", "")
    return max(60, min(int(columns), 140)) if columns.isdigit() else 100


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the final flush of a closed pipe is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        # A replaced stdout (a test runner's buffer) has no descriptor to redirect.
        pass


#: Set once "interrupted" has been said, so Ctrl-C prints one line wherever it lands.
_interrupted: list[bool] = []


def _say_interrupted() -> None:
    if not _interrupted:
        _interrupted.append(True)
        sys.stderr.write("kapplan: interrupted\n")


def _on_sigint(signum: int, frame: object) -> None:
    # Said here, before Typer's own handler turns a KeyboardInterrupt raised while
    # parsing options into a silent exit 130.
    _say_interrupted()
    raise KeyboardInterrupt


def main() -> None:
    """Run kapplan as a program: exit quietly on a closed pipe or Ctrl-C."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        app()
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as Unix tools do.
        _quiet_stdout()
        sys.exit(0)
    except KeyboardInterrupt:
        _say_interrupted()
        sys.exit(130)
    finally:
        # The run is over: a Ctrl-C now must not interrupt the final flush.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
