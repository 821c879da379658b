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
from typing import Any

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

    Colour only on a terminal, without ``NO_COLOR``; the terminal's width there,
    else ``COLUMNS``, else 100, kept within 60 to 140.

    Parameters:
        output: The output file, if any (a file is never coloured).

    Returns:
        Columns, and colour or not.
    """
    to_terminal = output is None and sys.stdout.isatty()
    if to_terminal:
        width = os.get_terminal_size(sys.stdout.fileno()).columns
    else:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else 100
    return max(60, min(width, 140)), to_terminal and "NO_COLOR" not in os.environ


__all__ = ["TODAY_VARIABLE", "emit", "environment", "layout", "today_date"]
