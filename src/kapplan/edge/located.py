"""Located errors: a TOML or validation problem becomes one line naming file, line and field.

Parsing and validating are where bytes meet the models: `parse_toml` turns a
syntax error into a `KapplanError` with its line, and `check_model` turns
every problem pydantic finds into one, with the field path
(``infusion[2].method``) and, where plain TOML allows finding it, the line.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kapplan.errors import KapplanError, ScheduleError
from kapplan.model.limits import MAX_KEY_DEPTH
from kapplan.model.rulebook import RULE_FIELD_ERROR

_M = TypeVar("_M", bound=BaseModel)


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
        if line is not None:
            detail = _without_seconds(text.splitlines()[line - 1 : line]) or detail
        raise error(f"not valid TOML: {detail}", source=name, line=line, column=column) from None
    except RecursionError:
        raise error("not valid TOML: nested too deeply", source=name) from None


#: A key set to a TOML date and time whose time has hours and minutes only (TOML 1.0,
#: which Python 3.11's tomllib reads, requires the seconds): the value up to the minutes.
_NO_SECONDS = re.compile(
    r"(\s*[A-Za-z0-9_.\"' -]+=\s*\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2})(?![:\d])(.*)"
)


def _without_seconds(lines: list[str]) -> str | None:
    """Say what TOML wants of a date and time written without seconds, with the line fixed."""
    found = _NO_SECONDS.fullmatch(lines[0]) if lines else None
    if found is None:
        return None
    fixed = f"{found[1]}:00{found[2].split('#')[0]}".strip()  # a comment left out
    return f"a TOML date and time needs its seconds (HH:MM:SS); expected {' '.join(fixed.split())}"


#: A run of more than MAX_KEY_DEPTH dotted key parts, bare or quoted (see `kapplan.model.limits`).
#: Linear in the text: a match starts only where a bare part can (not inside a run
#: of key characters, which every start would otherwise scan again: 65 s for an
#: 80,000-character comment), and no quantifier gives back what it took.
_DEEP_KEY = re.compile(
    r"(?<![A-Za-z0-9_-])"
    rf"""(?:(?:[A-Za-z0-9_-]++|"[^"\n]*+"|'[^'\n]*+')[ \t]*+\.[ \t]*+){{{MAX_KEY_DEPTH}}}"""
)


def validate_model(
    model: type[_M],
    data: dict[str, Any],
    text: str,
    name: str,
    error: type[KapplanError],
    *,
    items: dict[str, tuple[int | None, ...]] | None = None,
) -> _M:
    """Validate data, turning the first problem into a located error (see `check_model`).

    Returns:
        The model.

    Raises:
        KapplanError: Of class `error`, the first problem in file order.
    """
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
            loc = tuple(_KEYS.get(p, p) if isinstance(p, str) else p for p in found["loc"])
            if found["type"] == RULE_FIELD_ERROR:
                # A rule's fields disagree: the error names the key to fix (and the rule,
                # when the whole rulebook's validator found it).
                context = found.get("ctx") or {}
                if "item" in context:
                    loc = ("rule", context["item"])
                loc = (*loc, context["field"])
            origins = (items or {}).get(str(loc[0])) if loc else None
            if origins and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(origins):
                index = origins[loc[1]]
                loc = (loc[0], loc[1] if index is None else index, *loc[2:])
            problem = error(
                _message(model, found),
                source=name,
                field=field_path(loc),
                line=line_of(text, loc),
            )
            problems.setdefault((problem.field, problem.line), problem)
        # In file order (problems without a line last), so the first is the one
        # a reader meets first.
        ordered = sorted(problems.values(), key=lambda p: (p.line is None, p.line or 0))
        return None, ordered


#: Fields a model fills from another key (`busy = { caldav = … }` fills `remote_busy`):
#: a problem is named by the key the file has.
_KEYS = {"remote_busy": "busy"}


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
        return line_of(text, tuple(path.split(".")))
    name, index, key = match.groups()
    loc: tuple[int | str, ...] = (name, int(index) - 1) + ((key,) if key else ())
    return line_of(text, loc)


def line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Find the TOML line that holds `loc`, as well as plain TOML allows; None if unsure."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    if len(keys) > 1 and not any(isinstance(p, int) for p in loc):
        # A sub-table written as its own header, e.g. [methods.iv].
        dotted = rf"^\s*\[\s*{re.escape(keys[0])}\.{re.escape(keys[1])}\s*\]"
        if re.search(dotted, text, re.MULTILINE):
            keys = [f"{keys[0]}.{keys[1]}", *keys[2:]]
    # An index right after the first key is an item of an array of tables
    # ([[infusion]]); one further on is an item of a key's value (days_off = [...]),
    # found at that key's line.
    table = keys[0]
    item = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
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


__all__ = ["check_model", "field_path", "line_of", "line_of_field", "parse_toml", "validate_model"]
