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
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from kapplan.engine import TherapistHours
from kapplan.errors import KapplanError, RulebookError, ScheduleError
from kapplan.i18n import LANGUAGES, Catalogue, catalogue
from kapplan.rules import Rulebook
from kapplan.schedule import Schedule

STDIN = "-"

_M = TypeVar("_M", bound=BaseModel)

#: Schedule files larger than this are refused before parsing.
MAX_BYTES = 10 * 1024 * 1024


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
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        message = str(problem)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise error(f"not valid TOML: {detail}", source=name, line=line) from None
    except RecursionError:
        raise error("not valid TOML: nested too deeply", source=name) from None


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
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def load_schedule(path: str, *, default_timezone: str | None = None) -> Schedule:
    """Load and fully check a schedule file (doses expanded once to find errors).

    Parameters:
        path: A file path, or ``-`` for stdin.
        default_timezone: Zone when the file names none (default: the machine's).

    Returns:
        The validated schedule.

    Raises:
        ScheduleError: Located, on any problem.
    """
    name, text = read_text(path)
    return schedule_from_text(text, name, default_timezone=default_timezone)


def schedule_from_text(text: str, name: str, *, default_timezone: str | None = None) -> Schedule:
    """Validate schedule text (see `load_schedule`).

    Parameters:
        text: The TOML text.
        name: File name for messages.
        default_timezone: Zone when the file names none (default: the machine's).

    Returns:
        The validated schedule.

    Raises:
        ScheduleError: Located, on any problem.
    """
    data = parse_toml(text, name)
    if "timezone" not in data:
        data["timezone"] = default_timezone or machine_timezone()
    schedule = _validate(Schedule, data, text, name, ScheduleError)
    try:
        schedule.doses()
    except ScheduleError as problem:
        raise problem.located(source=name, line=_line_of_field(text, problem.field)) from None
    return schedule


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


def rulebook_from_text(text: str, name: str) -> Rulebook:
    """Validate rulebook text.

    Parameters:
        text: The TOML text.
        name: File name for messages.

    Returns:
        The rulebook.

    Raises:
        RulebookError: Located, on any problem.
    """
    return _validate(Rulebook, parse_toml(text, name, RulebookError), text, name, RulebookError)


def _validate(
    model: type[_M], data: dict[str, Any], text: str, name: str, error: type[KapplanError]
) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        first = problem.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        raise error(
            _message(model, first),
            source=name,
            field=field_path(loc),
            line=_line_of(text, loc),
        ) from None


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
        elif part.startswith(("function-", "lax-", "json-", "union")) or part in ("int", "str"):
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
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
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


def _line_of_field(text: str, path: str | None) -> int | None:
    """Find the line of a dotted field path as `Schedule.doses` names them."""
    if not path:
        return None
    match = re.match(r"^(\w+)\[(\d+)\](?:\.(\w+))?", path)
    if not match:
        return _line_of(text, (path,))
    name, index, key = match.groups()
    loc: tuple[int | str, ...] = (name, int(index) - 1) + ((key,) if key else ())
    return _line_of(text, loc)


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Find the TOML line that holds `loc`, as well as plain TOML allows; None if unsure."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
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


def load_caseload(arguments: list[str], *, default_timezone: str | None = None) -> list[Schedule]:
    """Load several clients' schedules; a client without a label takes its file's stem.

    Parameters:
        arguments: Files, folders or ``-`` (see `schedule_paths`).
        default_timezone: Zone for files that name none (default: the machine's).

    Returns:
        The schedules, in order, each with a distinct `client` label.

    Raises:
        ScheduleError: Located, on any problem in any file, or when two clients
            share a label.
    """
    schedules: list[Schedule] = []
    seen: dict[str, str] = {}
    for path in schedule_paths(arguments):
        schedule = load_schedule(path, default_timezone=default_timezone)
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
        schedules.append(schedule)
    return schedules


def load_therapist(path: str, schedules: list[Schedule]) -> TherapistHours:
    """Load a therapist file (and the busy calendar it names) for planning a caseload.

    Parameters:
        path: The therapist file (TOML with a ``[therapist]`` table).
        schedules: The clients' schedules: their doses bound how much of the busy
            calendar is read.

    Returns:
        What the engine needs of the therapist.

    Raises:
        KapplanError: Located, on any problem in the therapist file or its calendar.
    """
    from kapplan.busy import read_busy_calendar
    from kapplan.therapist import TherapistFile

    name, text = read_text(path)
    therapist = _validate(
        TherapistFile, parse_toml(text, name), text, name, ScheduleError
    ).therapist
    busy = list(therapist.busy_intervals())
    if therapist.busy_calendar:
        calendar = str(Path(path).parent / therapist.busy_calendar)
        starts = [dose.start for s in schedules for dose in s.doses()[0]]
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
