"""How a run of kapplan ends early: a user's mistake, Ctrl-C, or a reader gone away.

Every such ending is decided here, once: `run` guards the whole program (the
command line's import included), and `ended` says what a stop means, one line
on stderr and an exit status:

- a `KapplanError`: ``kapplan: error: <its line>``, status 2 (or its own), its
  control characters written out (`kapplan.characters.visible`);
- Ctrl-C: ``kapplan: interrupted``, status 130, said once wherever it lands;
- a closed pipe (``kapplan plan s.toml | head -1``): nothing, status 0, as Unix
  tools do.

Imports only the standard library, `kapplan.characters` and `kapplan.errors`, so it guards the
start-up too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable

from kapplan.characters import visible
from kapplan.errors import KapplanError

#: Set once "interrupted" has been said, so Ctrl-C prints one line wherever it lands.
_interrupted: list[bool] = []


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
        return 130
    _quiet_stdout()
    return 0


def run(program: Callable[[], None]) -> None:
    """Run the program, ending every stop the same way (see the module docstring).

    Parameters:
        program: Imports and runs the command line.
    """
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
    status = 0
    try:
        try:
            program()
        except (KapplanError, KeyboardInterrupt, BrokenPipeError) as stop:
            status = ended(stop)
        finally:
            # The run is over: a Ctrl-C now must not interrupt the final flush.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except BaseException:
        # Once Ctrl-C has been said, whatever surfaces is its echo: Typer's own exit,
        # a Ctrl-C just before the line above, or the RuntimeError Python wraps around
        # one that lands in a class being built (`__set_name__`).
        if not _interrupted:
            raise
    if _interrupted:
        _exit_interrupted()
    sys.exit(status)


def _exit_interrupted() -> None:
    """Exit with status 130 now, whatever the interpreter noticed of the Ctrl-C.

    CPython marks a KeyboardInterrupt that passes through code run from a
    string (``exec``, as `dataclasses` and pydantic build their classes while
    kapplan loads) as unhandled, even when it is then caught, and at exit
    kills itself with SIGINT instead of the status asked for. Stop here
    instead, once what was printed is flushed.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(130)


def _say_interrupted() -> None:
    if not _interrupted:
        _interrupted.append(True)
        sys.stderr.write("kapplan: interrupted\n")


def _on_sigint(signum: int, frame: object) -> None:
    # Said here, before a library's own handler (Typer's while parsing options)
    # turns the KeyboardInterrupt into a silent exit.
    _say_interrupted()
    raise KeyboardInterrupt


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the final flush of a closed pipe is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        # A replaced stdout (a test runner's buffer) has no descriptor to redirect.
        pass


__all__ = ["ended", "run"]
