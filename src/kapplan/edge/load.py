"""Load schedules, rulebooks, therapist files and caseloads, with located errors.

This is the loading edge: bytes become validated models here, and every
problem becomes a `KapplanError` naming the file, the field and, where it can
be found, the TOML line (`kapplan.edge.located`). A schedule is loaded whole:
its settings decided (`ScheduleDefaults`), its doses checked, its own
rulebook's path resolved. Inputs are also told apart here (`sniff`), for
commands that take a schedule or an earlier export.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from kapplan.characters import skeleton
from kapplan.edge.files import STDIN, display_name, read_text
from kapplan.edge.located import (
    check_model,
    line_of,
    line_of_field,
    parse_toml,
    validate_model,
)
from kapplan.errors import KapplanError, RulebookError, ScheduleError
from kapplan.model.choices import FileKind
from kapplan.model.days_off import plan_years
from kapplan.model.doses import DoseExpansion, expand_doses, refuse_dose_count
from kapplan.model.hours import TherapistHours
from kapplan.model.limits import DEFAULT_LIMITS, Limits, plan_reach
from kapplan.model.rulebook import Rulebook, shipped_rulebook
from kapplan.model.schedule import NO_DEFAULTS, Schedule, ScheduleDefaults

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from kapplan.model.intervals import Interval
    from kapplan.model.therapist import Therapist

#: Reads the busy time of a calendar on a server: (URL, window start, window end, the
#: therapist's zone) -> intervals in UTC (`kapplan.edge.caldav.busy_reader`).
RemoteBusyReader = Callable[[str, datetime, datetime, "ZoneInfo"], "list[Interval]"]


def load_schedule(
    path: str,
    *,
    defaults: ScheduleDefaults = NO_DEFAULTS,
    limits: Limits = DEFAULT_LIMITS,
) -> Schedule:
    """Load and fully check a schedule file (its doses expanded once to find errors).

    Parameters:
        path: A file path, or ``-`` for stdin.
        defaults: The settings of a schedule that leaves them out (its zone
            among them: local times are read in it), and a ``--lang``.
        limits: How large the schedule may be (see `kapplan.model.limits`).

    Returns:
        The validated schedule, every setting decided; its `rules`, if any,
        resolved against the schedule's folder (stdin: the current folder).

    Raises:
        ScheduleError: Located, on any problem, also when `rules` names no file.
    """
    return load_schedule_expanded(path, defaults=defaults, limits=limits)[0]


def load_schedule_expanded(
    path: str,
    *,
    defaults: ScheduleDefaults = NO_DEFAULTS,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Schedule, DoseExpansion]:
    """Load a schedule as `load_schedule` does, with the doses it was checked with.

    Parameters:
        path: A file path, or ``-`` for stdin.
        defaults: As for `load_schedule`.
        limits: As for `load_schedule`.

    Returns:
        The schedule and its doses (so that nobody expands them again).

    Raises:
        ScheduleError: Located, on any problem.
    """
    name, text = read_text(path)
    schedule, expansion, problems = check_schedule(
        parse_toml(text, name), text, name, defaults=defaults, limits=limits
    )
    if schedule is None or expansion is None:
        raise problems[0]
    return with_rules_path(schedule, path, text, name), expansion


def schedule_from_text(
    text: str,
    name: str,
    *,
    defaults: ScheduleDefaults = NO_DEFAULTS,
    limits: Limits = DEFAULT_LIMITS,
) -> Schedule:
    """Validate schedule text (see `load_schedule`; its `rules` path is left as written).

    Parameters:
        text: The TOML text.
        name: File name for messages.
        defaults: As for `load_schedule`.
        limits: How large the schedule may be (see `kapplan.model.limits`).

    Returns:
        The validated schedule.

    Raises:
        ScheduleError: Located, on any problem.
    """
    schedule, _, problems = check_schedule(
        parse_toml(text, name), text, name, defaults=defaults, limits=limits
    )
    if schedule is None:
        raise problems[0]
    return schedule


def check_schedule(
    data: dict[str, Any],
    text: str,
    name: str,
    *,
    defaults: ScheduleDefaults = NO_DEFAULTS,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Schedule | None, DoseExpansion | None, list[KapplanError]]:
    """Check a parsed schedule and find every problem, each located.

    The fields are checked first; only when they are all valid are the
    settings decided and the doses expanded and checked
    (`kapplan.model.doses.expand_doses`).

    Parameters:
        data: The parsed TOML document (not changed).
        text: The TOML text, to find lines in.
        name: File name for messages.
        defaults: As for `load_schedule`.
        limits: How large the schedule may be.

    Returns:
        The schedule and its doses, or None for both when there is a problem;
        and the problems, in the order `schedule_from_text` would meet them.
    """
    infusions = data.get("infusion")
    if isinstance(infusions, list):
        # Before validating: 100,000 [[infusion]] tables are refused, not checked one by one.
        try:
            refuse_dose_count(len(infusions), limits)
        except ScheduleError as problem:
            line = line_of(text, ("infusion", limits.infusions))
            return None, None, [problem.located(source=name, line=line)]
    found, problems = check_model(Schedule, data, text, name, ScheduleError)
    if found is None:
        return None, None, problems
    schedule = defaults.apply(found)
    expansion = expand_doses(schedule, limits)
    problems = [
        problem.located(source=name, line=line_of_field(text, problem.field))
        for problem in expansion.problems
    ]
    if problems:
        return None, None, problems
    return schedule, expansion, []


def with_rules_path(schedule: Schedule, path: str, text: str, name: str) -> Schedule:
    """Resolve a schedule's `rules` against its folder (stdin: the current one).

    Parameters:
        schedule: The validated schedule.
        path: Its path as given, or ``-`` for stdin.
        text: Its TOML text, to locate the `rules` line.
        name: File name for messages.

    Returns:
        The schedule with `rules` (if any) as a path that exists; the file is
        read only when used.

    Raises:
        ScheduleError: Located at `rules`, when it names no file.
    """
    if schedule.rules is None:
        return schedule
    where = Path(schedule.rules).expanduser()
    if path != STDIN:
        where = Path(path).parent / where
    if not where.is_file():
        raise ScheduleError(
            f"no rulebook file {str(where)!r}; expected a path relative to this schedule",
            source=name,
            field="rules",
            line=line_of(text, ("rules",)),
        )
    return schedule.model_copy(update={"rules": str(where)})


# -- rulebooks ------------------------------------------------------------------


@cache
def default_rulebook() -> Rulebook:
    """Return the rulebook that ships with kapplan (DOMAIN.md's rules).

    Read and checked once per process (the same frozen object on every call): a
    program or a test that plans many times checks it once.
    """
    import json

    # The package's own file (importlib.resources would load tempfile and its imports):
    # the JSON twin of rulebook.toml, which `json` reads in a fraction of the time
    # (``tools/shipped_json.py``; a test keeps the two the same), built without
    # validating it again (`shipped_rulebook`: the tests validate the TOML).
    text = (
        Path(__file__).parent.parent.joinpath("data", "rulebook.json").read_text(encoding="utf-8")
    )
    return shipped_rulebook(json.loads(text))


def rulebook_from_text(text: str, name: str, *, defaults: Rulebook | None = None) -> Rulebook:
    """Validate rulebook text: a whole rulebook, or one laid over `defaults`.

    The file format (``version``, ``extends``, partial ``[[rule]]`` entries
    matched by id, ``enabled = false``) is described in `kapplan.edge.rulebook_file`.

    Parameters:
        text: The TOML text.
        name: File name for messages.
        defaults: The rulebook the file extends (unless it says ``extends =
            "none"``); None when the text must be a whole rulebook.

    Returns:
        The rulebook.

    Raises:
        RulebookError: Located, on any problem.
    """
    rulebook, problems = check_rulebook(parse_toml(text, name, RulebookError), text, name, defaults)
    if rulebook is None:
        raise problems[0]
    return rulebook


def check_rulebook(
    data: dict[str, Any], text: str, name: str, defaults: Rulebook | None
) -> tuple[Rulebook | None, list[KapplanError]]:
    """Check a parsed rulebook file laid over `defaults` and find every problem, located.

    Parameters:
        data: The parsed TOML document.
        text: The TOML text, to find lines in.
        name: File name for messages.
        defaults: The rulebook it extends; None when it must be whole.

    Returns:
        The rulebook, or None when there is a problem; and the problems, in the
        order `rulebook_from_text` would meet them (a version or overlay
        problem stops the check: the rules cannot be read without them).
    """
    from kapplan.edge.rulebook_file import migrate, overlay

    try:
        data, origins = overlay(defaults, migrate(data))
    except RulebookError as problem:
        return None, [problem.located(source=name, line=line_of_field(text, problem.field))]
    return check_model(Rulebook, data, text, name, RulebookError, items={"rule": origins})


def load_rulebook(path: str, *, defaults: Rulebook | None = None) -> Rulebook:
    """Load a rulebook file laid over kapplan's default rulebook (`kapplan.edge.rulebook_file`).

    Parameters:
        path: A file path, or ``-`` for stdin.
        defaults: The rulebook to lay it over (default: kapplan's own).

    Returns:
        The rules in force.

    Raises:
        RulebookError: Located, on any problem.
    """
    name, text = read_text(path, RulebookError, "a rulebook (TOML)")
    return rulebook_from_text(text, name, defaults=defaults or default_rulebook())


def rulebooks_for(
    paths: Sequence[str], schedules: Sequence[Schedule], chosen: str | None
) -> list[Rulebook]:
    """Return the rulebook each schedule is planned with; each file is read once.

    Parameters:
        paths: The schedules' paths (``-`` for stdin), one per schedule.
        schedules: The schedules, as `load_schedule` returns them (a `rules`
            path already resolved against its schedule's folder).
        chosen: ``--rules``: one rulebook for every schedule, over their own.

    Returns:
        One rulebook per schedule: `chosen`, else the schedule's `rules`, else
        kapplan's default rulebook.

    Raises:
        KapplanError: Located, on a problem in any rulebook, or when stdin is
            both a schedule and the rulebook.
    """
    if chosen == STDIN and STDIN in paths:
        raise RulebookError("stdin (-) is both a schedule and the rulebook; expected one of them")
    defaults = default_rulebook()
    loaded: dict[str, Rulebook] = {}
    books = []
    for schedule in schedules:
        path = chosen or schedule.rules
        if path is None:
            books.append(defaults)
            continue
        if path not in loaded:
            loaded[path] = load_rulebook(path, defaults=defaults)
        books.append(loaded[path])
    return books


def rulebook_paths(chosen: str | None, schedules: Sequence[Schedule]) -> list[Path]:
    """Return the rulebook files planning these schedules reads (so none is written over).

    Parameters:
        chosen: ``--rules``, if given.
        schedules: The schedules, their `rules` paths resolved.

    Returns:
        The files, each once, stdin left out.
    """
    named = [chosen] if chosen is not None else [s.rules for s in schedules]
    return [Path(p) for p in dict.fromkeys(named) if p and p != STDIN]


# -- caseloads and therapists ---------------------------------------------------


def schedule_paths(arguments: Sequence[str]) -> list[str]:
    """Expand the schedule arguments: a folder stands for every .toml file in it, sorted.

    Parameters:
        arguments: Files, folders, or ``-`` (stdin, at most once).

    Returns:
        The schedule paths, in argument order, folders expanded.

    Raises:
        ScheduleError: When stdin is named twice, or a folder cannot be read or holds no
            .toml file.
    """
    paths: list[str] = []
    for argument in arguments:
        if argument != STDIN and Path(argument).is_dir():
            found = _folder_schedules(argument)
            if not found:
                raise ScheduleError("holds no .toml file; expected schedule files", source=argument)
            paths.extend(found)
        else:
            paths.append(argument)
    if paths.count(STDIN) > 1:
        raise ScheduleError("stdin (-) is named more than once; expected it once at most")
    return paths


def _folder_schedules(folder: str) -> list[str]:
    """Return the .toml files in a folder (not hidden), sorted by name."""
    try:
        with os.scandir(folder) as entries:
            # The entry knows its own type (a link is followed, as Path.is_file does):
            # a caseload of a thousand files is not a thousand more stat calls.
            names = [
                e.name
                for e in entries
                if e.name.endswith(".toml") and e.name[:1] != "." and e.is_file()
            ]
    except OSError as problem:
        raise ScheduleError(
            f"cannot read the folder: {problem.strerror or problem}; expected a folder of "
            "schedule files you can read",
            source=folder,
        ) from None
    return sorted(str(Path(folder) / name) for name in names)


def skipped_folders(folder: str) -> list[str]:
    """Return the folders inside a folder (not hidden), which `schedule_paths` does not search.

    Parameters:
        folder: A folder given as an argument.

    Returns:
        Their paths, sorted by name; empty when none, or the folder cannot be read
        (`schedule_paths` says so).
    """
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name[:1] != "." and e.is_dir()]
    except OSError:
        return []
    return [str(Path(folder) / name) for name in sorted(names)]


def load_caseload(
    arguments: Sequence[str],
    *,
    defaults: ScheduleDefaults = NO_DEFAULTS,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Schedule]:
    """Load several clients' schedules; a client without a label takes its file's stem.

    Parameters:
        arguments: Files, folders or ``-`` (see `schedule_paths`).
        defaults: As for `load_schedule`.
        limits: How large each schedule may be (see `kapplan.model.limits`).

    Returns:
        The schedules, in order, each with a distinct `client` label.

    Raises:
        ScheduleError: Located, on any problem in any file, or when two clients
            share a label.
    """
    return [s for s, _ in load_clients(schedule_paths(arguments), defaults=defaults, limits=limits)]


def load_clients(
    paths: Sequence[str],
    *,
    defaults: ScheduleDefaults = NO_DEFAULTS,
    limits: Limits = DEFAULT_LIMITS,
) -> list[tuple[Schedule, DoseExpansion]]:
    """Load a caseload's schedules with their doses, each labelled (see `load_caseload`).

    Parameters:
        paths: Schedule files or ``-`` (folders already expanded).
        defaults: As for `load_schedule`.
        limits: As for `load_schedule`.

    Returns:
        Each schedule, labelled, with its doses.

    Raises:
        ScheduleError: Located, on any problem in any file, or when two clients
            share a label.
    """
    clients = []
    seen: dict[str, tuple[str, str]] = {}
    for path in paths:
        schedule, expansion = load_schedule_expanded(path, defaults=defaults, limits=limits)
        clients.append((label_client(schedule, path, seen), expansion))
    return clients


def label_client(schedule: Schedule, path: str, seen: dict[str, tuple[str, str]]) -> Schedule:
    """Label a client of a caseload: its `client`, else its file's stem; labels must differ.

    Parameters:
        schedule: The client's valid schedule.
        path: Its file, or ``-`` for stdin (labelled ``stdin``).
        seen: The labels given so far, with their files, by their
            `kapplan.characters.skeleton`; this one is added.

    Returns:
        The schedule, with its label as `client`.

    Raises:
        ScheduleError: When another schedule of the caseload has the same label,
            or one that looks the same (``Anna``, ``Аnna`` with a Cyrillic A,
            ``Anna`` with a zero-width space).
    """
    if not schedule.client:
        stem = "stdin" if path == STDIN else Path(path).stem
        schedule = schedule.model_copy(update={"client": stem})
    name = display_name(path)
    key = skeleton(schedule.client)
    if key in seen:
        other, where = seen[key]
        said = (
            f"is also the label of {where}"
            if other == schedule.client
            # ascii() writes the letters and invisibles that differ as \u and four hex digits.
            else f"({schedule.client!a}) looks the same as {other!a}, the label of {where}"
        )
        raise ScheduleError(
            f"client {schedule.client!r} {said}; expected a distinct client label per schedule",
            source=name,
            field="client",
        )
    seen[key] = (schedule.client, name)
    return schedule


def load_therapist(
    path: str, starts: Sequence[datetime], remote: RemoteBusyReader | None = None
) -> TherapistHours:
    """Load a therapist file (and the busy calendar it names) for planning a caseload.

    Parameters:
        path: The therapist file (TOML with a ``[therapist]`` table).
        starts: When the clients' doses start (at least one): they bound how
            much of the busy calendar is read.
        remote: Reads ``busy = { caldav = "URL" }`` (only `kapplan sync` gives one).

    Returns:
        What the engine needs of the therapist.

    Raises:
        KapplanError: Located, on any problem in the therapist file or its calendar.
    """
    return therapist_hours(load_therapist_file(path), path, starts, remote)


def load_therapist_file(path: str) -> Therapist:
    """Load a therapist file's ``[therapist]`` table, validated (its busy calendar unread).

    Parameters:
        path: The therapist file.

    Returns:
        The table.

    Raises:
        ScheduleError: Located, on any problem in the file.
    """
    from kapplan.model.therapist import TherapistFile

    name, text = read_text(path)
    return validate_model(
        TherapistFile, parse_toml(text, name), text, name, ScheduleError
    ).therapist


def busy_calendar_path(therapist: Therapist, path: str) -> str | None:
    """Return the busy calendar file a therapist file names, relative to it, if any.

    Parameters:
        therapist: The ``[therapist]`` table, validated.
        path: The therapist file.

    Returns:
        The calendar's path, or None when the file names none.
    """
    if not therapist.busy_calendar:
        return None
    return str(Path(path).parent / therapist.busy_calendar)


def therapist_hours(
    therapist: Therapist,
    path: str,
    starts: Sequence[datetime],
    remote: RemoteBusyReader | None = None,
) -> TherapistHours:
    """Read what a valid therapist file leaves to read (its busy calendar) for the engine.

    Parameters:
        therapist: The ``[therapist]`` table, validated.
        path: The therapist file: a relative ``busy_calendar`` is relative to it.
        starts: When the clients' doses start (at least one): they bound how much
            of the busy calendar is read, and the years whose holidays are days off.
        remote: Reads the busy time of ``busy = { caldav = "URL" }`` within a window;
            without it, such a file is refused: only `kapplan sync` connects.

    Returns:
        What the engine needs of the therapist.

    Raises:
        KapplanError: Located, on any problem in the busy calendar.
    """
    years = plan_years(starts)
    # Sessions fall from a week before the first dose to the end of the long arc.
    first, last = plan_reach(min(starts), max(starts))
    served: list[Interval] = []
    if therapist.remote_busy is not None:
        if remote is None:
            raise ScheduleError(
                "busy time on a CalDAV server is read only by kapplan sync, the one command "
                "that connects; expected kapplan sync, or the calendar exported to an .ics "
                "file named in busy_calendar",
                source=path,
                field="therapist.busy.caldav",
            )
        served = remote(therapist.remote_busy.caldav, first, last, therapist.zone)
    if not therapist.busy_calendar:
        return therapist.working_time(years, served)
    from kapplan.formats.busy import read_busy_calendar

    calendar = busy_calendar_path(therapist, path) or ""
    calendar_name, calendar_text = read_text(calendar, what="an .ics calendar file")
    busy = read_busy_calendar(
        calendar_text,
        calendar_name,
        start=first,
        end=last,
        default_zone=therapist.zone,
    )
    return therapist.working_time(years, [*served, *busy])


# -- telling inputs apart -------------------------------------------------------


def detect_kind(data: dict[str, Any]) -> FileKind:
    """Tell a parsed file's kind from its top-level keys.

    Parameters:
        data: The parsed TOML document.

    Returns:
        `FileKind.THERAPIST` for a ``[therapist]`` table, `FileKind.RULEBOOK`
        for ``version``, ``[methods]`` or ``[[rule]]``, else `FileKind.SCHEDULE`.
    """
    if "therapist" in data:
        return FileKind.THERAPIST
    if data.keys() & {"version", "methods", "rule"}:
        return FileKind.RULEBOOK
    return FileKind.SCHEDULE


_THERAPIST_TABLE = re.compile(r"^\s*\[\s*therapist\s*\]", re.MULTILINE)
_RULEBOOK_KEYS = re.compile(
    r"^\s*(\[\[\s*rule\s*\]\]|\[\s*methods\s*[.\]]|version\s*=)", re.MULTILINE
)


def guess_kind(text: str) -> FileKind:
    """Tell the kind of a file that is not valid TOML from its lines, as `detect_kind` does.

    Parameters:
        text: The file's text.

    Returns:
        The kind its table headers and keys suggest.
    """
    if _THERAPIST_TABLE.search(text):
        return FileKind.THERAPIST
    if _RULEBOOK_KEYS.search(text):
        return FileKind.RULEBOOK
    return FileKind.SCHEDULE


class Source(StrEnum):
    """What an input of `kapplan diff` is."""

    SCHEDULE = "schedule"
    JSON = "json"
    CALENDAR = "calendar"


def sniff(path: str, text: str) -> Source:
    """Tell what an input is: by its suffix, else (stdin, other names) by its content.

    Parameters:
        path: The path given (``-`` for stdin).
        text: Its content.

    Returns:
        ``.ics``/``.ical`` is a calendar, ``.json`` a JSON export, ``.toml`` a
        schedule; otherwise text starting with BEGIN:VCALENDAR is a calendar,
        text starting with ``{`` a JSON export, and anything else a schedule
        (neither can start a TOML document).
    """
    suffix = PurePath(path).suffix.lower() if path != STDIN else ""
    if suffix in (".ics", ".ical"):
        return Source.CALENDAR
    if suffix == ".json":
        return Source.JSON
    if suffix == ".toml":
        return Source.SCHEDULE
    head = text.lstrip()
    if head[:15].upper() == "BEGIN:VCALENDAR":
        return Source.CALENDAR
    if head.startswith("{"):
        return Source.JSON
    return Source.SCHEDULE


__all__ = [
    "Source",
    "busy_calendar_path",
    "check_rulebook",
    "check_schedule",
    "default_rulebook",
    "detect_kind",
    "guess_kind",
    "label_client",
    "load_caseload",
    "load_clients",
    "load_rulebook",
    "load_schedule",
    "load_schedule_expanded",
    "load_therapist",
    "load_therapist_file",
    "rulebook_from_text",
    "rulebook_paths",
    "rulebooks_for",
    "schedule_from_text",
    "schedule_paths",
    "skipped_folders",
    "sniff",
    "therapist_hours",
]
