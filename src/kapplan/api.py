"""kapplan as a library: every command without its flags and its printing.

Each function composes the layers (`kapplan.edge` reads and writes files,
`kapplan.engine` plans, `kapplan.formats` and `kapplan.views` render) and
returns values; the command line (`kapplan.cli`) only turns flags into
arguments and prints what comes back. What the outside world says (the
user's config file, this machine's zone, the clock) comes in as an
`Environment`, read once by the caller: by default none of it is read, so a
library call is deterministic.

Example::

    from kapplan import api

    planned = api.plan_files(["examples/iv-six-infusions.toml"])
    print(planned.plans[0].sessions[0].start)
    calendar = api.render(planned, api.Target(format=api.Format.ICS))

Everything heavy is imported inside the functions, so importing this module
(as the command line does at start-up) costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from kapplan.errors import KapplanError, ScheduleError, UnreadableCalendar
from kapplan.model.report import FileKind, FileReport, Problem

if TYPE_CHECKING:
    from kapplan.diff import Diff
    from kapplan.edge.starter import Answers, Preset, Question
    from kapplan.formats.ics import PreviousCalendar
    from kapplan.model.doses import DoseExpansion
    from kapplan.model.limits import Limits
    from kapplan.model.plan import Plan, PlanWarning
    from kapplan.model.rulebook import Rulebook
    from kapplan.model.schedule import Schedule
    from kapplan.model.settings import Configuration, Flags, Settings
    from kapplan.model.therapist import Therapist

STDIN = "-"


class Format(StrEnum):
    """What `render` writes."""

    TERMINAL = "terminal"
    """Text for people (see `View`)."""
    JSON = "json"
    """One JSON document, for scripts."""
    ICS = "ics"
    """An iCalendar file, to import into a calendar app."""
    HTML = "html"
    """A printable handout (one schedule only)."""


class View(StrEnum):
    """How `Format.TERMINAL` shows a plan."""

    AGENDA = "agenda"
    """Week by week, every event (a caseload: the therapist's agenda)."""
    MONTH = "month"
    """Month grids, each day marked by phase (one schedule only)."""


#: Formats told from an output file's suffix.
SUFFIX_FORMATS = {
    ".json": Format.JSON,
    ".ics": Format.ICS,
    ".txt": Format.TERMINAL,
    ".html": Format.HTML,
    ".htm": Format.HTML,
}


@dataclass(frozen=True, slots=True)
class Environment:
    """What kapplan reads from the world it runs in, read once by the caller and passed in.

    The defaults read nothing: no config file, UTC as this machine's zone, no clock.
    """

    configuration: Configuration | None = None
    """The user's config file (`load_config`); None for none."""
    machine_zone: str = "UTC"
    """This machine's zone (`machine_timezone`): the zone of a schedule, and of a
    caseload's agenda without a therapist, when neither it nor the config names one."""
    now: datetime | None = None
    """The current time (aware), where a command needs it: ``--stamp now``, and where
    `validate_files` reads a busy calendar checked without any schedule."""


#: No config file, UTC, no clock.
NOWHERE = Environment()


def load_config() -> Configuration:
    """Read the user's config file, wherever it is (`kapplan.edge.config.config_path`).

    Returns:
        The configuration; defaults when there is no file.

    Raises:
        ConfigError: Located, when the file is unreadable or invalid.
    """
    from kapplan.edge.config import load_config as read

    return read()


def machine_timezone() -> str:
    """Return this machine's IANA zone (``TZ``, ``/etc/timezone``, ``/etc/localtime``), else UTC."""
    from kapplan.edge.config import machine_timezone as read

    return read()


def _configuration(env: Environment) -> Configuration:
    from kapplan.model.settings import Configuration, UserConfig

    if env.configuration is not None:
        return env.configuration
    return Configuration("", exists=False, values=UserConfig())


def _flags(flags: Flags | None) -> Flags:
    from kapplan.model.settings import Flags

    return flags if flags is not None else Flags()


# -- plan -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """The plans of one run: one schedule's, or every client's of a caseload."""

    plans: tuple[Plan, ...]
    """One plan per schedule, in argument order (folders expanded)."""
    caseload: bool
    """True for several schedules, or any number with a therapist file."""
    timezone: str
    """The zone of the whole: the plan's, or the therapist's clock for a caseload."""
    settings: Settings
    """Language, reminders and discreet as decided (flags, config file, defaults)."""
    inputs: tuple[Path, ...]
    """Every file read (schedules, rulebooks, therapist file): never written over."""
    complete: bool = True
    """False when the practices were left out (only a therapist's calendar was asked for)."""

    @property
    def warnings(self) -> int:
        """Return how many warnings the plans have."""
        return sum(len(plan.warnings) for plan in self.plans)


def is_caseload(schedules: Sequence[str], therapist: str | None = None) -> bool:
    """Tell whether these inputs plan a caseload rather than one schedule.

    Parameters:
        schedules: Files, folders (every .toml in them) or ``-``.
        therapist: A therapist file, if any.

    Returns:
        True for more than one schedule, or any with a therapist file.

    Raises:
        ScheduleError: When a folder holds no schedule, or stdin is named twice.
    """
    from kapplan.edge.load import schedule_paths

    return therapist is not None or len(schedule_paths(schedules)) > 1


def plan_files(
    schedules: Sequence[str],
    *,
    therapist: str | None = None,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
    limits: Limits | None = None,
) -> Planned:
    """Plan schedule files: one schedule's plan, or a therapist's caseload.

    Parameters:
        schedules: Schedule files, folders (every .toml in them) or ``-`` (stdin).
        therapist: A therapist file: plan the schedules as this therapist's caseload.
        rules: A rulebook file for every schedule, over each schedule's own `rules`.
        flags: Settings the caller gives (language, reminders, discreet), over the
            schedules' and the config file's.
        env: The config file and this machine's zone.
        limits: How large a schedule and its plan may be (default: `DEFAULT_LIMITS`).

    Returns:
        The plans.

    Raises:
        KapplanError: Located, for any problem in any file read, or a limit exceeded.
    """
    return _plan(schedules, therapist, rules, _flags(flags), env, limits, calendar_only=False)


def _plan(
    schedules: Sequence[str],
    therapist: str | None,
    rules: str | None,
    flags: Flags,
    env: Environment,
    limits: Limits | None,
    *,
    calendar_only: bool,
) -> Planned:
    from kapplan.edge.files import display_name
    from kapplan.edge.load import (
        load_clients,
        load_schedule_expanded,
        rulebook_paths,
        rulebooks_for,
        schedule_paths,
    )
    from kapplan.engine import build_plan
    from kapplan.i18n import catalogues
    from kapplan.model.limits import DEFAULT_LIMITS
    from kapplan.model.settings import resolve, schedule_defaults

    limits = limits or DEFAULT_LIMITS
    configuration = _configuration(env)
    settings = resolve(configuration, flags, machine_zone=env.machine_zone)
    defaults = schedule_defaults(configuration, flags, machine_zone=env.machine_zone)
    paths = schedule_paths(schedules)
    inputs = [Path(p) for p in paths if p != STDIN]
    if len(paths) > 1 or therapist is not None:
        clients = load_clients(paths, defaults=defaults, limits=limits)
        return _plan_caseload(
            paths, clients, therapist, rules, settings, inputs, limits, calendar_only
        )
    schedule, expansion = load_schedule_expanded(paths[0], defaults=defaults, limits=limits)
    book = rulebooks_for(paths, [schedule], rules)[0]
    inputs += rulebook_paths(rules, [schedule])
    try:
        plan = build_plan(schedule, book, texts=catalogues(), limits=limits, expansion=expansion)
    except KapplanError as problem:
        # The engine knows no file names; a single schedule's problem is in its file.
        raise problem.located(source=display_name(paths[0])) from None
    return Planned((plan,), False, plan.timezone, settings, tuple(inputs))


def _plan_caseload(
    paths: list[str],
    clients: list[tuple[Schedule, DoseExpansion]],
    therapist: str | None,
    rules: str | None,
    settings: Settings,
    inputs: list[Path],
    limits: Limits,
    calendar_only: bool,
) -> Planned:
    """Plan a caseload; `calendar_only` leaves out what a therapist's calendar never shows."""
    from kapplan.edge.load import load_therapist, rulebook_paths, rulebooks_for
    from kapplan.engine import book_sessions, build_caseload, calendar_shows_practices
    from kapplan.i18n import catalogues

    schedules = [schedule for schedule, _ in clients]
    expansions = [expansion for _, expansion in clients]
    hours = None
    # A caseload's clock: the therapist's file's zone, else the config's, else this machine's.
    zone = settings.timezone.value
    if therapist is not None:
        hours = load_therapist(therapist, [d.start for e in expansions for d in e.doses])
        zone = hours.zone.key
        inputs.append(Path(therapist))
    books = rulebooks_for(paths, schedules, rules)
    inputs += rulebook_paths(rules, schedules)
    lean = calendar_only and not calendar_shows_practices(books)
    place = book_sessions if lean else build_caseload
    plans = place(schedules, books, hours, texts=catalogues(), limits=limits, expansions=expansions)
    return Planned(plans, True, zone, settings, tuple(inputs), complete=not lean)


# -- render and export ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What to render plans as."""

    format: Format = Format.TERMINAL
    """The format."""
    view: View = View.AGENDA
    """The terminal view."""
    width: int = 100
    """Columns a terminal view is laid out for."""
    color: bool = False
    """Colour a terminal view with ANSI codes."""
    stamp: datetime | None = None
    """.ics: the DTSTAMP of every event (aware); None derives it from the plan."""
    calendar_name: str | None = None
    """.ics: the calendar's name; None picks one."""
    previous: str | None = None
    """.ics: an earlier export (a file) to raise SEQUENCE against and cancel vanished
    events of; None takes `output` when kapplan wrote it."""
    output: Path | None = None
    """Where the result will be written, if anywhere (its earlier content may be read)."""


@dataclass(frozen=True, slots=True)
class Export:
    """Plans rendered, ready to print or write."""

    data: bytes
    """The rendered document, UTF-8 (an .ics keeps its CRLF line ends)."""
    planned: Planned
    """What was rendered."""
    owned_marker: bytes | None = None
    """What every file of this kind kapplan writes starts with: an existing file that
    does may be replaced without ``force``."""

    def write(self, path: Path, *, force: bool = False) -> None:
        """Write the document to a file (see `kapplan.api.write`), never over an input.

        Parameters:
            path: The file.
            force: Replace an existing file kapplan did not write.

        Raises:
            OutputError: When the file cannot or may not be written.
        """
        write(
            self.data,
            path,
            force=force,
            owned_marker=self.owned_marker,
            inputs=self.planned.inputs,
        )


def export_files(
    schedules: Sequence[str],
    target: Target,
    *,
    therapist: str | None = None,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
    limits: Limits | None = None,
    complete: bool = False,
) -> Export:
    """Plan schedule files and render them (`plan_files`, then `render`).

    A therapist's calendar (a caseload as .ics) shows sessions and doses only,
    so the clients' practices are not planned for it, unless `complete` asks
    for them (to count their warnings).

    Parameters:
        schedules: As for `plan_files`.
        target: What to render.
        therapist: As for `plan_files`.
        rules: As for `plan_files`.
        flags: As for `plan_files`.
        env: As for `plan_files`.
        limits: As for `plan_files`.
        complete: Plan everything, also what the target does not show.

    Returns:
        The document and the plans.

    Raises:
        KapplanError: As `plan_files` and `render` do.
    """
    calendar_only = target.format is Format.ICS and not complete
    planned = _plan(
        schedules, therapist, rules, _flags(flags), env, limits, calendar_only=calendar_only
    )
    data, marker = _render(planned, target)
    return Export(data, planned, marker)


def render(planned: Planned, target: Target) -> bytes:
    """Render plans.

    Parameters:
        planned: What `plan_files` returned.
        target: What to render.

    Returns:
        The document, UTF-8.

    Raises:
        InvalidOption: For an HTML handout or a month view of a caseload, or a
            calendar option that cannot be used (a revealing calendar name with
            discreet texts).
        KapplanError: For an earlier export that is not one kapplan wrote.
    """
    return _render(planned, target)[0]


def _render(planned: Planned, target: Target) -> tuple[bytes, bytes | None]:
    from kapplan.errors import InvalidOption

    if planned.caseload and (target.format is Format.HTML or _month(target)):
        what = "format" if target.format is Format.HTML else "view"
        raise InvalidOption(
            "shows one client's plan, not a caseload; expected a single schedule", field=what
        )
    if target.format is Format.ICS:
        from kapplan.formats.ics import OWNED_MARKER

        return _calendar(planned, target).encode("utf-8"), OWNED_MARKER
    if target.format is Format.HTML:
        from kapplan.views.html import OWNED_MARKER as HANDOUT
        from kapplan.views.html import render_html

        return render_html(planned.plans[0]).encode("utf-8"), HANDOUT
    return _text(planned, target).encode("utf-8"), None


def _month(target: Target) -> bool:
    return target.format is Format.TERMINAL and target.view is View.MONTH


def _text(planned: Planned, target: Target) -> str:
    """Render JSON or a terminal view."""
    if target.format is Format.JSON:
        from kapplan.formats.json import render_json

        if planned.caseload:
            return render_json(planned.plans, timezone=planned.timezone)
        return render_json(planned.plans[0])
    if planned.caseload:
        from kapplan.views.agenda import render_caseload

        return render_caseload(
            planned.plans,
            timezone=planned.timezone,
            width=target.width,
            color=target.color,
            language=planned.settings.language.value,
        )
    if target.view is View.MONTH:
        from kapplan.views.month import render_month

        return render_month(planned.plans[0], width=target.width, color=target.color)
    from kapplan.views.agenda import render_terminal

    return render_terminal(planned.plans[0], width=target.width, color=target.color)


def _calendar(planned: Planned, target: Target) -> str:
    """Render the .ics: one plan's, or the therapist's calendar of a caseload."""
    from kapplan.engine import therapist_calendar
    from kapplan.formats.ics import IcsOptions, render_ics

    settings = planned.settings
    plan = planned.plans[0]
    if planned.caseload:
        plan = therapist_calendar(planned.plans, planned.timezone, settings.language.value)
    options = IcsOptions(
        reminders=_reminders(settings),
        discreet=settings.discreet.value,
        stamp=target.stamp,
        previous=_earlier_export(target),
        calendar_name=target.calendar_name,
    )
    return render_ics(plan, options)


def _earlier_export(target: Target) -> PreviousCalendar | None:
    """Read the earlier export a calendar is measured against, if there is one."""
    from kapplan.edge.files import read_own_output
    from kapplan.formats.ics import OWNED_MARKER, parse_previous

    if target.previous is not None:
        try:
            data = Path(target.previous).read_bytes()
        except OSError as error:
            raise UnreadableCalendar(
                f"cannot read: {error.strerror or error}; expected an earlier kapplan export",
                source=target.previous,
            ) from None
        return parse_previous(data, target.previous)
    if target.output is not None:
        own = read_own_output(target.output, OWNED_MARKER)
        if own is not None:
            return parse_previous(own, str(target.output))
    return None


def calendar_stamp(text: str, now: datetime | None) -> datetime:
    """Read a DTSTAMP given as ``now`` or an ISO 8601 time with an offset.

    Parameters:
        text: ``now`` (any case), or e.g. ``2026-10-01T09:00:00Z``.
        now: The current time (aware), for ``now``.

    Returns:
        The stamp in UTC, whole seconds.

    Raises:
        InvalidOption: At ``stamp``, when the text is not such a time.
        ValueError: For ``now`` without the current time.
    """
    from kapplan.formats.ics import parse_stamp

    return parse_stamp(text, now)


def write(
    data: bytes | str,
    path: Path,
    *,
    force: bool = False,
    owned_marker: bytes | None = None,
    inputs: Sequence[Path] = (),
) -> None:
    """Write a file atomically, never over one kapplan did not write (unless `force`).

    Parameters:
        data: The content (text is written as UTF-8).
        path: The file.
        force: Replace an existing file kapplan did not write.
        owned_marker: What kapplan's own files of this kind start with.
        inputs: Files the run read: the output is never one of them.

    Raises:
        OutputError: When the file cannot or may not be written; any earlier
            file is then left as it was.
    """
    from kapplan.edge.atomic import write_output

    write_output(path, data, force=force, owned_marker=owned_marker, inputs=inputs)


def warning_text(plan: Plan, warning: PlanWarning, *, language: str | None = None) -> str:
    """Say a plan's warning in words, its times on the plan's clock.

    Parameters:
        plan: The plan the warning is of.
        warning: The warning (a code and its params).
        language: The language to say it in (default: the plan's).

    Returns:
        One sentence.
    """
    from kapplan.i18n import catalogue

    return catalogue(language or plan.language).warning_text(warning, plan.zone)


# -- diff ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compared:
    """What a calendar re-import of `new` over `old` does, and how to show it."""

    diff: Diff
    """The events moved, added, removed and changed."""
    timezone: str
    """The zone its times are shown in: the newer side's plan's."""
    old: str
    """The old side's name."""
    new: str
    """The new side's name."""
    language: str
    """The language of its labels: the newer schedule's."""


def diff_files(
    old: str,
    new: str,
    *,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
) -> Compared:
    """Compare two inputs as a calendar re-import compares them.

    Each side is a schedule (planned as `plan_files` plans it), or an earlier
    kapplan export, .ics or JSON (told by suffix, else by content).

    Parameters:
        old: What the calendar holds now; ``-`` for stdin.
        new: What it will hold.
        rules: A rulebook file for both schedules, over their own `rules`.
        flags: Language, and the calendar's reminders and discreet texts (they
            change what a calendar compares).
        env: The config file and this machine's zone.

    Returns:
        The diff, with its zone and labels.

    Raises:
        KapplanError: Located, on any problem in either input.
    """
    from zoneinfo import ZoneInfo

    from kapplan.edge.files import read_text
    from kapplan.formats.ics import IcsOptions, compare_sides
    from kapplan.model.plan import Plan
    from kapplan.model.settings import resolve

    if old == new == STDIN:
        raise KapplanError("stdin (-) is named twice; expected it once at most")
    flags = _flags(flags)
    settings = resolve(_configuration(env), flags, machine_zone=env.machine_zone)
    texts = {
        side: read_text(side, what="a schedule (.toml), or a kapplan .ics or JSON export")
        for side in dict.fromkeys((old, new))
    }
    schedules = {side: _diff_schedule(side, *texts[side], rules, flags, env) for side in (old, new)}
    planned = [s for s in (schedules[new], schedules[old]) if s is not None]
    # Labels, and a JSON export's calendar lines, speak the new schedule's language.
    language = flags.lang or (planned[0][0].language if planned else settings.language.value)
    sides = [_diff_side(side, texts[side], schedules[side], language) for side in (old, new)]
    zone = next((s.timezone for s in reversed(sides) if isinstance(s, Plan)), None)
    zone = zone or settings.timezone.value
    options = IcsOptions(reminders=_reminders(settings), discreet=settings.discreet.value)
    diff = compare_sides(sides[0], sides[1], options, ZoneInfo(zone))
    return Compared(diff, zone, texts[old][0], texts[new][0], language)


def _reminders(settings: Settings) -> tuple[timedelta, ...]:
    """Return the reminder lead times in force (a flag's were checked when given)."""
    from kapplan.model.reminders import parse_reminder

    return tuple(parse_reminder(text) for text in settings.reminders.value)


def _diff_schedule(
    path: str, name: str, text: str, rules: str | None, flags: Flags, env: Environment
) -> tuple[Schedule, Rulebook] | None:
    """Load one side of a diff when it is a schedule, with the rulebook it is planned with."""
    from kapplan.edge.load import Source, rulebooks_for, schedule_from_text, sniff, with_rules_path
    from kapplan.model.settings import schedule_defaults

    if sniff(path, text) is not Source.SCHEDULE:
        return None
    defaults = schedule_defaults(_configuration(env), flags, machine_zone=env.machine_zone)
    schedule = with_rules_path(schedule_from_text(text, name, defaults=defaults), path, text, name)
    return schedule, rulebooks_for([path], [schedule], rules)[0]


def _diff_side(
    path: str,
    named: tuple[str, str],
    schedule: tuple[Schedule, Rulebook] | None,
    language: str,
) -> Plan | PreviousCalendar:
    """Return one side of a diff: a plan (of a schedule or a JSON export), or a calendar."""
    from kapplan.edge.load import Source, default_rulebook, sniff
    from kapplan.engine import build_plan
    from kapplan.formats.ics import parse_previous
    from kapplan.formats.json import plan_from_json
    from kapplan.i18n import catalogues
    from kapplan.model.rulebook import session_kinds

    name, text = named
    if schedule is not None:
        return build_plan(schedule[0], schedule[1], texts=catalogues())
    if sniff(path, text) is Source.JSON:
        kinds = session_kinds(default_rulebook())
        return plan_from_json(text, name, language=language, session_kinds=kinds)
    return parse_previous(text, name)


# -- validate -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    """A file after its own checks, with what the checks across files need."""

    path: str
    text: str
    report: FileReport
    schedule: Schedule | None = None
    doses: tuple[datetime, ...] = ()
    therapist: Therapist | None = None


@dataclass(frozen=True, slots=True)
class _Reference:
    """What every schedule of one validation is checked against, read once."""

    rulebook: Rulebook
    configuration: Configuration
    machine_zone: str


def validate_files(
    paths: Sequence[str], *, kind: FileKind | None = None, env: Environment = NOWHERE
) -> list[FileReport]:
    """Check files, folders (every .toml in them) or stdin and report every problem.

    Each file is read, parsed and checked with the model of its kind; a
    schedule whose fields are valid is then taken through the steps `plan_files`
    takes (its doses expanded and checked, its rulebook read, its plan built), so
    it passes exactly when planning it would succeed. What stops a plan is an
    error; what the plan warns about is a warning, said in English. Across files,
    schedules must carry distinct client labels (as a caseload needs), and a
    therapist's busy calendar must be readable over the time the schedules span.

    Parameters:
        paths: Files, folders, or ``-`` for stdin (at most once).
        kind: Check every file as this kind; by default each file's own.
        env: The config file (applied to schedules as `plan_files` applies it),
            this machine's zone, and the clock: a busy calendar checked without
            any valid schedule is read from `Environment.now` on.

    Returns:
        One report per file, in argument order, folders expanded; a folder
        without .toml files is a report of its own.

    Raises:
        ScheduleError: When stdin is named more than once.
        ValueError: When a busy calendar is checked without any schedule and
            `env` has no clock.
    """
    from kapplan.edge.load import default_rulebook, schedule_paths

    # Refuses stdin named twice with the message `plan` gives.
    schedule_paths([STDIN] * list(paths).count(STDIN))
    reference = _Reference(default_rulebook(), _configuration(env), env.machine_zone)
    checked: list[_Checked | FileReport] = []
    for argument in paths:
        try:
            found = schedule_paths([argument])
        except KapplanError as error:
            checked.append(FileReport(argument, kind, (Problem.from_error(error, argument),)))
            continue
        checked.extend(_check_file(path, kind, reference) for path in found)
    checked = _check_labels(checked)
    starts = [start for c in checked if isinstance(c, _Checked) for start in c.doses]
    if not starts and env.now is not None:
        starts = [env.now]
    return [c if isinstance(c, FileReport) else _check_busy(c, starts).report for c in checked]


def _check_file(path: str, forced: FileKind | None, reference: _Reference) -> _Checked | FileReport:
    """Read, parse and check one file with the model of its kind."""
    from kapplan.edge.files import read_text
    from kapplan.edge.load import check_rulebook, detect_kind, guess_kind
    from kapplan.edge.located import check_model, parse_toml
    from kapplan.model.therapist import TherapistFile

    try:
        name, text = read_text(path)
    except KapplanError as error:
        source = error.source or path
        return FileReport(source, forced, (Problem.from_error(error, source),))
    try:
        data = parse_toml(text, name)
    except KapplanError as error:
        return FileReport(name, forced or guess_kind(text), (Problem.from_error(error, name),))
    kind = forced or detect_kind(data)
    if kind is FileKind.SCHEDULE:
        return _check_schedule(path, name, text, data, reference)
    if kind is FileKind.THERAPIST:
        therapist_file, problems = check_model(TherapistFile, data, text, name, ScheduleError)
        therapist = therapist_file.therapist if therapist_file is not None else None
        report = FileReport(name, kind, _problems(problems, name))
        return _Checked(path, text, report, therapist=therapist)
    # Laid over kapplan's defaults, as `plan --rules` reads it.
    _, problems = check_rulebook(data, text, name, reference.rulebook)
    return FileReport(name, kind, _problems(problems, name))


def _check_schedule(
    path: str, name: str, text: str, data: dict[str, object], reference: _Reference
) -> _Checked:
    """Check a schedule as planning it would, and find what its plan warns about."""
    from kapplan.edge.load import check_schedule, load_rulebook, with_rules_path
    from kapplan.model.settings import Flags, schedule_defaults

    defaults = schedule_defaults(
        reference.configuration, Flags(), machine_zone=reference.machine_zone
    )
    schedule, expansion, problems = check_schedule(data, text, name, defaults=defaults)
    warnings: tuple[Problem, ...] = ()
    starts: tuple[datetime, ...] = ()
    if schedule is not None and expansion is not None:
        try:
            # The rulebook the schedule names must exist and be valid, as for `plan`.
            schedule = with_rules_path(schedule, path, text, name)
            book = reference.rulebook
            if schedule.rules:
                book = load_rulebook(schedule.rules, defaults=reference.rulebook)
        except KapplanError as error:
            problems, schedule = [error], None
        else:
            warnings = _plan_warnings(schedule, expansion, book, text, name)
            starts = tuple(dose.start for dose in expansion.doses)
    report = FileReport(name, FileKind.SCHEDULE, _problems(problems, name), warnings)
    return _Checked(path, text, report, schedule=schedule, doses=starts)


def _problems(errors: Sequence[KapplanError], source: str) -> tuple[Problem, ...]:
    return tuple(Problem.from_error(error, source) for error in errors)


def _plan_warnings(
    schedule: Schedule, expansion: DoseExpansion, rulebook: Rulebook, text: str, name: str
) -> tuple[Problem, ...]:
    """Build the plan `plan_files` would build and locate its warnings, said in English."""
    from kapplan.edge.located import line_of_field
    from kapplan.engine import build_plan
    from kapplan.i18n import catalogue, catalogues

    plan = build_plan(schedule, rulebook, texts=catalogues(), expansion=expansion)
    english = catalogue("en")
    warnings: list[Problem] = []
    for warning in plan.warnings:
        where: str | None = None
        if "field" in warning.params:
            # A dose's local time: its field, as a series' dose says it.
            where = str(warning.params["field"])
            if "dose" in warning.params:
                where += f" dose {warning.params['dose']}"
        elif warning.infusion is not None:
            where = expansion.doses[warning.infusion - 1].origin
        message = english.warning_text(warning, plan.zone, with_field=False)
        warnings.append(Problem(name, message, where, line_of_field(text, where)))
    return tuple(warnings)


def _check_labels(checked: list[_Checked | FileReport]) -> list[_Checked | FileReport]:
    """Add an error to each valid schedule whose client label an earlier one has."""
    from kapplan.edge.load import label_client
    from kapplan.edge.located import line_of_field

    seen: dict[str, str] = {}
    result: list[_Checked | FileReport] = []
    for item in checked:
        if isinstance(item, _Checked) and item.schedule is not None:
            try:
                label_client(item.schedule, item.path, seen)
            except ScheduleError as error:
                item = _with_error(item, error, line_of_field(item.text, error.field))
        result.append(item)
    return result


def _check_busy(checked: _Checked, starts: list[datetime]) -> _Checked:
    """Read a valid therapist's busy calendar as `plan_files` with a therapist would."""
    from kapplan.edge.load import therapist_hours
    from kapplan.edge.located import line_of_field

    if checked.therapist is None or not checked.therapist.busy_calendar:
        return checked
    if not starts:
        raise ValueError("a busy calendar checked without schedules needs Environment.now")
    try:
        therapist_hours(checked.therapist, checked.path, starts)
    except KapplanError as error:
        field = "therapist.busy_calendar"
        return _with_error(checked, error, line_of_field(checked.text, field), field)
    return checked


def _with_error(
    checked: _Checked, error: KapplanError, line: int | None, field: str | None = None
) -> _Checked:
    """Add an error found by a check across files, at `line` (and `field`, if given)."""
    problem = Problem.from_error(error, checked.report.path)
    problem = replace(problem, line=problem.line or line, field=field or problem.field)
    report = replace(checked.report, errors=(*checked.report.errors, problem))
    return replace(checked, report=report)


# -- rules, settings, schemas, starters ------------------------------------------------


@dataclass(frozen=True, slots=True)
class RulesInForce:
    """The rulebook a schedule (or a rulebook file) is planned with, beside kapplan's own."""

    rulebook: Rulebook
    """The rules in force."""
    defaults: Rulebook
    """kapplan's default rulebook, to tell changed and new rules."""
    source: str | None
    """The rulebook file laid over the defaults, or None for kapplan's own."""
    inputs: tuple[Path, ...] = field(default=())
    """The files read."""


def rules_in_force(schedule: str | None = None, *, rules: str | None = None) -> RulesInForce:
    """Return the rules in force: kapplan's, a rulebook file's, or a schedule's own.

    Parameters:
        schedule: A schedule file (or ``-``): the rules it is planned with.
        rules: A rulebook file, over the schedule's own `rules`.

    Returns:
        The rulebook, the defaults and where the rules come from.

    Raises:
        KapplanError: Located, on any problem in the files.
    """
    from kapplan.edge.load import default_rulebook, load_rulebook, load_schedule, rulebooks_for

    defaults = default_rulebook()
    inputs = [Path(rules)] if rules is not None else []
    if schedule is None:
        book = load_rulebook(rules, defaults=defaults) if rules else defaults
        return RulesInForce(book, defaults, rules, tuple(inputs))
    planned = load_schedule(schedule)
    book = rulebooks_for([schedule], [planned], rules)[0]
    inputs += [Path(p) for p in (schedule, planned.rules) if p and p != STDIN]
    return RulesInForce(book, defaults, rules or planned.rules, tuple(inputs))


def settings_in_force(
    schedule: str | None = None, *, flags: Flags | None = None, env: Environment = NOWHERE
) -> tuple[Settings, str | None]:
    """Decide every configurable setting and say where each comes from.

    Parameters:
        schedule: A schedule file (or ``-``), whose own settings count too.
        flags: Settings the caller gives.
        env: The config file and this machine's zone.

    Returns:
        The settings, and the schedule's name when one was given.

    Raises:
        KapplanError: Located, on a problem in the schedule.
    """
    from kapplan.edge.config import load_layer
    from kapplan.model.settings import resolve

    configuration = _configuration(env)
    layer = None
    if schedule is not None:
        layer = load_layer(schedule, configuration, machine_zone=env.machine_zone)
    settings = resolve(configuration, _flags(flags), machine_zone=env.machine_zone, layer=layer)
    return settings, layer.source if layer else None


def schema_text(*, rulebook: bool = False) -> str:
    """Return the JSON Schema of the schedule file, or of a rulebook file.

    Parameters:
        rulebook: The rulebook's schema instead of the schedule's.

    Returns:
        The schema as indented JSON, ending in a newline.
    """
    from kapplan.formats.schema import rulebook_schema, schedule_schema, schema_json

    return schema_json(rulebook_schema() if rulebook else schedule_schema())


def starter_questions(preset: Preset, *, zone: str, today: datetime) -> tuple[Question, ...]:
    """Return what `kapplan init` asks for a preset, with defaults from a zone and a day.

    Parameters:
        preset: The starting point.
        zone: The zone the dates are in (default answer).
        today: The day the defaults count from (the first dose a week or more later).

    Returns:
        The questions.
    """
    from kapplan.edge.starter import questions

    return questions(preset, zone=zone, today=today.date())


def starter_text(answers: Answers) -> str:
    """Return the commented starter schedule for answers.

    Parameters:
        answers: What `starter_questions` were answered with.

    Returns:
        The TOML text.
    """
    from kapplan.edge.starter import starter_toml

    return starter_toml(answers)


# -- words for people and scripts: each command's output -----------------------------


def render_report(
    reports: Sequence[FileReport], *, json: bool = False, strict: bool = False
) -> str:
    """Render what `validate_files` found: one line per problem and a summary, or JSON.

    Parameters:
        reports: The reports.
        json: One JSON document instead of lines.
        strict: Warnings fail a file (the summary and ``ok`` say so).

    Returns:
        The text, ending in a newline.
    """
    from kapplan.views.report import render_json, render_text

    return (render_json if json else render_text)(list(reports), strict=strict)


def render_diff(compared: Compared, *, json: bool = False, color: bool = False) -> str:
    """Render a diff: one line per event, grouped, for people; or JSON for scripts.

    Parameters:
        compared: What `diff_files` returned.
        json: One JSON document instead of lines.
        color: Colour the group headings (ANSI).

    Returns:
        The text, ending in a newline.
    """
    from kapplan.views.diff import render_diff_json, render_diff_terminal

    if json:
        return render_diff_json(compared.diff, compared.timezone)
    return render_diff_terminal(
        compared.diff,
        timezone=compared.timezone,
        old=compared.old,
        new=compared.new,
        language=compared.language,
        color=color,
    )


def render_rules(
    in_force: RulesInForce,
    *,
    json: bool = False,
    dump: str | None = None,
    width: int = 100,
    color: bool = False,
) -> str:
    """Render the rules in force: a table, JSON, or the whole rulebook as TOML to edit.

    Parameters:
        in_force: What `rules_in_force` returned.
        json: One JSON document.
        dump: The file name the TOML will have (its header's examples name it): write
            the rulebook as TOML.
        width: Columns for the table.
        color: Colour the table.

    Returns:
        The text, ending in a newline.
    """
    if dump is not None:
        from kapplan.edge.rulebook_file import dump_rulebook

        return dump_rulebook(in_force.rulebook, name=dump)
    from kapplan.views.rules import render_rules_json, render_rules_terminal

    book, defaults, source = in_force.rulebook, in_force.defaults, in_force.source
    if json:
        return render_rules_json(book, defaults, source=source)
    return render_rules_terminal(book, defaults, source=source, width=width, color=color)


def render_settings(
    settings: Settings, schedule: str | None, *, env: Environment = NOWHERE, json: bool = False
) -> str:
    """Render the settings in force and their sources: a table, or JSON.

    Parameters:
        settings: What `settings_in_force` returned.
        schedule: The schedule's name, when one was given.
        env: The config file the settings were decided with.
        json: One JSON document.

    Returns:
        The text, ending in a newline.
    """
    from kapplan.views.settings import render_settings as table
    from kapplan.views.settings import settings_json

    return (settings_json if json else table)(settings, _configuration(env), schedule)


def config_path() -> Path:
    """Return where the user's config file is, whether or not it exists."""
    from kapplan.edge.config import config_path as where

    return where()


def write_config_starter(path: Path) -> None:
    """Write a commented starter config file, creating its folder; never over a file.

    Parameters:
        path: Where (`config_path`).

    Raises:
        ConfigError: When a file is already there, or the folder cannot be made.
        OutputError: When it cannot be written.
    """
    from kapplan.edge.config import write_starter

    write_starter(path)
