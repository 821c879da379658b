"""What a command needs of the shell it runs in: the environment, stdout, the terminal.

The config file, this machine's zone and the clock are read here, once per
command, and passed down to `kapplan.api` as an `Environment`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from kapplan.api import Environment

#: The variable that fixes today's date, for scripts and tests (``KAPPLAN_TODAY=2027-01-15``).
TODAY_VARIABLE = "KAPPLAN_TODAY"


def environment(*, clock: bool = False, today: bool = False) -> Environment:
    """Read what kapplan needs of the world it runs in, once per command.

    Parameters:
        clock: Read the clock too (only the commands that use it do).
        today: Read today's date too (`today_date`).

    Returns:
        The user's config file, this machine's zone, and the time and date when asked for.

    Raises:
        ConfigError: Located, when the config file is unreadable or invalid.
        KapplanError: When ``KAPPLAN_TODAY`` is set but is not a date.
    """
    from kapplan.api import load_config, machine_timezone

    return Environment(
        configuration=load_config(),
        machine_zone=machine_timezone(),
        now=datetime.now(UTC) if clock else None,
        today=today_date() if today else None,
    )


def named_or_stdin(files: list[str] | None) -> list[str]:
    """Return the files a command was given, or ``-`` (stdin) when none was and stdin is not
    a terminal: ``kapplan plan < course.toml`` reads the schedule from stdin.

    Parameters:
        files: The files the command line named (none, or an empty list).

    Returns:
        The files, or ``["-"]``.

    Raises:
        UsageError: "missing argument" when none is named and stdin is a terminal
            (or closed): one line, as every usage mistake.
        KapplanError: When none is named and stdin is empty.
    """
    from typer._click import exceptions as click
    from typer._click.globals import get_current_context

    from kapplan.edge.files import STDIN, stdin_is_empty
    from kapplan.errors import KapplanError

    if files:
        return files
    if sys.stdin is None or sys.stdin.isatty():
        ctx = get_current_context()
        argument = next(p for p in ctx.command.params if p.param_type_name == "argument")
        raise click.MissingParameter(ctx=ctx, param=cast(Any, argument))
    if stdin_is_empty():
        raise KapplanError(
            "no schedule named and stdin is empty; expected a file name, or a schedule "
            "piped to stdin (kapplan plan < course.toml)"
        )
    return [STDIN]


def today_date() -> date:
    """Return today's date: ``KAPPLAN_TODAY`` when set (scripts and tests fix it so), else
    this machine's local date.

    Returns:
        The date.

    Raises:
        KapplanError: When ``KAPPLAN_TODAY`` is not a date (YYYY-MM-DD).
    """
    fixed = os.environ.get(TODAY_VARIABLE)
    if fixed is None:
        return date.today()
    try:
        return date.fromisoformat(fixed.strip())
    except ValueError:
        from kapplan.errors import KapplanError

        raise KapplanError(
            f"cannot read {fixed!r}; expected a date, YYYY-MM-DD (or unset it for today)",
            field=TODAY_VARIABLE,
        ) from None


def emit(data: bytes | str | Iterable[bytes], output: Path | None = None, **options: Any) -> None:
    """Print data on stdout, or write it to `output` (atomically, see `kapplan.api.write`).

    Parameters:
        data: The document; bytes are written as they are (an .ics keeps its CRLF),
            and so are pieces of bytes, one by one (a streamed document).
        output: The file, or None for stdout.
        **options: `force`, `owned_marker` and `inputs`, for a file.
    """
    if output is not None:
        from kapplan.api import write

        write(data, output, **options)
        return
    if isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    elif isinstance(data, str):
        sys.stdout.write(data)
    else:
        for piece in data:
            sys.stdout.buffer.write(piece)
    sys.stdout.flush()


def layout(output: Path | None) -> tuple[int, bool]:
    """Return the width to lay text out for, and whether to colour it.

    The width is ``COLUMNS`` when it is set to a positive number; else the size
    of the terminal that the first of stdout, stderr and stdin is (so ``| less``
    in a terminal lays out for that terminal); else 80. It is kept within 60 to
    140 (`MIN_WIDTH`, `MAX_WIDTH`); the views drop columns, in an order each
    states, rather than break words at the narrow end. Colour only when stdout
    itself is a terminal, without ``NO_COLOR``.

    Parameters:
        output: The output file, if any (a file is never coloured).

    Returns:
        Columns, and colour or not.
    """
    to_terminal = output is None and sys.stdout.isatty()
    return terminal_width(), to_terminal and "NO_COLOR" not in os.environ


#: The narrowest and widest layouts; a narrower or wider terminal gets these.
MIN_WIDTH, MAX_WIDTH = 60, 140
#: The width when neither ``COLUMNS`` nor a terminal says one.
DEFAULT_WIDTH = 80


def terminal_width() -> int:
    """Return the columns to lay text out for (see `layout`), within 60 to 140.

    Returns:
        ``COLUMNS`` if a positive number, else the terminal's width, else 80.
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        width = _tty_columns() or DEFAULT_WIDTH
    return max(MIN_WIDTH, min(width, MAX_WIDTH))


def _tty_columns() -> int | None:
    """Return the width of the terminal that stdout, stderr or stdin is, the first that is."""
    for stream in (sys.stdout, sys.stderr, sys.stdin):
        try:
            descriptor = stream.fileno()
        except (AttributeError, ValueError, OSError):  # replaced, closed or in memory
            continue
        if not os.isatty(descriptor):
            continue
        try:
            columns = os.get_terminal_size(descriptor).columns
        except OSError:
            continue
        if columns > 0:
            return columns
    return None


__all__ = [
    "TODAY_VARIABLE",
    "emit",
    "environment",
    "layout",
    "named_or_stdin",
    "terminal_width",
    "today_date",
]
