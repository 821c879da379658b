"""How a run of kapplan ends early: a user's mistake, Ctrl-C, or a reader gone away.

Every such ending is decided here, once: `run` guards the whole program (the
command line's import included), and `ended` says what a stop means, one line
on stderr and an exit status:

- a `KapplanError`: ``kapplan: error: <its line>``, status 2 (or its own), its
  control characters written out (`kapplan.characters.visible`);
- Ctrl-C: ``kapplan: interrupted``, status 130, said once wherever it lands;
- a closed pipe (``kapplan plan s.toml | head -1``): nothing, status 0, as Unix
  tools do;
- SIGTERM or SIGHUP: as Ctrl-C (a temporary file removed, one line), status
  128 + the signal's number (143, 129);
- stdout that cannot be written (``>/dev/full``, closed with ``>&-``):
  ``kapplan: error: cannot write to stdout: <why>``, status 74 (``EX_IOERR`` of
  sysexits.h): the output is incomplete, which no exit status of a command's
  own should hide.

Standard output is always UTF-8, whatever the locale or ``PYTHONIOENCODING``
says: what kapplan prints is a UTF-8 document (JSON, iCalendar, HTML) or text
with names and dashes in it, and the bytes on stdout are the bytes ``-o``
writes to a file.

Imports only the standard library, `kapplan.characters` and `kapplan.errors`, so it guards the
start-up too.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

from kapplan.characters import visible
from kapplan.errors import KapplanError

#: The signal that stopped the run, once "interrupted" has been said, so it prints one
#: line wherever it lands.
_interrupted: list[int] = []

#: What Python does with an exception it cannot raise, for everything but a Ctrl-C.
_print_unraisable = sys.unraisablehook

#: Exit status when stdout cannot be written: EX_IOERR of sysexits.h.
STDOUT_FAILED = 74

#: What each stopping signal says.
_SAID: dict[int, str] = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "terminated (SIGTERM)",
    **({signal.SIGHUP: "hung up (SIGHUP)"} if hasattr(signal, "SIGHUP") else {}),
}


class StdoutUnwritable(OSError):
    """Standard output cannot be written (full, closed, failing): the run's output is lost."""


class _Stdout(io.RawIOBase):
    """File descriptor 1, its write errors told apart from any other file's."""

    def __init__(self, closed: bool) -> None:
        super().__init__()
        self._gone = closed
        #: The reader went away: what is still buffered is dropped, not written.
        self._discard = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return 1

    def isatty(self) -> bool:
        return not self._gone and os.isatty(1)

    def write(self, data: object) -> int:
        if self._discard:
            return memoryview(data).nbytes  # type: ignore[arg-type]
        if self._gone:
            raise StdoutUnwritable(errno.EBADF, "it is closed")
        try:
            return os.write(1, data)  # type: ignore[arg-type]
        except BrokenPipeError:
            raise
        except OSError as problem:
            raise StdoutUnwritable(problem.errno, problem.strerror) from None


def ended(stop: BaseException) -> int:
    """Say why the run stops (one line on stderr, or nothing) and return its exit status.

    Parameters:
        stop: A `KapplanError`, `KeyboardInterrupt` or `BrokenPipeError`.

    Returns:
        The exit status.
    """
    if isinstance(stop, KapplanError):
        # Its line names files and fields; whatever a subclass says, nothing raw gets out.
        sys.stderr.write(f"kapplan: error: {visible(str(stop))}\n")
        return stop.exit_code
    if isinstance(stop, KeyboardInterrupt):
        _say_interrupted()
        return 128 + _interrupted[0]
    _quiet_stdout()
    return 0


def run(program: Callable[[], None]) -> None:
    """Run the program, ending every stop the same way (see the module docstring).

    Parameters:
        program: Imports and runs the command line.
    """
    for signum in _SAID:
        if signal.getsignal(signum) in (signal.default_int_handler, signal.SIG_DFL):
            signal.signal(signum, _on_signal)
    sys.unraisablehook = _unraisable
    status: int | str | None = 0
    try:
        try:
            # Inside: a Ctrl-C from here on is said as one line, however early.
            _utf8_stdout()
            program()
        except (KapplanError, KeyboardInterrupt, BrokenPipeError) as stop:
            status = ended(stop)
        except SystemExit as done:
            status = done.code
        except StdoutUnwritable as problem:
            status = _unwritable(problem)
        finally:
            # The run is over: a Ctrl-C now must not interrupt the final flush.
            for signum in _SAID:
                signal.signal(signum, signal.SIG_IGN)
    except BaseException:
        # Once Ctrl-C has been said, whatever surfaces is its echo: Typer's own exit,
        # a Ctrl-C just before the line above, or the RuntimeError Python wraps around
        # one that lands in a class being built (`__set_name__`).
        if not _interrupted:
            raise
    if _interrupted:
        _exit_interrupted()
    sys.exit(_flushed(status))


