"""Reading input: a file or stdin, as UTF-8 text, within the size limit.

Every file kapplan reads (schedules, rulebooks, therapist files, calendars,
earlier exports, the config file) comes through `read_text` or `read_bytes`:
regular files and stdin only, at most `kapplan.model.limits.MAX_FILE_BYTES`
(or the caller's limit), and every problem is one located `KapplanError`.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from kapplan.errors import KapplanError, OutputError, ScheduleError
from kapplan.model.limits import MAX_EXPORT_BYTES, MAX_FILE_BYTES

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


def stdin_is_empty() -> bool:
    """Tell whether standard input is closed or at its end, without consuming what it holds.

    A pipe is waited on until its writer sends something or closes it, as reading
    it would be; what it sends stays there for `read_bytes`.

    Returns:
        True when stdin is closed or holds nothing more.
    """
    stdin = sys.stdin
    if stdin is None:
        return True
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return False  # text only: read_bytes will say what it finds
    peek = getattr(buffer, "peek", None)
    if peek is not None:
        try:
            return not peek(1)
        except (OSError, ValueError):
            return False  # read_bytes names the problem
    if buffer.seekable():
        here = buffer.tell()
        empty = not buffer.read(1)
        buffer.seek(here)
        return empty
    return False


def read_bytes(
    path: str,
    error: type[KapplanError] = ScheduleError,
    what: str = "a TOML file",
    limit: int = MAX_FILE_BYTES,
    *,
    regular: bool = False,
) -> bytes:
    """Read a file, or stdin for ``-``, refusing more than `limit` bytes.

    Parameters:
        path: A file path, or ``-`` for standard input.
        error: The error class to raise.
        what: What the file should be, for messages.
        limit: The most bytes accepted.
        regular: Accept a regular file only (no stdin, FIFO or device); the file is
            opened without blocking, so a FIFO is refused rather than waited on.

    Returns:
        The bytes.

    Raises:
        KapplanError: When the file is missing, a folder, unreadable, too large, stdin
            while it is closed, or (with `regular`) not a regular file.
    """
    name = display_name(path)
    try:
        if path == STDIN and not regular:
            if sys.stdin is None:
                raise error(f"stdin is closed; expected {what} on stdin", source=name)
            data = sys.stdin.buffer.read(limit + 1)
        elif regular:
            data = _read_regular(path, error, what, limit)
        else:
            with open(path, "rb") as handle:
                data = read_most(handle, limit)
    except FileNotFoundError:
        stdin = "" if regular else ", or - for stdin"
        raise error(f"no such file; expected a path to {what}{stdin}", source=name) from None
    except IsADirectoryError:
        raise error(f"is a folder; expected {what}", source=name) from None
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror or problem}", source=name) from None
    if len(data) > limit:
        raise error(f"larger than {limit // (1024 * 1024)} MiB; expected {what}", source=name)
    return data


def _read_regular(path: str, error: type[KapplanError], what: str, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes of a regular file; refuse anything else unread."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            if stat.S_ISDIR(os.fstat(descriptor).st_mode):
                raise IsADirectoryError
            raise error(f"is not a regular file; expected {what}", source=path)
        return read_most(handle, limit)


def read_most(handle: BinaryIO, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes of an open file (an input, a vdir's item).

    A read of ``limit + 1`` asks for a buffer that large for every file, a caseload's
    thousand small ones too: the size the file has, and one byte more, is asked for
    first, and the rest only when that byte came (the file grew, or its size says
    nothing, as for a FIFO or /proc).
    """
    size = os.fstat(handle.fileno()).st_size
    data = handle.read(min(size, limit) + 1)
    if size < len(data) <= limit:
        data += handle.read(limit + 1 - len(data))
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


def read_own_output(path: Path, owned_marker: bytes, limit: int = MAX_EXPORT_BYTES) -> bytes | None:
    """Return an earlier output of kapplan at path, or None when there is none.

    Used to find the earlier export that ``-o`` is about to replace (e.g. for
    SEQUENCE bumps in .ics). Only a regular file is read (a FIFO or a device
    is refused unopened), and only up to `limit` (an export's own, larger than an
    input's: kapplan's calendar of a big caseload must be read back when exported again).

    Parameters:
        path: The output path.
        owned_marker: Bytes kapplan's output of this kind starts with.
        limit: The most bytes read.

    Returns:
        The file's bytes when it exists and starts with the marker, else None.

    Raises:
        OutputError: When the path is a FIFO, a device or a socket, or the file
            cannot be read, or it is kapplan's and larger than `limit`.
    """
    refuse_unwritable(path)
    try:
        data = _read_regular(str(path), OutputError, "an earlier kapplan export", limit)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as problem:
        raise OutputError(
            f"cannot read the earlier output ({problem.strerror or problem})", source=str(path)
        ) from None
    if not data.startswith(owned_marker):
        return None
    if len(data) > limit:
        raise OutputError(
            f"larger than {limit // (1024 * 1024)} MiB; expected an earlier kapplan export "
            "(move it away, or choose another output file)",
            source=str(path),
        )
    return data


def refuse_unwritable(path: Path) -> None:
    """Refuse an output path that is a FIFO, a device or a socket, without opening it.

    A folder is left to the writer, which names it (or, for a vdir, writes into it).

    Parameters:
        path: The ``-o`` path (a symlink is followed).

    Raises:
        OutputError: For a FIFO, a device or a socket.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # absent, or an error the write itself will name
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise OutputError(
            "is not a regular file; give a file name, or omit -o to write to stdout",
            source=str(path),
        )


__all__ = [
    "STDIN",
    "decode_text",
    "display_name",
    "read_bytes",
    "read_most",
    "read_own_output",
    "read_text",
    "refuse_unwritable",
    "stdin_is_empty",
]
