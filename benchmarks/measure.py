"""Run commands as whole processes and measure them: wall time and peak memory.

Peak memory is the child's own maximum resident set size, as the kernel
reports it to the parent that waits for it (``os.wait4``'s ``ru_maxrss``);
the benchmarks never measure memory in-process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The kapplan console script installed beside this Python (the venv's).
KAPPLAN = str(Path(sys.executable).parent / "kapplan")
#: The children's environment: Python's usual bytecode cache on, as `pip install`
#: leaves an installed kapplan (a warm-up run writes ``__pycache__`` for an
#: editable install); without it every kapplan module is compiled on every run.
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Run:
    """One finished process."""

    seconds: float
    """Wall time from start to exit."""
    peak_mb: float
    """Its peak resident memory (MiB)."""


def run(command: Sequence[str], *, stdout: Path | None = None) -> Run:
    """Run a command to completion and measure it.

    Parameters:
        command: The program and its arguments.
        stdout: A file for its standard output (default: discarded).

    Returns:
        Its wall time and peak memory.

    Raises:
        RuntimeError: When it exits with a status other than 0.
    """
    with open(stdout or os.devnull, "wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.PIPE, cwd=ROOT, env=ENVIRONMENT
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {errors.decode()}")
    # Linux reports ru_maxrss in KiB.
    return Run(seconds, usage.ru_maxrss / 1024)


def medians(
    commands: Mapping[str, Sequence[str]], runs: int, *, warmup: int = 2
) -> dict[str, float]:
    """Return the median wall time of each command, runs interleaved.

    Interleaving (a, b, c, a, b, c, ...) spreads any slowdown of a shared
    machine over every command instead of one.

    Parameters:
        commands: Commands by name.
        runs: Measured runs of each.
        warmup: Unmeasured runs of each first (file caches, .pyc files).

    Returns:
        Median seconds by name.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(warmup + runs):
        for name, command in commands.items():
            seconds = run(command).seconds
            if round_number >= warmup:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}
