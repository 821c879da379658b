"""Read schedules and rulebooks from files or stdin, with located errors.

This is the loading edge: bytes become validated models here, and every
problem becomes a `KapplanError` naming the file, the field and, where it can
be found, the TOML line.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from kapplan.engine.planner import TherapistHours
from kapplan.errors import KapplanError, RulebookError, ScheduleError
from kapplan.i18n import LANGUAGES, Catalogue, catalogue
from kapplan.model.limits import DEFAULT_LIMITS, MAX_FILE_BYTES, MAX_KEY_DEPTH, Limits
from kapplan.model.rulebook import Rulebook, RuleFieldError
from kapplan.model.schedule import Schedule, refuse_dose_count

if TYPE_CHECKING:
    from kapplan.model.therapist import Therapist

STDIN = "-"

_M = TypeVar("_M", bound=BaseModel)

#: Schedule files larger than this are refused before parsing (see `kapplan.model.limits`).
MAX_BYTES = MAX_FILE_BYTES


def read_text(
    path: str, error: type[KapplanError] = ScheduleError, what: str = "a TOML file"
) -> tuple[str, str]:
    """Read a UTF-8 text file, or stdin for ``-``.

    Parameters:
        path: A file path, or ``-`` for standard input.
        error: The error class to raise.
        what: What the file should be, for messages.

    Returns:
        The name to use in messages, and the text (a leading BOM removed).

    Raises:
        KapplanError: When the file is missing, unreadable, too large or not UTF-8.
    """
    name = "<stdin>" if path == STDIN else path
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise error(
            f"no such file; expected a path to {what}, or - for stdin", source=name
        ) from None
    except IsADirectoryError:
        raise error(f"is a folder; expected {what}", source=name) from None
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror or problem}", source=name) from None
    if len(data) > MAX_BYTES:
        raise error(f"larger than {MAX_BYTES // (1024 * 1024)} MiB; expected {what}", source=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise error(
            f"not UTF-8 text (byte 0x{data[problem.start]:02x}); expected {what} in UTF-8",
            source=name,
            line=line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise error("contains a NUL byte; expected a text file", source=name, line=line)
    return name, text


def parse_toml(text: str, name: str, error: type[KapplanError] = ScheduleError) -> dict[str, Any]:
    """Parse TOML text, turning syntax errors into located errors.

    Parameters:
        text: The TOML text.
        name: File name for messages.
        error: The error class to raise.

    Returns:
        The parsed document.

    Raises:
        KapplanError: On a syntax error, with its line.
    """
    deep = _DEEP_KEY.search(text)
    if deep:
        raise error(
            f"more than {MAX_KEY_DEPTH} dotted parts in a row (a key nested too deeply); "
            "expected a few levels",
            source=name,
            line=text.count("\n", 0, deep.start()) + 1,
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        message = str(problem)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise error(f"not valid TOML: {detail}", source=name, line=line, column=column) from None
    except RecursionError:
        raise error("not valid TOML: nested too deeply", source=name) from None


#: A run of more than MAX_KEY_DEPTH dotted key parts, bare or quoted (see `kapplan.model.limits`).
_DEEP_KEY = re.compile(
    rf"""(?:(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')[ \t]*\.[ \t]*){{{MAX_KEY_DEPTH}}}"""
)


def machine_timezone() -> str:
    """Return the IANA name of this machine's zone, or ``UTC`` when it cannot be told."""
    candidates: list[str] = []
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].lstrip(":"))
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return name
    return "UTC"


def load_schedule(
    path: str, *, default_timezone: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Schedule:
    """Load and fully check a schedule file (doses expanded once to find errors).

    Parameters:
        path: A file path, or ``-`` for stdin.
        default_timezone: Zone when the file names none (default: the machine's).
        limits: How large the schedule may be (see `kapplan.model.limits`).

    Returns:
        The validated schedule; its `rules`, if any, resolved against the
        schedule's folder (stdin: the current folder).

    Raises:
        ScheduleError: Located, on any problem, also when `rules` names no file.
    """
    name, text = read_text(path)
    schedule = schedule_from_text(text, name, default_timezone=default_timezone, limits=limits)
    return with_rules_path(schedule, path, text, name)


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
            line=_line_of(text, ("rules",)),
        )
    return schedule.model_copy(update={"rules": str(where)})