def _utf8_stdout() -> None:
    """Make the process's stdout UTF-8, its failures `StdoutUnwritable`; a closed one too.

    A stdout the caller replaced (a test's buffer) is left as it is.
    """
    if sys.stdout is not None and (sys.stdout is not sys.__stdout__ or _stdout_wrapped(sys.stdout)):
        return
    closed = sys.stdout is None
    if closed:
        # Keep descriptor 1 taken, so no file opened later becomes "stdout".
        with contextlib.suppress(OSError):
            descriptor = os.open(os.devnull, os.O_WRONLY)
            if descriptor != 1:
                os.dup2(descriptor, 1)
                os.close(descriptor)
    elif sys.stdout is not None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stdout.flush()
    line_buffering = bool(getattr(sys.stdout, "line_buffering", False))
    stream = io.TextIOWrapper(
        io.BufferedWriter(_Stdout(closed)),
        encoding="utf-8",
        newline="\n",
        line_buffering=line_buffering,
    )
    # sys.__stdout__ keeps the original alive: collected, it would close descriptor 1.
    sys.stdout = stream


def _stdout_wrapped(stream: object) -> bool:
    """Tell whether `stream` is the stdout `_utf8_stdout` made."""
    return isinstance(getattr(getattr(stream, "buffer", None), "raw", None), _Stdout)


def _flushed(status: int | str | None) -> int | str | None:
    """Flush stdout before the interpreter does; a failure changes the exit status."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except StdoutUnwritable as problem:
        return _unwritable(problem)
    return status


def _unwritable(problem: StdoutUnwritable) -> int:
    """Say that stdout cannot be written, and drop what it still holds."""
    sys.stderr.write(f"kapplan: error: cannot write to stdout: {problem.strerror}\n")
    _quiet_stdout()
    return STDOUT_FAILED


def _exit_interrupted() -> None:
    """Exit with status 130 now, whatever the interpreter noticed of the Ctrl-C.

    CPython marks a KeyboardInterrupt that passes through code run from a
    string (``exec``, as `dataclasses` and pydantic build their classes while
    kapplan loads) as unhandled, even when it is then caught, and at exit
    kills itself with SIGINT instead of the status asked for. Stop here
    instead, once what was printed is flushed.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(128 + _interrupted[0])


def _say_interrupted(signum: int = signal.SIGINT) -> None:
    if not _interrupted:
        _interrupted.append(int(signum))
        sys.stderr.write(f"kapplan: {_SAID.get(signum, 'interrupted')}\n")


def _on_signal(signum: int, frame: object) -> None:
    # Said here, before a library's own handler (Typer's while parsing options)
    # turns the KeyboardInterrupt into a silent exit. SIGTERM and SIGHUP stop the
    # run as Ctrl-C does, so a temporary file is removed on the way out.
    _say_interrupted(signum)
    raise KeyboardInterrupt


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """Pass on the Ctrl-C a weak-reference callback or finaliser swallowed.

    A signal that lands while such a callback runs (the import system's module
    locks have one) raises its KeyboardInterrupt where Python can only print it
    as "Exception ignored" and go on, so the run would finish and write its
    output after all. Instead it is raised again at the program's next call or
    return, through a profile function, as the interpreter lets one do.
    """
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and _interrupted:
        sys.setprofile(_interrupt_again)
        return
    _print_unraisable(unraisable)


def _interrupt_again(frame: FrameType, event: str, arg: object) -> None:
    if frame.f_code is _unraisable.__code__:
        return  # still in the hook: the program's own code comes next
    sys.setprofile(None)
    raise KeyboardInterrupt


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the final flush of a closed pipe is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != sys.stdout.fileno():
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        raw = getattr(getattr(sys.stdout, "buffer", None), "raw", None)
        if isinstance(raw, _Stdout):
            # The pieces of a streamed document still buffered go nowhere, and the
            # interpreter's last flush has nothing left to fail on.
            raw._gone = False
            raw._discard = True
    except (OSError, ValueError, AttributeError):
        # A replaced stdout (a test runner's buffer) has no descriptor to redirect.
        pass


__all__ = ["STDOUT_FAILED", "StdoutUnwritable", "ended", "run"]
