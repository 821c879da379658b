"""Reading input: a file or stdin, as UTF-8 text, within the size limit.

Every file kapplan reads (schedules, rulebooks, therapist files, calendars,
earlier exports, the config file) comes through `read_text` or `read_bytes`:
regular files and stdin only, at most `kapplan.model.limits.MAX_FILE_BYTES`
(or the caller's limit), and every problem is one located `KapplanError`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kapplan.errors import KapplanError, OutputError, ScheduleError
from kapplan.model.limits import MAX_FILE_BYTES

#: The path that names standard input.
STDIN = "-"


def display_name(path: str) -> str:
    """Return how messages name an input: ``<stdin>`` for ``-``, else the path as given.

    Parameters:
        path: A path, or ``-``.

    Returns:
        The name.
    """
    return "<stdin>" if path == STDIN else path


def read_bytes(
    path: str,
    error: type[KapplanError] = ScheduleError,
    what: str = "a TOML file",
    limit: int = MAX_FILE_BYTES,
) -> bytes:
    """Read a file, or stdin for ``-``, refusing more than `limit` bytes.

    Parameters:
        path: A file path, or ``-`` for standard input.
        error: The error class to raise.
        what: What the file should be, for messages.
        limit: The most bytes accepted.

    Returns:
        The bytes.

    Raises:
        KapplanError: When the file is missing, a folder, unreadable or too large.
    """
    name = display_name(path)
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise error(
            f"no such file; expected a path to {what}, or - for stdin", source=name
        ) from None
    except IsADirectoryError:
        raise error(f"is a folder; expected {what}", source=name) from None
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror or problem}", source=name) from None
    if len(data) > limit:
        raise error(f"larger than {limit // (1024 * 1024)} MiB; expected {what}", source=name)
    return data


def decode_text(
    data: bytes, name: str, error: type[KapplanError] = ScheduleError, what: str = "a TOML file"
) -> str:
    """Decode UTF-8 text, dropping a leading BOM, and refuse NUL bytes.

    Parameters:
        data: The bytes.
        name: The input's name, for messages.
        error: The error class to raise.
        what: What the file should be, for messages.

    Returns:
        The text.

    Raises:
        KapplanError: With the line, when the bytes are not UTF-8 or hold a NUL.
    """
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
    return text


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
    data = read_bytes(path, error, what)
    name = display_name(path)
    return name, decode_text(data, name, error, what)


def read_own_output(path: Path, owned_marker: bytes) -> bytes | None:
    """Return an earlier output of kapplan at path, or None when there is none.

    Used to find the earlier export that ``-o`` is about to replace (e.g. for
    SEQUENCE bumps in .ics).

    Parameters:
        path: The output path.
        owned_marker: Bytes kapplan's output of this kind starts with.

    Returns:
        The file's bytes when it exists and starts with the marker, else None.

    Raises:
        OutputError: When the file exists but cannot be read.
    """
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as problem:
        raise OutputError(
            f"cannot read the earlier output ({problem.strerror or problem})", source=str(path)
        ) from None
    return data if data.startswith(owned_marker) else None


__all__ = ["STDIN", "decode_text", "display_name", "read_bytes", "read_own_output", "read_text"]