def schedule_from_text(
    text: str, name: str, *, default_timezone: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Schedule:
    """Validate schedule text (see `load_schedule`).

    Parameters:
        text: The TOML text.
        name: File name for messages.
        default_timezone: Zone when the file names none (default: the machine's).
        limits: How large the schedule may be (see `kapplan.model.limits`).

    Returns:
        The validated schedule.

    Raises:
        ScheduleError: Located, on any problem.
    """
    schedule, problems = check_schedule(
        parse_toml(text, name), text, name, default_timezone=default_timezone, limits=limits
    )
    if schedule is None:
        raise problems[0]
    return schedule


def check_schedule(
    data: dict[str, Any],
    text: str,
    name: str,
    *,
    default_timezone: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Schedule | None, list[KapplanError]]:
    """Check a parsed schedule and find every problem, each located.

    The fields are checked first; only when they are all valid are the doses
    expanded and checked (see `Schedule.dose_problems`).

    Parameters:
        data: The parsed TOML document (a missing ``timezone`` is filled in).
        text: The TOML text, to find lines in.
        name: File name for messages.
        default_timezone: Zone when the file names none (default: the machine's).
        limits: How large the schedule may be (see `kapplan.model.limits`).

    Returns:
        The schedule, or None when there is a problem; and the problems, in the
        order `schedule_from_text` would meet them.
    """
    infusions = data.get("infusion")
    if isinstance(infusions, list):
        # Before validating: 100,000 [[infusion]] tables are refused, not checked one by one.
        try:
            refuse_dose_count(len(infusions), limits)
        except ScheduleError as problem:
            line = _line_of(text, ("infusion", limits.infusions))
            return None, [problem.located(source=name, line=line)]
    if "timezone" not in data:
        data["timezone"] = default_timezone or machine_timezone()
    schedule, problems = check_model(Schedule, data, text, name, ScheduleError)
    if schedule is None:
        return None, problems
    problems = [
        problem.located(source=name, line=line_of_field(text, problem.field))
        for problem in schedule.dose_problems(limits)
    ]
    return (None if problems else schedule), problems


def catalogues() -> Mapping[str, Catalogue]:
    """Return the message catalogues that ship with kapplan, by language.

    Each is read on first use: a plan in one language reads only that one (and
    English, the rulebook's own).
    """
    return _Catalogues()


class _Catalogues(Mapping[str, Catalogue]):
    """Every shipped catalogue by language, each read when first asked for."""

    def __getitem__(self, lang: str) -> Catalogue:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return catalogue(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


def default_rulebook() -> Rulebook:
    """Return the rulebook that ships with kapplan (DOMAIN.md's rules)."""
    text = resources.files("kapplan").joinpath("data/rulebook.toml").read_text(encoding="utf-8")
    return rulebook_from_text(text, "<default rulebook>")


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
    """Load a rulebook file laid over kapplan's default rulebook (see `kapplan.edge.rulebook_file`).

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
    paths: list[str], schedules: list[Schedule], chosen: str | None
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


def _validate(
    model: type[_M],
    data: dict[str, Any],
    text: str,
    name: str,
    error: type[KapplanError],
    *,
    items: dict[str, tuple[int | None, ...]] | None = None,
) -> _M:
    """Validate data, turning the first problem into a located error (see `check_model`)."""
    found, problems = check_model(model, data, text, name, error, items=items)
    if found is None:
        raise problems[0]
    return found


def check_model(
    model: type[_M],
    data: dict[str, Any],
    text: str,
    name: str,
    error: type[KapplanError],
    *,
    items: dict[str, tuple[int | None, ...]] | None = None,
) -> tuple[_M | None, list[KapplanError]]:
    """Validate parsed TOML with a model and locate every problem pydantic finds.

    Parameters:
        model: The pydantic model of the whole file.
        data: The parsed document.
        text: The TOML text, to find lines in.
        name: File name for messages.
        error: The error class of the problems.
        items: Maps an array (``rule``) to the file's index of each of its items,
            where the data was merged from more than the file (a rulebook laid
            over the defaults), so a problem names the user's item and line.

    Returns:
        The model, or None when invalid; and the problems in file order, one
        per field (the alternatives of a union at one field count once).
    """
    try:
        return model.model_validate(data), []
    except ValidationError as invalid:
        problems: dict[tuple[str | None, int | None], KapplanError] = {}
        for found in invalid.errors(include_url=False):
            loc = tuple(found["loc"])
            cause = (found.get("ctx") or {}).get("error")
            if isinstance(cause, RuleFieldError):
                loc = (*loc, cause.field)
            origins = (items or {}).get(str(loc[0])) if loc else None
            if origins and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(origins):
                index = origins[loc[1]]
                loc = (loc[0], loc[1] if index is None else index, *loc[2:])
            problem = error(
                _message(model, found),
                source=name,
                field=field_path(loc),
                line=_line_of(text, loc),
            )
            problems.setdefault((problem.field, problem.line), problem)
        # In file order (problems without a line last), so the first is the one
        # a reader meets first.
        ordered = sorted(problems.values(), key=lambda p: (p.line is None, p.line or 0))
        return None, ordered


def field_path(loc: tuple[int | str, ...]) -> str | None:
    """Render a pydantic location as ``infusion[2].method`` (array items 1-based).

    Parameters:
        loc: The location, with 0-based indices.

    Returns:
        The path, or None for the document itself.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        elif part.startswith(("function-", "lax-", "json-", "union")) or part in (
            "int",
            "str",
            "[key]",
        ):
            continue
        else:
            path += ("." if path else "") + part
    return path or None


def _message(model: type[BaseModel], error: Any) -> str:
    kind, msg, value = error["type"], error["msg"], error.get("input")
    if kind == "extra_forbidden":
        keys = _keys_at(model, error["loc"][:-1])
        return f"unknown key {error['loc'][-1]!r}; expected one of {', '.join(keys)}"
    if kind == "missing":
        return "missing; this key is required"
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    if msg.startswith("Input should be"):
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        return f"got {shown}; expected {msg[len('Input should be ') :]}"
    return msg


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if (
            isinstance(part, int)
            or not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields  # a key of a dict of models, e.g. methods.iv
        ):
            continue
        annotation = current.model_fields[part].annotation if part in current.model_fields else None
        args = getattr(annotation, "__args__", ())
        current = next(
            (a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)),
            None,
        )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?")


def line_of_field(text: str, path: str | None) -> int | None:
    """Find the line of a field path as `Schedule.doses` and `field_path` name them.

    Parameters:
        text: The TOML text.
        path: E.g. ``infusion[2].at``, ``series[1] dose 3`` or ``therapist.hours``.

    Returns:
        The 1-based line, or None when it cannot be told.
    """
    if not path:
        return None
    match = re.match(r"^(\w+)\[(\d+)\](?:\.(\w+))?", path)
    if not match:
        return _line_of(text, tuple(path.split(".")))
    name, index, key = match.groups()
    loc: tuple[int | str, ...] = (name, int(index) - 1) + ((key,) if key else ())
    return _line_of(text, loc)


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Find the TOML line that holds `loc`, as well as plain TOML allows; None if unsure."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    if len(keys) > 1 and not any(isinstance(p, int) for p in loc):
        # A sub-table written as its own header, e.g. [methods.iv].
        dotted = rf"^\s*\[\s*{re.escape(keys[0])}\.{re.escape(keys[1])}\s*\]"
        if re.search(dotted, text, re.MULTILINE):
            keys = [f"{keys[0]}.{keys[1]}", *keys[2:]]
    table, item = keys[0], next((p for p in loc if isinstance(p, int)), None)
    rest = keys[1:] if len(keys) > 1 else []
    seen = -1
    inside = any_header = False
    header_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            any_header = True
            name = header.group(2).strip()
            if name == table and (header.group(1) == "[[") == (item is not None):
                seen += 1
                inside = item is None or seen == item
                if inside:
                    header_line = number
                continue
            inside = False
            continue
        # Top level, before any header: the key itself, or an inline table/array.
        if not any_header and re.match(rf"^\s*{re.escape(table)}\s*=", line):
            return number
        if inside and rest and re.match(rf"^\s*{re.escape(str(rest[0]))}\s*=", line):
            return number
    return header_line


def schedule_paths(arguments: list[str]) -> list[str]:
    """Expand the schedule arguments: a folder stands for every .toml file in it, sorted.

    Parameters:
        arguments: Files, folders, or ``-`` (stdin, at most once).

    Returns:
        The schedule paths, in argument order, folders expanded.

    Raises:
        ScheduleError: When stdin is named twice, or a folder holds no .toml file.
    """
    paths: list[str] = []
    for argument in arguments:
        if argument != STDIN and Path(argument).is_dir():
            found = sorted(str(p) for p in Path(argument).glob("*.toml") if p.is_file())
            if not found:
                raise ScheduleError("holds no .toml file; expected schedule files", source=argument)
            paths.extend(found)
        else:
            paths.append(argument)
    if paths.count(STDIN) > 1:
        raise ScheduleError("stdin (-) is named more than once; expected it once at most")
    return paths


def load_caseload(
    arguments: list[str], *, default_timezone: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> list[Schedule]:
    """Load several clients' schedules; a client without a label takes its file's stem.

    Parameters:
        arguments: Files, folders or ``-`` (see `schedule_paths`).
        default_timezone: Zone for files that name none (default: the machine's).
        limits: How large each schedule may be (see `kapplan.model.limits`).

    Returns:
        The schedules, in order, each with a distinct `client` label.

    Raises:
        ScheduleError: Located, on any problem in any file, or when two clients
            share a label.
    """
    schedules: list[Schedule] = []
    seen: dict[str, str] = {}
    for path in schedule_paths(arguments):
        schedule = load_schedule(path, default_timezone=default_timezone, limits=limits)
        schedules.append(label_client(schedule, path, seen))
    return schedules


def label_client(schedule: Schedule, path: str, seen: dict[str, str]) -> Schedule:
    """Label a client of a caseload: its `client`, else its file's stem; labels must differ.

    Parameters:
        schedule: The client's valid schedule.
        path: Its file, or ``-`` for stdin (labelled ``stdin``).
        seen: The labels given so far, with their files; this one is added.

    Returns:
        The schedule, with its label as `client`.

    Raises:
        ScheduleError: When another schedule of the caseload has the same label.
    """
    if not schedule.client:
        stem = "stdin" if path == STDIN else Path(path).stem
        schedule = schedule.model_copy(update={"client": stem})
    name = "<stdin>" if path == STDIN else path
    if schedule.client in seen:
        raise ScheduleError(
            f"client {schedule.client!r} is also the label of {seen[schedule.client]}; "
            "expected a distinct client label per schedule",
            source=name,
            field="client",
        )
    seen[schedule.client] = name
    return schedule


def load_therapist(
    path: str, schedules: list[Schedule], limits: Limits = DEFAULT_LIMITS
) -> TherapistHours:
    """Load a therapist file (and the busy calendar it names) for planning a caseload.

    Parameters:
        path: The therapist file (TOML with a ``[therapist]`` table).
        schedules: The clients' schedules: their doses bound how much of the busy
            calendar is read.
        limits: The limits the schedules were loaded with.

    Returns:
        What the engine needs of the therapist.

    Raises:
        KapplanError: Located, on any problem in the therapist file or its calendar.
    """
    from kapplan.model.therapist import TherapistFile

    name, text = read_text(path)
    therapist = _validate(
        TherapistFile, parse_toml(text, name), text, name, ScheduleError
    ).therapist
    return therapist_hours(
        therapist, path, [d.start for s in schedules for d in s.doses(limits)[0]]
    )


def therapist_hours(therapist: Therapist, path: str, starts: list[datetime]) -> TherapistHours:
    """Read what a valid therapist file leaves to read (its busy calendar) for the engine.

    Parameters:
        therapist: The ``[therapist]`` table, validated.
        path: The therapist file: a relative ``busy_calendar`` is relative to it.
        starts: When the clients' doses start (at least one): they bound how much
            of the busy calendar is read.

    Returns:
        What the engine needs of the therapist.

    Raises:
        KapplanError: Located, on any problem in the busy calendar.
    """
    from kapplan.formats.busy import read_busy_calendar

    busy = list(therapist.busy_intervals())
    if therapist.busy_calendar:
        calendar = str(Path(path).parent / therapist.busy_calendar)
        first, last = min(starts), max(starts)
        # Sessions fall from a week before the first dose to the end of the long arc.
        horizon = (first - timedelta(days=60), last + timedelta(days=31 * 14))
        calendar_name, calendar_text = read_text(calendar, what="an .ics calendar file")
        busy += read_busy_calendar(
            calendar_text,
            calendar_name,
            start=horizon[0],
            end=horizon[1],
            default_zone=therapist.zone,
        )
    return TherapistHours(
        zone=therapist.zone,
        weekdays=therapist.weekdays,
        ranges=therapist.working_ranges(),
        days_off=therapist.days_off_dates,
        busy=tuple(busy),
        buffer=timedelta(minutes=therapist.buffer_minutes),
        max_per_day=therapist.max_sessions_per_day,
        session_minutes=therapist.session_minutes,
    )
